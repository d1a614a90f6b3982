"""What the recommendations page shows for one person: their standing against the target role,
the ranked trainings (leaving out what they finished or are taking) and what they planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.users import User
from training.features import Constraints
from training.history import person_vector
from training.models import Enrollment, EnrollmentStatus, LevelObservation, Training
from training.observations import subject_key_for
from training.ranking import recommend

RECOMMENDED = 10


@dataclass
class RecommendationPage:
    """The person's profile against the role, and the recommendations with their trainings."""

    profile: Any
    standings: list[Any]
    names: list[str]
    result: Any = None
    trainings: dict[int, Training] = field(default_factory=dict)
    planned: set[int] = field(default_factory=set)
    levels_are_synthetic: bool = False

    @property
    def has_levels(self) -> bool:
        """From the profile itself: an assessment counts whichever way it reached the database."""
        return any(item.level is not None for item in self.standings)


def recommendation_page(
    session: Session,
    person: User,
    ranker_parts: tuple[Any, Any, Any],
    role_code: str | None,
    constraints: Constraints,
    *,
    rank: bool = True,
) -> RecommendationPage:
    """Rank the catalogue for ``person`` aiming at ``role_code`` (``rank=False``: no ranking,
    e.g. when the filters were not valid). ``ranker_parts`` is (columns, catalogue, ranker)."""
    columns, catalogue, ranker = ranker_parts
    profile, standings, vector = person_vector(session, person, columns, role_code)
    own = session.execute(
        sa.select(Enrollment.training_id, Enrollment.status).where(
            Enrollment.person_id == person.id
        )
    ).all()
    busy = {
        tid for tid, s in own if s in (EnrollmentStatus.COMPLETED, EnrollmentStatus.IN_PROGRESS)
    }
    page = RecommendationPage(
        profile=profile,
        standings=standings,
        names=columns.names,
        planned={tid for tid, s in own if s == EnrollmentStatus.PLANNED},
    )
    if profile is not None and rank:
        page.result = recommend(
            ranker,
            vector,
            catalogue,
            constraints,
            names=columns.names,
            k=RECOMMENDED,
            exclude_keys=busy,
        )
        keys = [item.key for item in page.result.items]
        page.trainings = {
            t.id: t for t in session.scalars(sa.select(Training).where(Training.id.in_(keys)))
        }
    page.levels_are_synthetic = bool(
        session.scalar(
            sa.select(sa.func.max(sa.case((LevelObservation.is_synthetic, 1), else_=0))).where(
                LevelObservation.subject_key == subject_key_for(person.id)
            )
        )
    )
    return page
