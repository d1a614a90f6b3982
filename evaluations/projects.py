"""Project-based evaluations: access rules, projects, their release, and what candidates see.
People are in ``evaluation_people``, rating sheets in ``evaluation_sheets``, results in
``evaluation_results``.

Who may do what (checked here, for every object, whatever the page):

| who | may |
|---|---|
| owner (a manager) | everything: edit, archive, add/remove people, rate, correct, release |
| co-evaluator (a manager) | see the project, rate every candidate, correct own sheets |
| HR | read every project, its results and comparison (read-only; each view audited) |
| candidate of the project | own combined results once released (see below) |
| anyone else, admins too | nothing: the project does not exist for them (404) |

Rating sheets are ``Assessment`` rows of kind ``project``; saving, submitting and correcting
them go through ``assessments.answers`` and ``assessments.submission`` so that there is one
set of rules for all assessments. Services add and flush, never commit, and audit every change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from assessments.models import Assessment, AssessmentStatus
from competencies.models import RoleProfile
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from core.users import Role, User
from evaluations.models import EvaluationProject, ProjectKind, ProjectMember, ProjectRole

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TECHNOLOGY_MAX = 40
TECHNOLOGIES_MAX = 20
BUDGET_MAX = Decimal("10000000000")  # ten billion currency units is beyond any project here
# ISO 4217 codes offered for budgets; enough for the organisations Proficio serves.
CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "JPY",
    "CAD",
    "AUD",
    "INR",
)
NOT_FOUND = "This evaluation project does not exist, or you are not part of it."


class StaleProjectError(ConflictError):
    """The project was changed by someone else after the editor opened it."""

    def __init__(self) -> None:
        super().__init__(
            "The project was not saved: it was changed in another tab or by someone else after "
            "you opened it. Reload the page, check the details and save again."
        )


# ---------------------------------------------------------------- access


def can_view_project(actor: User, project: EvaluationProject) -> bool:
    """Owner and co-evaluators (managers) see the project; HR reads every project."""
    evaluators = {project.owner_id} | {
        m.user_id for m in project.members if m.role == ProjectRole.CO_EVALUATOR.value
    }
    return _may_view(actor, evaluators)


def _may_view(actor: User, evaluator_ids: set[int]) -> bool:
    if not actor.is_active:
        return False
    if actor.has_role(Role.HR):
        return True
    return actor.has_role(Role.MANAGER) and actor.id in evaluator_ids


def can_manage_project(actor: User, project: EvaluationProject) -> bool:
    """Only the owner edits the project, its people and the release of results."""
    return actor.is_active and actor.has_role(Role.MANAGER) and actor.id == project.owner_id


def can_rate_in_project(actor: User, project: EvaluationProject) -> bool:
    """Owner and co-evaluators rate candidates while the project is not archived."""
    return (
        actor.is_active
        and actor.has_role(Role.MANAGER)
        and project.is_evaluator(actor.id)
        and not project.is_archived
    )


def _project_query(project_id: int) -> sa.Select:
    return (
        sa.select(EvaluationProject)
        .where(EvaluationProject.id == project_id)
        .options(
            selectinload(EvaluationProject.members).selectinload(ProjectMember.user),
            # Many-to-one: joined into the project's own query rather than one query each.
            joinedload(EvaluationProject.owner),
            joinedload(EvaluationProject.role_profile).joinedload(RoleProfile.framework),
        )
    )


def get_project_for(session: Session, actor: User, project_id: int) -> EvaluationProject:
    """The project with its people loaded, if ``actor`` may see it (else NotFoundError)."""
    project = session.scalar(_project_query(project_id))
    if project is None or not can_view_project(actor, project):
        raise NotFoundError(NOT_FOUND)
    return project


class ProjectPerson(NamedTuple):
    """A member of a project as plain values: who, in which role, named how. A named tuple,
    because the people are part of a cache key compared on every request."""

    user_id: int
    role: str
    name: str
    email: str


# Built once: the comparison and results pages run these on every request, and building a
# statement with its loader options costs more than running it.
_PROJECT_ID = sa.bindparam("project_id", type_=sa.Integer)
_PROJECT_PEOPLE = (
    sa.select(ProjectMember.user_id, ProjectMember.role, User.name, User.email)
    .join(User, User.id == ProjectMember.user_id)
    .where(ProjectMember.project_id == _PROJECT_ID)
    .order_by(ProjectMember.user_id, ProjectMember.role)
)
# The owner only: the role profile and its framework are needed only when the results are
# built afresh, and loading them on every visit cost more than the two lazy loads on a miss.
_PROJECT_HEADER = (
    sa.select(EvaluationProject)
    .where(EvaluationProject.id == _PROJECT_ID)
    .options(joinedload(EvaluationProject.owner))
)


def project_people(session: Session, project_id: int) -> tuple[ProjectPerson, ...]:
    """The project's co-evaluators and candidates as plain rows, by user id (one query)."""
    rows = session.execute(_PROJECT_PEOPLE, {"project_id": project_id})
    return tuple(ProjectPerson(*row) for row in rows)


