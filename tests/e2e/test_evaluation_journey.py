"""Two hiring managers evaluate two candidates on a case project in real browsers; the
comparison ranks the candidates and flags the disagreement; the candidate sees the results."""

import re
from email import message_from_bytes, policy

import pytest

from tests.helpers import screenshot, sign_in

pytestmark = pytest.mark.browser


def _rate(page, base: str, project_url: str, candidate: str, level: str, overrides=None):
    """Open the sheet from the project page, choose levels, save and submit."""
    page.goto(project_url)
    page.get_by_role("link", name=f"Rate {candidate}").click()
    page.wait_for_url(re.compile(r".*/sheet$"))
    for radio in page.locator(f"input[type=radio][name$='_level'][value='{level}']").all():
        radio.check()
    for code, value in (overrides or {}).items():
        page.locator(f"#competency-{code} input[type=radio][value='{value}']").check()
    # Autosave keeps the version in step; wait for it before the explicit save.
    page.get_by_text("All changes saved").wait_for()
    # Everything is autosaved already, so Save only reloads the sheet (no "Saved" message).
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("17 of 17 competencies rated").is_visible()
    page.get_by_label(re.compile("I have checked the levels")).check()
    page.get_by_role("button", name="Submit rating sheet").click()
    page.get_by_text(f"Your rating sheet for {candidate} is submitted.").wait_for()


def _accept(browser, base: str, email: str, share: bool) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, base, email)
        page.get_by_role("link", name="Answer").click()
        assert page.get_by_text("Never your development plans").is_visible()
        if share:
            page.get_by_label("Show my latest self-assessment").check()
            screenshot(page, "evaluation-request-to-join")
        page.get_by_role("button", name=re.compile("^Accept")).click()
        page.get_by_text("You joined Server-system migration case").wait_for()
    finally:
        context.close()


def test_two_managers_rate_two_candidates_and_the_comparison_ranks_them(browser, live_server):
    base = live_server
    owner_context = browser.new_context(viewport={"width": 1280, "height": 900})
    co_context = browser.new_context(viewport={"width": 1280, "height": 900})
    owner, co = owner_context.new_page(), co_context.new_page()
    try:
        sign_in(owner, base, "manager@example.com")
        sign_in(co, base, "manager2@example.com")

        owner.goto(f"{base}/evaluations/new")
        owner.get_by_label("Title").fill("Server-system migration case")
        owner.get_by_label("Case study").check()
        owner.get_by_label("Description").fill(
            "Move 40 file servers to a virtual platform within a quarter."
        )
        owner.get_by_label("Start").fill("2026-03-01")
        owner.get_by_label("Deadline").fill("2026-02-01")
        owner.get_by_label("Budget (optional)").fill("180000")
        owner.get_by_label("Currency").select_option("EUR")
        owner.get_by_label("Technologies").fill("Windows Server, VMware vSphere, Veeam")
        owner.get_by_role("button", name="Create project").click()
        assert owner.get_by_text("The deadline cannot be before the start date.").first.is_visible()
        screenshot(owner, "evaluation-form-error")
        owner.get_by_label("Deadline").fill("2026-05-31")
        owner.get_by_role("button", name="Create project").click()
        owner.get_by_text("is set up").wait_for()
        project_url = owner.url.split("#")[0]

        for name, email in (("Alex", "candidate@example.com"), ("Sam", "candidate2@example.com")):
            owner.get_by_label("Full name").fill(name)
            owner.get_by_label("Email", exact=True).fill(email)
            owner.get_by_role("button", name="Send request").click()
            owner.get_by_text(f"Request sent to {name}").wait_for()
        assert owner.get_by_text("No candidates yet. 2 people have been asked").is_visible()
        owner.get_by_label("Email of a hiring manager").fill("manager2@example.com")
        owner.get_by_role("button", name="Add co-evaluator").click()
        owner.get_by_text("now co-evaluates this project").wait_for()
        screenshot(owner, "evaluation-project-people")
        # Each candidate accepts in their own browser; Alex shares the self-assessment.
        for email, share in (("candidate@example.com", True), ("candidate2@example.com", False)):
            _accept(browser, base, email, share)

        # Both evaluators rate, each in their own browser context. They disagree by two
        # levels on Alex's organisational skills (a can competency).
        _rate(owner, base, project_url, "Alex Demo-Candidate", "3", {"DEL-02": "4"})
        screenshot(owner, "evaluation-after-first-sheet")
        co.goto(project_url)
        assert co.get_by_text("You co-evaluate this project").is_visible()
        _rate(co, base, project_url, "Alex Demo-Candidate", "3", {"DEL-02": "2"})
        _rate(co, base, project_url, "Sam Demo-Candidate", "2")
        _rate(owner, base, project_url, "Sam Demo-Candidate", "2", {"LEA-01": "3"})

        owner.goto(project_url)
        assert owner.get_by_text("4 of 4 rating sheets submitted").is_visible()
        screenshot(owner, "evaluation-project-progress")
        owner.get_by_role("link", name="Compare candidates").click()
        ranking = owner.locator("table.ranking-table tbody tr")
        assert ranking.nth(0).get_by_role("rowheader").inner_text() == "Alex Demo-Candidate"
        assert ranking.nth(1).get_by_role("rowheader").inner_text() == "Sam Demo-Candidate"
        assert "gate passed" in ranking.nth(0).inner_text()
        assert "Below Alex Demo-Candidate, who passes the must-gate" in ranking.nth(1).inner_text()
        matrix = owner.locator("table.comparison-table")
        assert matrix.get_by_text("levels 2, 4").is_visible()
        assert owner.get_by_text("where evaluators differ by two levels or more").is_visible()
        screenshot(owner, "evaluation-comparison")

        owner.get_by_role("link", name="Alex Demo-Candidate").first.click()
        assert owner.get_by_role("heading", name="Agreement between the evaluators").is_visible()
        assert owner.get_by_text("16 of 17 evaluator pairs").is_visible()
        screenshot(owner, "evaluation-results")

        # The co-evaluator may not release; the owner does.
        co.goto(project_url)
        assert co.get_by_role("button", name="Release results to the candidates").count() == 0
        owner.goto(project_url)
        owner.get_by_label(re.compile("each candidate will see their own")).check()
        owner.get_by_role("button", name="Release results to the candidates").click()
        owner.get_by_text("Results are released").wait_for()
    finally:
        owner_context.close()
        co_context.close()

    candidate_context = browser.new_context(viewport={"width": 1280, "height": 900})
    candidate = candidate_context.new_page()
    try:
        sign_in(candidate, base, "candidate@example.com")
        candidate.goto(f"{base}/my-evaluations/")
        candidate.get_by_role("link", name=re.compile("See your results")).click()
        assert candidate.get_by_role("heading", name=re.compile("Your results")).is_visible()
        assert candidate.get_by_text("Morgan Demo-Manager").count() == 0
        assert candidate.locator("svg.chart-radar").is_visible()
        screenshot(candidate, "evaluation-candidate-results")
    finally:
        candidate_context.close()


