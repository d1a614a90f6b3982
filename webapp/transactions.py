"""The one commit point of a request, as indico's ``RH.process`` has it.

Views call services (which add and flush) and never commit or roll back. When the view has
returned, :func:`end_transaction` (an ``after_request`` hook) commits the request's session if
the response is not an error (status < 400) and rolls it back otherwise: an exception turned
into an error page, an ``abort``, or a form the view re-rendered with 400/422 because a
business rule refused it. A GET that records an audit event of a read is committed here too.

Two explicit, rare exceptions, each named where it is used:

* :func:`keep_changes_on_error` — a view that answers with an error on purpose but whose
  writes must stay (a failed sign-in records its attempt, or the throttle would never hold).
* :func:`after_commit` — work that needs the committed rows (a Huey job reading them in
  another process) runs after the commit, never before it and never after a rollback.

Error handlers call :func:`discard_changes` before they render, so the error page never sees
a failed or half-written session. CLI commands are not requests: ``webapp/cli.py`` has its
own single commit point. Huey jobs (``webapp/tasks.py``) own their session and commit their
progress step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, g
from flask_wtf import FlaskForm

from core.errors import DomainError, ValidationError
from webapp.extensions import db

T = TypeVar("T")

_KEEP_CHANGES = "proficio_keep_changes_on_error"
_AFTER_COMMIT = "proficio_after_commit"


def init_app(app: Flask) -> None:
    """Register the commit point; it runs before the session cookie is saved."""
    app.after_request(end_transaction)


def end_transaction(response: Response) -> Response:
    """Commit when the request succeeded (or kept its changes on purpose), else roll back."""
    keep = g.pop(_KEEP_CHANGES, False)
    callbacks: list[Callable[[], None]] = g.pop(_AFTER_COMMIT, [])
    if response.status_code >= 400 and not keep:
        db.session.rollback()
        return response
    db.session.commit()
    if callbacks:
        for callback in callbacks:
            callback()
        # What the callbacks wrote (e.g. "the queue was down") is a transaction of its own.
        db.session.commit()
    return response


def keep_changes_on_error() -> None:
    """Commit this request's writes even though the view answers with an error status.

    For deliberate bookkeeping on a refusal only (a failed sign-in's attempt): an exception
    raised later still rolls everything back, through :func:`discard_changes`.
    """
    setattr(g, _KEEP_CHANGES, True)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's writes are committed; never if they are rolled back.

    The callback handles its own failures (the data is committed by then); whatever it writes
    through ``db.session`` is committed right after it.
    """
    g.setdefault(_AFTER_COMMIT, []).append(callback)


def discard_changes() -> None:
    """Roll the request's session back now and forget any exception granted above.

    For error handlers, which render a page after something failed; the commit point then
    has nothing left to do.
    """
    g.pop(_KEEP_CHANGES, None)
    g.pop(_AFTER_COMMIT, None)
    db.session.rollback()


def refusal_of(
    action: Callable[[], T],
    refused: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
) -> tuple[T | None, DomainError | None]:
    """Run the service call ``action``; a ``refused`` error it raises is returned, not raised.

    The refused call's writes are undone at once, so the page re-rendered with the refusal
    shows what is stored; the view answers 4xx and the commit point commits nothing.
    """
    try:
        return action(), None
    except refused as error:
        db.session.rollback()
        return None, error


def problems_of(action: Callable[[], T]) -> tuple[T | None, list[str]]:
    """Run ``action``; a ``ValidationError`` becomes its list of problems (see refusal_of)."""
    try:
        return action(), []
    except ValidationError as error:
        db.session.rollback()
        return None, error.problems or [error.message]


def form_status(form: FlaskForm, problems: list[str]) -> int:
    """422 when a business rule refused the input, 400 when the form's shape was wrong, else 200."""
    if problems:
        return 422
    return 400 if form.is_submitted() else 200
