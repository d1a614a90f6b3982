"""Rating inputs and the one way a rating is written: checked against the framework, appended
as a new row, never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from assessments.models import Assessment, AssessmentKind, Rating
from competencies.models import Competency, Framework
from core.users import User

SELF_SCALE = (1, 2, 3)  # confidence and interest
REASON_MAX = 500


@dataclass(frozen=True)
class RatingInput:
    """An answer for one competency. Fields left None are "not given" and keep what is stored."""

    competency_id: int
    level: int | None = None
    not_assessed: bool = False
    confidence: int | None = None
    interest: int | None = None

    @property
    def decides_level(self) -> bool:
        return self.not_assessed or self.level is not None


def _framework_competencies(session: Session, framework_id: int) -> dict[int, Competency]:
    return {
        c.id: c
        for c in session.scalars(
            sa.select(Competency)
            .where(Competency.framework_id == framework_id)
            .options(selectinload(Competency.area))
        )
    }


def answerable_competencies(session: Session, assessment: Assessment) -> dict[int, Competency]:
    """The competencies an assessment answers: the whole framework for a self-assessment, the
    competencies of the judged role profile for a project rating sheet."""
    competencies = _framework_competencies(session, assessment.framework_id)
    if assessment.kind == AssessmentKind.PROJECT and assessment.role_profile is not None:
        asked = {r.competency_id for r in assessment.role_profile.requirements}
        competencies = {cid: c for cid, c in competencies.items() if cid in asked}
    return competencies


def levels_of(session: Session, framework_id: int) -> list[int]:
    """The level values of a framework's scale."""
    framework = session.get(Framework, framework_id)
    assert framework is not None
    return framework.level_values


def check_rating_inputs(
    ratings: Sequence[RatingInput],
    competencies: dict[int, Competency],
    levels: list[int],
    is_self: bool,
) -> list[str]:
    """What is wrong with a batch of answers (empty when they may be saved)."""
    problems = []
    seen: set[int] = set()
    for item in ratings:
        competency = competencies.get(item.competency_id)
        if competency is None:
            problems.append("An answer names a competency that is not in this framework.")
            continue
        if item.competency_id in seen:
            problems.append(f"{competency.name}: answered twice in one save.")
        seen.add(item.competency_id)
        if item.level is not None and item.not_assessed:
            problems.append(f"{competency.name}: choose a level or 'not assessed', not both.")
        if item.level is not None and item.level not in levels:
            problems.append(
                f"{competency.name}: the level must be one of {', '.join(map(str, levels))}."
            )
        for label, value in (("confidence", item.confidence), ("interest", item.interest)):
            if value is None:
                continue
            if not is_self:
                problems.append(f"{competency.name}: {label} belongs to self-assessments only.")
            elif value not in SELF_SCALE:
                problems.append(f"{competency.name}: {label} must be 1, 2 or 3.")
    return problems


def append_rating(
    session: Session,
    assessment: Assessment,
    actor: User,
    competency_id: int,
    *,
    level: int | None,
    confidence: int | None = None,
    interest: int | None = None,
    reason: str = "",
) -> tuple[Rating | None, Rating]:
    """Append a rating for a competency; the current one (if any) stops being current.

    Returns ``(previous, new)``. Values are never overwritten: the old row stays as history.
    """
    previous = next(
        (r for r in assessment.ratings if r.competency_id == competency_id and r.is_current), None
    )
    if previous is not None:
        previous.is_current = False
        # The old row must stop being current before the new one is written (unique index).
        session.flush()
    rating = Rating(
        assessment=assessment,
        competency_id=competency_id,
        level=level,
        confidence=confidence,
        interest=interest,
        is_current=True,
        supersedes_id=previous.id if previous else None,
        reason=reason[:REASON_MAX],
        created_by_id=actor.id,
    )
    session.add(rating)
    return previous, rating


def describe_rating(rating: Rating | None) -> dict[str, Any] | None:
    """A rating's values as the audit log records them."""
    if rating is None:
        return None
    return {"level": rating.level, "confidence": rating.confidence, "interest": rating.interest}
