"""In a real browser: a candidate sets a budget, plans a recommended training, finds it again."""

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import TEST_SECRET_KEY, nav_to, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture()
def training_server(tmp_path: Path, browser, databases):
    """A live server on a database seeded like `seed --demo`, trained model included."""
    from webapp import create_app
    from webapp.demo_training import seed_demo_training
    from webapp.extensions import db
    from webapp.recommending import artefact_key, recommender_dir

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "SECRET_KEY": TEST_SECRET_KEY,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    # The session's database with the framework and the demo people, copied.
    databases.sqlite_copy("seeded", tmp_path / "e2e.sqlite3")
    with app.app_context():
        seed_demo_training(db.session, model_dir=recommender_dir(app), key=artefact_key(app))
        db.session.commit()
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


def _costs(page) -> list[float]:
    text = " ".join(page.locator("li.recommendation ul.reasons li:last-child").all_inner_texts())
    return [float(amount.replace(",", "")) for amount in re.findall(r"€([\d,]+(?:\.\d+)?)", text)]


def test_candidate_plans_a_recommended_training_within_budget(page, training_server):
    sign_in(page, training_server, "candidate@example.com")
    page.wait_for_url(f"{training_server}/")
    nav_to(page, "Recommendations")
    assert page.get_by_role("heading", name="Training recommendations for you").is_visible()
    assert page.get_by_text("learned model").first.is_visible()
    screenshot(page, "training-recommendations")

    page.get_by_label("Budget per training (EUR)").fill("1000")
    page.get_by_role("button", name="Show recommendations").click()
    page.wait_for_url(re.compile(r".*max_cost=1000.*"))
    costs = _costs(page)
    assert costs and max(costs) <= 1000
    screenshot(page, "training-recommendations-budget")

    first = page.locator("li.recommendation").first
    title = first.locator("h3 a").inner_text()
    first.get_by_role("button", name=re.compile("Plan this training")).click()
    page.wait_for_url(re.compile(r".*/training/recommendations\?.*max_cost=1000.*"))
    assert page.get_by_text("is planned").is_visible()

    nav_to(page, "My trainings")
    page.wait_for_url(f"{training_server}/training/mine")
    planned = page.locator("#group-planned").locator("xpath=..")
    assert planned.get_by_role("link", name=title).is_visible()
    assert page.get_by_text("demo data").first.is_visible()
    screenshot(page, "training-mine")

    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Start").wait_for()
    screenshot(page, "training-enrollment")


def test_catalogue_filters_and_detail_in_the_browser(page, training_server):
    sign_in(page, training_server, "candidate2@example.com")
    page.wait_for_url(f"{training_server}/")
    nav_to(page, "Trainings")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Apply filters").click()
    screenshot(page, "training-catalogue")
    page.get_by_role("link", name=re.compile("Konfliktmanagement")).click()
    assert page.get_by_role("button", name="Plan this training").is_visible()
    screenshot(page, "training-detail")


def test_hr_sees_validation_messages_in_the_training_editor(page, training_server):
    sign_in(page, training_server, "hr@example.com")
    page.wait_for_url(f"{training_server}/")
    nav_to(page, "Manage catalogue")
    screenshot(page, "training-manage")
    page.get_by_role("link", name="Add a training").click()
    page.get_by_label("Hours").fill("0")
    page.get_by_role("button", name="Save the training").click()
    assert page.get_by_text("Enter a title.").is_visible()
    screenshot(page, "training-form-errors")
