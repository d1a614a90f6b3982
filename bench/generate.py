"""Fill a database with SYNTHETIC Proficio data at scale, for benchmarks.

    .venv/bin/python -m bench.generate --people 10000 --database-url sqlite:////tmp/bench.sqlite3

The database is migrated with Alembic first and gets the default framework and the demo
people, so the demo logins work on it too; then ``datagen.organisation`` fills it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from core.engine import configure_engine
from datagen.organisation import (
    BENCH_CANDIDATE,
    BENCH_MANAGER,
    BENCH_PASSWORD,
    COMPARISON_CANDIDATES,
    generate_data,
)

__all__ = ["BENCH_CANDIDATE", "BENCH_MANAGER", "BENCH_PASSWORD", "generate_data"]


def prepare_database(url: str) -> None:
    """Migrate ``url`` with Alembic and seed the default framework and the demo people."""
    import flask_migrate

    from competencies.services import seed_default_framework
    from webapp import create_app
    from webapp.demo import seed_demo_people
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-generator-only"})
    with app.app_context():
        flask_migrate.upgrade()
        seed_default_framework(db.session)
        seed_demo_people(db.session)
        db.session.commit()
        db.engine.dispose()


def holds_bench_data(url: str) -> bool:
    """Whether ``url`` already has the synthetic people (a second run would clash on ids)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("users"):
                return False
            found = connection.execute(
                sa.text("SELECT 1 FROM users WHERE email = :email"), {"email": BENCH_CANDIDATE}
            ).first()
            return found is not None
    finally:
        engine.dispose()


def empty_database(url: str) -> None:
    """Remove everything from ``url``: the SQLite file, or every table of PostgreSQL's schema."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: migrate, seed and fill the database, then print counts and seconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url", default="sqlite:///instance/bench.sqlite3")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--replace",
        action="store_true",
        help="empty the database first (deletes the SQLite file; drops PostgreSQL's public schema)",
    )
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("--people must be at least 1")
    if args.replace:
        empty_database(args.database_url)
    elif holds_bench_data(args.database_url):
        parser.error(
            "this database already holds generated bench data; point --database-url at a new "
            "database, or add --replace to empty it first"
        )
    started = time.perf_counter()
    prepare_database(args.database_url)
    migrated = time.perf_counter()
    print(f"migrated and seeded the framework + demo people in {migrated - started:.1f} s")
    engine = configure_engine(sa.create_engine(args.database_url))
    with engine.begin() as connection:
        accounts, counts = generate_data(connection, args.people, args.seed)
    engine.dispose()
    finished = time.perf_counter()
    for table, count in counts.items():
        print(f"  {table:<28} {count:>10,}")
    print(f"generated {args.people:,} SYNTHETIC people in {finished - migrated:.1f} s")
    print(f"bench candidate: {accounts.candidate_email} / {accounts.password}")
    print(
        f"bench manager:   {accounts.manager_email} / {accounts.password} "
        f"(owns project {accounts.comparison_project_id} with {COMPARISON_CANDIDATES} candidates)"
    )


if __name__ == "__main__":
    main()
