"""Evaluated levels read in batches: evaluators' current ratings from submitted sheets of
released projects, and the released projects themselves, in one query each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.levels import newest_per_partition
from assessments.models import Assessment, AssessmentKind, AssessmentStatus, Rating
from competencies.models import Competency
from evaluations.models import (
    EvaluationProject,
    ProjectMember,
    is_accepted_candidate,
)


@dataclass(frozen=True)
class EvaluationInfo:
    """A project evaluation of the person whose results have been released to them."""

    project_id: int
    title: str
    released_at: datetime


def _released_ratings(person_ids: Sequence[int], *columns: sa.ColumnElement) -> sa.Select:
    """``columns`` of the current ratings on submitted sheets about ``person_ids`` in
    projects whose results are released: the only evaluations that count for a person."""
    return (
        sa.select(*columns)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(EvaluationProject, EvaluationProject.id == Assessment.evaluation_project_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.PROJECT.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
            EvaluationProject.is_results_released.is_(True),
        )
    )


def evaluated_rating_rows(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, int | None, tuple[datetime, int]]]]:
    """Evaluators' current ratings from submitted project assessments per person (one query).

    Each row is ``(assessor_id, competency_uuid, level, order_key)`` as
    ``scoring.evaluated_levels`` takes them. Only projects whose owner has released the
    results count: until then the evaluation is the evaluators' work in progress.
    """
    rows = session.execute(
        _released_ratings(
            person_ids,
            Assessment.subject_id,
            Assessment.assessor_id,
            Competency.uuid,
            Rating.level,
            Assessment.submitted_at,
            Rating.id,
        ).join(Competency, Competency.id == Rating.competency_id)
    )
    result: dict[int, list[tuple[int, str, int | None, tuple[datetime, int]]]] = {
        pid: [] for pid in person_ids
    }
    for subject_id, assessor_id, uuid, level, submitted_at, rating_id in rows:
        result[subject_id].append((assessor_id, uuid, level, (submitted_at, rating_id)))
    return result


def latest_evaluator_ratings(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, int | None, int]]]:
    """Per person, each evaluator's latest current rating per competency from submitted
    sheets of released projects, picked by the database (one query).

    Rows are ``(assessor_id, competency_uuid, level, 0)``, ready for
    ``scoring.evaluated_levels``: what ``evaluated_rating_rows`` gives once each evaluator's
    older ratings are dropped, for pages over many people.
    """
    ratings = _released_ratings(
        person_ids,
        Assessment.subject_id,
        Assessment.assessor_id,
        Rating.competency_id,
        Rating.level,
    )
    rows = session.execute(
        newest_per_partition(
            ratings,
            partition_by=(Assessment.subject_id, Assessment.assessor_id, Rating.competency_id),
            order_by=(Assessment.submitted_at.desc(), Rating.id.desc()),
        )
    )
    result: dict[int, list[tuple[int, str, int | None, int]]] = {pid: [] for pid in person_ids}
    for subject_id, assessor_id, uuid, level in rows:
        result[subject_id].append((assessor_id, uuid, level, 0))
    return result


def released_evaluations(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[EvaluationInfo]]:
    """Per person, the projects they are a candidate in whose results are released (one query)."""
    rows = session.execute(
        sa.select(
            ProjectMember.user_id,
            EvaluationProject.id,
            EvaluationProject.title,
            EvaluationProject.released_at,
        )
        .join(EvaluationProject, EvaluationProject.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id.in_(person_ids),
            is_accepted_candidate(),
            EvaluationProject.is_results_released.is_(True),
        )
        .order_by(EvaluationProject.released_at, EvaluationProject.id)
    )
    result: dict[int, list[EvaluationInfo]] = {pid: [] for pid in person_ids}
    for user_id, project_id, title, released_at in rows:
        result[user_id].append(EvaluationInfo(project_id, title, released_at))
    return result
