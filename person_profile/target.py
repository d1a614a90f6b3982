"""Which role a person is aiming at: the one rule that profile, plans and recommendations share.

The person's chosen target role counts in the current framework version: a role chosen on an
older version is the same role (by its stable uuid) in the current one. Without a choice (or
when the chosen role was retired) the default role of the current framework stands in,
marked as not chosen. The profile page shows gaps only against a chosen role; plans and
recommendations fall back to the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import TargetRoleChoice
from competencies.models import RoleProfile
from competencies.services import current_framework_id_query

DEFAULT_TARGET_ROLE = "ITPM"


@dataclass(frozen=True)
class AimedRole:
    """The role profile a person is measured against, and whether they chose it."""

    role: RoleProfile
    is_chosen: bool


def aimed_role_query(person_id: int | sa.BindParameter) -> sa.Select:
    """One statement selecting ``(RoleProfile, is_chosen)`` for the person: their chosen role
    in the current framework if it is still offered, else the default role (no row without a
    published framework). Callers may add columns."""
    chosen_uuid = (
        sa.select(RoleProfile.uuid)
        .join(TargetRoleChoice, TargetRoleChoice.role_profile_id == RoleProfile.id)
        .where(TargetRoleChoice.current_of(person_id))
        .scalar_subquery()
    )
    is_chosen = sa.case((RoleProfile.uuid == chosen_uuid, 1), else_=0)
    return (
        sa.select(RoleProfile, is_chosen.label("is_chosen"))
        .where(
            RoleProfile.framework_id == current_framework_id_query(),
            RoleProfile.is_retired.is_(False),
            sa.or_(RoleProfile.uuid == chosen_uuid, RoleProfile.code == DEFAULT_TARGET_ROLE),
        )
        .order_by(is_chosen.desc())
        .limit(1)
    )


def aimed_role(session: Session, person_id: int) -> AimedRole | None:
    """The role the person is aiming at (one query), or None without a published framework
    or a default role in it."""
    row = session.execute(aimed_role_query(person_id)).first()
    return AimedRole(row[0], bool(row[1])) if row else None
