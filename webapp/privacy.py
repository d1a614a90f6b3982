"""Data-protection requests over every package: a person's export, and erasure.

The composition root is the only place that knows every package with personal data; each
package's ``privacy`` module handles its own records.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import assessments.privacy
import core.privacy
import evaluations.privacy
import feedback.privacy
import plans.privacy
import training.privacy
from assessments.evidence_files import EvidenceStore
from assessments.evidence_storage import delete_orphaned_files, delete_removed_files
from core.audit import AuditEvent, record_event
from core.db import utcnow
from core.errors import ValidationError
from core.login_throttle import LoginAttempt
from core.mail import erase_outbox_mails
from core.users import User
from feedback.receipts import receipt_key
from plans.jobs import expire_exports, forget_exports_of

EXPORT_FORMAT = "proficio-personal-data/1"


def export_person_data(session: Session, person: User, actor: User) -> dict[str, Any]:
    """All records about ``person`` in one JSON-ready object; the export itself is audited."""
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        **core.privacy.export_person(session, person),
        **assessments.privacy.export_person(session, person),
        **evaluations.privacy.export_person(session, person),
        **feedback.privacy.export_person(session, person),
        **training.privacy.export_person(session, person),
        **plans.privacy.export_person(session, person),
    }
    record_event(
        session,
        actor=actor,
        action="privacy.export",
        entity=person,
        after={"sections": sorted(k for k in data if k not in {"format", "exported_at"})},
    )
    return data


def erase_person_data(
    session: Session,
    person: User,
    actor: User,
    evidence_root: Path | None,
    export_root: Path | None = None,
    mail_outbox: Path | None = None,
    *,
    secret_key: str | bytes,
) -> dict[str, int]:
    """Anonymise ``person`` everywhere while keeping levels and counts for statistics
    (``secret_key`` finds the person's anonymous feedback answers through their receipts)."""
    if person.id == actor.id:
        raise ValidationError("You cannot erase your own account; ask another administrator.")
    if person.email.endswith("@erased.invalid"):
        raise ValidationError("This person has already been erased.")
    summary: dict[str, int] = {}
    summary.update(assessments.privacy.erase_person(session, person, evidence_root))
    summary.update(evaluations.privacy.erase_person(session, person))
    summary.update(
        feedback.privacy.erase_person(
            session, person, receipt_key=receipt_key(secret_key), today=utcnow().date()
        )
    )
    summary.update(training.privacy.erase_person(session, person))
    if mail_outbox is not None:
        summary["outbox_mails_removed"] = erase_outbox_mails(mail_outbox, person.email)
    if export_root is not None:
        # Before the plans lose their text: the ZIPs are found through the person's plans.
        summary["export_zips_removed"] = forget_exports_of(session, person.id, export_root)
    summary.update(plans.privacy.erase_person(session, person))
    summary.update(core.privacy.erase_person(session, person))
    session.flush()
    record_event(session, actor=actor, action="privacy.erase", entity=person, after=summary)
    return summary


def purge_expired(
    session: Session,
    audit_retention_days: int,
    export_root: Path | None = None,
    export_retention_days: int = 7,
    evidence_root: Path | None = None,
) -> dict[str, int]:
    """Delete audit events older than the retention period, stale sign-in failures,
    bulk-export ZIPs past theirs, and evidence files that removed or lost their evidence."""
    cutoff = utcnow() - timedelta(days=audit_retention_days)
    events = session.execute(sa.delete(AuditEvent).where(AuditEvent.created_at < cutoff))
    attempts = session.execute(
        sa.delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - timedelta(days=1))
    )
    summary = {"audit_events_deleted": events.rowcount, "login_attempts_deleted": attempts.rowcount}
    if export_root is not None:
        summary["export_zips_deleted"] = expire_exports(
            session, export_root, timedelta(days=export_retention_days)
        )
    if evidence_root is not None:
        store = EvidenceStore(evidence_root)
        summary["removed_evidence_files_deleted"] = delete_removed_files(session, store)
        summary["orphaned_evidence_files_deleted"] = delete_orphaned_files(session, store)
    return summary
