"""The competencies a role profile asks for, as the axes of a person's profile or a project's
comparison: requirement and target per competency, in framework order."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.models import Area, Competency, Framework, FrameworkStatus
from competencies.models import RoleRequirement as RequirementRow


@dataclass(frozen=True)
class RoleAxis:
    """One competency as a role (or, without a role, the framework) presents it."""

    uuid: str
    code: str
    name: str
    area: str
    position: int
    requirement: str | None
    target: int | None


def role_axes(session: Session, role_profile_id: int) -> list[RoleAxis]:
    """The competencies a role profile asks for, with requirement and target (one query)."""
    rows = session.execute(
        sa.select(RequirementRow, Competency, Area)
        .join(Competency, Competency.id == RequirementRow.competency_id)
        .join(Area, Area.id == Competency.area_id)
        .where(RequirementRow.role_profile_id == role_profile_id)
    )
    return [
        RoleAxis(
            c.uuid,
            c.code,
            c.name,
            a.name,
            a.position * 1000 + c.position,
            req.requirement,
            req.target_level,
        )
        for req, c, a in rows
    ]


def framework_axes(session: Session) -> list[RoleAxis]:
    """Without a target role: every competency of the current framework, no requirement."""
    newest = (
        sa.select(Framework.id)
        .where(Framework.status == FrameworkStatus.PUBLISHED.value)
        .order_by(Framework.published_at.desc(), Framework.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Competency, Area)
        .join(Area, Area.id == Competency.area_id)
        .where(Competency.framework_id == newest)
    )
    return [
        RoleAxis(c.uuid, c.code, c.name, a.name, a.position * 1000 + c.position, None, None)
        for c, a in rows
    ]
