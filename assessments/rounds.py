"""Self-assessment rounds: start one (one open round per person), find the open one, list them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from assessments.target_roles import current_target_choice, role_profile_in_framework
from competencies.services import current_framework
from core.audit import record_event
from core.errors import ConflictError, ValidationError
from core.users import User

NOTE_MAX = 500


def start_self_assessment(session: Session, person: User, note: str = "") -> Assessment:
    """Open a new self-assessment round on the current framework (one open round per person)."""
    framework = current_framework(session)
    if framework is None:
        raise ValidationError("No competency framework has been published yet. Ask HR.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            "The note is too long.", problems=[f"Use at most {NOTE_MAX} characters."]
        )
    open_round = open_self_assessment(session, person.id)
    if open_round is not None:
        raise ConflictError(
            f"You already have an open self-assessment ({open_round.label}). "
            "Continue it, or submit it before you start another round."
        )
    last_round = session.scalar(
        sa.select(sa.func.max(Assessment.round_number)).where(
            Assessment.subject_id == person.id, Assessment.kind == AssessmentKind.SELF.value
        )
    )
    choice = current_target_choice(session, person.id)
    profile = role_profile_in_framework(
        session, choice.role_profile if choice else None, framework.id
    )
    assessment = Assessment(
        kind=AssessmentKind.SELF.value,
        subject_id=person.id,
        assessor_id=person.id,
        framework_id=framework.id,
        role_profile_id=profile.id if profile else None,
        round_number=(last_round or 0) + 1,
        status=AssessmentStatus.DRAFT.value,
        note=note,
    )
    try:
        # A savepoint: a concurrent start that won the race leaves the caller's session usable.
        with session.begin_nested():
            session.add(assessment)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            "Another self-assessment round was started at the same moment. Reload the page."
        ) from error
    record_event(
        session,
        actor=person,
        action="assessment.start",
        entity=assessment,
        after={"kind": "self", "round": assessment.round_number, "framework_id": framework.id},
    )
    return assessment


def open_self_assessment(session: Session, person_id: int) -> Assessment | None:
    """The person's open (draft) self-assessment round, if any."""
    return session.scalar(
        sa.select(Assessment).where(
            Assessment.subject_id == person_id,
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.DRAFT.value,
        )
    )


def list_self_assessments(session: Session, person_id: int) -> list[Assessment]:
    """All self-assessment rounds of a person, newest first, with ratings loaded (2 queries)."""
    return list(
        session.scalars(
            sa.select(Assessment)
            .where(Assessment.subject_id == person_id, Assessment.kind == AssessmentKind.SELF.value)
            .options(selectinload(Assessment.ratings), selectinload(Assessment.role_profile))
            .order_by(Assessment.round_number.desc())
        )
    )
