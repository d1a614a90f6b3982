"""Password reset by e-mail: a single-use link, valid for an hour, stored only as a digest.

Asking for a link gives the same answer whatever the address is: only an active, unblocked
account gets a mail, and at most one every few minutes (a repeated request within that time
sends nothing new, so nobody can flood a mailbox through the form). Using the link sets the
new password, ends every session of the account and spends every link it had; a used,
expired or unknown link gets one and the same message.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import record_event
from core.db import Base, UTCDateTime, utcnow
from core.errors import DomainError
from core.users import User, check_password_rules, end_all_sessions, get_user_by_email

RESET_LIFETIME = timedelta(hours=1)
RESEND_AFTER = timedelta(minutes=5)
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100


class ResetLinkInvalidError(DomainError):
    """Unknown, used, expired or for an account that can no longer sign in: not saying which."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(
            "This password reset link is not valid. It may have been used already or be older "
            "than an hour. Ask for a new link on the sign-in page."
        )


class PasswordReset(Base):
    """One reset link for one account; only the token's digest is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_reset(user: User | None) -> bool:
    """Only an active account that an administrator has not blocked gets a link."""
    return user is not None and user.is_active and user.blocked_at is None


def request_reset(session: Session, email: str) -> tuple[User, str] | None:
    """A new link for the account with ``email``: (user, token) to mail, or None when there is
    nothing to send (no such account, one that cannot sign in, or a link sent minutes ago)."""
    user = get_user_by_email(session, email or "")
    if not can_reset(user):
        return None
    now = utcnow()
    recent = session.scalar(
        sa.select(PasswordReset.id).where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > now - RESEND_AFTER,
        )
    )
    if recent is not None:
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_sha256=_digest(token),
            created_at=now,
            expires_at=now + RESET_LIFETIME,
        )
    )
    record_event(session, actor=None, action="user.password_reset.request", entity=user)
    return user, token


def find_reset(session: Session, token: str) -> PasswordReset:
    """The usable link behind ``token``, or ResetLinkInvalidError."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise ResetLinkInvalidError()
    reset = session.scalar(
        sa.select(PasswordReset).where(PasswordReset.token_sha256 == _digest(token))
    )
    if (
        reset is None
        or reset.used_at is not None
        or utcnow() >= reset.expires_at
        or not can_reset(reset.user)
    ):
        raise ResetLinkInvalidError()
    return reset


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set the new password through the link; every session and every link of the account
    ends. :raises ValidationError: for a weak password (the link stays usable)."""
    reset = find_reset(session, token)
    check_password_rules(new_password)
    user = reset.user
    user.set_password(new_password)
    end_all_sessions(user)
    now = utcnow()
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    record_event(session, actor=user, action="user.password_reset", entity=user)
    return user
