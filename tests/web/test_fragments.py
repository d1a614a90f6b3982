"""Page parts served from the fragment cache: fresh when their data changes, and never
carrying another session's CSRF token."""

import re

import sqlalchemy as sa

from core.users import User, get_user_by_email
from tests.factories import make_self_round
from tests.helpers import ROLE_EMAILS, TEST_PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _sign_in_with_csrf(app, email):
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(form).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _page_tokens(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "csrf-token-marker" not in html
    return TOKEN.findall(html)


def test_a_cached_navigation_carries_each_sessions_own_token(csrf_app, seeded):
    email = ROLE_EMAILS["candidate"]
    first = _sign_in_with_csrf(csrf_app, email)
    second = _sign_in_with_csrf(csrf_app, email)
    first_tokens = _page_tokens(first, "/profile/") + _page_tokens(first, "/profile/")
    second_tokens = _page_tokens(second, "/profile/")
    assert first_tokens and second_tokens
    # The second session's page comes from the same cached fragments, with its own token.
    refused = second.post("/logout", data={"csrf_token": first_tokens[-1]})
    assert refused.status_code == 400
    accepted = second.post("/logout", data={"csrf_token": second_tokens[-1]})
    assert accepted.status_code in (302, 303)


def test_the_profile_body_is_rendered_again_when_the_profile_changes(candidate_client, db_session):
    html = candidate_client.get("/profile/").get_data(as_text=True)
    assert re.findall(r"\d+ submitted rounds?", html) == ["0 submitted rounds"]
    make_self_round(db_session, get_user_by_email(db_session, ROLE_EMAILS["candidate"]))
    db_session.commit()
    html = candidate_client.get("/profile/").get_data(as_text=True)
    assert re.findall(r"\d+ submitted rounds?", html) == ["1 submitted round"]


def test_the_navigation_shows_a_changed_name_at_once(candidate_client, db_session):
    candidate_client.get("/profile/")
    db_session.execute(
        sa.update(User).where(User.email == ROLE_EMAILS["candidate"]).values(name="Renamed Person")
    )
    db_session.commit()
    assert "Renamed Person" in candidate_client.get("/profile/").get_data(as_text=True)


def test_the_heatmap_shows_a_new_target_role_at_once(client_for, db_session):
    from assessments.target_roles import choose_target_role
    from competencies.models import RoleProfile

    hr = client_for("hr")
    before = hr.get("/hr/plans/heatmap").get_data(as_text=True).count("Junior IT Project Manager")
    role = db_session.scalar(sa.select(RoleProfile).where(RoleProfile.code == "JITPM"))
    choose_target_role(db_session, get_user_by_email(db_session, ROLE_EMAILS["candidate"]), role.id)
    db_session.commit()
    after = hr.get("/hr/plans/heatmap").get_data(as_text=True).count("Junior IT Project Manager")
    assert after == before + 1
