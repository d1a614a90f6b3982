"""Personal data held by training: enrollments, their ratings and outcomes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.privacy import iso_or_none
from core.users import User
from training.models import Enrollment


def export_person(session: Session, person: User) -> dict[str, Any]:
    """The person's enrollments with their ratings and derived outcomes."""
    enrollments = session.scalars(
        sa.select(Enrollment)
        .where(Enrollment.person_id == person.id)
        .options(selectinload(Enrollment.training))
        .order_by(Enrollment.planned_at)
    ).all()
    return {
        "enrollments": [
            {
                "training": e.training.title,
                "status": e.status,
                "planned_for": iso_or_none(e.planned_for),
                "planned_at": iso_or_none(e.planned_at),
                "started_at": iso_or_none(e.started_at),
                "completed_at": iso_or_none(e.completed_at),
                "dropped_at": iso_or_none(e.dropped_at),
                "rating": e.rating,
                "rating_comment": e.rating_comment,
                "outcome": e.outcome,
            }
            for e in enrollments
        ]
    }


def erase_person(session: Session, person: User) -> dict[str, int]:
    """Drop the person's comments; keep statuses and ratings for the catalogue's statistics."""
    result = session.execute(
        sa.update(Enrollment).where(Enrollment.person_id == person.id).values(rating_comment="")
    )
    return {"enrollment_comments_cleared": result.rowcount}
