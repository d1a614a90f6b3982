"""Releasing a project's results to its candidates, and the candidates' view of their projects."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from assessments.models import Assessment, AssessmentStatus
from core.audit import record_event
from core.db import utcnow
from core.errors import NotFoundError, ValidationError
from core.users import User
from evaluations.models import (
    EvaluationProject,
    ProjectMember,
    ProjectRole,
    is_accepted_candidate,
)
from evaluations.project_access import project_query, require_open, require_owner


def release_results(session: Session, project: EvaluationProject, actor: User) -> EvaluationProject:
    """Let the candidates see their own combined results (owner only; once released, stays).

    Sheets submitted later join the released results; drafts never show.
    """
    require_owner(actor, project)
    require_open(project)
    if project.is_results_released:
        return project
    submitted = session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(
            Assessment.evaluation_project_id == project.id,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
        )
    )
    if not submitted:
        raise ValidationError(
            "Nothing to release yet: no evaluator has submitted a rating sheet in this project."
        )
    now = utcnow()
    project.is_results_released = True
    project.released_at = now
    project.released_by_id = actor.id
    project.updated_at = now
    session.flush()
    record_event(
        session,
        actor=actor,
        action="evaluation.release",
        entity=project,
        before={"released": False},
        after={"released": True, "submitted_sheets": submitted},
    )
    return project


def candidate_projects(session: Session, candidate: User) -> list[EvaluationProject]:
    """The projects the person is a candidate in, newest first (released or not)."""
    return list(
        session.scalars(
            sa.select(EvaluationProject)
            .join(ProjectMember, ProjectMember.project_id == EvaluationProject.id)
            .where(ProjectMember.user_id == candidate.id, is_accepted_candidate())
            .options(selectinload(EvaluationProject.role_profile))
            .order_by(EvaluationProject.start_on.desc(), EvaluationProject.id.desc())
        )
    )


def get_released_project_for_candidate(
    session: Session, actor: User, project_id: int
) -> EvaluationProject:
    """The project, if ``actor`` is one of its candidates and the results are released."""
    project = session.scalar(project_query(project_id))
    if (
        project is None
        or not actor.is_active
        or project.role_of(actor.id) is not ProjectRole.CANDIDATE
        or not project.is_results_released
    ):
        raise NotFoundError(
            "These results do not exist, or they have not been released to you yet."
        )
    return project
