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
