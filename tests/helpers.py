"""What test modules share: constants, sign-in, query counting, shared fixture files and the
browser steps. Test modules import from here (or from tests.factories for data), never from
each other or from a conftest."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TEST_SECRET_KEY = "test-secret-key-for-proficio-tests-only-0123456789"
TEST_PASSWORD = "proficio-demo"
ROLE_EMAILS = {
    "candidate": "candidate@example.com",
    "candidate2": "candidate2@example.com",
    "manager": "manager@example.com",
    "manager2": "manager2@example.com",
    "hr": "hr@example.com",
    "admin": "admin@example.com",
}


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


def copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database file (its WAL included)."""
    target.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def login(client, email: str, password: str = TEST_PASSWORD):
    """Sign ``client`` in through the login form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


def clear_tables(connection: sa.Connection) -> None:
    """Delete every row, children first."""
    from core.db import Base

    for table in reversed(Base.metadata.sorted_tables):
        connection.execute(table.delete())


# The test harness runs each test inside a transaction (tests/conftest.py), so a session's
# BEGIN and COMMIT become these; production sends BEGIN and COMMIT through the driver, which
# no cursor event sees. They are the harness's, not the page's, and are not counted.
_HARNESS_STATEMENT = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def counting(engine: sa.Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block, in order."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not _HARNESS_STATEMENT.match(statement):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# --- browser steps (tests/e2e) --------------------------------------------------------------


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    """Open the user menu in the bar and sign out."""
    page.locator("#main-nav .dropdown-menu-end").locator("..").get_by_role("button").first.click()
    page.get_by_role("button", name="Sign out").click()


def nav_to(page, label: str) -> None:
    """Follow an entry of the navigation bar, opening its dropdown first when it has one."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    link = page.locator("#main-nav a").filter(has_text=exact).first
    if not link.is_visible():
        entry = page.locator("a.dropdown-item").filter(has_text=exact)
        page.locator("#main-nav li.dropdown").filter(has=entry).locator("button").click()
    link.click()


def nav_labels(page) -> set[str]:
    """Every entry the navigation bar offers, open or folded away in a dropdown."""
    return {text.strip() for text in page.locator("#main-nav a").all_inner_texts()}
