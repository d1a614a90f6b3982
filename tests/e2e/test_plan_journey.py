"""In a real browser: a candidate builds a plan from the gaps and proposes it, HR approves it,
and the PDF downloads and opens as a tagged PDF."""

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import TEST_SECRET_KEY, nav_to, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture()
def plan_server(tmp_path: Path, browser, databases):
    """A live server with the framework, the demo people and the training catalogue."""
    from training.catalogue import seed_catalogue
    from webapp import create_app
    from webapp.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "SECRET_KEY": TEST_SECRET_KEY,
            "RECOMMENDER_DIR": str(tmp_path / "no-model"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    # The session's database with the framework and the demo people, copied.
    databases.sqlite_copy("seeded", tmp_path / "e2e.sqlite3")
    with app.app_context():
        seed_catalogue(db.session)
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


def test_a_plan_goes_from_gaps_to_an_approved_pdf(browser, page, plan_server, tmp_path):
    sign_in(page, plan_server, "candidate@example.com")
    page.wait_for_url(f"{plan_server}/")
    nav_to(page, "My plan")
    page.get_by_role("link", name="Start my plan").click()
    page.get_by_label("Purpose of the plan").fill("Become an IT Project Manager within a year.")
    page.get_by_role("button", name="Start the plan").click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    screenshot(page, "plan-journey-0-started")
    page.get_by_role("button", name=re.compile(r"Add goals from my gaps \(17\)")).click()
    page.get_by_text("17 goals added from your gaps").wait_for()
    assert page.locator("article.plan-goal").count() == 17

    page.get_by_role("link", name="Link a training to Technical skills").click()
    page.get_by_role("heading", name=re.compile("Link a training to Technical skills")).wait_for()
    screenshot(page, "plan-journey-1-choose-training")
    page.get_by_role("button", name=re.compile(r"^Link ")).first.click()
    page.get_by_text(re.compile("is linked to the goal Technical skills")).wait_for()
    screenshot(page, "plan-journey-2-draft")

    page.get_by_role("button", name="Propose to HR").click()
    page.get_by_text("The plan is proposed.").wait_for()
    assert "Proposed" in page.locator("h1 + p").inner_text()
    plan_url = page.url

    hr_context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    hr = hr_context.new_page()
    try:
        sign_in(hr, plan_server, "hr@example.com")
        hr.wait_for_url(f"{plan_server}/")
        nav_to(hr, "Plans")
        hr.get_by_role("heading", name=re.compile("Waiting for your approval")).wait_for()
        hr.get_by_role("link", name="Alex Demo-Candidate").first.click()
        hr.wait_for_url(plan_url)
        hr.get_by_label("Note for the record (optional)").fill("Agreed in the review.")
        screenshot(hr, "plan-journey-3-hr-decision")
        hr.get_by_role("button", name="Approve").click()
        hr.get_by_text("The plan is approved.").wait_for()
        assert "Approved by Harper Demo-HR" in hr.locator(".alert-success").last.inner_text()
        screenshot(hr, "plan-journey-4-approved")
        with hr.expect_download() as download_info:
            hr.get_by_role("link", name="Download PDF").click()
        pdf = tmp_path / "plan.pdf"
        download_info.value.save_as(pdf)
    finally:
        hr_context.close()

    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M)
        assert "Development plan — Alex Demo-Candidate" in info
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Approved" in text and "Harper Demo-HR" in text and "Technical skills" in text
