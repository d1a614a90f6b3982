"""People who use Proficio, their roles, and password handling."""

from __future__ import annotations

import enum
import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import record_event
from core.db import Base, UTCDateTime, utcnow
from core.errors import ValidationError
from core.passwords import DEFAULT_METHOD, hash_password, password_matches

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 120
# Tests lower the cost so that each login does not take 100 ms.
PASSWORD_HASH_METHOD = DEFAULT_METHOD


class Role(enum.StrEnum):
    """What a person does in Proficio; each role sees its own pages."""

    CANDIDATE = "candidate"
    MANAGER = "manager"
    HR = "hr"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "candidate": "Candidate",
            "manager": "Hiring manager",
            "hr": "HR",
            "admin": "Admin",
        }[self.value]


def _new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(Base):
    """A person with a login. Deactivated users keep their history but cannot sign in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LENGTH))
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Rotating this token ends every session of the user (password or role change).
    session_token: Mapped[str] = mapped_column(sa.String(64), default=_new_session_token)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while an administrator has blocked the account (or it was erased): an invitation
    # can never activate it, unlike an invited account that simply has not signed in yet.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The person's line manager, set by HR (see core.line_managers): the one relationship,
    # besides the person and HR, that sees and acts on the person's development plans.
    line_manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    line_manager: Mapped[User | None] = relationship(
        remote_side=[id], foreign_keys=[line_manager_id]
    )

    __table_args__ = (
        sa.CheckConstraint("role IN ('candidate', 'manager', 'hr', 'admin')", name="role_is_known"),
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user holds one of the given roles."""
        return self.role in {str(r) for r in roles}

    def set_password(self, password: str) -> None:
        """Hash and store a new password, ending the user's other sessions."""
        check_password_rules(password)
        self.password_hash = hash_password(password, PASSWORD_HASH_METHOD)
        self.session_token = _new_session_token()

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return password_matches(self.password_hash, password)

    # The three members below are what Flask-Login expects of a user object (duck-typed, so
    # this module needs no Flask import).
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """Session identifier: id plus the current token, so rotating the token logs out."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash to check unknown emails against, so a login answer takes as long either way.

    Made on first use rather than at import: one scrypt hash costs about 100 ms of start-up.
    """
    return hash_password("proficio-timing-equaliser", method)


def normalise_email(email: str) -> str:
    """Lower-case and trim an email so lookups are case-insensitive."""
    return email.strip().lower()


def checked_contact(email: str, name: str, *, refusal: str) -> tuple[str, str]:
    """A typed e-mail address and name, normalised, or ValidationError(``refusal``) saying
    what is wrong with them (for asking someone who may have no account yet)."""
    email, name = normalise_email(email or ""), (name or "").strip()
    problems = []
    if not email or "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        problems.append("Enter a valid email address.")
    if not name or len(name) > NAME_MAX_LENGTH:
        problems.append(f"Enter the person's name (1 to {NAME_MAX_LENGTH} characters).")
    if problems:
        raise ValidationError(refusal, problems=problems)
    return email, name


# Matches no password: ``password_matches`` cannot parse it as a hash.
UNUSABLE_PASSWORD = "!"


def check_password_rules(password: str) -> None:
    """Raise ValidationError unless the password is long enough and not trivially weak."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password and len(set(password)) < 4:
        problems.append("Use more than three different characters.")
    if problems:
        raise ValidationError("The password does not meet the rules.", problems=problems)


def end_all_sessions(user: User) -> None:
    """Rotate the user's session token: every cookie issued before stops working."""
    user.session_token = _new_session_token()


def get_user_by_email(session: Session, email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user whose email and password match, else None, in constant-ish time."""
    # Fetched before the branch, so the one-off cost of making it falls on known and unknown
    # emails alike.
    dummy_hash = _dummy_hash(PASSWORD_HASH_METHOD)
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        password_matches(dummy_hash, password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None,
    actor: User | None = None,
) -> User:
    """Create a user after checking the email is free and the password follows the rules.

    ``password=None`` makes an account nobody can sign in to until a password is set (an
    invitation): no hash is computed, so creating one takes no longer than looking one up.
    """
    email = normalise_email(email)
    name = name.strip()
    problems = []
    if not email or "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        problems.append("Enter a valid email address.")
    if not name or len(name) > NAME_MAX_LENGTH:
        problems.append(f"Enter a name of 1 to {NAME_MAX_LENGTH} characters.")
    try:
        role = Role(role)
    except ValueError:
        problems.append(f"Role must be one of: {', '.join(r.value for r in Role)}.")
    if not problems and get_user_by_email(session, email) is not None:
        problems.append(f"A user with the email {email} already exists.")
    if problems:
        raise ValidationError("The user could not be created.", problems=problems)
    user = User(email=email, name=name, role=str(role))
    if password is None:
        user.password_hash = UNUSABLE_PASSWORD
    else:
        user.set_password(password)
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="user.create",
        entity=user,
        after={"email": email, "name": name, "role": str(role)},
    )
    return user


def update_user(
    session: Session, user: User, *, role: Role | str, is_active: bool, actor: User
) -> User:
    """Change a user's role or access; either change ends all of the user's sessions."""
    try:
        role = Role(role)
    except ValueError as error:
        raise ValidationError("Choose a known role.") from error
    if user.id == actor.id and (role != Role.ADMIN or not is_active):
        raise ValidationError(
            "You cannot remove your own administrator access; ask another administrator."
        )
    before = {"role": user.role, "is_active": user.is_active}
    after = {"role": str(role), "is_active": is_active}
    if before == after:
        return user
    user.role = str(role)
    if user.is_active != is_active:
        user.blocked_at = None if is_active else utcnow()
    user.is_active = is_active
    user.session_token = _new_session_token()
    session.flush()
    record_event(
        session, actor=actor, action="user.update", entity=user, before=before, after=after
    )
    return user


@dataclass(frozen=True)
class AccountSummary:
    """Accounts an administrator should look at."""

    invited_unused: int  # invited, never signed in, not blocked
    blocked: int  # blocked by an administrator (erased people excluded)


def account_summary(session: Session) -> AccountSummary:
    """One query over the users table."""
    invited, blocked = session.execute(
        sa.select(
            sa.func.count().filter(
                User.is_active.is_(False),
                User.last_login_at.is_(None),
                User.blocked_at.is_(None),
            ),
            sa.func.count().filter(
                User.blocked_at.is_not(None), User.email.not_like("%@erased.invalid")
            ),
        ).select_from(User)
    ).one()
    return AccountSummary(invited_unused=invited, blocked=blocked)
