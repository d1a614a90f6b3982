"""Evaluators' rating sheets in a project: opening one, finding one, the state of every sheet,
and a manager's overview of the work still to do. Saving, submitting and correcting go
through ``assessments.answers`` and ``assessments.submission`` like every assessment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from assessments.access import can_view_assessment
from assessments.models import Assessment, AssessmentKind, AssessmentStatus, Rating
from competencies.models import RoleProfile
from core.audit import record_event
from core.errors import NotFoundError, PermissionDeniedError
from core.users import User
from evaluations.models import EvaluationProject, ProjectRole
from evaluations.project_access import (
    NOT_FOUND,
    can_rate_in_project,
    can_view_project,
    list_projects_for,
    require_open,
)


@dataclass(frozen=True)
class SheetState:
    """The state of one evaluator's sheet for one candidate."""

    assessment_id: int
    assessor_id: int
    subject_id: int
    status: str
    answered: int

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


def sheet_states(
    session: Session, project_ids: Sequence[int]
) -> dict[int, dict[tuple[int, int], SheetState]]:
    """Per project, every sheet keyed by (evaluator id, candidate id) with its answer count
    (one query for any number of projects)."""
    answered = (
        sa.select(sa.func.count(Rating.id))
        .where(Rating.assessment_id == Assessment.id, Rating.is_current.is_(True))
        .correlate(Assessment)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            Assessment.evaluation_project_id,
            Assessment.id,
            Assessment.assessor_id,
            Assessment.subject_id,
            Assessment.status,
            answered,
        ).where(Assessment.evaluation_project_id.in_(project_ids))
    )
    result: dict[int, dict[tuple[int, int], SheetState]] = {pid: {} for pid in project_ids}
    for project_id, assessment_id, assessor_id, subject_id, status, count in rows:
        result[project_id][(assessor_id, subject_id)] = SheetState(
            assessment_id, assessor_id, subject_id, status, count or 0
        )
    return result


def get_sheet(
    session: Session, project: EvaluationProject, assessor_id: int, candidate_id: int
) -> Assessment | None:
    """The evaluator's sheet for the candidate in this project, with ratings and evidence."""
    sheet = session.scalar(
        sa.select(Assessment)
        .where(
            Assessment.evaluation_project_id == project.id,
            Assessment.assessor_id == assessor_id,
            Assessment.subject_id == candidate_id,
        )
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.evidence),
            selectinload(Assessment.role_profile).selectinload(RoleProfile.requirements),
        )
    )
    return sheet


def start_sheet(
    session: Session, project: EvaluationProject, actor: User, candidate_id: int
) -> Assessment:
    """Open the actor's rating sheet for a candidate (or return the one already open)."""
    if not can_view_project(actor, project):
        raise NotFoundError(NOT_FOUND)
    if not can_rate_in_project(actor, project):
        require_open(project)
        raise PermissionDeniedError("Only the project's evaluators rate its candidates.")
    if project.role_of(candidate_id) is not ProjectRole.CANDIDATE:
        raise NotFoundError("This person is not a candidate of the project.")
    existing = get_sheet(session, project, actor.id, candidate_id)
    if existing is not None:
        return existing
    sheet = Assessment(
        kind=AssessmentKind.PROJECT.value,
        subject_id=candidate_id,
        assessor_id=actor.id,
        framework_id=project.role_profile.framework_id,
        role_profile_id=project.role_profile_id,
        evaluation_project_id=project.id,
        status=AssessmentStatus.DRAFT.value,
    )
    try:
        with session.begin_nested():
            session.add(sheet)
            session.flush()
    except IntegrityError:
        # The same evaluator opened the sheet in another tab at the same moment: use that one.
        existing = get_sheet(session, project, actor.id, candidate_id)
        if existing is None:
            raise
        return existing
    record_event(
        session,
        actor=actor,
        action="assessment.start",
        entity=sheet,
        after={"kind": "project", "project_id": project.id, "candidate_id": candidate_id},
    )
    return get_sheet(session, project, actor.id, candidate_id) or sheet


def get_project_sheet_for(
    session: Session, actor: User, project: EvaluationProject, assessment_id: int
) -> Assessment:
    """A sheet of this project the actor may see (``can_view_assessment``), else NotFound."""
    sheet = session.scalar(
        sa.select(Assessment)
        .where(Assessment.id == assessment_id, Assessment.evaluation_project_id == project.id)
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.evidence),
            selectinload(Assessment.assessor),
            selectinload(Assessment.subject),
            selectinload(Assessment.role_profile).selectinload(RoleProfile.requirements),
        )
    )
    # The sheet's project comes from the identity map: the project is already loaded.
    if sheet is None or not can_view_assessment(actor, sheet):
        raise NotFoundError("This rating sheet does not exist, or you may not see it.")
    return sheet


# ---------------------------------------------------------------- a manager's overview


@dataclass(frozen=True)
class RatingTask:
    """A sheet the manager still has to write or finish."""

    project: EvaluationProject
    candidate: User
    state: SheetState | None

    @property
    def is_started(self) -> bool:
        return self.state is not None


@dataclass(frozen=True)
class ManagerOverview:
    """What a hiring manager's home page summarises (four queries)."""

    projects: list[EvaluationProject]
    owned: int
    co_evaluated: int
    tasks: list[RatingTask]
    ready_to_release: list[EvaluationProject]
    submitted: int
    expected: int
    next_deadline: EvaluationProject | None


def manager_overview(session: Session, manager: User, today: date) -> ManagerOverview:
    """Active projects, the manager's open sheets, projects ready to release, next deadline."""
    projects = list_projects_for(session, manager)
    states = sheet_states(session, [p.id for p in projects]) if projects else {}
    tasks = []
    ready = []
    submitted = expected = 0
    for project in projects:
        candidates = project.candidates
        project_states = states[project.id]
        done = sum(1 for s in project_states.values() if s.is_submitted)
        submitted += done
        expected += len(candidates) * len(project.evaluators)
        for candidate in candidates:
            state = project_states.get((manager.id, candidate.id))
            if state is None or not state.is_submitted:
                tasks.append(RatingTask(project, candidate, state))
        if project.owner_id == manager.id and not project.is_results_released and done:
            ready.append(project)
    upcoming = [p for p in projects if p.deadline_on >= today]
    return ManagerOverview(
        projects=projects,
        owned=sum(1 for p in projects if p.owner_id == manager.id),
        co_evaluated=sum(1 for p in projects if p.owner_id != manager.id),
        tasks=sorted(tasks, key=lambda t: (t.project.deadline_on, t.candidate.name.lower())),
        ready_to_release=ready,
        submitted=submitted,
        expected=expected,
        next_deadline=min(upcoming, key=lambda p: p.deadline_on, default=None),
    )
