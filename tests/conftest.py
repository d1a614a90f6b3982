"""Fixtures: databases (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the app,
clients signed in per role, and a headless browser.

Environment switches used by .ci/run so that a missing service fails instead of skipping:
PROFICIO_REQUIRE_POSTGRES=1, PROFICIO_REQUIRE_BROWSER=1, PROFICIO_REQUIRE_FIXTURES=1.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import core.users
from core.db import Base
from core.engine import configure_engine

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
TEST_SECRET_KEY = "test-secret-key-for-proficio-tests-only-0123456789"
TEST_PASSWORD = "proficio-demo"

# Huey's queue file for the tests lives outside the worktree; tests run jobs at once anyway.
os.environ.setdefault(
    "PROFICIO_HUEY_DB", str(Path(tempfile.gettempdir()) / f"proficio-test-huey-{os.getpid()}.db")
)

# Cheap hashes keep each login in a test fast; production keeps werkzeug's scrypt defaults.
core.users.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


def _required(name: str) -> bool:
    return os.environ.get(name, "0") == "1"


def skip_or_fail(reason: str, required_flag: str) -> None:
    """Skip with ``reason``, or fail when CI says the thing is required."""
    if _required(required_flag):
        pytest.fail(f"{reason} ({required_flag}=1 makes this a failure)")
    pytest.skip(reason)


def shared_fixture(*parts: str) -> Path:
    """Path to a file under ../shared/fixtures; skip (or fail in CI) when it is absent."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        skip_or_fail(f"shared fixture {path} is not available", "PROFICIO_REQUIRE_FIXTURES")
    return path


def _migrate(url: str) -> None:
    """Build the schema with the Alembic migrations, as production does."""
    import flask_migrate

    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": TEST_SECRET_KEY})
    with app.app_context():
        flask_migrate.upgrade()
        from webapp.extensions import db

        db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _normalise_pg(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        raw = os.environ.get("TEST_DATABASE_URL")
        if not raw:
            skip_or_fail("TEST_DATABASE_URL is not set", "PROFICIO_REQUIRE_POSTGRES")
        url = _normalise_pg(raw)
        _reset_postgres(url)
    _migrate(url)
    return url


def clear_tables(connection: sa.Connection) -> None:
    """Delete every row, children first, so the next test starts from an empty database."""
    for table in reversed(Base.metadata.sorted_tables):
        connection.execute(table.delete())


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = configure_engine(sa.create_engine(database_url))
    yield engine
    engine.dispose()


@pytest.fixture()
def session(engine: sa.Engine) -> Iterator[Session]:
    """A plain SQLAlchemy session (no Flask) on an emptied database."""
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session
        db_session.rollback()
    with engine.begin() as conn:
        clear_tables(conn)


@pytest.fixture()
def app(database_url: str, tmp_path: Path):
    """A Proficio app on the test database; tables are emptied after each test.

    No app context stays pushed during the test, so every request gets a fresh one (and a
    fresh database session), exactly as in production.
    """
    from webapp import create_app
    from webapp.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "HUEY_IMMEDIATE": True,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            clear_tables(conn)
        db.engine.dispose()


@pytest.fixture()
def app_engine(app) -> sa.Engine:
    """The engine the app uses (shared with db_session so both see the same database)."""
    from webapp.extensions import db

    with app.app_context():
        return db.engine


@pytest.fixture()
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture()
def db_session(app_engine: sa.Engine) -> Iterator[Session]:
    """A plain session on the app's database, for arranging data and checking results.

    Call ``expire_all()`` before re-reading rows that a request changed.
    """
    with Session(app_engine) as db_session:
        yield db_session
        db_session.rollback()


@pytest.fixture()
def seeded(db_session: Session):
    """The default framework and the demo people, committed."""
    from competencies.services import seed_default_framework
    from webapp.demo import seed_demo_people

    framework, _ = seed_default_framework(db_session)
    seed_demo_people(db_session)
    db_session.commit()
    return framework


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


def login(client, email: str, password: str = TEST_PASSWORD):
    """Sign ``client`` in through the login form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


ROLE_EMAILS = {
    "candidate": "candidate@example.com",
    "candidate2": "candidate2@example.com",
    "manager": "manager@example.com",
    "manager2": "manager2@example.com",
    "hr": "hr@example.com",
    "admin": "admin@example.com",
}


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


@pytest.fixture(autouse=True)
def _cold_profile_cache() -> Iterator[None]:
    """Every test starts with an empty profile cache: ids repeat across test databases."""
    from core.cache import forget_everything_derived

    forget_everything_derived()
    yield
    forget_everything_derived()
