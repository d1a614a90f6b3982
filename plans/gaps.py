"""What a plan's goals are chosen from: the competencies of its role, the person's gaps,
and the level descriptors that word a goal's actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.models import Area, Competency, LevelDescriptor, RoleRequirement, ScaleLevel
from person_profile.build import PersonProfile, build_person_profile
from plans import builder
from plans.models import DevelopmentPlan


@dataclass(frozen=True)
class RoleCompetency:
    """A competency a goal may aim at, with what the plan's role asks of it."""

    uuid: str
    code: str
    name: str
    area: str
    requirement: str | None
    target: int | None


def role_competencies(session: Session, plan: DevelopmentPlan) -> list[RoleCompetency]:
    """Every competency of the plan role's framework, required ones first (one query)."""
    rows = session.execute(
        sa.select(Competency, Area.name, RoleRequirement)
        .join(Area, Area.id == Competency.area_id)
        .outerjoin(
            RoleRequirement,
            sa.and_(
                RoleRequirement.competency_id == Competency.id,
                RoleRequirement.role_profile_id == plan.role_profile_id,
            ),
        )
        .where(Competency.framework_id == plan.role_profile.framework_id)
        .order_by(Area.position, Competency.position)
    ).all()
    result = [
        RoleCompetency(
            c.uuid,
            c.code,
            c.name,
            area,
            req.requirement if req else None,
            req.target_level if req else None,
        )
        for c, area, req in rows
    ]
    return sorted(result, key=lambda r: {"must": 0, "can": 1}.get(r.requirement or "", 2))


def max_level_of(session: Session, plan: DevelopmentPlan) -> int:
    """The top level of the scale of the plan role's framework (5 by default)."""
    top = session.scalar(
        sa.select(sa.func.max(ScaleLevel.value)).where(
            ScaleLevel.framework_id == plan.role_profile.framework_id
        )
    )
    return int(top) if top else 5


def profile_for(session: Session, plan: DevelopmentPlan) -> PersonProfile:
    """The person's profile against the plan's target role (live, as of today)."""
    return build_person_profile(session, plan.person_id, role_profile_id=plan.role_profile_id)


def gap_items(profile: PersonProfile) -> list[builder.GapItem]:
    """The profile's rows as the builder's plain gap items."""
    return [
        builder.GapItem(
            uuid=row.uuid,
            code=row.code,
            name=row.name,
            requirement=row.requirement,
            level=row.level,
            target=row.target,
            gap=row.gap,
            position=row.position,
            colleague_level=row.colleague_level,
        )
        for row in profile.rows
    ]


def level_indicators(session: Session, framework_id: int) -> dict[tuple[str, int], str]:
    """The behavioural indicator per (competency uuid, level) of a framework (one query)."""
    rows = session.execute(
        sa.select(Competency.uuid, LevelDescriptor.level, LevelDescriptor.description)
        .join(LevelDescriptor, LevelDescriptor.competency_id == Competency.id)
        .where(Competency.framework_id == framework_id)
    )
    return {(uuid, level): text for uuid, level, text in rows}
