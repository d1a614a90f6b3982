"""Saving a draft's answers: any subset of ratings and new evidence, all or nothing, audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from assessments.access import check_editable, flush_versioned
from assessments.evidence import EvidenceInput, check_evidence_inputs
from assessments.evidence_files import DEFAULT_MAX_BYTES, EvidenceStore
from assessments.evidence_storage import check_quota
from assessments.models import Assessment, AssessmentKind, Evidence
from assessments.ratings import (
    RatingInput,
    answerable_competencies,
    append_rating,
    check_rating_inputs,
    describe_rating,
    levels_of,
)
from core.audit import record_event
from core.db import utcnow
from core.errors import ValidationError
from core.users import User


@dataclass
class SaveResult:
    """What a save changed, and the version the next save must name."""

    version: int
    ratings_changed: int = 0
    evidence_added: int = 0
    saved_at: Any = None
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.ratings_changed or self.evidence_added)


def save_answers(
    session: Session,
    assessment: Assessment,
    actor: User,
    *,
    expected_version: int | None,
    ratings: Sequence[RatingInput] = (),
    evidence: Sequence[EvidenceInput] = (),
    store: EvidenceStore | None = None,
    max_file_bytes: int = DEFAULT_MAX_BYTES,
    quota_bytes: int | None = None,
) -> SaveResult:
    """Save part of a draft: any subset of answers and new evidence, all or nothing.

    Partial data is fine (autosave sends what is on the page). Unchanged answers add no rows.
    :raises StaleAssessmentError: when ``expected_version`` is not the stored version.
    """
    check_editable(actor, assessment, expected_version)
    competencies = answerable_competencies(session, assessment)
    levels = levels_of(session, assessment.framework_id)
    is_self = assessment.kind == AssessmentKind.SELF
    problems = check_rating_inputs(ratings, competencies, levels, is_self)
    checked, evidence_problems = check_evidence_inputs(evidence, competencies, max_file_bytes)
    problems += evidence_problems
    if checked and any(c.upload is not None for c in checked) and store is None:
        problems.append("File uploads are not available here.")
    if problems:
        raise ValidationError("Nothing was saved. Please correct the answers.", problems=problems)
    uploads = sum(c.upload.size for c in checked if c.upload is not None)
    check_quota(session, assessment.subject_id, uploads, quota_bytes)

    current = assessment.current_ratings
    planned: list[tuple[int, int | None, int | None, int | None]] = []
    for item in ratings:
        old = current.get(item.competency_id)
        if not item.decides_level and old is None:
            # Confidence or interest alone is not an answer yet; it is saved with the level.
            continue
        level = None if item.not_assessed else item.level
        if not item.decides_level:
            level = old.level if old else None
        confidence = item.confidence if item.confidence is not None else (old and old.confidence)
        interest = item.interest if item.interest is not None else (old and old.interest)
        if old is not None and (old.level, old.confidence, old.interest) == (
            level,
            confidence,
            interest,
        ):
            continue
        planned.append((item.competency_id, level, confidence or None, interest or None))

    result = SaveResult(version=assessment.version)
    if not planned and not checked:
        return result
    # Take the version first: a concurrent writer fails here, before any rating is written.
    assessment.updated_at = utcnow()
    flush_versioned(session, assessment, expected_version)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competency_id, level, confidence, interest in planned:
        previous, new = append_rating(
            session,
            assessment,
            actor,
            competency_id,
            level=level,
            confidence=confidence,
            interest=interest,
        )
        code = competencies[competency_id].code
        before[code] = describe_rating(previous)
        after[code] = describe_rating(new)

    added = []
    for item in checked:
        stored_name = store.save(item.upload) if (item.upload is not None and store) else None
        row = Evidence(
            assessment=assessment,
            competency_id=item.source.competency_id,
            kind=item.source.kind,
            text=(item.source.text or "").strip(),
            url=item.url,
            file_stored_name=stored_name,
            file_original_name=item.upload.original_name if item.upload else None,
            file_content_type=item.upload.file_type.content_type if item.upload else None,
            file_size_bytes=item.upload.size if item.upload else None,
            file_sha256=item.upload.sha256 if item.upload else None,
            created_by_id=actor.id,
        )
        session.add(row)
        added.append(row)
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="assessment.ratings.save",
            entity=assessment,
            before=before,
            after=after,
        )
    for row in added:
        record_event(
            session,
            actor=actor,
            action="assessment.evidence.add",
            entity=row,
            after={
                "assessment_id": assessment.id,
                "competency": competencies[row.competency_id].code,
                "kind": row.kind,
                "has_file": row.has_file,
                "has_link": row.url is not None,
            },
        )
    result.version = assessment.version
    result.ratings_changed = len(after)
    result.evidence_added = len(added)
    result.saved_at = assessment.updated_at
    return result
