"""A candidate's side of project membership: the requests to join, the answer, and the
choice to show their latest self-assessment to the evaluators.

Nobody becomes a candidate of a project by someone else's decision alone: the owner asks
(``evaluations.people.ask_candidate``), the person answers here. Each answer is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from competencies.models import RoleProfile
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError
from core.users import Role, User
from evaluations.models import EvaluationProject, MembershipStatus, ProjectMember, ProjectRole

NOT_FOUND = "This request does not exist, or it is not addressed to you."


def memberships_of(session: Session, person: User) -> list[ProjectMember]:
    """The person's open requests and accepted memberships as candidate (declined ones are
    left out): open requests first, then by project start, newest first. Each project comes
    with its owner, role profile and people, which the request shows (four queries)."""
    if not person.has_role(Role.CANDIDATE):
        return []
    rows = session.scalars(
        sa.select(ProjectMember)
        .join(EvaluationProject, EvaluationProject.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id == person.id,
            ProjectMember.role == ProjectRole.CANDIDATE.value,
            ProjectMember.status != MembershipStatus.DECLINED.value,
        )
        .options(
            joinedload(ProjectMember.project).joinedload(EvaluationProject.owner),
            joinedload(ProjectMember.project)
            .joinedload(EvaluationProject.role_profile)
            .selectinload(RoleProfile.requirements),
            joinedload(ProjectMember.project)
            .selectinload(EvaluationProject.members)
            .joinedload(ProjectMember.user),
        )
        .order_by(EvaluationProject.start_on.desc(), EvaluationProject.id.desc())
    )
    members = list(rows.unique())
    return sorted(members, key=lambda m: m.is_accepted)  # stable: open requests first


def own_membership(session: Session, person: User, project_id: int) -> ProjectMember:
    """The person's candidate row in the project, whatever its status (else NotFoundError)."""
    member = session.scalar(
        sa.select(ProjectMember)
        .where(
            ProjectMember.project_id == project_id,
            ProjectMember.user_id == person.id,
            ProjectMember.role == ProjectRole.CANDIDATE.value,
        )
        .options(joinedload(ProjectMember.project))
    )
    if member is None or not person.is_active or not person.has_role(Role.CANDIDATE):
        raise NotFoundError(NOT_FOUND)
    return member


def answer_request(
    session: Session, person: User, project_id: int, *, accept: bool, share_self_assessment: bool
) -> ProjectMember:
    """Accept or decline the request to join ``project_id`` (once; the first answer counts)."""
    member = own_membership(session, person, project_id)
    if member.status != MembershipStatus.INVITED:
        raise ConflictError(
            f"You have already answered this request ({member.status_enum.label.lower()})."
        )
    if member.project.is_archived:
        raise ConflictError("This project is archived; its owner no longer needs an answer.")
    status = MembershipStatus.ACCEPTED if accept else MembershipStatus.DECLINED
    shares = bool(accept and share_self_assessment)
    # A conditional UPDATE: of two answers racing (two tabs), only the first is kept.
    answered = session.execute(
        sa.update(ProjectMember)
        .where(
            ProjectMember.id == member.id,
            ProjectMember.status == MembershipStatus.INVITED.value,
        )
        .values(status=status.value, answered_at=utcnow(), shares_self_assessment=shares)
        .execution_options(synchronize_session=False)
    ).rowcount
    if answered != 1:
        raise ConflictError("You have already answered this request. Reload the page.")
    session.refresh(member)
    record_event(
        session,
        actor=person,
        action="evaluation.candidate.accept" if accept else "evaluation.candidate.decline",
        entity=member.project,
        after={"user_id": person.id, "shares_self_assessment": shares},
    )
    return member


def set_self_assessment_sharing(
    session: Session, person: User, project_id: int, *, share: bool
) -> ProjectMember:
    """Show or stop showing the person's latest self-assessment to the project's evaluators."""
    member = own_membership(session, person, project_id)
    if not member.is_accepted:
        raise NotFoundError(NOT_FOUND)
    if member.shares_self_assessment == share:
        return member
    before = member.shares_self_assessment
    member.shares_self_assessment = share
    session.flush()
    record_event(
        session,
        actor=person,
        action="evaluation.candidate.sharing",
        entity=member.project,
        before={"shares_self_assessment": before},
        after={"shares_self_assessment": share},
    )
    return member


def open_request_count(session: Session, person: User) -> int:
    """How many requests to join wait for the person's answer (one query)."""
    if not person.has_role(Role.CANDIDATE):
        return 0
    return session.scalar(open_requests_query(person.id))


def open_requests_query(person_id: int) -> sa.Select:
    """Counts the requests to join that wait for the person's answer (a one-value select, so
    pages can read it beside other counts)."""
    return (
        sa.select(sa.func.count())
        .select_from(ProjectMember)
        .join(EvaluationProject, EvaluationProject.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id == person_id,
            ProjectMember.role == ProjectRole.CANDIDATE.value,
            ProjectMember.status == MembershipStatus.INVITED.value,
            EvaluationProject.archived_at.is_(None),
        )
    )
