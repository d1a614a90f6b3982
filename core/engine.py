"""Engine set-up shared by the app, the CLI's worker processes, the tests and the benchmarks.

Listeners are installed on the engine they are given, never on every engine or pool in the
process, so an engine made by anyone else keeps SQLAlchemy's stock behaviour.
"""

from __future__ import annotations

import sqlalchemy as sa

SQLITE_BUSY_TIMEOUT_MS = 5000


def configure_engine(engine: sa.Engine) -> sa.Engine:
    """Tune ``engine`` for Proficio and return it: on SQLite, every new connection turns on
    foreign keys, WAL and a busy timeout. Other databases need nothing here (liveness checks
    are the engine options ``pool_pre_ping`` and ``pool_recycle``)."""
    if engine.dialect.name == "sqlite" and not sa.event.contains(engine, "connect", _tune_sqlite):
        sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: object, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets readers proceed while one writer commits; in-memory databases cannot use it.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
