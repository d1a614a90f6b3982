"""Browser fixtures: a live Proficio server on a free port and headless Debian Chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_SECRET_KEY, skip_or_fail

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


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
def live_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on a migrated SQLite database with the framework and demo people."""
    import flask_migrate

    from competencies.services import seed_default_framework
    from webapp.demo import seed_demo_people
    from webapp.extensions import db

    app = _app(tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        seed_default_framework(db.session)
        seed_demo_people(db.session)
        db.session.commit()
    yield from _serve(app)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[str]:
    """A real HTTP server on the full demo, exactly as `make run` seeds it (shared per module)."""
    import flask_migrate

    folder = tmp_path_factory.mktemp("demo")
    app = _app(folder)
    with app.app_context():
        flask_migrate.upgrade()
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    yield from _serve(app)


@pytest.fixture()
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = "proficio-demo") -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    """Open the user menu in the bar and sign out."""
    page.locator("#main-nav .dropdown-menu-end").locator("..").get_by_role("button").first.click()
    page.get_by_role("button", name="Sign out").click()


def open_menu(page, label: str) -> None:
    """Open a dropdown of the navigation bar by its label."""
    page.locator("#main-nav").get_by_role("button", name=label, exact=True).click()


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
