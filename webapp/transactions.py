"""The one commit point of a form view: run the service call, commit, or report its problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

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


# Why a read-only request ends with COMMIT rather than the usual ROLLBACK: psycopg forgets
# every prepared statement on ROLLBACK (a rollback may undo a PREPARE), so PostgreSQL would plan
# each page's stamp query afresh on every request, which costs more than running it. A COMMIT of
# a transaction that only read is the same as a rollback, and keeps the prepared statements.
_ONLY_READ = "proficio_only_read"
_CONNECTION = "proficio_connection"


def _transaction_began(connection: sa.Connection) -> None:
    connection.info[_ONLY_READ] = True


def _statement_ran(connection: sa.Connection, cursor, statement: str, *_: object) -> None:
    if not statement.lstrip()[:6].upper() == "SELECT":
        connection.info[_ONLY_READ] = False


def _session_began(session: Session, transaction: object, connection: sa.Connection) -> None:
    session.info[_CONNECTION] = connection


def only_read_so_far(session: Session) -> bool:
    """True when the session's open transaction has run nothing but SELECTs and holds no
    unflushed change, so committing it cannot write anything."""
    connection = session.info.get(_CONNECTION)
    return (
        session.in_transaction()
        and connection is not None
        and not connection.closed
        and connection.in_transaction()
        and connection.info.get(_ONLY_READ) is True
        and not (session.new or session.dirty or session.deleted)
    )


def end_read_only_transactions_with_commit(app: Flask) -> None:
    """After each request whose transaction only read, commit it (see above); a request that
    wrote anything it did not commit, or failed, is still rolled back by Flask-SQLAlchemy."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        sa.event.listen(engine, "begin", _transaction_began)
        sa.event.listen(engine, "before_cursor_execute", _statement_ran)
    if not sa.event.contains(db.session, "after_begin", _session_began):
        sa.event.listen(db.session, "after_begin", _session_began)

    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session is removed.
    @app.teardown_appcontext
    def commit_if_only_read(error: BaseException | None) -> None:
        if error is None and only_read_so_far(db.session()):
            try:
                db.session.commit()
            except sa.exc.SQLAlchemyError:
                # Nothing was written; a connection lost by now is the pool's to replace.
                app.logger.warning("ending a read-only transaction failed", exc_info=True)
