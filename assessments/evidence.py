"""Evidence on an assessment: checking new text, links and files, taking evidence off a draft,
and reading it back through the assessment's access rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from assessments.access import check_editable, flush_versioned, get_assessment_for
from assessments.evidence_files import check_upload
from assessments.models import Assessment, Evidence, EvidenceKind
from competencies.models import Competency
from core.audit import record_event
from core.db import utcnow
from core.errors import NotFoundError, ValidationError
from core.users import User

EVIDENCE_TEXT_MAX = 2000
EVIDENCE_URL_MAX = 500


@dataclass(frozen=True)
class EvidenceInput:
    """New evidence for one competency: text, a link and/or a file (name and bytes)."""

    competency_id: int
    kind: str
    text: str = ""
    url: str = ""
    file_name: str | None = None
    file_data: bytes | None = None


def _check_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("A link must start with http:// or https:// and name a site.")
    if len(url) > EVIDENCE_URL_MAX:
        raise ValueError(f"A link may have at most {EVIDENCE_URL_MAX} characters.")
    return url


@dataclass(frozen=True)
class CheckedEvidence:
    """New evidence that passed the checks: its cleaned link and the checked upload."""

    source: EvidenceInput
    url: str | None
    upload: Any


def check_evidence_inputs(
    items: Sequence[EvidenceInput], competencies: dict[int, Competency], max_bytes: int
) -> tuple[list[CheckedEvidence], list[str]]:
    """Check new evidence against the sheet's competencies; returns (checked, problems)."""
    checked, problems = [], []
    kinds = {k.value for k in EvidenceKind}
    for item in items:
        competency = competencies.get(item.competency_id)
        name = competency.name if competency else "Evidence"
        if competency is None:
            problems.append("Evidence names a competency that is not in this framework.")
            continue
        if item.kind not in kinds:
            problems.append(f"{name}: choose what kind of evidence this is.")
        text = (item.text or "").strip()
        if len(text) > EVIDENCE_TEXT_MAX:
            problems.append(
                f"{name}: the evidence text may have at most {EVIDENCE_TEXT_MAX} characters."
            )
        try:
            url = _check_url(item.url or "")
        except ValueError as error:
            problems.append(f"{name}: {error}")
            url = None
        upload = None
        if item.file_data is not None or item.file_name:
            try:
                upload = check_upload(item.file_name or "", item.file_data or b"", max_bytes)
            except ValidationError as error:
                problems.extend(f"{name}: {p}" for p in error.problems)
        if not text and not url and upload is None and not problems:
            problems.append(f"{name}: evidence needs a text, a link or a file.")
        checked.append(CheckedEvidence(item, url, upload))
    return checked, problems


def remove_evidence(
    session: Session,
    assessment: Assessment,
    actor: User,
    evidence_id: int,
    *,
    expected_version: int | None,
) -> int:
    """Take evidence off a draft (the row and file are kept, marked removed). Returns version."""
    check_editable(actor, assessment, expected_version)
    row = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if row is None or row.removed_at is not None:
        raise NotFoundError("This piece of evidence does not exist.")
    row.removed_at = utcnow()
    assessment.updated_at = utcnow()
    flush_versioned(session, assessment, expected_version)
    record_event(
        session,
        actor=actor,
        action="assessment.evidence.remove",
        entity=row,
        before={"assessment_id": assessment.id, "kind": row.kind},
    )
    return assessment.version


def get_evidence_for(
    session: Session, actor: User, assessment_id: int, evidence_id: int
) -> Evidence:
    """Evidence the actor may see (through its assessment), else NotFoundError."""
    assessment = get_assessment_for(session, actor, assessment_id)
    row = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if row is None or row.removed_at is not None:
        raise NotFoundError("This piece of evidence does not exist.")
    return row
