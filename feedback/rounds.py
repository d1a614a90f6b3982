"""Opening and running a feedback round: who may, which competencies, whom to ask.

A round is about one person and is opened by that person, their line manager or HR; the same
people follow its progress and, once it has closed, read its results. Progress counts who has
answered per group, never who.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from competencies.models import Competency, Requirement, RoleProfile, RoleRequirement
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import Role, User, checked_contact, get_user_by_email
from feedback.models import (
    ANONYMITY_FLOOR,
    MESSAGE_MAX_LENGTH,
    FeedbackQuestion,
    FeedbackRater,
    FeedbackRound,
    RaterGroup,
)
from feedback.receipts import new_link_token

MAX_QUESTIONS = 40
MAX_RATERS = 60
MAX_OPEN_DAYS = 90
REMINDER_INTERVAL = timedelta(hours=24)
LEADERSHIP_CATEGORY = "leadership"


def may_open_for(actor: User, subject: User) -> bool:
    """The person themself, their line manager, or HR."""
    return actor.id == subject.id or subject.line_manager_id == actor.id or actor.has_role(Role.HR)


def follows_round(actor: User, feedback_round: FeedbackRound) -> bool:
    """Who sees a round's progress and, once closed, its results: the person it is about,
    whoever opened it, the person's line manager, and HR."""
    subject = feedback_round.subject
    return (
        actor.id in (feedback_round.subject_id, feedback_round.opened_by_id)
        or subject.line_manager_id == actor.id
        or actor.has_role(Role.HR)
    )


def load_round(session: Session, round_id: int, actor: User) -> FeedbackRound:
    """The round if ``actor`` follows it; NotFoundError otherwise (no hint that it exists)."""
    found = session.scalar(
        sa.select(FeedbackRound)
        .where(FeedbackRound.id == round_id)
        .options(
            selectinload(FeedbackRound.questions).joinedload(FeedbackQuestion.competency),
            selectinload(FeedbackRound.raters),
        )
    )
    if found is None or not follows_round(actor, found):
        raise NotFoundError("This feedback round does not exist, or it is not yours to see.")
    return found


def default_question_ids(
    session: Session, role: RoleProfile | None, framework_id: int
) -> list[int]:
    """What colleagues are asked by default: the role's can competencies plus the leadership
    ones (the person's own target role; without one, the framework's leadership ones)."""
    can = (
        sa.select(RoleRequirement.competency_id)
        .where(
            RoleRequirement.role_profile_id == (role.id if role else -1),
            RoleRequirement.requirement == Requirement.CAN.value,
        )
        .scalar_subquery()
    )
    return list(
        session.scalars(
            sa.select(Competency.id)
            .where(
                Competency.framework_id == framework_id,
                sa.or_(Competency.id.in_(can), Competency.category == LEADERSHIP_CATEGORY),
            )
            .order_by(Competency.position, Competency.id)
        )
    )


@dataclass(frozen=True)
class RoundInput:
    """What the person opening a round chose."""

    competency_ids: Sequence[int]
    closes_on: date | None
    message: str = ""
    managers_attributed: bool = False
    min_raters: int = ANONYMITY_FLOOR


