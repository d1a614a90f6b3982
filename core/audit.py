"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from core.users import User


class AuditEvent(Base):
    """One recorded change. Rows are only ever inserted, never updated through the app."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the trail must outlive the rows it talks about.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(80))
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)


def record_event(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event for a change to ``entity`` (flushed with the caller's transaction)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        action=action,
        entity_type=type(entity).__name__,
        entity_id=str(getattr(entity, "id", None)),
        before=before,
        after=after,
    )
    session.add(event)
    return event
