"""Administrators manage people."""

from core.users import get_user_by_email


def test_admin_creates_a_user_who_can_sign_in(admin_client, app, db_session):
    response = admin_client.post(
        "/admin/users",
        data={
            "email": "new.manager@example.com",
            "name": "New Manager",
            "role": "manager",
            "password": "a-good-password",
        },
    )
    assert response.status_code == 302
    user = get_user_by_email(db_session, "new.manager@example.com")
    assert user.role == "manager"
    other = app.test_client()
    ok = other.post(
        "/login", data={"email": "new.manager@example.com", "password": "a-good-password"}
    )
    assert ok.status_code == 302


def test_duplicate_email_is_explained_and_nothing_is_written(admin_client, db_session):
    response = admin_client.post(
        "/admin/users",
        data={
            "email": "candidate@example.com",
            "name": "Copy",
            "role": "candidate",
            "password": "a-good-password",
        },
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert get_user_by_email(db_session, "candidate@example.com").name == "Alex Demo-Candidate"


def test_unknown_role_and_short_password_are_form_errors(admin_client, db_session):
    response = admin_client.post(
        "/admin/users",
        data={"email": "x@example.com", "name": "X", "role": "root", "password": "short"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Not a valid choice" in html
    assert "Use 10 to 256 characters." in html
    assert get_user_by_email(db_session, "x@example.com") is None


def test_hr_cannot_manage_users(hr_client):
    assert hr_client.get("/admin/users").status_code == 403
    response = hr_client.post(
        "/admin/users",
        data={
            "email": "y@example.com",
            "name": "Y",
            "role": "admin",
            "password": "a-good-password",
        },
    )
    assert response.status_code == 403
