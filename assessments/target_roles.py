"""A person's target role: the current choice, its history, and the same role in another
framework version.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from assessments.models import TargetRoleChoice
from competencies.models import RoleProfile
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import ValidationError
from core.users import User


def current_target_choice(session: Session, person_id: int) -> TargetRoleChoice | None:
    """The person's current target role choice (with its role profile), or None."""
    return session.scalar(
        sa.select(TargetRoleChoice)
        .where(TargetRoleChoice.current_of(person_id))
        .options(selectinload(TargetRoleChoice.role_profile))
    )


def target_role_history(session: Session, person_id: int) -> list[TargetRoleChoice]:
    """Every target role the person has chosen, newest first."""
    return list(
        session.scalars(
            sa.select(TargetRoleChoice)
            .where(TargetRoleChoice.person_id == person_id)
            .options(
                selectinload(TargetRoleChoice.role_profile).selectinload(RoleProfile.framework)
            )
            .order_by(TargetRoleChoice.chosen_at.desc(), TargetRoleChoice.id.desc())
        )
    )


def choose_target_role(session: Session, person: User, role_profile_id: int) -> TargetRoleChoice:
    """Make a role profile of the current framework the person's target; keeps the history."""
    framework = current_framework(session)
    profile = session.get(RoleProfile, role_profile_id)
    if (
        profile is None
        or framework is None
        or profile.framework_id != framework.id
        or profile.is_retired
    ):
        raise ValidationError(
            "Choose one of the role profiles offered.",
            problems=["That role profile is not part of the current framework."],
        )
    current = current_target_choice(session, person.id)
    if current is not None and current.role_profile_id == profile.id:
        return current
    before = None
    if current is not None:
        current.ended_at = utcnow()
        before = {"role_profile_id": current.role_profile_id, "role": current.role_profile.name}
        session.flush()
    choice = TargetRoleChoice(person_id=person.id, role_profile_id=profile.id)
    session.add(choice)
    session.flush()
    record_event(
        session,
        actor=person,
        action="target_role.choose",
        entity=choice,
        before=before,
        after={"role_profile_id": profile.id, "role": profile.name},
    )
    return choice


def role_profile_in_framework(
    session: Session, profile: RoleProfile | None, framework_id: int
) -> RoleProfile | None:
    """The same role (by its stable uuid) in another framework version, if it exists there."""
    if profile is None:
        return None
    if profile.framework_id == framework_id:
        return profile
    return session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.uuid == profile.uuid,
            RoleProfile.framework_id == framework_id,
            RoleProfile.is_retired.is_(False),
        )
    )
