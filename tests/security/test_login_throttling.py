"""Case 1: repeated wrong passwords lock the account (in the database, so across workers)."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import utcnow
from core.login_throttle import MAX_FAILURES_PER_ACCOUNT, LoginAttempt
from tests.helpers import login


def _fail_many(client, email, count):
    for _ in range(count):
        assert login(client, email, "wrong-password").status_code == 401


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(app, seeded, caplog):
    client = app.test_client()
    _fail_many(client, "candidate@example.com", MAX_FAILURES_PER_ACCOUNT)
    response = login(client, "candidate@example.com")
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.get_data(as_text=True)
    assert "sign-in refused" in caplog.text


def test_the_lock_holds_for_a_second_worker_and_another_address(app, seeded):
    _fail_many(app.test_client(), "candidate@example.com", MAX_FAILURES_PER_ACCOUNT)
    # A second app instance shares only the database, as a second gunicorn worker would.
    other_client = app.test_client()
    response = other_client.post(
        "/login",
        data={"email": "Candidate@Example.com", "password": "proficio-demo"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 429


def test_another_account_is_unaffected(app, seeded):
    client = app.test_client()
    _fail_many(client, "candidate@example.com", MAX_FAILURES_PER_ACCOUNT)
    assert login(client, "candidate2@example.com").status_code == 302


def test_the_lock_expires_after_the_window(app, seeded, db_session):
    _fail_many(app.test_client(), "candidate@example.com", MAX_FAILURES_PER_ACCOUNT)
    db_session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(minutes=16)))
    db_session.commit()
    assert login(app.test_client(), "candidate@example.com").status_code == 302


def test_a_successful_sign_in_resets_the_counter(app, seeded, db_session):
    client = app.test_client()
    _fail_many(client, "candidate@example.com", MAX_FAILURES_PER_ACCOUNT - 1)
    assert login(client, "candidate@example.com").status_code == 302
    assert db_session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 0


@pytest.fixture
def limited_app(app, database_url, seeded):
    """The app with the per-address limits switched on (the test config turns them off).
    Made after the test app: the limiter is one object, and each app's init sets it up; the
    test app's init switches it off again afterwards. A second app on the database, so the
    tests that use it are marked commits."""
    from tests.helpers import TEST_SECRET_KEY
    from webapp import create_app
    from webapp.extensions import db, limiter

    limited = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
        }
    )
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.init_app(app)
    with limited.app_context():
        db.engine.dispose()


@pytest.mark.commits
@pytest.mark.parametrize(
    ("path", "refused_before_the_limit"),
    [("/login", 401), ("/invitations/no-such-invitation", 404)],
)
def test_per_address_request_limit_answers_429(limited_app, path, refused_before_the_limit):
    client = limited_app.test_client()
    statuses = [
        client.post(path, data={"email": f"x{i}@example.com", "password": "nope-nope"}).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [refused_before_the_limit] * 30
    assert statuses[30] == 429


@pytest.mark.commits
@pytest.mark.parametrize(
    ("method", "path", "spared"),
    [
        ("GET", "/healthz", True),
        ("GET", "/profile/", True),
        ("POST", "/login", False),
        ("POST", "/invitations/some-token", False),
        ("GET", "/no-such-page", True),
    ],
)
def test_the_limiter_looks_only_at_views_with_a_limit(limited_app, method, path, spared):
    from webapp.extensions import _view_has_no_limit, limiter

    assert _view_has_no_limit in limiter._request_filters
    with limited_app.test_request_context(path, method=method):
        assert _view_has_no_limit() is spared


def test_every_view_limit_goes_through_rate_limited():
    """A bare ``@limiter.limit`` would be skipped by the filter that spares unlimited views."""
    import webapp

    root = Path(webapp.__file__).parent
    bare = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "limiter.limit(" in path.read_text() and path.name != "extensions.py"
    ]
    assert bare == []


def _app_behind(hops: int):
    from flask import request

    from tests.helpers import TEST_SECRET_KEY
    from webapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": TEST_SECRET_KEY,
            "TRUSTED_PROXIES": hops,
        }
    )
    app.add_url_rule("/test-whoami", "test_whoami", lambda: request.remote_addr or "")
    return app


def test_behind_a_trusted_proxy_the_clients_address_counts():
    """Issue 24: behind the documented reverse proxy every failure counted for one address."""
    client = _app_behind(1).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    answer = client.get("/test-whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.get_data(as_text=True) == "203.0.113.9"


def test_without_trusted_proxies_a_forwarded_header_is_ignored():
    client = _app_behind(0).test_client()
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    answer = client.get(
        "/test-whoami", headers=spoofed, environ_base={"REMOTE_ADDR": "198.51.100.4"}
    )
    assert answer.get_data(as_text=True) == "198.51.100.4"


def test_only_as_many_hops_as_configured_are_trusted():
    client = _app_behind(1).test_client()
    chain = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}  # the client wrote the first one
    answer = client.get("/test-whoami", headers=chain, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.get_data(as_text=True) == "203.0.113.9"
