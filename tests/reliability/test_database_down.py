"""Case 22: with the database unreachable, people get a friendly 503 and no internals."""

import pytest

from tests.helpers import TEST_SECRET_KEY


@pytest.fixture()
def broken_app(tmp_path):
    from webapp import create_app

    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
            "SECRET_KEY": TEST_SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def test_healthz_says_the_database_is_unreachable(broken_app):
    response = broken_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_sign_in_answers_a_friendly_503_without_sql(broken_app):
    response = broken_app.test_client().post(
        "/login", data={"email": "candidate@example.com", "password": "proficio-demo"}
    )
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "The database cannot be reached right now" in body
    assert "SELECT" not in body and "sqlite" not in body.lower()


def test_the_app_recovers_without_a_restart(broken_app, tmp_path):
    client = broken_app.test_client()
    assert client.get("/healthz").status_code == 503
    (tmp_path / "no-such-dir").mkdir()
    assert client.get("/healthz").status_code == 200


@pytest.mark.commits
def test_a_connection_the_server_dropped_is_replaced_before_use(app, seeded, database_url):
    """After a database restart every pooled connection is dead; the next request must
    still succeed, on a new connection, rather than fail once per stale connection
    (``pool_pre_ping`` in the engine options checks each connection before use)."""
    import time

    import sqlalchemy as sa

    from webapp.extensions import db

    if not database_url.startswith("postgresql"):
        pytest.skip("a server that drops connections is PostgreSQL's case; SQLite is a file")
    with app.app_context():
        pooled = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.commit()
        # The same connection comes back from the pool while nothing else uses it.
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) == pooled
        db.session.remove()
    # As a restart would, from outside the app's pool; a restart also waits for its end.
    outside = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with outside.connect() as connection:
        assert connection.scalar(sa.select(sa.func.pg_terminate_backend(pooled))) is True
        still_there = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        deadline = time.monotonic() + 10
        while connection.scalar(still_there, {"pid": pooled}) and time.monotonic() < deadline:
            time.sleep(0.01)
    outside.dispose()

    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != pooled
