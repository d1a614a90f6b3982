"""Cases 2, 3 and 17: sessions end for real, answers don't reveal accounts, bodies are bounded."""

from unittest import mock

from tests.helpers import login


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_session_cookie_changes_at_login(client, seeded):
    client.get("/login")
    before = _session_cookie(client)
    login(client, "candidate@example.com")
    assert _session_cookie(client) != before


def test_a_copied_session_cookie_stops_working_after_logout(app, candidate_client):
    stolen = _session_cookie(candidate_client)
    candidate_client.post("/logout")
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/").status_code == 302


def test_logout_ends_the_users_other_sessions(app, client_for):
    laptop = client_for("candidate")
    phone = client_for("candidate")
    laptop.post("/logout")
    assert phone.get("/").status_code == 302


def test_unknown_emails_are_checked_against_a_dummy_hash(client, seeded):
    """The same work is done for an unknown email, so timing does not reveal accounts."""
    with mock.patch("core.users.password_matches", return_value=False) as checked:
        response = login(client, "nobody-here@example.com", "whatever-password")
    assert response.status_code == 401
    checked.assert_called_once()


def test_a_body_over_the_limit_answers_413(app, client, seeded):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/login",
        data={"email": "x" * (limit + 10)},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "larger than allowed" in response.get_data(as_text=True)
