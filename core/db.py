"""The one declarative base every Proficio model inherits, and database helpers."""

from __future__ import annotations

import functools
import re
import select
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000
M = TypeVar("M")


class Base(DeclarativeBase):
    """Declarative base shared by all domain models (handed to Flask-SQLAlchemy as model_class)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored naive in UTC and always read back as an aware UTC datetime.

    SQLite has no time zones; storing UTC and tagging on read gives both databases one behaviour.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _tune_sqlite(dbapi_connection: object, connection_record: object) -> None:
    """Turn on foreign keys, WAL and a busy timeout for every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets readers proceed while one writer commits; in-memory databases cannot use it.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled psycopg connection idle for longer than this is checked with a round trip before
# use; one checked in more recently only has its socket looked at (see _check_psycopg).
ROUND_TRIP_CHECK_AFTER_IDLE_S = 5.0
_IDLE_SINCE = "proficio.idle_since"


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _note_idle_since(dbapi_connection: object, connection_record: object) -> None:
    if dbapi_connection is not None and hasattr(dbapi_connection, "pgconn"):
        connection_record.info[_IDLE_SINCE] = time.monotonic()  # type: ignore[attr-defined]


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _check_psycopg(
    dbapi_connection: object, connection_record: object, connection_proxy: object
) -> None:
    """Check that a pooled psycopg connection still reaches the server before it is used, so
    the app recovers from a database restart without a failed request (case 22).

    A server that stops or restarts tells each connection so and closes it, which leaves the
    idle socket readable. A connection checked in moments ago with nothing waiting on its
    socket is therefore used as it is: one system call, where a round trip cost a request
    about a tenth of its time under load. Otherwise (something arrived, or the connection
    sat idle long enough for the server's host to have rebooted without a word) one empty
    statement goes straight through libpq, still far cheaper than SQLAlchemy's
    pool_pre_ping, which switches the connection to autocommit and back around a
    Python-level query.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    idle_since = connection_record.info.get(_IDLE_SINCE)  # type: ignore[attr-defined]
    if (
        idle_since is not None
        and time.monotonic() - idle_since < ROUND_TRIP_CHECK_AFTER_IDLE_S
        and not _input_waiting(pgconn)
    ):
        return
    from psycopg import pq

    try:
        alive = pgconn.exec_(b";").status == pq.ExecStatus.EMPTY_QUERY
    except Exception:  # a closed socket raises rather than answering
        alive = False
    if not alive:
        # The pool discards this connection and hands out a new one.
        raise sa.exc.DisconnectionError("the database closed this connection")


def _input_waiting(pgconn: Any) -> bool:
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


# A SELECT with a locking clause holds its row locks until COMMIT, so it needs a transaction.
_LOCKING_CLAUSE = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)


@functools.lru_cache(maxsize=2048)
def _select_takes_locks(statement: str) -> bool:
    return _LOCKING_CLAUSE.search(statement) is not None


def needs_transaction(statement: str) -> bool:
    """False for a SELECT that locks nothing: under READ COMMITTED it reads the same inside a
    transaction as outside one. Anything else (writes, DDL, SAVEPOINT, SELECT ... FOR UPDATE,
    text we do not recognise) needs one."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return True
    return _select_takes_locks(statement)


def read_outside_transactions(engine: sa.Engine) -> None:
    """Run a psycopg connection's reads in autocommit until the first statement that needs a
    transaction, which then starts one as usual (and everything after it runs inside it).

    Why: most requests only read, and on PostgreSQL their BEGIN and COMMIT were two of five
    round trips. Ending them with ROLLBACK instead would be worse: psycopg forgets its prepared
    statements on ROLLBACK, so the server would plan each page's stamp query again on every
    request. A connection that never began a transaction has nothing to end, and keeps them.

    Only for READ COMMITTED, PostgreSQL's default and the only level Proficio uses, where
    every statement takes its own snapshot anyway. Other drivers are left as they are.
    """
    if engine.dialect.driver != "psycopg":
        return
    sa.event.listen(engine, "checkout", _start_in_autocommit)
    sa.event.listen(engine, "before_cursor_execute", _begin_before_first_write)


def _start_in_autocommit(
    dbapi_connection: object, connection_record: object, connection_proxy: object
) -> None:
    # A connection comes back from the pool reset, outside any transaction, so this is allowed.
    if not dbapi_connection.autocommit:  # type: ignore[attr-defined]
        dbapi_connection.autocommit = True  # type: ignore[attr-defined]


def _begin_before_first_write(
    connection: sa.Connection,
    cursor: object,
    statement: str,
    parameters: object,
    context: object,
    executemany: bool,
) -> None:
    dbapi_connection = cursor.connection  # type: ignore[attr-defined]
    if dbapi_connection.autocommit and needs_transaction(statement):
        # psycopg sends BEGIN before this statement; SQLAlchemy's COMMIT or ROLLBACK ends it.
        dbapi_connection.autocommit = False


def adopt_row(session: Session, model: type[M], values: Mapping[str, Any]) -> M:
    """The ``model`` instance for ``values`` (every mapped column of one row, read outside
    ``session``), made part of ``session`` as if the session had loaded it: persistent,
    unchanged, in its identity map. An instance the session already holds wins, as it would
    for a query, so no pending change is overwritten."""
    mapper = sa.inspect(model)
    key = mapper.identity_key_from_primary_key(
        [values[column.key] for column in mapper.primary_key]
    )
    held = session.identity_map.get(key)
    if held is not None:
        return held  # type: ignore[return-value]
    instance = mapper.class_manager.new_instance()
    for attribute in mapper.column_attrs:
        set_committed_value(instance, attribute.key, values[attribute.key])
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