def get_project_header_for(
    session: Session, actor: User, project_id: int
) -> tuple[EvaluationProject, tuple[ProjectPerson, ...]]:
    """The project (owner loaded, members not) and its people as plain rows, if ``actor``
    may see it (else NotFoundError). Two queries and no member objects: for pages that serve
    cached results and need the people only to check access and to notice a change."""
    project = session.scalar(_PROJECT_HEADER, {"project_id": project_id})
    if project is None:
        raise NotFoundError(NOT_FOUND)
    people = project_people(session, project_id)
    evaluators = {project.owner_id} | {
        p.user_id for p in people if p.role == ProjectRole.CO_EVALUATOR.value
    }
    if not _may_view(actor, evaluators):
        raise NotFoundError(NOT_FOUND)
    return project, people


def load_members(session: Session, project: EvaluationProject) -> EvaluationProject:
    """Load the members (and their users) of a project fetched without them (two queries)."""
    return session.scalars(
        sa.select(EvaluationProject)
        .where(EvaluationProject.id == project.id)
        .options(selectinload(EvaluationProject.members).selectinload(ProjectMember.user))
        .execution_options(populate_existing=True)
    ).one()


def require_owner(actor: User, project: EvaluationProject) -> None:
    """PermissionDeniedError (403) unless ``actor`` owns the project: a co-evaluator or HR
    may know the project exists, but not change it."""
    if not can_manage_project(actor, project):
        raise PermissionDeniedError(
            f"Only the owner of this project, {project.owner.name}, can change it, its people "
            "or the release of results. You can rate the candidates and correct your own sheets."
        )


def require_open(project: EvaluationProject) -> None:
    """ConflictError unless the project is active (archived projects are read-only)."""
    if project.is_archived:
        raise ConflictError("This project is archived and can no longer change. Restore it first.")


def list_projects_for(
    session: Session, actor: User, *, archived: bool = False
) -> list[EvaluationProject]:
    """Projects the actor may see, newest deadline first: managers their own and those they
    co-evaluate, HR every project. Members are loaded (three queries)."""
    query = sa.select(EvaluationProject).options(
        selectinload(EvaluationProject.members).selectinload(ProjectMember.user),
        selectinload(EvaluationProject.role_profile),
        selectinload(EvaluationProject.owner),
    )
    if actor.has_role(Role.MANAGER):
        co_evaluated = sa.select(ProjectMember.project_id).where(
            ProjectMember.user_id == actor.id,
            ProjectMember.role == ProjectRole.CO_EVALUATOR.value,
        )
        query = query.where(
            sa.or_(EvaluationProject.owner_id == actor.id, EvaluationProject.id.in_(co_evaluated))
        )
    elif not actor.has_role(Role.HR):
        return []
    if archived:
        query = query.where(EvaluationProject.archived_at.is_not(None))
    else:
        query = query.where(EvaluationProject.archived_at.is_(None))
    return list(
        session.scalars(
            query.order_by(EvaluationProject.deadline_on.desc(), EvaluationProject.id.desc())
        )
    )


# ---------------------------------------------------------------- project details


@dataclass(frozen=True)
class ProjectInput:
    """What a manager enters for a project (already parsed into types by the form)."""

    title: str
    description: str
    kind: str
    budget: Decimal | None
    currency: str | None
    start_on: date | None
    deadline_on: date | None
    technologies: Sequence[str]
    role_profile_id: int | None


