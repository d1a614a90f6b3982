"""How a request talks to the database: on PostgreSQL a request that only reads runs outside
any transaction (no BEGIN, and psycopg keeps its prepared statements), one that writes starts
its transaction at its first write, and one that failed is rolled back, so nothing
half-written is ever kept (the commit point itself: tests/web/test_commit_point.py)."""

import pytest
import sqlalchemy as sa

from core.db import utcnow
from core.users import User
from tests.helpers import ROLE_EMAILS

CANDIDATE = ROLE_EMAILS["candidate"]
# Real transactions on each database, seen from the app's own engine, with test routes added.
pytestmark = [pytest.mark.commits, pytest.mark.fresh_app, pytest.mark.both_databases]


@pytest.fixture()
def endings(app):
    """The SQL-level ends of transactions on the app's engine, in order."""
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    sa.event.listen(engine, "commit", lambda conn: seen.append("commit"))
    sa.event.listen(engine, "rollback", lambda conn: seen.append("rollback"))
    return seen


@pytest.fixture()
def test_routes(app):
    """Views that change a person's name (and never commit: the commit point does)."""
    from webapp.extensions import db

    def rename(how: str) -> str:
        user = db.session.scalar(sa.select(User).where(User.email == CANDIDATE))
        if how == "update":
            db.session.execute(
                sa.update(User).where(User.id == user.id).values(name="Half written")
            )
        elif how == "flush":
            user.name = "Half written"
            db.session.flush()
        elif how == "pending":
            user.name = "Half written"  # changed in the session, never flushed
        elif how == "fail":
            user.name = "Half written"
            db.session.flush()
            raise RuntimeError("the view failed after writing")
        return "done"

    def prepared() -> str:
        return str(db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")))

    def status(how: str) -> str:
        """Read (and, when asked, lock or write), then report the server-side state."""
        query = sa.select(User).where(User.email == CANDIDATE)
        if how == "lock":
            query = query.with_for_update()
        user = db.session.scalar(query)
        if how == "write":
            user.last_login_at = utcnow()
            db.session.flush()
        dbapi_connection = db.session.connection().connection.dbapi_connection
        state = dbapi_connection.info.transaction_status.name
        if how == "write":
            db.session.commit()
        return state

    app.add_url_rule("/_test/rename/<how>", "test_rename", rename)
    app.add_url_rule("/_test/prepared", "test_prepared", prepared)
    app.add_url_rule("/_test/status/<how>", "test_status", status)
    return app


def _postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("reading outside transactions is for psycopg on PostgreSQL only")


def _name(db_session) -> str:
    db_session.expire_all()
    return db_session.scalar(sa.select(User.name).where(User.email == CANDIDATE))


@pytest.mark.parametrize("how", ["lock", "write"])
def test_postgresql_locks_and_writes_run_inside_one(test_routes, client, seeded, database_url, how):
    _postgresql_only(database_url)
    assert client.get(f"/_test/status/{how}").get_data(as_text=True) == "INTRANS"


@pytest.mark.parametrize("how", ["update", "flush", "pending"])
def test_a_write_of_a_view_that_answered_without_error_is_committed(
    test_routes, client, seeded, db_session, endings, how
):
    assert client.get(f"/_test/rename/{how}").status_code == 200
    assert endings == ["commit"]
    assert _name(db_session) == "Half written"


def test_a_failed_request_is_rolled_back(test_routes, seeded, db_session, endings):
    test_routes.config["PROPAGATE_EXCEPTIONS"] = False
    before = _name(db_session)
    assert test_routes.test_client().get("/_test/rename/fail").status_code == 500
    assert "commit" not in endings
    assert _name(db_session) == before


def test_postgresql_keeps_prepared_statements_between_requests(
    test_routes, candidate_client, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are psycopg's, on PostgreSQL only")
    # psycopg prepares a statement on its sixth run on one connection; a ROLLBACK of a
    # transaction at the end of each request would deallocate them all again.
    for _ in range(20):
        assert candidate_client.get("/profile/").status_code == 200
    assert int(candidate_client.get("/_test/prepared").get_data(as_text=True)) > 0
