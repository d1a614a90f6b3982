"""A candidate does two self-assessment rounds in a real browser and sees the profile change."""

import re

import pytest

from tests.helpers import TEST_SECRET_KEY, screenshot, sign_in

pytestmark = pytest.mark.browser


def _answer_area(page, level: str) -> None:
    for radio in page.locator(f"input[type=radio][name$='_level'][value='{level}']").all():
        radio.check()
    for radio in page.locator("input[type=radio][name$='_confidence'][value='2']").all():
        radio.check()
    for radio in page.locator("input[type=radio][name$='_interest'][value='3']").all():
        radio.check()


def _do_round(page, base: str, level: str, shots: str | None = None) -> None:
    page.goto(f"{base}/assessments/")
    page.get_by_role("button", name=re.compile(r"^Start round")).click()
    page.wait_for_url(re.compile(r".*/areas/1$"))
    areas = page.locator(".area-step").count()
    for position in range(1, areas + 1):
        _answer_area(page, level)
        if shots and position == 1:
            page.get_by_text("All changes saved").wait_for()
            screenshot(page, f"{shots}-area")
        button = "Save and continue →" if position < areas else "Save and review →"
        page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r".*/review$"))
    if shots:
        screenshot(page, f"{shots}-review")
    page.get_by_label(re.compile("I have checked my answers")).check()
    page.get_by_role("button", name=re.compile(r"^Submit Round")).click()
    page.wait_for_url(f"{base}/profile/")


def test_candidate_does_two_rounds_and_the_trend_shows_the_change(page, live_server):
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/profile/target-role")
    page.get_by_label("IT Project Manager", exact=True).check()
    screenshot(page, "target-role")
    page.get_by_role("button", name="Save target role").click()
    assert page.get_by_text("Your target role is now IT Project Manager.").is_visible()

    page.goto(f"{live_server}/profile/qualifications")
    page.get_by_label("Kind of qualification").select_option("technical_informatics")
    page.get_by_label("Subject or title").fill("BSc Technical Informatics")
    page.get_by_role("button", name="Add qualification").click()
    assert page.get_by_text(
        "Degree in technical informatics: BSc Technical Informatics"
    ).is_visible()
    screenshot(page, "qualifications")

    _do_round(page, live_server, "2", shots="round1")
    assert page.locator("svg.chart-radar").is_visible()
    assert page.get_by_role("heading", name="Gaps to IT Project Manager").is_visible()
    assert page.get_by_role("heading", name=re.compile("Must-gate: not yet passed")).is_visible()
    screenshot(page, "profile-round1")

    _do_round(page, live_server, "3")
    trend = page.locator("table.trend-table")
    assert trend.get_by_role("columnheader", name=re.compile("Round 2")).is_visible()
    assert trend.get_by_text("▲ +1").count() == 17
    assert page.get_by_role("heading", name=re.compile("Must-gate: passed")).is_visible()
    screenshot(page, "profile-round2")

    page.goto(f"{live_server}/assessments/")
    assert page.get_by_role("cell", name="17 up, 0 down").is_visible()
    screenshot(page, "self-assessment-history")


def test_answers_are_autosaved_and_the_levels_are_keyboard_operable(page, live_server):
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/assessments/")
    page.get_by_role("button", name=re.compile(r"^Start round")).click()
    page.wait_for_url(re.compile(r".*/areas/1$"))
    first = page.locator("input[type=radio][name$='_level']").first
    first.focus()
    page.keyboard.press("ArrowDown")  # moves the choice from level 0 to level 1
    group = first.get_attribute("name")
    assert page.locator(f"input[name='{group}'][value='1']").is_checked()
    page.get_by_text("All changes saved").wait_for()
    page.reload()  # no Save pressed: the choice survived a closed tab
    assert page.locator(f"input[name='{group}'][value='1']").is_checked()
    assert page.get_by_text("1 of 17 competencies answered").is_visible()


def test_demo_data_pages_render(page, live_server, tmp_path):
    """The pages a newcomer sees after `seed --demo`, for screenshots and a smoke check."""
    from webapp import create_app
    from webapp.demo import seed_demo_assessments
    from webapp.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "SECRET_KEY": TEST_SECRET_KEY,
        }
    )
    with app.app_context():
        seed_demo_assessments(db.session)
        db.session.commit()
        db.engine.dispose()
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")
    screenshot(page, "demo-home")
    page.goto(f"{live_server}/profile/")
    assert page.locator("svg.chart-radar").is_visible()
    screenshot(page, "demo-profile")
    page.goto(f"{live_server}/assessments/")
    assert page.get_by_text("Round 3 is open").is_visible()
    screenshot(page, "demo-history")
    page.get_by_role("link", name="Continue Round 3").first.click()
    page.wait_for_url(re.compile(r".*/areas/2$"))
    screenshot(page, "demo-area")
    page.goto(f"{live_server}/assessments/")
    page.get_by_role("link", name="View Round 1").click()
    screenshot(page, "demo-round-view")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/profile/")
    screenshot(page, "demo-profile-mobile")


def test_save_waits_for_an_autosave_on_its_way_instead_of_meeting_a_conflict(page, live_server):
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/assessments/")
    page.get_by_role("button", name=re.compile(r"^Start round")).click()
    page.wait_for_url(re.compile(r".*/areas/1$"))
    held = []
    # The autosave reaches the test, not the server, until the test lets it through.
    page.route(re.compile(r".*/autosave$"), lambda route: held.append(route))
    _answer_area(page, "2")
    page.locator("#autosave-status", has_text="Saving…").wait_for()
    assert len(held) == 1

    page.get_by_role("button", name="Save and continue →").click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/areas/1"), "Save went ahead while the autosave was on its way"

    held[0].continue_()
    page.wait_for_url(re.compile(r".*/areas/2$"))
    assert not page.get_by_text("changed elsewhere").count()
    page.go_back()
    page.reload()
    chosen = page.locator("input[type=radio][name$='_level'][value='2']")
    assert chosen.count() > 0
    assert all(radio.is_checked() for radio in chosen.all())
