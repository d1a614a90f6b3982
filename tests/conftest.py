"""Fixtures: the test databases, the app, clients signed in per role, and a session without Flask.

Each database is migrated once per test session and, where tests ask for ``seeded``, seeded
once with the default framework and the demo people. Each test then runs inside a transaction
that is rolled back at its end: the app's engine hands every caller one connection with an
outer transaction open, and every session on it (the app's ``db.session``, the test's
``db_session`` or ``session``, a service's own ``Session(engine)``) joins it with a SAVEPOINT
(``join_transaction_mode="create_savepoint"``), so code that commits or rolls back behaves as
it does in production while nothing outlives the test. See SQLAlchemy's "Joining a Session
into an External Transaction (such as for test suites)".

A test whose data must reach another connection, thread or process (a worker pool, a CLI
command with its own engine, backup and restore, PostgreSQL's own transaction handling) is
marked ``commits``: it runs on a database of its own that really commits and is emptied after
the test. A test that changes the app itself (adds routes) is marked ``fresh_app``.

SQLite runs every test. PostgreSQL (TEST_DATABASE_URL) runs the tests whose behaviour can
differ by database: those under domain/, reliability/ and security/ and those marked
``both_databases`` (query counts, transactions, locking, constraints, search, ordering).
Under pytest-xdist each worker has its own SQLite files and PostgreSQL databases.

Environment switches used by .ci/run so that a missing service fails instead of skipping:
PROFICIO_REQUIRE_POSTGRES=1, PROFICIO_REQUIRE_BROWSER=1, PROFICIO_REQUIRE_FIXTURES=1.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import core.users
from core.engine import configure_engine
from tests.helpers import (
    ROLE_EMAILS,
    TEST_SECRET_KEY,
    clear_tables,
    copy_sqlite,
    login,
    skip_or_fail,
)

# Huey's queue file for the tests lives outside the worktree; tests run jobs at once anyway.
os.environ.setdefault(
    "PROFICIO_HUEY_DB", str(Path(tempfile.gettempdir()) / f"proficio-test-huey-{os.getpid()}.db")
)

# Cheap hashes keep each login in a test fast; production keeps werkzeug's scrypt defaults.
core.users.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"

TESTS = Path(__file__).resolve().parent
# Directories whose every database test also runs on PostgreSQL.
POSTGRESQL_DIRECTORIES = {"domain", "reliability", "security"}
APP_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": TEST_SECRET_KEY,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "HUEY_IMMEDIATE": True,
}


# --- which tests run on which database --------------------------------------------------------


def _runs_on_postgresql(metafunc: pytest.Metafunc) -> bool:
    relative = Path(metafunc.definition.path).resolve().relative_to(TESTS)
    return (
        relative.parts[0] in POSTGRESQL_DIRECTORIES
        or metafunc.definition.get_closest_marker("both_databases") is not None
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs on SQLite; some also run on PostgreSQL."""
    if "backend" not in metafunc.fixturenames:
        return
    params = [pytest.param("sqlite", id="sqlite")]
    if _runs_on_postgresql(metafunc):
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    metafunc.parametrize("backend", params, indirect=True, scope="session")


# A service's own ``Session(engine)`` joins the test's transaction with a savepoint, as meant;
# SQLAlchemy warns about exactly that (an engine handing out a connection already in a
# transaction), so tests inside the transaction let that one warning pass.
_JOINED_WARNING = pytest.mark.filterwarnings(
    "ignore:The engine provided as bind produced a connection that is already in a transaction"
    ":sqlalchemy.exc.SAWarning"
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "backend" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "commits"
        ):
            item.add_marker(_JOINED_WARNING)
    # The slow tests first: the other test processes take the short ones meanwhile, so no
    # process is left running one long test at the end (make test uses --dist worksteal).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql" (the latter only when TEST_DATABASE_URL is set)."""
    if request.param == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        skip_or_fail("TEST_DATABASE_URL is not set", "PROFICIO_REQUIRE_POSTGRES")
    return request.param


