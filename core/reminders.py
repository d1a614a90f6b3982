"""Reminders sent exactly once: a row per (kind, subject, milestone), claimed before the mail
goes out.

Two workers, or the same periodic task run twice, may find the same reminder due; the unique
row decides which of them sends it. The claim is made in a savepoint, so a lost race costs
nothing but the skipped insert, and it commits with the mail's enqueueing (a crash between
the two loses a reminder rather than sending it twice).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow


class SentReminder(Base):
    """One reminder that went out: what it was about and which milestone it marked."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    subject_key: Mapped[str] = mapped_column(sa.String(60))
    milestone: Mapped[str] = mapped_column(sa.String(20))
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "subject_key", "milestone", name="uq_sent_reminders_once"),
    )


def claim(
    session: Session, kind: str, subject_key: str, milestones: list[str], recipient_id: int
) -> bool:
    """Claim ``milestones[0]`` (and mark the less urgent ``milestones[1:]`` as passed, so they
    never follow it); False when another run claimed it first."""
    if not _insert_once(session, kind, subject_key, milestones[0], recipient_id):
        return False
    for passed in milestones[1:]:
        _insert_once(session, kind, subject_key, passed, recipient_id)
    return True


def _insert_once(
    session: Session, kind: str, subject_key: str, milestone: str, recipient_id: int
) -> bool:
    """Add the row in a savepoint; False (and nothing added) when it exists already."""
    try:
        with session.begin_nested():
            session.add(
                SentReminder(
                    kind=kind,
                    subject_key=subject_key,
                    milestone=milestone,
                    recipient_id=recipient_id,
                )
            )
    except IntegrityError:
        return False
    return True
