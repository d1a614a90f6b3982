"""Levels observed for a person, under the pseudonymous key the learning history uses."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment, AssessmentKind, Rating
from competencies.models import Competency
from training.models import LevelObservation


def subject_key_for(person_id: int) -> str:
    """The pseudonymous key a real person has in the learning history."""
    return f"user:{person_id}"


def latest_levels(session: Session, person_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """(self levels, evaluated levels): the latest observation per competency and kind."""
    rows = session.execute(
        sa.select(LevelObservation.competency_code, LevelObservation.kind, LevelObservation.level)
        .where(LevelObservation.subject_key == subject_key_for(person_id))
        .order_by(LevelObservation.observed_at, LevelObservation.id)
    ).all()
    own: dict[str, int] = {}
    evaluated: dict[str, int] = {}
    for code, kind, level in rows:
        (evaluated if kind == "evaluated" else own)[code] = level
    return own, evaluated


def record_assessment_levels(session: Session, assessment: Assessment) -> int:
    """Copy a submitted assessment's levels into the recommender's observations; returns how many.

    Self ratings become ``self`` observations and evaluator ratings ``evaluated`` ones, dated
    at submission, so the outcomes of finished trainings can be derived from them.
    """
    if assessment.submitted_at is None:
        return 0
    kind = "self" if assessment.kind == AssessmentKind.SELF.value else "evaluated"
    rows = session.execute(
        sa.select(Competency.code, Rating.level)
        .join(Competency, Competency.id == Rating.competency_id)
        .where(
            Rating.assessment_id == assessment.id,
            Rating.is_current.is_(True),
            Rating.level.is_not(None),
        )
    ).all()
    for code, level in rows:
        session.add(
            LevelObservation(
                subject_key=subject_key_for(assessment.subject_id),
                person_id=assessment.subject_id,
                competency_code=code,
                kind=kind,
                level=level,
                observed_at=assessment.submitted_at,
                source="assessment",
            )
        )
    session.flush()
    return len(rows)
