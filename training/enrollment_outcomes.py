"""Whether a finished training helped: its outcome from the levels observed before and after,
copied into the learning history the model trains on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from training.models import (
    Enrollment,
    EnrollmentStatus,
    HistoryEnrollment,
    HistoryOutcome,
    LevelObservation,
    Training,
)
from training.observations import subject_key_for
from training.outcomes import Outcome, OutcomeResult, derive_outcome, levels_around
from training.standings import person_standings


def _levels_around(
    session: Session, subject_key: str, codes: Sequence[str], start: datetime, end: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    rows = session.execute(
        sa.select(
            LevelObservation.competency_code,
            LevelObservation.level,
            LevelObservation.observed_at,
            LevelObservation.kind,
        ).where(
            LevelObservation.subject_key == subject_key,
            LevelObservation.competency_code.in_(list(codes)),
        )
    ).all()
    return levels_around([tuple(row) for row in rows], start, end)


def refresh_enrollment_outcome(session: Session, enrollment: Enrollment) -> OutcomeResult | None:
    """Derive a completed enrollment's outcome from the levels before it and after it.

    Stores the outcome on the enrollment and, once known, copies it into the pseudonymous
    learning history the model trains on (once per enrollment).
    """
    if enrollment.status != EnrollmentStatus.COMPLETED or enrollment.completed_at is None:
        return None
    training = enrollment.training
    covered = [tc.competency_code for tc in training.competencies]
    start = enrollment.started_at or enrollment.planned_at
    subject = subject_key_for(enrollment.person_id)
    before, after = _levels_around(session, subject, covered, start, enrollment.completed_at)
    result = derive_outcome(before, after, covered)
    enrollment.outcome = result.outcome.value
    enrollment.outcome_detail = result.as_dict()
    enrollment.outcome_at = utcnow()
    if result.outcome != Outcome.PENDING:
        _record_history(session, enrollment, subject, before, after)
    session.flush()
    return result


def _record_history(
    session: Session,
    enrollment: Enrollment,
    subject: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
) -> None:
    existing = session.scalar(
        sa.select(HistoryEnrollment).where(HistoryEnrollment.enrollment_id == enrollment.id)
    )
    if existing is not None and not existing.is_completed:
        # An earlier drop-out of this enrollment, taken up again and finished: the drop stays
        # in the history on its own, the completion is recorded below.
        existing.enrollment_id = None
        session.flush()
    elif existing is not None:
        return
    role, items = person_standings(session, enrollment.person)
    needs = {s.code: s for s in items}
    record = HistoryEnrollment(
        subject_key=subject,
        enrollment_id=enrollment.id,
        training_id=enrollment.training_id,
        is_completed=True,
        ended_at=enrollment.completed_at,
        rating=enrollment.rating,
        source="assessment",
        is_synthetic=enrollment.is_synthetic,
    )
    for code in sorted(set(before) & set(after)):
        need = needs.get(code)
        record.outcomes.append(
            HistoryOutcome(
                competency_code=code,
                requirement=need.requirement if need else "can",
                target_level=need.target if need else None,
                level_before=before[code],
                level_after=after[code],
            )
        )
    session.add(record)


def record_drop_outs(session: Session) -> int:
    """Copy trainings people started and then dropped into the history; returns how many.

    The model learns only from completions, but a drop is an outcome too: the popularity
    signals and any later model of who finishes what need it. Once per drop.
    """
    dropped = session.scalars(
        sa.select(Enrollment).where(
            Enrollment.status == EnrollmentStatus.DROPPED,
            Enrollment.started_at.is_not(None),
            Enrollment.dropped_at.is_not(None),
            ~sa.exists().where(HistoryEnrollment.enrollment_id == Enrollment.id),
        )
    ).all()
    for enrollment in dropped:
        session.add(
            HistoryEnrollment(
                subject_key=subject_key_for(enrollment.person_id),
                enrollment_id=enrollment.id,
                training_id=enrollment.training_id,
                is_completed=False,
                ended_at=enrollment.dropped_at,
                rating=enrollment.rating,
                source="drop",
                is_synthetic=enrollment.is_synthetic,
            )
        )
    session.flush()
    return len(dropped)


def refresh_outcomes(session: Session) -> int:
    """Re-derive every completed enrollment whose outcome is still pending, and record new
    drop-outs; returns how many completed outcomes became known."""
    record_drop_outs(session)
    pending = session.scalars(
        sa.select(Enrollment)
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.outcome == Outcome.PENDING,
        )
        .options(selectinload(Enrollment.training).selectinload(Training.competencies))
    ).all()
    changed = 0
    for enrollment in pending:
        result = refresh_enrollment_outcome(session, enrollment)
        changed += int(result is not None and result.outcome != Outcome.PENDING)
    return changed
