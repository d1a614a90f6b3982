"""Saving the evaluator's rating sheet for a candidate: the first save opens the sheet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from assessments.access import StaleAssessmentError
from assessments.answers import SaveResult
from assessments.evidence import EvidenceInput
from assessments.models import Assessment
from assessments.page_save import save_page
from assessments.ratings import RatingInput
from core.users import User
from evaluations.models import EvaluationProject
from evaluations.sheets import start_sheet


def save_sheet_page(
    session: Session,
    project: EvaluationProject,
    evaluator: User,
    candidate_id: int,
    sheet: Assessment | None,
    *,
    posted_version: int,
    ratings: Sequence[RatingInput] = (),
    evidence: Sequence[EvidenceInput] = (),
    removed_evidence_id: int | None = None,
) -> tuple[Assessment, SaveResult]:
    """Save what the sheet's page sent to ``sheet`` (the evaluator's, as loaded for the page);
    version 0 means "no sheet yet" and opens it.

    :raises StaleAssessmentError: when the page was made from another version of the sheet
        (or before someone else opened it).
    """
    if sheet is None:
        if posted_version != 0:
            raise StaleAssessmentError(posted_version, 0)
        sheet = start_sheet(session, project, evaluator, candidate_id)
        posted_version = sheet.version
    elif posted_version == 0:
        raise StaleAssessmentError(0, sheet.version)
    result = save_page(
        session,
        sheet,
        evaluator,
        expected_version=posted_version,
        ratings=ratings,
        evidence=evidence,
        removed_evidence_id=removed_evidence_id,
    )
    return sheet, result
