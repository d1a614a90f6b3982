"""Who may see and write an assessment, and the guards every write goes through.

Access rules for any assessment live in ``can_view_assessment`` / ``can_edit_assessment``
only; the project side (who is in which project) is in ``evaluations.project_access``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from assessments.models import Assessment, AssessmentKind
from core.errors import ConflictError, NotFoundError
from core.users import Role, User


class StaleAssessmentError(ConflictError):
    """A save was made on an older version of the assessment than the stored one."""

    def __init__(self, expected: int | None, current: int) -> None:
        super().__init__(
            "Your answers were not saved: this assessment was changed in another tab or window "
            f"after you opened it (you had version {expected}, it is now version {current}). "
            "Check the answers below and save again to keep them."
        )
        self.current_version = current


class AssessmentLockedError(ConflictError):
    """The assessment was submitted and can no longer change."""

    def __init__(self, assessment: Assessment) -> None:
        when = assessment.submitted_at.strftime("%d %b %Y") if assessment.submitted_at else ""
        follow_up = (
            "Correct a single level with a reason on the submitted sheet instead."
            if assessment.kind == AssessmentKind.PROJECT
            else "Start a new round to record how you have grown since."
        )
        super().__init__(
            f"{assessment.label} was submitted on {when} and can no longer be changed. {follow_up}"
        )


# ---------------------------------------------------------------- access


def can_view_assessment(actor: User, assessment: Assessment) -> bool:
    """Whether ``actor`` may see ``assessment`` (load its project's ``members`` first).

    Self-assessments: only the person. Project rating sheets: the evaluator who writes it
    while they are in the project; once submitted, also the project's other evaluators (for
    calibration) and HR (read-only). The candidate never sees a sheet: they see the released,
    combined results, which do not say who rated what.
    """
    if not actor.is_active:
        return False
    if assessment.kind == AssessmentKind.SELF:
        return actor.id == assessment.subject_id
    project = assessment.evaluation_project
    if project is None:
        return False
    if actor.id == assessment.assessor_id:
        return project.is_evaluator(actor.id)
    # Another evaluator's draft is still their private work in progress.
    if not assessment.is_submitted:
        return False
    return project.is_evaluator(actor.id) or actor.has_role(Role.HR)


def can_edit_assessment(actor: User, assessment: Assessment) -> bool:
    """Whether ``actor`` writes this assessment (draft or submitted is checked separately).

    A project sheet also needs its writer to be a manager still evaluating in a project that
    is not archived.
    """
    if not actor.is_active or actor.id != assessment.assessor_id:
        return False
    if assessment.kind == AssessmentKind.PROJECT:
        project = assessment.evaluation_project
        return (
            project is not None
            and actor.has_role(Role.MANAGER)
            and project.is_evaluator(actor.id)
            and not project.is_archived
        )
    return True


def get_assessment_for(session: Session, actor: User, assessment_id: int) -> Assessment:
    """The assessment with ratings and evidence loaded, if ``actor`` may see it (else 404)."""
    assessment = session.scalar(
        sa.select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.evidence),
            selectinload(Assessment.role_profile),
            selectinload(Assessment.evaluation_project),
        )
    )
    if assessment is None or not can_view_assessment(actor, assessment):
        raise NotFoundError("This assessment does not exist, or it is not yours.")
    return assessment


def check_editable(actor: User, assessment: Assessment, expected_version: int | None) -> None:
    """Raise unless ``actor`` writes this draft and names its stored version."""
    if not can_edit_assessment(actor, assessment):
        raise NotFoundError("This assessment does not exist, or it is not yours.")
    if not assessment.is_draft:
        raise AssessmentLockedError(assessment)
    if expected_version != assessment.version:
        raise StaleAssessmentError(expected_version, assessment.version)


def flush_versioned(session: Session, assessment: Assessment, expected: int | None) -> None:
    """Flush; a concurrent writer that got there first turns into a stale-version conflict."""
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleAssessmentError(expected, (expected or 0) + 1) from error
