"""A rater's side of a round: find the request, keep a draft, submit it anonymously.

The draft belongs to the rater so that they can come back to it. Submitting turns it into a
response that carries the rater's group, a receipt and nothing else of them, deletes the
draft, marks the rater as answered and ends their link: after that nothing in the database
says which answers were theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from competencies.models import ScaleLevel
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from feedback.models import (
    COMMENT_MAX_LENGTH,
    FeedbackAnswer,
    FeedbackDraftAnswer,
    FeedbackQuestion,
    FeedbackRater,
    FeedbackResponse,
    FeedbackRound,
    RaterGroup,
)
from feedback.receipts import TOKEN_MAX_LENGTH, receipt_of, token_digest

NOT_OBSERVED = "none"
CHANGED_ELSEWHERE = "Your answers were changed in another window. Reload the page to see them."


class FeedbackLinkInvalidError(NotFoundError):
    """Unknown, used or closed link: deliberately not saying which."""

    def __init__(self) -> None:
        super().__init__(
            "This feedback link is not valid. It may have been used already, the round may "
            "have closed, or a newer reminder replaced it."
        )


def _rater_query() -> sa.Select:
    return sa.select(FeedbackRater).options(
        joinedload(FeedbackRater.round).options(
            joinedload(FeedbackRound.subject),
            selectinload(FeedbackRound.questions).joinedload(FeedbackQuestion.competency),
        ),
        selectinload(FeedbackRater.draft),
    )


def rater_for_account(session: Session, rater_id: int, actor: User, today: date) -> FeedbackRater:
    """The request ``rater_id`` if it was made to ``actor`` and can still be answered."""
    rater = session.scalar(_rater_query().where(FeedbackRater.id == rater_id))
    if rater is None or rater.user_id != actor.id:
        raise NotFoundError("This feedback request does not exist, or it is not yours.")
    _require_answerable(rater, today)
    return rater


def rater_for_link(session: Session, token: str, today: date) -> FeedbackRater:
    """The request behind a one-time link, or FeedbackLinkInvalidError."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise FeedbackLinkInvalidError()
    rater = session.scalar(_rater_query().where(FeedbackRater.token_sha256 == token_digest(token)))
    if rater is None or rater.has_answered or rater.round.is_closed(today):
        raise FeedbackLinkInvalidError()
    return rater


def _require_answerable(rater: FeedbackRater, today: date) -> None:
    if rater.has_answered:
        raise ConflictError("You have answered this request already. Thank you.")
    if rater.round.is_closed(today):
        raise ConflictError("This feedback round has closed; answers are no longer taken.")


@dataclass(frozen=True)
class OpenRequest:
    """A request waiting for the signed-in person's answer."""

    rater_id: int
    subject_name: str
    group: RaterGroup
    closes_on: date
    questions: int
    drafted: int


