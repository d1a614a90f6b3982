"""Which statements core.db lets run outside a transaction on PostgreSQL, and that a connection
switches into one before its first write and back out when it returns to the pool."""

import pytest
import sqlalchemy as sa

from core.db import needs_transaction, read_outside_transactions

# Reading outside transactions is psycopg's, on PostgreSQL.
pytestmark = pytest.mark.both_databases


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT 1",
        "  select users.id FROM users WHERE users.id = %(id)s",
        "SELECT forupdate, shared FROM t",  # words that only look like a locking clause
    ],
)
def test_plain_selects_need_no_transaction(statement):
    assert needs_transaction(statement) is False


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT users.id FROM users FOR UPDATE",
        "SELECT users.id FROM users FOR NO KEY UPDATE OF users",
        "SELECT users.id FROM users\nfor share",
        "SELECT users.id FROM users FOR KEY SHARE SKIP LOCKED",
        "INSERT INTO users (email) VALUES (%(email)s)",
        "UPDATE users SET name = %(name)s",
        "DELETE FROM users",
        "SAVEPOINT sa_savepoint_1",
        "WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved",
        "CREATE TABLE t (id integer)",
    ],
)
def test_writes_locks_and_anything_unknown_need_one(statement):
    assert needs_transaction(statement) is True


@pytest.fixture()
def one_connection_engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("reading outside transactions is for psycopg on PostgreSQL only")
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    read_outside_transactions(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS probe (n integer)")
    yield engine
    engine.dispose()


def _status(connection: sa.Connection) -> str:
    return connection.connection.dbapi_connection.info.transaction_status.name


def test_the_first_write_begins_and_rollback_undoes_it(one_connection_engine):
    with one_connection_engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM probe")) == 0
        assert _status(connection) == "IDLE"
        connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
        assert _status(connection) == "INTRANS"
        connection.execute(sa.text("INSERT INTO probe VALUES (2)"))
        connection.rollback()
        assert connection.scalar(sa.text("SELECT count(*) FROM probe")) == 0


def test_a_committed_write_is_kept_and_the_next_checkout_reads_outside_again(
    one_connection_engine,
):
    with one_connection_engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
        connection.commit()
    with one_connection_engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM probe")) == 1
        assert _status(connection) == "IDLE"


def test_other_drivers_keep_their_transactions(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    read_outside_transactions(engine)
    with engine.connect() as connection:
        connection.execute(sa.text("CREATE TABLE probe (n integer)"))
        connection.commit()
        assert connection.scalar(sa.text("SELECT count(*) FROM probe")) == 0
        connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
        connection.rollback()
        assert connection.scalar(sa.text("SELECT count(*) FROM probe")) == 0
    engine.dispose()
