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
    """One recorded change. Rows are only ever inserted, and changed only when a person is
    erased: the event keeps its skeleton with the person replaced by a pseudonym."""

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


def search_events(
    session: Session,
    *,
    actor_email: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """Audit events matching the filters, newest first, one page at a time; also the total."""
    query = sa.select(AuditEvent)
    if actor_email:
        query = query.where(AuditEvent.actor_email.contains(actor_email.strip().lower()))
    if action:
        query = query.where(AuditEvent.action.startswith(action.strip()))
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if since:
        query = query.where(AuditEvent.created_at >= since)
    if until:
        query = query.where(AuditEvent.created_at < until)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total


def entity_types(session: Session) -> list[str]:
    """The kinds of entity the trail has rows for (for a filter menu)."""
    return list(
        session.scalars(
            sa.select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
        )
    )


# Changes an administrator should see first: accounts and access, personal data handed out
# or erased.
NOTABLE_ACTIONS = (
    "user.create",
    "user.update",
    "user.set_password",
    "user.line_manager",
    "privacy.export",
    "privacy.erase",
)


def notable_events(session: Session, limit: int = 5) -> list[AuditEvent]:
    """The newest events of ``NOTABLE_ACTIONS`` (one query)."""
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.in_(NOTABLE_ACTIONS))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