def open_requests_for(session: Session, user: User, today: date) -> list[OpenRequest]:
    """The person's unanswered requests in rounds still open, soonest closing first."""
    drafted = (
        sa.select(sa.func.count())
        .where(FeedbackDraftAnswer.rater_id == FeedbackRater.id)
        .scalar_subquery()
    )
    questions = (
        sa.select(sa.func.count())
        .where(FeedbackQuestion.round_id == FeedbackRound.id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(FeedbackRater, FeedbackRound, User.name, questions, drafted)
        .join(FeedbackRound, FeedbackRound.id == FeedbackRater.round_id)
        .join(User, User.id == FeedbackRound.subject_id)
        .where(
            FeedbackRater.user_id == user.id,
            FeedbackRater.has_answered.is_(False),
            FeedbackRound.closed_at.is_(None),
            FeedbackRound.closes_on >= today,
        )
        .order_by(FeedbackRound.closes_on, FeedbackRater.id)
    )
    return [
        OpenRequest(rater.id, name, rater.group_enum, fr.closes_on, n_questions, n_drafted)
        for rater, fr, name, n_questions, n_drafted in rows
    ]


def open_request_count(session: Session, user_id: int, today: date) -> int:
    """How many requests wait for the person's answer (one query)."""
    return session.scalar(open_requests_query(user_id, today))


def open_requests_query(user_id: int, today: date) -> sa.Select:
    """Counts the person's unanswered requests in rounds still open (a one-value select)."""
    return (
        sa.select(sa.func.count())
        .select_from(FeedbackRater)
        .join(FeedbackRound, FeedbackRound.id == FeedbackRater.round_id)
        .where(
            FeedbackRater.user_id == user_id,
            FeedbackRater.has_answered.is_(False),
            FeedbackRound.closed_at.is_(None),
            FeedbackRound.closes_on >= today,
        )
    )


def _levels(session: Session, framework_id: int) -> set[int]:
    return set(
        session.scalars(sa.select(ScaleLevel.value).where(ScaleLevel.framework_id == framework_id))
    )


def parse_choices(
    rater: FeedbackRater, raw: Mapping[int, str], levels: set[int]
) -> tuple[dict[int, int | None], list[str]]:
    """Form values per competency id ("" unanswered, "none" not observed, else a level)."""
    asked = {q.competency_id: q.competency for q in rater.round.questions}
    chosen: dict[int, int | None] = {}
    problems = []
    for competency_id, value in raw.items():
        competency = asked.get(competency_id)
        if competency is None:
            problems.append("Answer only the competencies this round asks about.")
            continue
        value = (value or "").strip()
        if value == "":
            continue
        if value == NOT_OBSERVED:
            chosen[competency_id] = None
        elif value.isdigit() and int(value) in levels:
            chosen[competency_id] = int(value)
        else:
            problems.append(f"{competency.name}: choose one of the levels or “not observed”.")
    return chosen, problems


def save_draft(
    session: Session,
    rater: FeedbackRater,
    raw: Mapping[int, str],
    comment: str | None,
    *,
    expected_version: int | None,
    today: date,
) -> int:
    """Keep the answers given so far (any subset) and the comment; returns the new version.

    :raises ConflictError: when the draft changed in another tab since the page was loaded.
    """
    _require_answerable(rater, today)
    if expected_version != rater.version:
        raise ConflictError(CHANGED_ELSEWHERE)
    levels = _levels(session, rater.round.framework_id)
    chosen, problems = parse_choices(rater, raw, levels)
    if comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        problems.append(f"Keep the comment to at most {COMMENT_MAX_LENGTH} characters.")
    if problems:
        raise ValidationError("Nothing was saved.", problems=problems)
    current = {d.competency_id: d for d in rater.draft}
    for competency_id, level in chosen.items():
        if competency_id in current:
            current[competency_id].level = level
        else:
            rater.draft.append(FeedbackDraftAnswer(competency_id=competency_id, level=level))
    if comment is not None:
        rater.draft_comment = comment.strip()
    # The rater row is written on every save, so its version moves even when only draft
    # rows changed: a second window holding the old version is told, not overwritten.
    flag_modified(rater, "draft_comment")
    _flush_or_conflict(session)
    return rater.version


def submit(
    session: Session,
    rater: FeedbackRater,
    *,
    receipt_key: bytes,
    today: date,
) -> FeedbackResponse:
    """Turn the draft into an anonymous response; every question needs an answer ("not
    observed" counts as one)."""
    _require_answerable(rater, today)
    draft = {d.competency_id: d.level for d in rater.draft}
    missing = [q.competency.name for q in rater.round.questions if q.competency_id not in draft]
    if missing:
        raise ValidationError(
            f"{len(missing)} competencies have no answer yet. Choose a level or "
            "“not observed” for each.",
            problems=missing,
        )
    feedback_round = rater.round
    attributed = (
        rater.user_id
        if feedback_round.managers_attributed and rater.group == RaterGroup.MANAGER
        else None
    )
    response = FeedbackResponse(
        round_id=feedback_round.id,
        group=rater.group,
        receipt=receipt_of(receipt_key, rater.id),
        attributed_to_id=attributed,
        comment=rater.draft_comment.strip(),
        answers=[
            FeedbackAnswer(competency_id=q.competency_id, level=draft[q.competency_id])
            for q in feedback_round.questions
        ],
    )
    session.add(response)
    rater.draft.clear()
    rater.draft_comment = ""
    rater.has_answered = True
    rater.token_sha256 = None
    _flush_or_conflict(session)
    # Deliberately no audit event: its time would tell which response came when.
    return response


def _flush_or_conflict(session: Session) -> None:
    """Flush; another window that saved the same draft first becomes a conflict to report."""
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(CHANGED_ELSEWHERE) from error
