"""Typed models of feedback rounds from colleagues (360 / upward feedback).

Anonymity is built into the tables, not only into the pages:

- ``FeedbackRater`` says who was asked and whether they have answered: used for progress and
  reminders, never joined to an answer.
- ``FeedbackResponse`` and ``FeedbackAnswer`` hold the answers without the rater's identity
  and without any time: a response's key is random, so neither its key nor a timestamp orders
  responses by when they came. Only a manager in a round that said up front that managers
  answer by name keeps their account on the response.
- A response carries a *receipt*, a keyed hash of the rater row (see ``feedback.receipts``):
  without the application's secret a copy of the database cannot join answers to raters,
  but erasing a rater can still find and remove their answers.

A draft (``FeedbackDraftAnswer``) belongs to the rater until they submit it; submitting moves
it into an anonymous response and deletes the draft.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies.models import Competency, Framework
from core.db import Base, UTCDateTime, utcnow
from core.users import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, User

# The smallest group whose answers are shown: fewer raters could be told apart.
ANONYMITY_FLOOR = 3
COMMENT_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 1000


class RaterGroup(enum.StrEnum):
    """How a rater works with the person; results are shown per group."""

    PEER = "peer"
    REPORT = "report"
    MANAGER = "manager"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "peer": "Peers",
            "report": "Direct reports",
            "manager": "Managers",
            "other": "Others",
        }[self.value]

    @property
    def singular(self) -> str:
        return {
            "peer": "a peer",
            "report": "a direct report",
            "manager": "a manager",
            "other": "someone else who works with them",
        }[self.value]


def _response_key() -> str:
    return uuid.uuid4().hex


class FeedbackRound(Base):
    """A round of feedback about one person, on chosen competencies, until a closing day.

    Answers are taken through ``closes_on`` (UTC); the round is closed from the next day or
    when its owner closes it earlier, and only then are results shown. ``min_raters`` is the
    anonymity minimum per group: never below ``ANONYMITY_FLOOR``, and it can only be raised.
    """

    __tablename__ = "feedback_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    closes_on: Mapped[date] = mapped_column(sa.Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    min_raters: Mapped[int] = mapped_column(default=ANONYMITY_FLOOR)
    managers_attributed: Mapped[bool] = mapped_column(default=False)
    # Groups whose answers lost a rater to erasure after results were shown: what is left
    # beside what was shown would single out the erased rater, so the group stays withheld.
    withheld_groups: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    framework: Mapped[Framework] = relationship()
    questions: Mapped[list[FeedbackQuestion]] = relationship(
        back_populates="round", order_by="FeedbackQuestion.position", cascade="all, delete-orphan"
    )
    raters: Mapped[list[FeedbackRater]] = relationship(
        back_populates="round", order_by="FeedbackRater.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint(f"min_raters >= {ANONYMITY_FLOOR}", name="min_raters_at_least_floor"),
    )

    def is_closed(self, today: date) -> bool:
        """True once the closing day has passed or the owner closed the round."""
        return self.closed_at is not None or today > self.closes_on

    def __repr__(self) -> str:
        return f"<FeedbackRound {self.id} about {self.subject_id}>"


class FeedbackQuestion(Base):
    """One competency a round asks about."""

    __tablename__ = "feedback_questions"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column()

    round: Mapped[FeedbackRound] = relationship(back_populates="questions")
    competency: Mapped[Competency] = relationship()


class FeedbackRater(Base):
    """Someone asked for feedback: an account, or a name and e-mail with a one-time link.

    ``has_answered`` is all that is known of their answer here. People without an account get
    no account: only the link's SHA-256 digest is kept, and it stops working when they submit
    or the round closes.
    """

    __tablename__ = "feedback_raters"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_rounds.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[str] = mapped_column("rater_group", sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX_LENGTH))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LENGTH))
    token_sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    has_answered: Mapped[bool] = mapped_column(default=False)
    draft_comment: Mapped[str] = mapped_column(sa.Text, default="")
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[FeedbackRound] = relationship(back_populates="raters")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    draft: Mapped[list[FeedbackDraftAnswer]] = relationship(
        back_populates="rater", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint(
            "rater_group IN ('peer', 'report', 'manager', 'other')", name="group_is_known"
        ),
        sa.UniqueConstraint("round_id", "email", name="uq_feedback_raters_round_email"),
    )

    @property
    def group_enum(self) -> RaterGroup:
        return RaterGroup(self.group)


class _LevelOnCompetency:
    """One competency's answer: a level, or None for "not observed"."""

    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id"), primary_key=True, index=True
    )
    level: Mapped[int | None] = mapped_column()


class FeedbackDraftAnswer(_LevelOnCompetency, Base):
    """A rater's unsubmitted answer on one competency; it is theirs until they submit."""

    __tablename__ = "feedback_draft_answers"

    rater_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_raters.id", ondelete="CASCADE"), primary_key=True
    )

    rater: Mapped[FeedbackRater] = relationship(back_populates="draft")


class FeedbackResponse(Base):
    """One submitted set of answers, without who gave it or when."""

    __tablename__ = "feedback_responses"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=_response_key)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_rounds.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[str] = mapped_column("rater_group", sa.String(10))
    receipt: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Only for managers in a round that said so before anyone answered.
    attributed_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    answers: Mapped[list[FeedbackAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    attributed_to: Mapped[User | None] = relationship()
    round: Mapped[FeedbackRound] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "rater_group IN ('peer', 'report', 'manager', 'other')", name="group_is_known"
        ),
        sa.CheckConstraint(
            "attributed_to_id IS NULL OR rater_group = 'manager'",
            name="only_managers_attributed",
        ),
    )


class FeedbackAnswer(_LevelOnCompetency, Base):
    """One level given in an anonymous response."""

    __tablename__ = "feedback_answers"

    response_id: Mapped[str] = mapped_column(
        sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True
    )

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers")
