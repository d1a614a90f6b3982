"""Small builders for test data: keyword defaults, ``**overrides`` for what a test cares about."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from core.users import Role, User, create_user

_counter = itertools.count(1)
DEFAULT_PASSWORD = "proficio-demo"


def make_user(session: Session, **overrides) -> User:
    """Create a user with a unique email; any field can be overridden."""
    n = next(_counter)
    values = {
        "email": f"person{n}@example.test",
        "name": f"Test Person {n}",
        "role": Role.CANDIDATE,
        "password": DEFAULT_PASSWORD,
    }
    values.update(overrides)
    return create_user(session, **values)


def competencies_by_code(session: Session, framework_id: int) -> dict:
    """The framework's competencies keyed by code."""
    import sqlalchemy as sa

    from competencies.models import Competency

    return {
        c.code: c
        for c in session.scalars(
            sa.select(Competency).where(Competency.framework_id == framework_id)
        )
    }


def make_self_round(
    session: Session,
    person: User,
    levels: dict | None = None,
    *,
    default_level: int | None = 2,
    submit: bool = True,
    **answer_overrides,
):
    """A self-assessment round with an answer for every competency (``levels`` by code win,
    None there means "not assessed"), submitted unless ``submit=False``."""
    from assessments.services import (
        RatingInput,
        save_answers,
        start_self_assessment,
        submit_assessment,
    )

    assessment = start_self_assessment(session, person)
    by_code = competencies_by_code(session, assessment.framework_id)
    levels = levels or {}
    answers = []
    for code, competency in by_code.items():
        level = levels.get(code, default_level)
        answers.append(
            RatingInput(
                competency.id,
                level=level,
                not_assessed=level is None,
                confidence=answer_overrides.get("confidence", 2),
                interest=answer_overrides.get("interest", 2),
            )
        )
    save_answers(session, assessment, person, expected_version=assessment.version, ratings=answers)
    if submit:
        submit_assessment(session, assessment, person, expected_version=assessment.version)
    return assessment


def make_project_assessment(session: Session, subject: User, assessor: User, levels: dict):
    """A submitted project-kind assessment (what project evaluations will write), by code."""
    from assessments.models import Assessment, AssessmentKind, AssessmentStatus
    from assessments.services import append_rating
    from competencies.services import current_framework
    from core.db import utcnow

    framework = current_framework(session)
    assessment = Assessment(
        kind=AssessmentKind.PROJECT.value,
        subject_id=subject.id,
        assessor_id=assessor.id,
        framework_id=framework.id,
        status=AssessmentStatus.DRAFT.value,
    )
    session.add(assessment)
    session.flush()
    by_code = competencies_by_code(session, framework.id)
    for code, level in levels.items():
        append_rating(session, assessment, assessor, by_code[code].id, level=level)
    assessment.status = AssessmentStatus.SUBMITTED.value
    assessment.submitted_at = utcnow()
    session.flush()
    return assessment


def make_training(session: Session, **overrides):
    """Create an active training covering Planning (DEL-01) unless told otherwise.

    Needs the default framework in the database (competency codes become uuids).
    """
    from competencies.services import stable_uuid
    from training.services import TrainingInput, create_training

    n = next(_counter)
    weights = overrides.pop("weights", {"DEL-01": 1.0})
    actor = overrides.pop("actor", None)
    values = {
        "title": f"Training {n}",
        "provider": "Test Academy",
        "format": "classroom",
        "hours": 16,
        "cost": 900,
        "currency": "EUR",
        "language": "en",
        "level_min": 2,
        "level_max": 3,
        "link": "",
        "description": "",
    }
    values.update(overrides)
    data = TrainingInput(
        **values, weights={stable_uuid("competency", c): w for c, w in weights.items()}
    )
    return create_training(session, data, actor)


def observe_levels(session: Session, user: User, levels: dict[str, int], at, kind="self"):
    """Record levels of ``user`` as the recommender's level observations at ``at``."""
    from training.models import LevelObservation
    from training.services import subject_key_for

    for code, level in levels.items():
        session.add(
            LevelObservation(
                subject_key=subject_key_for(user.id),
                person_id=user.id,
                competency_code=code,
                kind=kind,
                level=level,
                observed_at=at,
                source="assessment",
            )
        )
    session.flush()
