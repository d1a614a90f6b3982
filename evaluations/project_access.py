"""Who may see, manage and rate in an evaluation project, and loading a project for them.

Who may do what (checked here, for every object, whatever the page):

| who | may |
|---|---|
| owner (a manager) | everything: edit, archive, add/remove people, rate, correct, release |
| co-evaluator (a manager) | see the project, rate every candidate, correct own sheets |
| HR | read every project, its results and comparison (read-only; each view audited) |
| candidate of the project | own combined results once released (``evaluations.release``) |
| anyone else, admins too | nothing: the project does not exist for them (404) |

HR's reads of people data are audited through ``record_view``.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

# The statements built at import below configure the mappers, and EvaluationProject.assessments
# names Assessment: its model has to be registered first.
import assessments.models  # noqa: F401
from competencies.models import RoleProfile
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, PermissionDeniedError
from core.users import Role, User
from evaluations.models import EvaluationProject, MembershipStatus, ProjectMember, ProjectRole

NOT_FOUND = "This evaluation project does not exist, or you are not part of it."


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


def project_query(project_id: int) -> sa.Select:
    """The project by id with its role profile and members loaded (not yet checked for access)."""
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
    project = session.scalar(project_query(project_id))
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
    # A candidate's choice to show their latest self-assessment beside the ratings.
    shares_self_assessment: bool


# Built once: the comparison and results pages run these on every request, and building a
# statement with its loader options costs more than running it.
_PROJECT_ID = sa.bindparam("project_id", type_=sa.Integer)
_PROJECT_PEOPLE = (
    sa.select(
        ProjectMember.user_id,
        ProjectMember.role,
        User.name,
        User.email,
        ProjectMember.shares_self_assessment,
    )
    .join(User, User.id == ProjectMember.user_id)
    # Candidates who have not accepted are not part of the results, nor of their key.
    .where(
        ProjectMember.project_id == _PROJECT_ID,
        ProjectMember.status == MembershipStatus.ACCEPTED.value,
    )
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
    """The project's co-evaluators and accepted candidates as plain rows, by user id (one
    query)."""
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
