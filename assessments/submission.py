"""Finishing an assessment: what is still unanswered, submitting (locking) it, and correcting
a submitted project sheet one rating at a time with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from assessments.access import (
    StaleAssessmentError,
    can_edit_assessment,
    check_editable,
    flush_versioned,
)
from assessments.models import Assessment, AssessmentKind, AssessmentStatus, Rating
from assessments.ratings import (
    REASON_MAX,
    answerable_competencies,
    append_rating,
    describe_rating,
    levels_of,
)
from assessments.target_roles import current_target_choice, role_profile_in_framework
from competencies.models import Area, Competency
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User


def missing_answers(session: Session, assessment: Assessment) -> list[Competency]:
    """Competencies still without an answer (a level or "not assessed" / "not observed")."""
    answered = set(assessment.current_ratings)
    competencies = answerable_competencies(session, assessment)
    ordered = sorted(competencies.values(), key=lambda c: (c.area.position, c.position))
    return [c for c in ordered if c.id not in answered]


def submit_assessment(
    session: Session, assessment: Assessment, actor: User, *, expected_version: int | None
) -> Assessment:
    """Lock the assessment: every competency needs an answer (a level or "not assessed")."""
    check_editable(actor, assessment, expected_version)
    missing = missing_answers(session, assessment)
    if missing:
        skip = "'not observed'" if assessment.kind == AssessmentKind.PROJECT else "'not assessed'"
        raise ValidationError(
            f"{len(missing)} competencies have no answer yet. Choose a level, or "
            f"{skip} where you cannot judge, then submit.",
            problems=[f"{c.area.name}: {c.name}" for c in missing],
        )
    if assessment.kind == AssessmentKind.SELF:
        # The round keeps the target role that was current when it was submitted.
        choice = current_target_choice(session, assessment.subject_id)
        profile = role_profile_in_framework(
            session, choice.role_profile if choice else None, assessment.framework_id
        )
        assessment.role_profile_id = profile.id if profile else None
    now = utcnow()
    assessment.status = AssessmentStatus.SUBMITTED.value
    assessment.submitted_at = now
    assessment.updated_at = now
    flush_versioned(session, assessment, expected_version)
    record_event(
        session,
        actor=actor,
        action="assessment.submit",
        entity=assessment,
        before={"status": "draft"},
        after={
            "status": "submitted",
            "levels": {str(r.competency_id): r.level for r in assessment.ratings if r.is_current},
        },
    )
    return assessment


CORRECTION_REASON_MIN = 10


def correct_submitted_rating(
    session: Session,
    assessment: Assessment,
    actor: User,
    *,
    competency_id: int,
    level: int | None,
    reason: str,
    expected_version: int | None,
) -> Rating:
    """Correct one rating of a submitted project sheet: a new row with a reason, never an edit.

    ``level`` None means "not observed". The superseded row stays as history.
    :raises ValidationError: no reason, an unknown level or competency, or no change.
    """
    if not can_edit_assessment(actor, assessment) or assessment.kind != AssessmentKind.PROJECT:
        raise NotFoundError("This rating sheet does not exist, or it is not yours.")
    if not assessment.is_submitted:
        raise ConflictError(
            "This rating sheet is still a draft: change the level on the sheet itself. "
            "Corrections with a reason are for submitted sheets."
        )
    if expected_version != assessment.version:
        raise StaleAssessmentError(expected_version, assessment.version)
    competencies = answerable_competencies(session, assessment)
    levels = levels_of(session, assessment.framework_id)
    reason = (reason or "").strip()
    problems = []
    competency = competencies.get(competency_id)
    if competency is None:
        problems.append("Choose a competency of this rating sheet.")
    if level is not None and level not in levels:
        problems.append(f"The level must be one of {', '.join(map(str, levels))}.")
    if len(reason) < CORRECTION_REASON_MIN:
        problems.append(
            f"Say why the rating changes (at least {CORRECTION_REASON_MIN} characters): "
            "the reason stays in the history."
        )
    elif len(reason) > REASON_MAX:
        problems.append(f"Keep the reason to at most {REASON_MAX} characters.")
    current = assessment.current_ratings.get(competency_id)
    if not problems and current is not None and current.level == level:
        shown = "not observed" if level is None else f"level {level}"
        problems.append(f"{competency.name} is already rated {shown}; nothing to correct.")
    if problems:
        raise ValidationError("The correction was not saved.", problems=problems)
    assessment.updated_at = utcnow()
    flush_versioned(session, assessment, expected_version)
    previous, rating = append_rating(
        session, assessment, actor, competency_id, level=level, reason=reason
    )
    session.flush()
    record_event(
        session,
        actor=actor,
        action="assessment.rating.correct",
        entity=assessment,
        before={competency.code: describe_rating(previous)},
        after={competency.code: describe_rating(rating), "reason": reason},
    )
    return rating


def area_progress(assessment: Assessment, areas: Sequence[Area]) -> list[tuple[Area, int, int]]:
    """Per area: (area, answered, total) for the assessment's current answers."""
    answered = set(assessment.current_ratings)
    return [
        (area, sum(1 for c in area.competencies if c.id in answered), len(area.competencies))
        for area in areas
    ]
