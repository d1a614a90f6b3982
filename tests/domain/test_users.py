"""Accounts: creation rules, authentication and session tokens."""

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.errors import ValidationError
from core.users import Role, authenticate, create_user
from tests.factories import make_user


def test_create_user_normalises_email_and_records_an_audit_event(session):
    user = create_user(
        session, email="  Jo@Example.COM ", name=" Jo ", role="manager", password="a-long-pass-1"
    )
    assert user.email == "jo@example.com"
    assert user.name == "Jo"
    assert user.role_enum is Role.MANAGER
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.after == {"email": "jo@example.com", "name": "Jo", "role": "manager"}
    assert "a-long-pass-1" not in str(event.after)


def test_create_user_rejects_a_duplicate_email_case_insensitively(session):
    make_user(session, email="dup@example.com")
    with pytest.raises(ValidationError) as error:
        make_user(session, email="DUP@example.com")
    assert "already exists" in error.value.problems[0]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"name": "   "}, "name"),
        ({"role": "superuser"}, "Role must be one of"),
        ({"password": "short"}, "at least 10"),
        ({"password": "aaaaaaaaaaaa"}, "different characters"),
    ],
)
def test_create_user_explains_what_is_wrong(session, overrides, fragment):
    with pytest.raises(ValidationError) as error:
        make_user(session, **overrides)
    assert fragment in " ".join(error.value.problems)


def test_authenticate_accepts_the_right_password_only(session):
    user = make_user(session, email="a@example.com", password="right-password-1")
    assert authenticate(session, "A@example.com", "right-password-1") is user
    assert user.last_login_at is not None
    assert authenticate(session, "a@example.com", "wrong-password-1") is None
    assert authenticate(session, "nobody@example.com", "right-password-1") is None


def test_inactive_users_cannot_sign_in(session):
    user = make_user(session, password="right-password-1")
    user.is_active = False
    assert authenticate(session, user.email, "right-password-1") is None


def test_changing_the_password_rotates_the_session_token(session):
    user = make_user(session)
    token = user.session_token
    user.set_password("another-password-2")
    assert user.session_token != token
    assert user.get_id() == f"{user.id}:{user.session_token}"
