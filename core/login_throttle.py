"""Failed sign-in bookkeeping in the database, so limits hold across workers and machines."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.errors import DomainError

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 50


class TooManyAttemptsError(DomainError):
    """Sign-in refused for a while after repeated failures."""

    status_code = 429


class LoginAttempt(Base):
    """One failed sign-in: the email typed (normalised) and the client address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def _failures_since(session: Session, column: sa.Column, value: str, since: datetime) -> int:
    return session.scalar(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.created_at >= since
        )
    )


def check_login_allowed(
    session: Session, email: str, address: str, now: datetime | None = None
) -> None:
    """Raise TooManyAttemptsError when the account or the address failed too often lately."""
    since = (now or utcnow()) - WINDOW
    minutes = int(WINDOW.total_seconds() // 60)
    if _failures_since(session, LoginAttempt.email, email, since) >= MAX_FAILURES_PER_ACCOUNT:
        raise TooManyAttemptsError(
            f"Too many failed sign-ins for this account. Wait {minutes} minutes and try again, "
            "or ask an administrator to reset your password."
        )
    if _failures_since(session, LoginAttempt.address, address, since) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttemptsError(
            f"Too many failed sign-ins from your network address. Wait {minutes} minutes."
        )


def record_failed_login(session: Session, email: str, address: str) -> None:
    """Remember a failed attempt (and forget attempts older than the window)."""
    session.add(LoginAttempt(email=email[:254], address=address[:64]))
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - 4 * WINDOW))


def clear_failed_logins(session: Session, email: str) -> None:
    """A successful sign-in resets the account's counter."""
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))


def locked_account_count(session: Session, now: datetime | None = None) -> int:
    """How many accounts are locked out right now by failed sign-ins (one query)."""
    since = (now or utcnow()) - WINDOW
    locked = (
        sa.select(LoginAttempt.email)
        .where(LoginAttempt.created_at >= since)
        .group_by(LoginAttempt.email)
        .having(sa.func.count() >= MAX_FAILURES_PER_ACCOUNT)
        .subquery()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(locked))
