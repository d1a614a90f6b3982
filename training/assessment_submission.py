"""Submitting a self-assessment, and what the recommender learns from it at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments.models import Assessment
from assessments.submission import submit_assessment
from core.users import User
from training.enrollment_outcomes import refresh_outcomes
from training.observations import record_assessment_levels


def submit_and_record_levels(
    session: Session, assessment: Assessment, actor: User, *, expected_version: int
) -> None:
    """Submit the round, then record its levels so finished trainings get their outcomes.

    :raises ValidationError: when answers are missing or the round cannot be submitted.
    """
    submit_assessment(session, assessment, actor, expected_version=expected_version)
    record_assessment_levels(session, assessment)
    refresh_outcomes(session)
