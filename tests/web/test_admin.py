"""Administrators manage people."""

import pytest

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


@pytest.mark.both_databases
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


def _user_id(db_session, email):
    return get_user_by_email(db_session, email).id


def test_role_change_ends_the_persons_sessions(admin_client, client_for, db_session):
    manager = client_for("manager")
    assert manager.get("/").status_code == 200
    response = admin_client.post(
        f"/admin/users/{_user_id(db_session, 'manager@example.com')}",
        data={"role": "hr", "is_active": "y", "current_password": "proficio-demo"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert get_user_by_email(db_session, "manager@example.com").role == "hr"
    assert manager.get("/").status_code == 302


def test_deactivated_people_cannot_sign_in(admin_client, app, db_session):
    admin_client.post(
        f"/admin/users/{_user_id(db_session, 'candidate2@example.com')}",
        data={"role": "candidate", "current_password": "proficio-demo"},
    )
    response = app.test_client().post(
        "/login", data={"email": "candidate2@example.com", "password": "proficio-demo"}
    )
    assert response.status_code == 401


def test_admins_cannot_remove_their_own_access(admin_client, db_session):
    response = admin_client.post(
        f"/admin/users/{_user_id(db_session, 'admin@example.com')}",
        data={"role": "candidate", "is_active": "y", "current_password": "proficio-demo"},
    )
    assert response.status_code == 422
    assert "cannot remove your own administrator access" in response.get_data(as_text=True)
    db_session.expire_all()
    assert get_user_by_email(db_session, "admin@example.com").role == "admin"


def test_unknown_user_id_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_audit_log_lists_and_filters_events(admin_client, db_session):
    admin_client.post(
        f"/admin/users/{_user_id(db_session, 'manager@example.com')}",
        data={"role": "hr", "is_active": "y", "current_password": "proficio-demo"},
    )
    html = admin_client.get("/admin/audit?action=user.update").get_data(as_text=True)
    assert "user.update" in html and "admin@example.com" in html
    assert "user.create" not in html
    everything = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "user.create" in everything


def test_audit_log_rejects_impossible_filters_with_a_message(admin_client):
    response = admin_client.get("/admin/audit?since=2026-02-30")
    assert response.status_code == 400
    assert "Not a valid date value" in response.get_data(as_text=True)
    response = admin_client.get("/admin/audit?since=2026-03-02&until=2026-03-01")
    assert response.status_code == 400
    assert "must not be before" in response.get_data(as_text=True)
    assert admin_client.get("/admin/audit?page=-3").status_code == 400
    assert admin_client.get("/admin/audit?entity_type=Nope").status_code == 400


def test_audit_log_is_admin_only(hr_client):
    assert hr_client.get("/admin/audit").status_code == 403


def test_role_changes_ask_for_the_admins_own_password(admin_client, db_session):
    """Issue 24: a session left open was enough to change anyone's role."""
    url = f"/admin/users/{_user_id(db_session, 'manager@example.com')}"
    missing = admin_client.post(url, data={"role": "hr", "is_active": "y"})
    wrong = admin_client.post(
        url, data={"role": "hr", "is_active": "y", "current_password": "not-my-password"}
    )
    assert missing.status_code == 400 and wrong.status_code == 400
    assert "That is not your password" in wrong.get_data(as_text=True)
    db_session.expire_all()
    assert get_user_by_email(db_session, "manager@example.com").role == "manager"
