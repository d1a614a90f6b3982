"""Signing in and out, roles on views, CSRF and the error pages."""

import re

import pytest

from tests.helpers import login


def test_login_page_renders_with_labelled_fields(client, seeded):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<label class="form-label" for="email">Email</label>' in html
    assert '<label class="form-label" for="password">Password</label>' in html


def test_demo_candidate_signs_in_and_sees_their_home_page(client, seeded):
    response = login(client, "candidate@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Hello, Alex Demo-Candidate" in home.get_data(as_text=True)


@pytest.mark.both_databases
@pytest.mark.parametrize("email", ["candidate@example.com", "nobody@example.com"])
def test_wrong_password_and_unknown_email_get_the_same_clear_message(client, seeded, email):
    response = login(client, email, "not-the-password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "The email or password is not right" in html
    assert client.get("/").status_code == 302


def test_empty_login_form_explains_each_field(client, seeded):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter your email address." in html
    assert "Enter your password." in html
    assert 'aria-describedby="email-error' in html


def test_login_without_csrf_token_is_refused(csrf_app, seeded):
    client = csrf_app.test_client()
    response = login(client, "candidate@example.com")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_with_csrf_token_from_the_form_works(csrf_app, seeded):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": "candidate@example.com", "password": "proficio-demo", "csrf_token": token},
    )
    assert response.status_code == 302


def test_anonymous_visitors_are_sent_to_login(client, seeded):
    response = client.get("/framework/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_candidate_opening_an_admin_page_gets_a_clear_403(candidate_client):
    response = candidate_client.get("/admin/users")
    assert response.status_code == 403
    assert "Your role does not give access to this page" in response.get_data(as_text=True)


def test_next_parameter_never_redirects_off_site(client, seeded):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "candidate@example.com", "password": "proficio-demo"},
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, seeded):
    response = client.post(
        "/login?next=/framework/roles",
        data={"email": "candidate@example.com", "password": "proficio-demo"},
    )
    assert response.headers["Location"] == "/framework/roles"


def test_logout_ends_the_session(candidate_client):
    assert candidate_client.get("/").status_code == 200
    response = candidate_client.post("/logout")
    assert response.status_code == 302
    assert candidate_client.get("/").status_code == 302


def test_logout_is_not_possible_by_get(candidate_client):
    assert candidate_client.get("/logout").status_code == 405
    assert candidate_client.get("/").status_code == 200


def test_password_change_ends_other_sessions(candidate_client, db_session):
    from core.users import get_user_by_email

    user = get_user_by_email(db_session, "candidate@example.com")
    user.set_password("a-brand-new-password")
    db_session.commit()
    assert candidate_client.get("/").status_code == 302


def test_session_cookie_is_http_only_and_lax(client, seeded):
    response = login(client, "candidate@example.com")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_unknown_page_gets_a_friendly_404(candidate_client):
    response = candidate_client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_errors_answer_json_to_api_clients(candidate_client):
    response = candidate_client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Page not found"


@pytest.mark.fresh_app
def test_unexpected_errors_get_a_500_page_without_details(app, client_for):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client_for("candidate").get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/\\/evil.example",
        "//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/ /evil.example",
        "/\t/evil.example",
        "/\n",  # the fuzz test's: a newline reached the Location header (a 500)
        "\x00/framework",
        "framework/roles",
        "",
    ],
)
def test_the_next_target_is_refused_unless_a_plain_same_site_path(target):
    from webapp.views.auth import safe_next

    assert safe_next(target) is None


def test_a_plain_path_with_a_query_is_followed():
    from webapp.views.auth import safe_next

    assert safe_next("/training/?q=agile%20coach&page=2") == "/training/?q=agile%20coach&page=2"
