"""The people of an evaluation project: candidates (existing accounts or invited ones) and
co-evaluators. Only the owner changes them; every change is audited."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments.models import Assessment
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.invitations import invite_user, issue_invitation
from core.users import Role, User, get_user_by_email, normalise_email
from evaluations.models import EvaluationProject, ProjectMember, ProjectRole
from evaluations.project_access import require_open, require_owner


def _add_member(
    session: Session, project: EvaluationProject, actor: User, user: User, role: ProjectRole
) -> ProjectMember:
    current = project.role_of(user.id)
    if current is not None:
        raise ValidationError(
            f"{user.name} is already in this project as {current.label.lower()}.",
            problems=["A person has one role per project."],
        )
    member = ProjectMember(project=project, user_id=user.id, role=role.value, added_by_id=actor.id)
    member.user = user
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            f"{user.name} was added to this project at the same moment. Reload the page."
        ) from error
    record_event(
        session,
        actor=actor,
        action=f"evaluation.{role.value}.add",
        entity=project,
        after={"user_id": user.id, "email": user.email, "role": role.value},
    )
    return member


def add_candidate(session: Session, project: EvaluationProject, actor: User, email: str) -> User:
    """Add an existing candidate account by email (owner only)."""
    require_owner(actor, project)
    require_open(project)
    user = get_user_by_email(session, email or "")
    if user is None:
        raise ValidationError(
            "No candidate was added.",
            problems=[
                f"No account uses {normalise_email(email or '')}. Check the spelling, or invite "
                "the person as a new candidate below."
            ],
        )
    if not user.has_role(Role.CANDIDATE):
        raise ValidationError(
            "No candidate was added.",
            problems=[f"{user.email} is not a candidate account; only candidates are evaluated."],
        )
    _add_member(session, project, actor, user, ProjectRole.CANDIDATE)
    return user


def invite_candidate(
    session: Session, project: EvaluationProject, actor: User, *, email: str, name: str
) -> tuple[User, str]:
    """Create a new candidate account, add it to the project and return its one-time link token.

    The account stays locked until the person opens the link and chooses a password.
    """
    require_owner(actor, project)
    require_open(project)
    if get_user_by_email(session, email or "") is not None:
        raise ValidationError(
            "No invitation was created.",
            problems=[
                f"{normalise_email(email)} already has an account: add it as an existing "
                "candidate instead."
            ],
        )
    user, token = invite_user(session, email=email, name=name, role=Role.CANDIDATE, actor=actor)
    _add_member(session, project, actor, user, ProjectRole.CANDIDATE)
    return user, token


def renew_invitation(
    session: Session, project: EvaluationProject, actor: User, user_id: int
) -> tuple[User, str]:
    """A fresh link for a candidate of the project who has not activated the account yet."""
    require_owner(actor, project)
    if project.role_of(user_id) is not ProjectRole.CANDIDATE:
        raise NotFoundError("This person is not a candidate of the project.")
    user = next(m.user for m in project.members if m.user_id == user_id)
    _, token = issue_invitation(session, user, actor)
    return user, token


def add_co_evaluator(session: Session, project: EvaluationProject, actor: User, email: str) -> User:
    """Add another hiring manager as co-evaluator (owner only)."""
    require_owner(actor, project)
    require_open(project)
    user = get_user_by_email(session, email or "")
    if user is None or not user.has_role(Role.MANAGER) or not user.is_active:
        raise ValidationError(
            "No co-evaluator was added.",
            problems=[
                f"{normalise_email(email or '')} is not the email of an active hiring manager."
            ],
        )
    _add_member(session, project, actor, user, ProjectRole.CO_EVALUATOR)
    return user


def remove_member(session: Session, project: EvaluationProject, actor: User, user_id: int) -> None:
    """Take a candidate or co-evaluator out of the project (owner only).

    Submitted sheets are part of the record, so a person with a submitted sheet (as evaluator
    or as candidate) stays; their unsubmitted drafts in this project are discarded.
    """
    require_owner(actor, project)
    require_open(project)
    member = next((m for m in project.members if m.user_id == user_id), None)
    if member is None:
        raise NotFoundError("This person is not in the project.")
    column = (
        Assessment.subject_id if member.role == ProjectRole.CANDIDATE else Assessment.assessor_id
    )
    sheets = list(
        session.scalars(
            sa.select(Assessment).where(
                Assessment.evaluation_project_id == project.id, column == user_id
            )
        )
    )
    if any(s.is_submitted for s in sheets):
        raise ConflictError(
            f"{member.user.name} cannot leave the project: submitted ratings involve them and "
            "stay part of the record. Archive the project when it is over."
        )
    for sheet in sheets:
        session.delete(sheet)
    project.members.remove(member)
    session.flush()
    record_event(
        session,
        actor=actor,
        action=f"evaluation.{member.role}.remove",
        entity=project,
        before={
            "user_id": user_id,
            "email": member.user.email,
            "role": member.role,
            "drafts_discarded": len(sheets),
        },
    )
