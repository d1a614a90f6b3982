"""Self-assessment levels read in batches: submitted rounds, their answers, and the latest
level per person and competency, in one query each however many people are asked about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment, AssessmentKind, AssessmentStatus, Rating
from competencies.models import Competency


@dataclass(frozen=True)
class RoundInfo:
    """A submitted self-assessment round."""

    assessment_id: int
    round_number: int
    submitted_at: datetime

    @property
    def label(self) -> str:
        return f"Round {self.round_number}"


@dataclass(frozen=True)
class SelfRating:
    """One answer of one submitted self round, as plain values."""

    assessment_id: int
    competency_uuid: str
    level: int | None
    confidence: int | None
    interest: int | None


def submitted_self_rounds(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[RoundInfo]]:
    """Submitted self rounds per person, oldest first (one query)."""
    rows = session.execute(
        sa.select(
            Assessment.subject_id, Assessment.id, Assessment.round_number, Assessment.submitted_at
        )
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
        )
        .order_by(Assessment.subject_id, Assessment.round_number)
    )
    result: dict[int, list[RoundInfo]] = {pid: [] for pid in person_ids}
    for subject_id, assessment_id, round_number, submitted_at in rows:
        result[subject_id].append(RoundInfo(assessment_id, round_number or 0, submitted_at))
    return result


def _submitted_self_answers(person_ids: Sequence[int], *columns: sa.ColumnElement) -> sa.Select:
    """``columns`` of the current answers in the submitted self rounds of ``person_ids``."""
    return (
        sa.select(*columns)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
        )
    )


def submitted_self_ratings(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[SelfRating]]:
    """The current answers of every submitted self round per person (one query)."""
    rows = session.execute(
        _submitted_self_answers(
            person_ids,
            Assessment.subject_id,
            Assessment.id,
            Competency.uuid,
            Rating.level,
            Rating.confidence,
            Rating.interest,
        ).join(Competency, Competency.id == Rating.competency_id)
    )
    result: dict[int, list[SelfRating]] = {pid: [] for pid in person_ids}
    for subject_id, assessment_id, uuid, level, confidence, interest in rows:
        result[subject_id].append(SelfRating(assessment_id, uuid, level, confidence, interest))
    return result


def newest_per_partition(query: sa.Select, *, partition_by: tuple, order_by: tuple) -> sa.Select:
    """``query``'s rows that come first in their partition (one row per partition, newest
    by ``order_by``), with the competency's uuid in place of its id. ``query`` selects
    ``Rating.competency_id`` among its columns."""
    newest_first = sa.func.row_number().over(partition_by=partition_by, order_by=order_by)
    ranked = query.add_columns(newest_first.label("newest_first")).subquery()
    columns = [
        Competency.uuid if column.name == "competency_id" else column
        for column in ranked.c
        if column.name != "newest_first"
    ]
    return (
        sa.select(*columns)
        .join(Competency, Competency.id == ranked.c.competency_id)
        .where(ranked.c.newest_first == 1)
    )


def latest_self_level_map(session: Session, person_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per person, per competency uuid, the level from the most recent submitted round that
    has one: what ``latest_self_levels`` gives, picked by the database (one query).

    For pages over many people, which need the levels only: one row per person and
    competency comes back instead of every answer of every round.
    """
    answers = _submitted_self_answers(
        person_ids, Assessment.subject_id, Rating.competency_id, Rating.level
    ).where(Rating.level.is_not(None))
    rows = session.execute(
        newest_per_partition(
            answers,
            partition_by=(Assessment.subject_id, Rating.competency_id),
            order_by=(sa.func.coalesce(Assessment.round_number, 0).desc(), Assessment.id.desc()),
        )
    )
    result: dict[int, dict[str, int]] = {pid: {} for pid in person_ids}
    for subject_id, uuid, level in rows:
        result[subject_id][uuid] = level
    return result


def latest_self_levels(
    rounds: Sequence[RoundInfo], ratings: Sequence[SelfRating]
) -> dict[str, tuple[SelfRating, RoundInfo]]:
    """Per competency uuid, the answer with a level from the most recent round that has one.

    A later "not assessed" does not erase an earlier level: the person chose not to judge.
    """
    order = {r.assessment_id: i for i, r in enumerate(rounds)}
    by_id = {r.assessment_id: r for r in rounds}
    latest: dict[str, tuple[SelfRating, RoundInfo]] = {}
    for rating in sorted(ratings, key=lambda r: order.get(r.assessment_id, -1)):
        if rating.level is None or rating.assessment_id not in by_id:
            continue
        latest[rating.competency_uuid] = (rating, by_id[rating.assessment_id])
    return latest
