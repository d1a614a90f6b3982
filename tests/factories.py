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
