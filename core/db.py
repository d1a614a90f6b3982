"""The one declarative base every Proficio model inherits, and database helpers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000


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


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _ping_psycopg(
    dbapi_connection: object, connection_record: object, connection_proxy: object
) -> None:
    """Check that a pooled psycopg connection still reaches the server before it is used, so
    the app recovers from a database restart without a failed request (case 22).

    SQLAlchemy's pool_pre_ping does the same at about six times the cost per request (it
    switches the connection to autocommit and back around a Python-level query); here one
    empty statement goes straight through libpq, which leaves psycopg's state untouched.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    from psycopg import pq

    try:
        alive = pgconn.exec_(b";").status == pq.ExecStatus.EMPTY_QUERY
    except Exception:  # a closed socket raises rather than answering
        alive = False
    if not alive:
        # The pool discards this connection and hands out a new one.
        raise sa.exc.DisconnectionError("the database closed this connection")
