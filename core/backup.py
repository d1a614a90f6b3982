"""Consistent backups and restores of the Proficio database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    """A backup or restore could not be completed; nothing was replaced."""


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _pg_args(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    return args, env


def backup_database(database_url: str, out: Path) -> Path:
    """Write a consistent backup of the database to ``out`` (written atomically)."""
    url = sa.make_url(database_url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if url.get_backend_name() == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(tmp)
            try:
                # The online backup API copies a consistent snapshot while the app keeps running.
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            if shutil.which("pg_dump") is None:
                raise BackupError("pg_dump is not installed (apt-get install postgresql-client).")
            args, env = _pg_args(url)
            result = subprocess.run(
                [
                    "pg_dump",
                    *args,
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(tmp),
                    url.database,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's content with the backup in ``source``."""
    url = sa.make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if url.get_backend_name() == "sqlite":
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup: {error}") from error
        target = sqlite3.connect(_sqlite_path(url))
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()
    elif url.get_backend_name() == "postgresql":
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore is not installed (apt-get install postgresql-client).")
        args, env = _pg_args(url)
        result = subprocess.run(
            [
                "pg_restore",
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                url.database,
                str(source),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"Restores of {url.get_backend_name()} databases are not supported.")
