"""Reads of other people's development data that the audit log records: a plan read by the
person's line manager or HR, and HR's organisation-wide heatmap and its CSV.

Their actions end in ``.view``, which the caches of derived pages know as reads, not changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from core.audit import record_event
from core.users import User
from plans.models import DevelopmentPlan


def record_plan_read(session: Session, actor: User, plan: DevelopmentPlan, page: str) -> None:
    """Audit ``actor`` reading ``page`` of someone else's plan; one's own reads are not."""
    if actor.id == plan.person_id:
        return
    record_event(
        session,
        actor=actor,
        action="plan.view",
        entity=plan,
        after={"page": page, "person_id": plan.person_id, "version_number": plan.version_number},
    )


def record_overview_read(
    session: Session, actor: User, what: str, filters: Mapping[str, str | None]
) -> None:
    """Audit ``actor`` reading the organisation's readiness (``what``: heatmap or csv) with
    the filters used; the event's entity is the reader, as no single person is read."""
    record_event(
        session,
        actor=actor,
        action="overview.view",
        entity=actor,
        after={"what": what, **{key: value for key, value in filters.items() if value}},
    )
