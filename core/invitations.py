"""Invitations: a new account that its owner activates through a single-use, expiring link.

The person who invites never learns or sets a password. The link carries a random token; only
its SHA-256 digest is stored, so a copy of the database cannot be used to take over invited
accounts. A token works once, until it expires, and a new link for the same person revokes
the old one. Every refusal gives the same message, so a tampered, used or expired link tells
the visitor nothing about which it was.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import record_event
from core.db import Base, UTCDateTime, utcnow
from core.errors import DomainError, ValidationError
from core.users import Role, User, check_password_rules, create_user, get_user_by_email

INVITATION_LIFETIME = timedelta(days=7)
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100


class InvitationInvalidError(DomainError):
    """The link is unknown, tampered with, used or expired (deliberately not saying which)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(
            "This invitation link is not valid. It may have been used already or have expired. "
            "Ask the person who invited you for a new link."
        )


class Invitation(Base):
    """One invitation link for one account; only the token's digest is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_usable(self, now: datetime) -> bool:
        """True while the link is neither used, revoked nor expired."""
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_invitation(
    session: Session, user: User, actor: User, *, lifetime: timedelta = INVITATION_LIFETIME
) -> tuple[Invitation, str]:
    """A new link for a not yet activated account; earlier unused links stop working.

    Returns the row and the raw token, which is shown once and never stored.
    """
    if user.blocked_at is not None:
        raise ValidationError(
            f"An administrator has blocked {user.email}; only an administrator can let the "
            "account sign in again."
        )
    if user.is_active or user.last_login_at is not None:
        raise ValidationError(
            f"{user.email} has already activated the account; no invitation is needed."
        )
    now = utcnow()
    for old in session.scalars(
        sa.select(Invitation).where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = now
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        user_id=user.id,
        token_sha256=_digest(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(invitation)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="invitation.issue",
        entity=invitation,
        after={
            "user_id": user.id,
            "email": user.email,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return invitation, token


def invite_user(
    session: Session, *, email: str, name: str, role: Role | str, actor: User
) -> tuple[User, str]:
    """Create an inactive account that its owner activates with the returned one-time token."""
    if get_user_by_email(session, email) is not None:
        raise ValidationError(
            "The account could not be created.",
            problems=[f"A user with the email {email.strip().lower()} already exists."],
        )
    # No password at all: the account stays locked until the link sets one.
    user = create_user(session, email=email, name=name, role=role, password=None, actor=actor)
    user.is_active = False
    session.flush()
    _, token = issue_invitation(session, user, actor)
    return user, token


def find_invitation(session: Session, token: str, *, now: datetime | None = None) -> Invitation:
    """The usable invitation behind ``token``, else InvitationInvalidError (one message)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise InvitationInvalidError()
    invitation = session.scalar(
        sa.select(Invitation).where(Invitation.token_sha256 == _digest(token))
    )
    if invitation is None or not invitation.is_usable(now or utcnow()):
        raise InvitationInvalidError()
    return invitation


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Set the password chosen by the invited person and activate the account (once)."""
    invitation = find_invitation(session, token)
    user = invitation.user
    if user.blocked_at is not None:
        # A link issued before the block: blocked accounts answer like any invalid link.
        raise InvitationInvalidError()
    check_password_rules(password)  # a refused password leaves the link usable
    now = utcnow()
    # Claimed by one conditional UPDATE, so of two requests racing with the same link only
    # one gets it; the other answers like any used link. All of it commits together.
    claimed = session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvitationInvalidError()
    session.refresh(invitation)
    user.set_password(password)
    user.is_active = True
    user.last_login_at = now  # the person is signed in by accepting
    session.flush()
    record_event(
        session,
        actor=user,
        action="invitation.accept",
        entity=invitation,
        after={"user_id": user.id, "email": user.email},
    )
    return user


def pending_invitations(session: Session, user_ids: list[int]) -> dict[int, Invitation]:
    """The newest unused, unrevoked invitation per not yet activated user (one query)."""
    if not user_ids:
        return {}
    rows = session.scalars(
        sa.select(Invitation)
        .join(User, User.id == Invitation.user_id)
        .where(
            Invitation.user_id.in_(user_ids),
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            User.is_active.is_(False),
        )
        .order_by(Invitation.created_at)
    )
    return {row.user_id: row for row in rows}