def _kind(request: pytest.FixtureRequest) -> str:
    """Which of the session's databases this test works on."""
    if request.node.get_closest_marker("commits") is not None:
        return "commits"
    return "seeded" if "seeded" in request.fixturenames else "empty"


# --- the session's databases ------------------------------------------------------------------


def _normalise_pg(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _migrate(url: str) -> None:
    """Build the schema with the Alembic migrations, as production does."""
    import flask_migrate

    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": TEST_SECRET_KEY})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def _savepoints_for_pysqlite(engine: sa.Engine) -> None:
    """Let SQLAlchemy, not pysqlite, start SQLite's transactions, so SAVEPOINTs nest inside the
    test's transaction (SQLAlchemy's documented recipe for pysqlite)."""

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def _row_counts(url: str) -> dict[str, int]:
    from core.db import Base

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


class TestDatabases:
    """The databases, apps and engines of this test process, built on first use.

    Per backend: a migrated *template* nobody connects to, and copies of it: *empty*,
    *seeded* (the default framework and the demo people) and *commits* (for tests that
    really commit), plus any other named copy a module asks for.
    """

    __test__ = False  # not a test class

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder = folder
        self.worker = worker
        self._templates: dict[str, str] = {}
        self._urls: dict[tuple[str, str], str] = {}
        self._apps: dict[tuple[str, str], object] = {}
        self._engines: dict[tuple[str, str], sa.Engine] = {}
        self._seeded_counts: dict[str, dict[str, int]] = {}
        self.seeded_framework_id: dict[str, int] = {}
        self._pg_databases: list[str] = []

    # Names and URLs.

    def _pg_server(self) -> sa.URL:
        return sa.make_url(_normalise_pg(os.environ["TEST_DATABASE_URL"]))

    def _pg_name(self, name: str) -> str:
        base = self._pg_server().database or "proficio_test"
        suffix = "" if self.worker == "master" else f"_{self.worker}"
        return f"{base}{suffix}" if name == "empty" else f"{base}{suffix}_{name}"

    @contextmanager
    def _pg_maintenance(self) -> Iterator[sa.Connection]:
        engine = sa.create_engine(
            self._pg_server().set(database="postgres"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def _pg_create(self, name: str, template: str | None = None) -> str:
        with self._pg_maintenance() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        self._pg_databases.append(name)
        return self._pg_server().set(database=name).render_as_string(hide_password=False)

    def _template(self, backend: str) -> str:
        if backend not in self._templates:
            if backend == "sqlite":
                url = f"sqlite:///{self.folder / 'template.sqlite3'}"
            else:
                url = self._pg_create(self._pg_name("template"))
            _migrate(url)
            self._templates[backend] = url
        return self._templates[backend]

    def url(self, backend: str, name: str) -> str:
        """A migrated database of its own for ``name`` ("empty", "seeded", "commits", ...)."""
        key = (backend, name)
        if key not in self._urls:
            template = self._template(backend)
            if backend == "sqlite":
                path = self.folder / f"{name}.sqlite3"
                copy_sqlite(Path(sa.make_url(template).database), path)
                url = f"sqlite:///{path}"
            else:
                url = self._pg_create(self._pg_name(name), sa.make_url(template).database)
            if name == "seeded":
                self._seed(backend, url)
            self._urls[key] = url
        return self._urls[key]

    def sqlite_copy(self, name: str, target: Path) -> Path:
        """Copy SQLite database ``name`` (as committed) to ``target``, for a server of its own."""
        copy_sqlite(Path(sa.make_url(self.url("sqlite", name)).database), target)
        return target

    def _seed(self, backend: str, url: str) -> None:
        from competencies.services import seed_default_framework
        from webapp.demo import seed_demo_people

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with Session(engine) as session:
                framework, _ = seed_default_framework(session)
                seed_demo_people(session)
                session.commit()
                self.seeded_framework_id[backend] = framework.id
        finally:
            engine.dispose()
        self._seeded_counts[backend] = _row_counts(url)

    # Apps and engines.

    def new_app(self, backend: str, name: str):
        """A Proficio app on database ``name``, with the test configuration."""
        from webapp import create_app
        from webapp.extensions import db

        app = create_app({**APP_CONFIG, "SQLALCHEMY_DATABASE_URI": self.url(backend, name)})
        app.instance_path = str(self.folder / f"instance-{backend}-{name}")
        with app.app_context():
            db.session.configure(join_transaction_mode="create_savepoint")
            engine = db.engine
        if backend == "sqlite" and name != "commits":
            _savepoints_for_pysqlite(engine)
            engine.dispose()
        return app

    def app(self, backend: str, name: str):
        """The session's app on database ``name``, built once."""
        key = (backend, name)
        if key not in self._apps:
            self._apps[key] = self.new_app(backend, name)
        return self._apps[key]

    def engine(self, backend: str, name: str) -> sa.Engine:
        """A plain engine (no Flask) on database ``name``, made once."""
        key = (backend, name)
        if key not in self._engines:
            # The app's own engines get the SQLite pragmas (foreign keys on) from create_app.
            engine = configure_engine(sa.create_engine(self.url(backend, name)))
            if backend == "sqlite" and name != "commits":
                _savepoints_for_pysqlite(engine)
            self._engines[key] = engine
        return self._engines[key]

    def close(self) -> None:
        """Dispose of every engine, check that no test left data behind, drop PostgreSQL's."""
        from webapp.extensions import db

        for app in self._apps.values():
            with app.app_context():
                db.engine.dispose()
        for engine in self._engines.values():
            engine.dispose()
        leaks = []
        for (backend, name), url in self._urls.items():
            if name not in ("empty", "seeded"):
                continue
            expected = self._seeded_counts[backend] if name == "seeded" else {}
            found = {table: n for table, n in _row_counts(url).items() if n}
            if found != {table: n for table, n in expected.items() if n}:
                leaks.append(f"{backend} {name}: {found}")
        if self._pg_databases:
            with self._pg_maintenance() as connection:
                for name in self._pg_databases:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        assert not leaks, f"a test committed outside its transaction (mark it commits): {leaks}"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    registry = TestDatabases(
        tmp_path_factory.mktemp("databases"), os.environ.get("PYTEST_XDIST_WORKER", "master")
    )
    yield registry
    registry.close()


# --- one transaction per test -----------------------------------------------------------------


def _refuse_to_end(*args, **kwargs):
    raise AssertionError(
        "this test ended the per-test transaction itself; mark it `commits` if it must"
    )


@contextmanager
def rolled_back(engine: sa.Engine) -> Iterator[sa.Connection]:
    """Everything done through ``engine`` inside the block runs on one connection, in a
    transaction that is rolled back at the end.

    ``engine.connect()`` hands out that connection (closing it does nothing), and
    ``connection.begin()`` starts a SAVEPOINT. A permanent SAVEPOINT under the outer
    transaction makes sessions with the default join mode join with savepoints too.
    """
    connection = engine.connect()
    outer = connection.begin()
    connection.begin_nested()
    engine.connect = lambda: connection  # type: ignore[method-assign]
    connection.close = lambda: None  # type: ignore[method-assign]
    connection.begin = connection.begin_nested  # type: ignore[method-assign]
    connection.commit = connection.rollback = _refuse_to_end  # type: ignore[method-assign]
    try:
        yield connection
    finally:
        for name in ("close", "begin", "commit", "rollback"):
            delattr(connection, name)
        del engine.connect
        outer.rollback()
        connection.close()


# --- the app --------------------------------------------------------------------------------


def _app_engine(app) -> sa.Engine:
    from webapp.extensions import db

    with app.app_context():
        return db.engine


@pytest.fixture()
def app(
    request: pytest.FixtureRequest, backend: str, databases: TestDatabases, tmp_path: Path
) -> Iterator[object]:
    """The session's Proficio app, inside this test's transaction (see the module docstring).

    Its configuration is put back after the test; its instance folder is the test's own.
    No app context stays pushed during the test, so every request gets a fresh one (and a
    fresh database session), exactly as in production.
    """
    from webapp import recommending

    kind = _kind(request)
    fresh = request.node.get_closest_marker("fresh_app") is not None
    app = databases.new_app(backend, kind) if fresh else databases.app(backend, kind)
    app.instance_path = str(tmp_path / "instance")
    config = dict(app.config)
    recommending.init_app(app)  # its caches start empty, as in a new app
    engine = _app_engine(app)
    try:
        if kind == "commits":
            yield app
            _empty_out(engine)
        else:
            with rolled_back(engine):
                yield app
    finally:
        app.config.clear()
        app.config.update(config)
        if fresh:
            engine.dispose()


def _empty_out(engine: sa.Engine) -> None:
    engine.dispose()  # connections a test left behind
    with engine.begin() as connection:
        clear_tables(connection)


@pytest.fixture()
def database_url(request: pytest.FixtureRequest, backend: str, databases: TestDatabases) -> str:
    """The URL of this test's database."""
    return databases.url(backend, _kind(request))


@pytest.fixture()
def app_engine(app) -> sa.Engine:
    """The engine the app uses (shared with db_session so both see the same database)."""
    return _app_engine(app)


@pytest.fixture()
def csrf_app(app):
    """The same app with CSRF protection on, as in production (for this test only)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture()
def db_session(app_engine: sa.Engine) -> Iterator[Session]:
    """A plain session on the app's database, for arranging data and checking results.

    Call ``expire_all()`` before re-reading rows that a request changed.
    """
    with Session(app_engine, join_transaction_mode="create_savepoint") as db_session:
        yield db_session
        db_session.rollback()


@pytest.fixture()
def seeded(request: pytest.FixtureRequest, backend: str, databases: TestDatabases, db_session):
    """The default framework and the demo people (seeded once per session)."""
    from competencies.models import Framework

    if _kind(request) == "commits":
        from competencies.services import seed_default_framework
        from webapp.demo import seed_demo_people

        framework, _ = seed_default_framework(db_session)
        seed_demo_people(db_session)
        db_session.commit()
        return framework
    return db_session.get(Framework, databases.seeded_framework_id[backend])


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def client_for(app, seeded):
    """Factory: a test client signed in as one of the demo people (by role key)."""

    def make(role: str):
        client = app.test_client()
        response = login(client, ROLE_EMAILS[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture()
def candidate_client(client_for):
    return client_for("candidate")


@pytest.fixture()
def manager_client(client_for):
    return client_for("manager")


@pytest.fixture()
def hr_client(client_for):
    return client_for("hr")


@pytest.fixture()
def admin_client(client_for):
    return client_for("admin")


# --- without Flask --------------------------------------------------------------------------


@pytest.fixture()
def engine(
    request: pytest.FixtureRequest, backend: str, databases: TestDatabases
) -> Iterator[sa.Engine]:
    """An engine on an empty database, inside this test's transaction."""
    if "app" in request.fixturenames:  # one connection for the test, whoever asks
        yield request.getfixturevalue("app_engine")
        return
    if _kind(request) == "commits":
        engine = databases.engine(backend, "commits")
        yield engine
        _empty_out(engine)
        return
    engine = databases.engine(backend, "empty")
    with rolled_back(engine):
        yield engine


@pytest.fixture()
def session(engine: sa.Engine) -> Iterator[Session]:
    """A plain SQLAlchemy session (no Flask) on an empty database."""
    with Session(engine, expire_on_commit=False, join_transaction_mode="create_savepoint") as s:
        yield s
        s.rollback()


@pytest.fixture(autouse=True)
def _cold_profile_cache() -> Iterator[None]:
    """Every test starts with empty caches: ids repeat once a test's transaction is undone."""
    from core.cache import forget_everything_derived

    forget_everything_derived()
    yield
