"""The people of an evaluation project: candidates, who join by accepting the owner's request,
and co-evaluators. Only the owner changes them; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments.models import Assessment
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.invitations import invite_user, issue_invitation
from core.users import Role, User, checked_contact, get_user_by_email, normalise_email
from evaluations.models import EvaluationProject, MembershipStatus, ProjectMember, ProjectRole
from evaluations.project_access import require_open, require_owner


@dataclass(frozen=True)
class JoinRequest:
    """What asking a person to join produced: the member row, whom to tell (None when the
    address cannot be asked: not a candidate, or blocked) and, for an account never
    activated, the one-time link that activates it."""

    member: ProjectMember
    recipient: User | None
    invitation_token: str | None


def _add_member(
    session: Session,
    project: EvaluationProject,
    actor: User,
    user: User,
    role: ProjectRole,
    *,
    invited_name: str | None = None,
) -> ProjectMember:
    current = project.membership_of(user.id)
    if current is not None or user.id == project.owner_id:
        shown = project.owner.name if current is None else current.shown_name
        label = "owner" if current is None else _member_label(current)
        raise ValidationError(
            "Nobody was added: a person has one place per project.",
            problems=[f"{shown} is already in this project ({label})."],
        )
    status = MembershipStatus.INVITED if invited_name is not None else MembershipStatus.ACCEPTED
    member = ProjectMember(
        project=project,
        user_id=user.id,
        role=role.value,
        added_by_id=actor.id,
        status=status.value,
        invited_name=invited_name,
    )
    member.user = user
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            "This person was added to this project at the same moment. Reload the page."
        ) from error
    record_event(
        session,
        actor=actor,
        action=f"evaluation.{role.value}.add",
        entity=project,
        after={"user_id": user.id, "email": user.email, "role": role.value, "status": status},
    )
    return member


def _member_label(member: ProjectMember) -> str:
    if member.role == ProjectRole.CO_EVALUATOR:
        return "co-evaluator"
    return f"candidate, {member.status_enum.label.lower()}"


def can_be_asked(user: User) -> bool:
    """Whether a request to join as candidate reaches this account at all."""
    return user.has_role(Role.CANDIDATE) and user.blocked_at is None


def _fresh_link(session: Session, user: User, actor: User) -> str | None:
    """A new one-time link for an account that can be asked but was never activated (the
    old link stops working); None for everyone else, who signs in as usual."""
    if can_be_asked(user) and user.last_login_at is None and not user.is_active:
        _, token = issue_invitation(session, user, actor)
        return token
    return None


def ask_candidate(
    session: Session, project: EvaluationProject, actor: User, *, email: str, name: str
) -> JoinRequest:
    """Ask the person with this address to join as a candidate (owner only).

    The answer is the same whether or not an account exists: without one, an account is
    created that its owner activates through the link in the request; with one, the request
    waits for them in Proficio. Either way the project shows ``name`` and "invited" until
    the person accepts, and nothing of them is visible to the evaluators before that.
    """
    require_owner(actor, project)
    require_open(project)
    email, name = checked_contact(email, name, refusal="Nobody was asked to join.")
    user = get_user_by_email(session, email)
    if user is None:
        user, token = invite_user(session, email=email, name=name, role=Role.CANDIDATE, actor=actor)
    else:
        token = _fresh_link(session, user, actor)
    member = _add_member(session, project, actor, user, ProjectRole.CANDIDATE, invited_name=name)
    return JoinRequest(member, user if can_be_asked(user) else None, token)


def ask_again(
    session: Session, project: EvaluationProject, actor: User, user_id: int
) -> JoinRequest:
    """Repeat an open request (owner only): a fresh link for an account never activated,
    which revokes the old one; the same answer whatever the account is."""
    require_owner(actor, project)
    require_open(project)
    member = project.membership_of(user_id)
    if member is None or member.role != ProjectRole.CANDIDATE or member.is_accepted:
        raise NotFoundError("Nobody with an open request has this id in the project.")
    if member.status == MembershipStatus.DECLINED:
        raise ConflictError(
            f"{member.shown_name} declined the request. Remove them from the list first if "
            "you want to ask again."
        )
    user = member.user
    token = _fresh_link(session, user, actor)
    record_event(
        session,
        actor=actor,
        action="evaluation.candidate.ask_again",
        entity=project,
        after={"user_id": user.id, "email": user.email},
    )
    return JoinRequest(member, user if can_be_asked(user) else None, token)


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
            f"{member.shown_name} cannot leave the project: submitted ratings involve them and "
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