def open_round(
    session: Session,
    actor: User,
    subject: User,
    framework_id: int,
    choice: RoundInput,
    *,
    today: date,
) -> FeedbackRound:
    """Open a round about ``subject``; all or nothing, audited."""
    if not may_open_for(actor, subject):
        raise NotFoundError("This person does not exist, or you cannot ask for feedback on them.")
    if not subject.is_active:
        raise ValidationError("No round was opened.", problems=["This account is not active."])
    offered = {
        c.id: c
        for c in session.scalars(
            sa.select(Competency).where(Competency.framework_id == framework_id)
        )
    }
    problems = []
    chosen = list(dict.fromkeys(choice.competency_ids))
    if not chosen:
        problems.append("Choose at least one competency to ask about.")
    elif len(chosen) > MAX_QUESTIONS:
        problems.append(f"Ask about at most {MAX_QUESTIONS} competencies.")
    if any(cid not in offered for cid in chosen):
        problems.append("Choose competencies of the current framework only.")
    if choice.closes_on is None:
        problems.append("Choose the day the round closes.")
    elif choice.closes_on < today:
        problems.append("The closing day cannot be in the past.")
    elif choice.closes_on > today + timedelta(days=MAX_OPEN_DAYS):
        problems.append(f"Close the round within {MAX_OPEN_DAYS} days.")
    message = (choice.message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        problems.append(f"Keep the message to at most {MESSAGE_MAX_LENGTH} characters.")
    problems += _minimum_problems(actor, choice.min_raters, ANONYMITY_FLOOR)
    if problems:
        raise ValidationError("No round was opened.", problems=problems)
    opened = FeedbackRound(
        subject_id=subject.id,
        opened_by_id=actor.id,
        framework_id=framework_id,
        closes_on=choice.closes_on,
        message=message,
        managers_attributed=choice.managers_attributed,
        min_raters=choice.min_raters,
        withheld_groups=[],
        questions=[
            FeedbackQuestion(competency_id=cid, position=i) for i, cid in enumerate(chosen, 1)
        ],
    )
    session.add(opened)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="feedback.round.open",
        entity=opened,
        after={
            "subject_id": subject.id,
            "competencies": [offered[c].code for c in chosen],
            "closes_on": opened.closes_on.isoformat(),
            "min_raters": opened.min_raters,
            "managers_attributed": opened.managers_attributed,
        },
    )
    return opened


def _minimum_problems(actor: User, wanted: int, current: int) -> list[str]:
    if wanted < ANONYMITY_FLOOR:
        return [f"At least {ANONYMITY_FLOOR} raters per group keep answers anonymous."]
    if wanted < current:
        return [f"The minimum can only be raised: it is {current} for this round."]
    if wanted > ANONYMITY_FLOOR and not actor.has_role(Role.HR):
        return ["Only HR can raise the minimum number of raters per group."]
    if wanted > MAX_RATERS:
        return [f"The minimum cannot exceed {MAX_RATERS}."]
    return []


def require_open(feedback_round: FeedbackRound, today: date) -> None:
    if feedback_round.is_closed(today):
        raise ConflictError("This feedback round has closed; nothing about it can change now.")


@dataclass(frozen=True)
class RaterRequest:
    """Who was asked and, for someone without an account, the one-time link's token."""

    rater: FeedbackRater
    link_token: str | None


def ask_rater(
    session: Session,
    feedback_round: FeedbackRound,
    actor: User,
    *,
    group: str,
    email: str,
    name: str,
    today: date,
) -> RaterRequest:
    """Ask someone for feedback in a group. An active account answers after signing in;
    anyone else gets a one-time link and no account."""
    require_open(feedback_round, today)
    email, name = checked_contact(email, name, refusal="Nobody was asked for feedback.")
    problems = []
    if group not in {g.value for g in RaterGroup}:
        problems.append("Choose how the person works with them: peer, report, manager or other.")
    if email == feedback_round.subject.email:
        problems.append("Feedback comes from others: the person cannot rate themself here.")
    if any(r.email == email for r in feedback_round.raters):
        problems.append(f"{email} has already been asked in this round.")
    if len(feedback_round.raters) >= MAX_RATERS:
        problems.append(f"A round asks at most {MAX_RATERS} people.")
    if problems:
        raise ValidationError("Nobody was asked for feedback.", problems=problems)
    account = get_user_by_email(session, email)
    if account is not None and not (account.is_active and account.blocked_at is None):
        account = None
    token, digest = (None, None) if account else new_link_token()
    rater = FeedbackRater(
        group=group,
        user_id=account.id if account else None,
        email=email,
        name=name,
        token_sha256=digest,
        invited_by_id=actor.id,
        draft_comment="",
    )
    feedback_round.raters.append(rater)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="feedback.rater.ask",
        entity=feedback_round,
        after={"group": group, "email": email},
    )
    return RaterRequest(rater, token)