def parse_technologies(text: str) -> list[str]:
    """Split "Linux, VMware; Ansible" into distinct names (commas, semicolons or new lines)."""
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", text or ""):
        name = " ".join(part.split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def _budget_cents(budget: Decimal | None, currency: str | None, problems: list[str]) -> int | None:
    if budget is None:
        if currency:
            problems.append("Enter the budget amount, or leave the currency empty.")
        return None
    try:
        finite = budget.is_finite()
    except (AttributeError, InvalidOperation):
        finite = False
    if not finite:
        problems.append("The budget must be a number.")
        return None
    if budget < 0:
        problems.append("The budget cannot be negative.")
    elif budget > BUDGET_MAX:
        problems.append(f"The budget may be at most {BUDGET_MAX:,.0f}.")
    elif budget != budget.quantize(Decimal("0.01")):
        problems.append("Give the budget with at most two decimal places.")
    if not currency:
        problems.append("Choose the currency of the budget.")
    elif currency not in CURRENCIES:
        problems.append("Choose a currency from the list.")
    if problems:
        return None
    return int(budget * 100)


def _checked_values(session: Session, data: ProjectInput) -> dict:
    problems: list[str] = []
    title = " ".join((data.title or "").split())
    if not title:
        problems.append("Enter a title.")
    elif len(title) > TITLE_MAX:
        problems.append(f"Keep the title to at most {TITLE_MAX} characters.")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(f"Keep the description to at most {DESCRIPTION_MAX} characters.")
    if data.kind not in {k.value for k in ProjectKind}:
        problems.append("Choose whether this is a real project or a case study.")
    budget_problems: list[str] = []
    cents = _budget_cents(data.budget, data.currency or None, budget_problems)
    problems += budget_problems
    if data.start_on is None or data.deadline_on is None:
        problems.append("Enter the start date and the deadline.")
    elif data.deadline_on < data.start_on:
        problems.append("The deadline cannot be before the start date.")
    technologies = [" ".join(t.split()) for t in data.technologies if t and t.strip()]
    if len(technologies) > TECHNOLOGIES_MAX:
        problems.append(f"List at most {TECHNOLOGIES_MAX} technologies.")
    for name in technologies:
        if len(name) > TECHNOLOGY_MAX:
            problems.append(f"“{name[:20]}…” is longer than {TECHNOLOGY_MAX} characters.")
    framework = current_framework(session)
    profile = session.get(RoleProfile, data.role_profile_id) if data.role_profile_id else None
    if (
        profile is None
        or framework is None
        or profile.framework_id != framework.id
        or profile.is_retired
    ):
        problems.append("Choose one of the role profiles of the current framework.")
    if problems:
        raise ValidationError("The project was not saved.", problems=problems)
    return {
        "title": title,
        "description": description,
        "kind": data.kind,
        "budget_cents": cents,
        "currency": data.currency if cents is not None else None,
        "start_on": data.start_on,
        "deadline_on": data.deadline_on,
        "technologies": technologies,
        "role_profile_id": profile.id,
    }


def _describe_project(values: dict) -> dict:
    return {
        key: (value.isoformat() if isinstance(value, date) else value)
        for key, value in values.items()
    }


def create_project(session: Session, owner: User, data: ProjectInput) -> EvaluationProject:
    """A new project owned by ``owner`` (a manager)."""
    if not owner.is_active or not owner.has_role(Role.MANAGER):
        raise PermissionDeniedError("Only hiring managers create evaluation projects.")
    values = _checked_values(session, data)
    project = EvaluationProject(owner_id=owner.id, **values)
    session.add(project)
    session.flush()
    record_event(
        session,
        actor=owner,
        action="evaluation.create",
        entity=project,
        after=_describe_project(values),
    )
    return project


def update_project(
    session: Session,
    project: EvaluationProject,
    actor: User,
    data: ProjectInput,
    *,
    expected_version: int | None,
) -> EvaluationProject:
    """Change the project's details (owner only, optimistic locking on ``version``).

    Once rating sheets exist the role profile may change only within the sheets' framework
    version, so that every sheet stays comparable.
    """
    require_owner(actor, project)
    require_open(project)
    if expected_version != project.version:
        raise StaleProjectError()
    values = _checked_values(session, data)
    if values["role_profile_id"] != project.role_profile_id:
        new_profile = session.get(RoleProfile, values["role_profile_id"])
        has_sheets = session.scalar(
            sa.select(sa.func.count(Assessment.id)).where(
                Assessment.evaluation_project_id == project.id
            )
        )
        if has_sheets and new_profile.framework_id != project.role_profile.framework_id:
            raise ValidationError(
                "The project was not saved.",
                problems=[
                    "Rating sheets were made on another framework version; the role profile "
                    "can only change to one of that version."
                ],
            )
    before = {key: getattr(project, key) for key in values}
    changed = {key: value for key, value in values.items() if before[key] != value}
    if not changed:
        return project
    for key, value in changed.items():
        setattr(project, key, value)
    project.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleProjectError() from error
    if "role_profile_id" in changed:
        # Draft sheets judge against the project's role; submitted ones keep their snapshot.
        for sheet in session.scalars(
            sa.select(Assessment).where(
                Assessment.evaluation_project_id == project.id,
                Assessment.status == AssessmentStatus.DRAFT.value,
            )
        ):
            sheet.role_profile_id = project.role_profile_id
        session.flush()
    record_event(
        session,
        actor=actor,
        action="evaluation.update",
        entity=project,
        before=_describe_project({k: before[k] for k in changed}),
        after=_describe_project(changed),
    )
    return project


def set_archived(
    session: Session, project: EvaluationProject, actor: User, *, archived: bool
) -> EvaluationProject:
    """Archive (read-only from then on) or restore a project (owner only)."""
    require_owner(actor, project)
    if project.is_archived == archived:
        return project
    project.archived_at = utcnow() if archived else None
    project.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="evaluation.archive" if archived else "evaluation.restore",
        entity=project,
        before={"archived": not archived},
        after={"archived": archived},
    )
    return project


