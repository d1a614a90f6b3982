"""What a person's recommendations start from: their standing per competency of a target role,
and the stamp that moves whenever the other inputs of their recommendations may.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.scoring import Standing
from competencies.models import Framework, RoleProfile
from competencies.services import current_framework, current_framework_id_query
from core.cache import side_by_side
from core.users import User
from person_profile.cache import cached_person_profile
from person_profile.target import aimed_role
from training.models import Enrollment, HistoryEnrollment, LevelObservation, Training


def role_profiles(session: Session, framework: Framework | None = None) -> list[RoleProfile]:
    """The current framework's active role profiles, in their order."""
    framework = framework or current_framework(session)
    if framework is None:
        return []
    return list(
        session.scalars(
            sa.select(RoleProfile)
            .where(RoleProfile.framework_id == framework.id, RoleProfile.is_retired.is_(False))
            .order_by(RoleProfile.position)
        )
    )


def person_standings(
    session: Session, user: User, role_code: str | None = None
) -> tuple[RoleProfile | None, list[Standing]]:
    """The person's standing per competency of a target role, from their assessment profile.

    The role is ``role_code`` when given, else the person's chosen target role, else the
    IT Project Manager of the current framework. Levels are the profile's: evaluated where
    there is an evaluation, otherwise self-reported.
    """
    if role_code is not None:
        role_profile_id = session.scalar(
            sa.select(RoleProfile.id).where(
                RoleProfile.framework_id == current_framework_id_query(),
                RoleProfile.code == role_code,
                RoleProfile.is_retired.is_(False),
            )
        )
    else:
        aimed = aimed_role(session, user.id)
        role_profile_id = aimed.role.id if aimed else None
    if role_profile_id is None:
        return None, []
    profile = cached_person_profile(session, user.id, role_profile_id=role_profile_id)
    if profile.role is None:
        return None, []
    items = [
        Standing(
            code=row.code,
            requirement=row.requirement,
            target=row.target,
            self_level=row.self_level,
            evaluated_level=row.evaluated_level,
            level=row.level,
            source=row.source,
            gap=row.gap,
        )
        for row in profile.rows
        if row.requirement is not None
    ]
    return session.get(RoleProfile, profile.role.id), items


def recommendation_stamp_parts(
    person_id: sa.BindParameter, subject_key: sa.BindParameter
) -> list[sa.Select]:
    """Scalar selects that together change whenever a person's recommendations may, besides
    their profile: the catalogue, their enrollments, their track record and the levels
    observed after trainings. Rows carry a version that every update moves."""
    # A history enrollment is written together with its outcomes and never changed. Each part
    # counts its rows beside their newest id or version sum, in one pass; a bare max() with a
    # filter may be planned as a backward walk of the whole primary key.
    return [
        # Trainings are deactivated, never deleted; every update moves updated_at.
        sa.select(sa.func.max(Training.id)),
        sa.select(sa.func.max(Training.updated_at)),
        # A removed enrollment lowers the count; every update moves the sum of versions.
        sa.select(
            side_by_side(sa.func.count(Enrollment.id), sa.func.sum(Enrollment.version))
        ).where(Enrollment.person_id == person_id),
        sa.select(
            side_by_side(sa.func.count(HistoryEnrollment.id), sa.func.max(HistoryEnrollment.id))
        ).where(HistoryEnrollment.subject_key == subject_key),
        sa.select(
            side_by_side(sa.func.count(LevelObservation.id), sa.func.max(LevelObservation.id))
        ).where(LevelObservation.subject_key == subject_key),
    ]
