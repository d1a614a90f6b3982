"""Browser fixtures: a live Proficio server on a free port and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import TEST_SECRET_KEY, copy_sqlite, skip_or_fail


def chromium_path() -> str | None:
    """Debian's Chromium: $PROFICIO_CHROMIUM, else the first one on PATH."""
    configured = os.environ.get("PROFICIO_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        skip_or_fail("Debian's chromium is not installed", "PROFICIO_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def _serve(app) -> Iterator[str]:
    from webapp.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _app(folder: Path, **overrides):
    from webapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "SECRET_KEY": TEST_SECRET_KEY,
            # Export jobs run at once in the server's thread (no separate consumer in tests).
            "HUEY_IMMEDIATE": True,
            **overrides,
        }
    )
    app.instance_path = str(folder / "instance")
    return app


@pytest.fixture()
def live_server(tmp_path: Path, databases) -> Iterator[str]:
    """A real HTTP server on a migrated SQLite database with the framework and demo people
    (a copy of the session's seeded database: the server's threads really commit)."""
    databases.sqlite_copy("seeded", tmp_path / "e2e.sqlite3")
    yield from _serve(_app(tmp_path))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, databases) -> Path:
    """A database and instance folder exactly as `make run` seeds them, made once."""
    folder = tmp_path_factory.mktemp("demo-template")
    databases.sqlite_copy("empty", folder / "e2e.sqlite3")
    app = _app(folder)
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    from webapp.extensions import db

    with app.app_context():
        db.engine.dispose()
    return folder


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, demo_template: Path) -> Iterator[str]:
    """A real HTTP server on the full demo, exactly as `make run` seeds it (shared per module)."""
    folder = tmp_path_factory.mktemp("demo")
    copy_sqlite(demo_template / "e2e.sqlite3", folder / "e2e.sqlite3")
    if (demo_template / "instance").exists():
        shutil.copytree(demo_template / "instance", folder / "instance")
    yield from _serve(_app(folder))


@pytest.fixture()
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