def raters_to_remind(feedback_round: FeedbackRound, now=None) -> list[FeedbackRater]:
    """Those who have not answered and were not reminded in the last day."""
    now = now or utcnow()
    return [
        r
        for r in feedback_round.raters
        if not r.has_answered
        and (r.reminded_at is None or now - r.reminded_at >= REMINDER_INTERVAL)
    ]


def remind(
    session: Session, feedback_round: FeedbackRound, actor: User, *, today: date
) -> list[tuple[FeedbackRater, str | None]]:
    """Mark who gets a reminder now, with a fresh link for those without an account (the
    old link stops working, so the newest mail is the one that works)."""
    require_open(feedback_round, today)
    now = utcnow()
    reminded = []
    for rater in raters_to_remind(feedback_round, now):
        rater.reminded_at = now
        token = None
        if rater.user_id is None:
            token, rater.token_sha256 = new_link_token()
        reminded.append((rater, token))
    if reminded:
        record_event(
            session,
            actor=actor,
            action="feedback.round.remind",
            entity=feedback_round,
            after={"reminded": len(reminded)},
        )
    return reminded


def close_round(
    session: Session, feedback_round: FeedbackRound, actor: User, *, today: date
) -> None:
    """Close before the closing day: no more answers, results shown from now."""
    require_open(feedback_round, today)
    feedback_round.closed_at = utcnow()
    for rater in feedback_round.raters:
        rater.token_sha256 = None
    record_event(session, actor=actor, action="feedback.round.close", entity=feedback_round)


def raise_minimum(
    session: Session, feedback_round: FeedbackRound, actor: User, wanted: int
) -> None:
    """HR raises the anonymity minimum of a round; it is never lowered."""
    if not actor.has_role(Role.HR):
        raise NotFoundError("Only HR can change the minimum number of raters per group.")
    problems = _minimum_problems(actor, wanted, feedback_round.min_raters)
    if problems:
        raise ValidationError("The minimum was not changed.", problems=problems)
    before = feedback_round.min_raters
    feedback_round.min_raters = wanted
    record_event(
        session,
        actor=actor,
        action="feedback.round.minimum",
        entity=feedback_round,
        before={"min_raters": before},
        after={"min_raters": wanted},
    )


@dataclass(frozen=True)
class GroupProgress:
    group: RaterGroup
    invited: int
    answered: int


def progress_of(feedback_round: FeedbackRound) -> list[GroupProgress]:
    """Answered and invited per group, in a fixed group order; never who."""
    result = []
    for group in RaterGroup:
        raters = [r for r in feedback_round.raters if r.group == group]
        if raters:
            result.append(GroupProgress(group, len(raters), sum(r.has_answered for r in raters)))
    return result


def open_round_count(session: Session, today: date) -> int:
    """Rounds still taking answers, organisation-wide (one query, for HR's home page)."""
    return session.scalar(
        sa.select(sa.func.count(FeedbackRound.id)).where(
            FeedbackRound.closed_at.is_(None), FeedbackRound.closes_on >= today
        )
    )


def rounds_about(session: Session, person_id: int) -> list[FeedbackRound]:
    """A person's rounds, newest first."""
    return list(
        session.scalars(
            sa.select(FeedbackRound)
            .where(FeedbackRound.subject_id == person_id)
            .options(selectinload(FeedbackRound.raters))
            .order_by(FeedbackRound.created_at.desc(), FeedbackRound.id.desc())
        )
    )


def rounds_followed_by(session: Session, actor: User) -> list[FeedbackRound]:
    """Rounds about others that ``actor`` follows: opened by them, about their reports, or
    every round for HR; newest first."""
    query = (
        sa.select(FeedbackRound)
        .join(User, User.id == FeedbackRound.subject_id)
        .where(FeedbackRound.subject_id != actor.id)
        .options(selectinload(FeedbackRound.raters), selectinload(FeedbackRound.subject))
        .order_by(FeedbackRound.created_at.desc(), FeedbackRound.id.desc())
    )
    if not actor.has_role(Role.HR):
        query = query.where(
            sa.or_(FeedbackRound.opened_by_id == actor.id, User.line_manager_id == actor.id)
        )
    return list(session.scalars(query))
