"""What evidence files take on disk: a per-person quota, and deleting the files of removed
evidence and files no evidence row names any more."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.evidence_files import EvidenceStore
from assessments.models import Assessment, Evidence
from core.errors import ValidationError

# An upload is written before its transaction commits; a younger unnamed file may be one.
ORPHAN_GRACE_SECONDS = 3600


def stored_bytes_of(session: Session, person_id: int) -> int:
    """How many bytes of evidence files the person keeps (removed evidence not counted)."""
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Evidence.file_size_bytes), 0))
        .join(Assessment, Assessment.id == Evidence.assessment_id)
        .where(
            Assessment.subject_id == person_id,
            Evidence.file_stored_name.is_not(None),
            Evidence.removed_at.is_(None),
        )
    )
    return int(total or 0)


def check_quota(session: Session, person_id: int, adding: int, quota_bytes: int | None) -> None:
    """Refuse uploads of ``adding`` bytes that would take the person past ``quota_bytes``."""
    if not quota_bytes or not adding:
        return
    used = stored_bytes_of(session, person_id)
    if used + adding > quota_bytes:
        mib = 1024 * 1024
        raise ValidationError(
            "Nothing was saved: the files would go over your storage for evidence.",
            problems=[
                f"Your evidence files take {used / mib:.1f} MB of your {quota_bytes / mib:.0f} "
                f"MB; these uploads need {adding / mib:.1f} MB more. Remove evidence you no "
                "longer need, or add a link instead of a file."
            ],
        )


def delete_removed_files(
    session: Session, store: EvidenceStore, assessment_id: int | None = None
) -> int:
    """Delete the files of evidence taken off drafts (of one assessment, or all) and forget
    their names; returns how many files went."""
    query = sa.select(Evidence).where(
        Evidence.removed_at.is_not(None), Evidence.file_stored_name.is_not(None)
    )
    if assessment_id is not None:
        query = query.where(Evidence.assessment_id == assessment_id)
    deleted = 0
    for row in session.scalars(query):
        deleted += store.delete(row.file_stored_name or "")
        row.file_stored_name = None
    session.flush()
    return deleted


def delete_orphaned_files(session: Session, store: EvidenceStore) -> int:
    """Delete stored files that no evidence row names (an upload whose save was refused or
    rolled back), once they are older than an hour."""
    known = set(
        session.scalars(
            sa.select(Evidence.file_stored_name).where(Evidence.file_stored_name.is_not(None))
        )
    )
    return store.delete_orphans(known, ORPHAN_GRACE_SECONDS)
