"""A person's enrollments: planning a training, moving it along its statuses, rating it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from training.enrollment_outcomes import refresh_enrollment_outcome
from training.models import Enrollment, EnrollmentStatus, Training
from training.outcomes import Outcome

COMMENT_MAX = 2000


_TRANSITIONS = {
    EnrollmentStatus.PLANNED: {EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.DROPPED},
    EnrollmentStatus.IN_PROGRESS: {EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED},
    EnrollmentStatus.COMPLETED: set(),
    EnrollmentStatus.DROPPED: {EnrollmentStatus.PLANNED},
}


def plan_training(
    session: Session,
    person: User,
    training: Training,
    *,
    planned_for: date | None = None,
    actor: User | None = None,
) -> Enrollment:
    """Create a planned enrollment; refuses a second open one for the same training.

    ``actor`` is who planned it when not the person (a manager building their plan).
    """
    if not training.is_active:
        raise NotFoundError("This training does not exist or is no longer offered.")
    open_one = session.scalar(
        sa.select(Enrollment).where(
            Enrollment.person_id == person.id,
            Enrollment.training_id == training.id,
            Enrollment.status.in_([EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS]),
        )
    )
    if open_one is not None:
        raise ConflictError(f"“{training.title}” is already in your trainings.")
    enrollment = Enrollment(
        person_id=person.id,
        training_id=training.id,
        status=EnrollmentStatus.PLANNED.value,
        planned_for=planned_for,
    )
    session.add(enrollment)
    session.flush()
    record_event(
        session,
        actor=actor or person,
        action="enrollment.plan",
        entity=enrollment,
        after={"training_id": training.id, "status": enrollment.status},
    )
    return enrollment


def get_own_enrollment(session: Session, person: User, enrollment_id: int) -> Enrollment:
    """One of the person's own enrollments; someone else's answers NotFoundError, as if absent."""
    enrollment = session.scalar(
        sa.select(Enrollment)
        .where(Enrollment.id == enrollment_id, Enrollment.person_id == person.id)
        .options(selectinload(Enrollment.training).selectinload(Training.competencies))
    )
    if enrollment is None:
        raise NotFoundError("This enrollment does not exist.")
    return enrollment


def list_enrollments(session: Session, person: User) -> list[Enrollment]:
    """The person's enrollments (newest first) with their trainings loaded."""
    return list(
        session.scalars(
            sa.select(Enrollment)
            .where(Enrollment.person_id == person.id)
            .options(selectinload(Enrollment.training))
            .order_by(Enrollment.planned_at.desc(), Enrollment.id.desc())
        )
    )


def change_enrollment_status(
    session: Session,
    enrollment: Enrollment,
    status: str,
    actor: User,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Enrollment:
    """Move an enrollment along planned → in progress → completed (or dropped); audited."""
    if expected_version is not None and expected_version != enrollment.version:
        raise ConflictError("This enrollment changed in another window. Reload and try again.")
    try:
        new = EnrollmentStatus(status)
    except ValueError as error:
        raise ValidationError("Unknown status.") from error
    current = EnrollmentStatus(enrollment.status)
    if new not in _TRANSITIONS[current]:
        raise ValidationError(
            f"A {current.label.lower()} training cannot become {new.label.lower()}."
        )
    when = at or utcnow()
    before = {"status": enrollment.status}
    enrollment.status = new.value
    if new == EnrollmentStatus.IN_PROGRESS:
        enrollment.started_at = when
    elif new == EnrollmentStatus.COMPLETED:
        enrollment.completed_at = when
        enrollment.outcome = Outcome.PENDING.value
    elif new == EnrollmentStatus.DROPPED:
        enrollment.dropped_at = when
    elif new == EnrollmentStatus.PLANNED:
        enrollment.dropped_at = None
        enrollment.started_at = None
    session.flush()
    record_event(
        session,
        actor=actor,
        action="enrollment.status",
        entity=enrollment,
        before=before,
        after={"status": enrollment.status},
    )
    if new == EnrollmentStatus.COMPLETED:
        refresh_enrollment_outcome(session, enrollment)
    return enrollment


def rate_enrollment(
    session: Session, enrollment: Enrollment, rating: int, comment: str, actor: User
) -> Enrollment:
    """Record the person's 1–5 rating of a training they started; audited."""
    if enrollment.status == EnrollmentStatus.PLANNED:
        raise ValidationError("Rate a training once you have started it.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("Choose a rating from 1 to 5.")
    if "\x00" in comment:
        raise ValidationError("Remove the invisible NUL characters from the comment.")
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Keep the comment under {COMMENT_MAX} characters.")
    before = {"rating": enrollment.rating, "comment": enrollment.rating_comment}
    enrollment.rating = rating
    enrollment.rating_comment = comment.strip()
    enrollment.rated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="enrollment.rate",
        entity=enrollment,
        before=before,
        after={"rating": rating, "comment": enrollment.rating_comment},
    )
    return enrollment
