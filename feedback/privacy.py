"""Personal data in feedback rounds: rounds about a person, and requests made to them.

Erasing a rater removes who was asked and, through the receipts, the answers they gave. If
the round's results had already been shown, the group the answers came from is withheld from
then on: its figures with and without the erased answers side by side would tell exactly
what the erased rater said.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from core.privacy import iso_or_none
from core.users import User
from feedback.models import FeedbackRater, FeedbackResponse, FeedbackRound
from feedback.receipts import receipt_of


def export_person(session: Session, person: User) -> dict[str, Any]:
    """Rounds about the person (not the answers: those belong to no one) and the requests
    made to them, with whether they answered (by round number: the export names nobody
    else)."""
    about = session.scalars(
        sa.select(FeedbackRound)
        .where(FeedbackRound.subject_id == person.id)
        .order_by(FeedbackRound.id)
    )
    asked = session.scalars(
        sa.select(FeedbackRater)
        .where(sa.or_(FeedbackRater.user_id == person.id, FeedbackRater.email == person.email))
        .order_by(FeedbackRater.id)
    )
    return {
        "feedback_rounds_about_you": [
            {
                "opened_at": iso_or_none(r.created_at),
                "closes_on": r.closes_on.isoformat(),
                "closed_at": iso_or_none(r.closed_at),
                "raters_asked": len(r.raters),
            }
            for r in about
        ],
        "feedback_requests_to_you": [
            {
                "round": rater.round_id,
                "group": rater.group,
                "asked_at": iso_or_none(rater.invited_at),
                "answered": rater.has_answered,
                "draft_answers": len(rater.draft),
            }
            for rater in asked
        ],
    }


def erase_person(
    session: Session, person: User, *, receipt_key: bytes, today: date
) -> dict[str, int]:
    """Delete rounds about the person and the person's requests and answers as a rater."""
    raters = list(
        session.scalars(
            sa.select(FeedbackRater)
            .where(sa.or_(FeedbackRater.user_id == person.id, FeedbackRater.email == person.email))
            .options(joinedload(FeedbackRater.round))
        )
    )
    receipts = {receipt_of(receipt_key, rater.id): rater for rater in raters}
    answered = (
        list(
            session.scalars(
                sa.select(FeedbackResponse).where(FeedbackResponse.receipt.in_(list(receipts)))
            )
        )
        if receipts
        else []
    )
    for response in answered:
        feedback_round = receipts[response.receipt].round
        if feedback_round.is_closed(today) and response.group not in feedback_round.withheld_groups:
            feedback_round.withheld_groups = [*feedback_round.withheld_groups, response.group]
        session.delete(response)
    for rater in raters:
        session.delete(rater)
    about = list(
        session.scalars(sa.select(FeedbackRound).where(FeedbackRound.subject_id == person.id))
    )
    for feedback_round in about:
        session.delete(feedback_round)
    session.execute(
        sa.update(FeedbackRound)
        .where(FeedbackRound.opened_by_id == person.id)
        .values(opened_by_id=None, message="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(FeedbackRater)
        .where(FeedbackRater.invited_by_id == person.id)
        .values(invited_by_id=None)
        .execution_options(synchronize_session=False)
    )
    return {
        "feedback_answers_erased": len(answered),
        "feedback_requests_erased": len(raters),
        "feedback_rounds_erased": len(about),
    }
