"""core.engine: Proficio's SQLite settings go on the engines that ask for them, and only there."""

import sqlalchemy as sa

from core.engine import SQLITE_BUSY_TIMEOUT_MS, configure_engine


def _pragmas(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (
            connection.exec_driver_sql("PRAGMA foreign_keys").scalar(),
            connection.exec_driver_sql("PRAGMA busy_timeout").scalar(),
        )


def test_a_configured_sqlite_engine_checks_foreign_keys_and_waits_for_locks(tmp_path):
    engine = configure_engine(sa.create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    assert _pragmas(engine) == (1, SQLITE_BUSY_TIMEOUT_MS)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_engine_nobody_configured_keeps_sqlites_defaults(tmp_path):
    configure_engine(sa.create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    plain = sa.create_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert _pragmas(plain)[0] == 0


def test_configuring_twice_installs_the_listener_once(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    statements: list[str] = []
    sa.event.listen(engine, "connect", lambda *_: statements.append("connect"))
    configure_engine(configure_engine(engine))
    assert _pragmas(engine)[0] == 1 and statements == ["connect"]