# ---------------------------------------------------------------- release


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


# ---------------------------------------------------------------- candidates' own view


def candidate_projects(session: Session, candidate: User) -> list[EvaluationProject]:
    """The projects the person is a candidate in, newest first (released or not)."""
    return list(
        session.scalars(
            sa.select(EvaluationProject)
            .join(ProjectMember, ProjectMember.project_id == EvaluationProject.id)
            .where(
                ProjectMember.user_id == candidate.id,
                ProjectMember.role == ProjectRole.CANDIDATE.value,
            )
            .options(selectinload(EvaluationProject.role_profile))
            .order_by(EvaluationProject.start_on.desc(), EvaluationProject.id.desc())
        )
    )


def get_released_project_for_candidate(
    session: Session, actor: User, project_id: int
) -> EvaluationProject:
    """The project, if ``actor`` is one of its candidates and the results are released."""
    project = session.scalar(_project_query(project_id))
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


def record_view(session: Session, actor: User, project: EvaluationProject, what: str) -> None:
    """Audit HR reading a project's people data, and every export (ASVS: access to personal
    data is traceable)."""
    record_event(
        session,
        actor=actor,
        action=f"evaluation.{what}",
        entity=project,
        after={"project_id": project.id, "role": actor.role},
    )


def evaluates_candidate(session: Session, manager_id: int, candidate_id: int) -> bool:
    """Whether the manager owns or co-evaluates a project the candidate is on (one query)."""
    candidate_projects = sa.select(ProjectMember.project_id).where(
        ProjectMember.user_id == candidate_id,
        ProjectMember.role == ProjectRole.CANDIDATE.value,
    )
    co_evaluated = sa.select(ProjectMember.project_id).where(
        ProjectMember.user_id == manager_id,
        ProjectMember.role == ProjectRole.CO_EVALUATOR.value,
    )
    query = sa.select(EvaluationProject.id).where(
        EvaluationProject.id.in_(candidate_projects),
        sa.or_(EvaluationProject.owner_id == manager_id, EvaluationProject.id.in_(co_evaluated)),
    )
    return session.scalar(query.limit(1)) is not None
