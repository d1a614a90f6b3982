"""Line managers: a relationship only HR sets, which the person can see.

A line manager sees and acts on the development plans of the people who report to them.
Nobody can make themself someone's line manager: evaluating a person on a project grants no
such thing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import record_event
from core.errors import PermissionDeniedError, ValidationError
from core.users import Role, User


def set_line_manager(session: Session, person: User, manager: User | None, *, actor: User) -> User:
    """Make ``manager`` (an active hiring manager, or None to clear) the person's line
    manager; only HR may, and every change is audited."""
    if not actor.is_active or not actor.has_role(Role.HR):
        raise PermissionDeniedError("Only HR sets line managers.")
    if manager is not None:
        problems = []
        if manager.id == person.id:
            problems.append("A person cannot be their own line manager.")
        if not manager.has_role(Role.MANAGER) or not manager.is_active:
            problems.append("Choose an active hiring manager's account.")
        if problems:
            raise ValidationError("The line manager was not changed.", problems=problems)
    new_id = manager.id if manager is not None else None
    if person.line_manager_id == new_id:
        return person
    before = {"line_manager_id": person.line_manager_id}
    person.line_manager_id = new_id
    session.flush()
    record_event(
        session,
        actor=actor,
        action="user.line_manager",
        entity=person,
        before=before,
        after={"line_manager_id": new_id},
    )
    return person


def is_line_manager_of(session: Session, manager_id: int, person_id: int) -> bool:
    """Whether ``manager_id`` is the line manager of ``person_id`` (one query)."""
    found = session.scalar(
        sa.select(User.id).where(User.id == person_id, User.line_manager_id == manager_id)
    )
    return found is not None


def direct_reports(session: Session, manager_id: int) -> list[User]:
    """The people whose line manager is ``manager_id``, by name."""
    return list(
        session.scalars(
            sa.select(User).where(User.line_manager_id == manager_id).order_by(User.name, User.id)
        )
    )


def line_manager_choices(session: Session) -> list[User]:
    """The accounts HR may choose as a line manager: active hiring managers, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role == Role.MANAGER.value, User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )
