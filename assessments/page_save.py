"""Saving one page of a rating form: its answers and evidence, then the evidence it removed.

The self-assessment area page and the evaluator's rating sheet send the same shape; both
save through here, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from assessments.answers import SaveResult, save_answers
from assessments.evidence import EvidenceInput, remove_evidence
from assessments.evidence_files import DEFAULT_MAX_BYTES, EvidenceStore
from assessments.models import Assessment
from assessments.ratings import RatingInput
from core.users import User


def save_page(
    session: Session,
    assessment: Assessment,
    actor: User,
    *,
    expected_version: int | None,
    ratings: Sequence[RatingInput] = (),
    evidence: Sequence[EvidenceInput] = (),
    removed_evidence_id: int | None = None,
    store: EvidenceStore | None = None,
    max_file_bytes: int = DEFAULT_MAX_BYTES,
    quota_bytes: int | None = None,
) -> SaveResult:
    """Save the page's answers and new evidence, then take off ``removed_evidence_id``.

    :raises StaleAssessmentError: when ``expected_version`` is not the stored version.
    """
    result = save_answers(
        session,
        assessment,
        actor,
        expected_version=expected_version,
        ratings=ratings,
        evidence=evidence,
        store=store,
        max_file_bytes=max_file_bytes,
        quota_bytes=quota_bytes,
    )
    if removed_evidence_id is not None:
        remove_evidence(
            session, assessment, actor, removed_evidence_id, expected_version=result.version
        )
    return result
