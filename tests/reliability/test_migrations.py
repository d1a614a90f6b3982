"""Upgrading a database that holds data: SQLite rebuilds a table to change its constraints,
and that must not trip over the rows that refer to it."""

import flask_migrate
import pytest
import sqlalchemy as sa

from tests.helpers import TEST_SECRET_KEY

# The last revision before the users table was rebuilt (blocked_at, then line_manager_id).
BEFORE_USERS_REBUILD = "0011_trainings_updated_at"


@pytest.mark.slow
def test_sqlite_upgrades_a_database_whose_users_are_referenced(tmp_path):
    from webapp import create_app
    from webapp.extensions import db

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": TEST_SECRET_KEY})
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE_USERS_REBUILD)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, role, password_hash, session_token,"
                    " is_active, created_at) VALUES (7, 'kim@example.test', 'Kim', 'candidate',"
                    " '!', 'token', 1, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO invitations (user_id, token_sha256, created_at, expires_at)"
                    " VALUES (7, 'digest', '2026-01-01 00:00:00', '2026-01-08 00:00:00')"
                )
            )
        flask_migrate.upgrade()  # failed with "FOREIGN KEY constraint failed" before
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            user = connection.execute(
                sa.text("SELECT name, blocked_at, line_manager_id FROM users WHERE id = 7")
            ).one()
            assert tuple(user) == ("Kim", None, None)
            invited = connection.execute(sa.text("SELECT user_id FROM invitations")).scalar()
            assert invited == 7
        db.engine.dispose()