def test_an_invited_candidate_activates_the_account_from_the_link(browser, live_server, tmp_path):
    base = live_server
    manager_context = browser.new_context(viewport={"width": 1280, "height": 900})
    manager = manager_context.new_page()
    try:
        sign_in(manager, base, "manager@example.com")
        manager.goto(f"{base}/evaluations/new")
        manager.get_by_label("Title").fill("Service-desk tool rollout")
        manager.get_by_label("Real project").check()
        manager.get_by_label("Start").fill("2026-04-01")
        manager.get_by_label("Deadline").fill("2026-06-30")
        manager.get_by_role("button", name="Create project").click()
        manager.get_by_text("is set up").wait_for()
        manager.get_by_label("Full name").fill("Nia Newcomer")
        manager.get_by_label("Email", exact=True).fill("nia@example.com")
        manager.get_by_role("button", name="Send request").click()
        manager.get_by_text("Request sent to Nia Newcomer").wait_for()
        screenshot(manager, "evaluation-request-sent")
        (path,) = (tmp_path / "instance" / "mail").glob("*.eml")
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        text = mail.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"http://\S+/invitations/\S+", text).group(0)
    finally:
        manager_context.close()

    visitor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = visitor_context.new_page()
    try:
        visitor.goto(link)
        assert visitor.get_by_role("heading", name="Welcome to Proficio, Nia Newcomer").is_visible()
        visitor.get_by_label("Choose a password").fill("nia-chooses-a-password")
        visitor.get_by_label("Repeat the password").fill("nia-chooses-a-password")
        screenshot(visitor, "evaluation-invitation-accept")
        visitor.get_by_role("button", name="Activate my account").click()
        visitor.get_by_text("Your account is ready").wait_for()
        visitor.get_by_role("link", name="Answer").click()
        assert visitor.get_by_role(
            "heading", name=re.compile("Service-desk tool rollout")
        ).is_visible()
        visitor.get_by_role("button", name=re.compile("^Accept")).click()
        visitor.get_by_text("You joined Service-desk tool rollout").wait_for()
        visitor.goto(link)
        assert visitor.get_by_text("Sign out first").is_visible()
    finally:
        visitor_context.close()
