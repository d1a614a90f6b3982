"""The one commit point of a form view: run the service call, commit, or report its problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm

from core.errors import ValidationError
from webapp.extensions import db

T = TypeVar("T")


def commit_or_problems(action: Callable[[], T]) -> tuple[T | None, list[str]]:
    """Run ``action`` and commit; a broken business rule rolls back and returns its problems."""
    try:
        result = action()
    except ValidationError as error:
        db.session.rollback()
        return None, error.problems or [error.message]
    db.session.commit()
    return result, []


def form_status(form: FlaskForm, problems: list[str]) -> int:
    """422 when a business rule refused the input, 400 when the form's shape was wrong, else 200."""
    if problems:
        return 422
    return 400 if form.is_submitted() else 200
