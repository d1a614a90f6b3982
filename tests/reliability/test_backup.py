"""Backups are consistent and a documented restore brings the data back."""

import pytest
import sqlalchemy as sa

from core.users import User, get_user_by_email

# Backup and restore read and replace the whole database, outside the test's transaction.
pytestmark = pytest.mark.commits


def test_backup_then_restore_brings_back_deleted_data(runner, seeded, db_session, tmp_path):
    backup = tmp_path / "proficio.backup"
    result = runner.invoke(args=["backup", "--out", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    db_session.execute(sa.delete(User).where(User.email == "hr@example.com"))
    db_session.commit()
    assert get_user_by_email(db_session, "hr@example.com") is None
    db_session.close()

    result = runner.invoke(args=["restore", "--from", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert get_user_by_email(db_session, "hr@example.com").name == "Harper Demo-HR"


def test_restore_refuses_a_file_that_is_not_a_backup(runner, seeded, db_session, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"this is not a database" * 100)
    result = runner.invoke(args=["restore", "--from", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert get_user_by_email(db_session, "hr@example.com") is not None


def test_backup_into_a_missing_folder_creates_it(runner, seeded, tmp_path):
    target = tmp_path / "nested" / "dir" / "b.backup"
    result = runner.invoke(args=["backup", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
