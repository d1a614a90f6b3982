"""Feedback from colleagues in a real browser, on the full demo: the closed round's results
(both sides of the anonymity minimum), and a colleague answering a request."""

import re

import pytest

from tests.helpers import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_results_show_groups_from_the_minimum_up_on_a_wide_and_a_narrow_screen(
    page, demo_server
):
    sign_in(page, demo_server, "candidate@example.com")
    page.wait_for_url(f"{demo_server}/")
    page.goto(f"{demo_server}/feedback/")
    page.get_by_role("link", name=re.compile(r"^Results")).first.click()
    page.wait_for_url(re.compile(r".*/feedback/\d+/results$"))
    groups = page.locator("table").first
    assert groups.get_by_role("row", name=re.compile(r"^Peers 5 4 yes")).is_visible()
    assert groups.get_by_text(re.compile("Not shown: 2 of the at least 3 answers")).is_visible()
    assert page.get_by_role("columnheader", name="Managers (by name)").is_visible()
    assert page.get_by_text("blind spot").first.is_visible()
    assert page.get_by_text("hidden strength").first.is_visible()
    screenshot(page, "feedback-results")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot(page, "feedback-results-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_server}/profile/")
    assert page.get_by_role("columnheader", name="Colleagues").is_visible()
    screenshot(page, "feedback-on-the-profile")


def test_a_colleague_answers_a_request_with_autosave_and_submits(page, demo_server):
    sign_in(page, demo_server, "candidate@example.com")
    page.wait_for_url(f"{demo_server}/")
    page.goto(f"{demo_server}/feedback/")
    page.get_by_role("link", name=re.compile("Answer the request about Sam")).click()
    page.wait_for_url(re.compile(r".*/feedback/requests/\d+$"))
    radios = page.locator("fieldset.competency")
    for index in range(radios.count()):
        radios.nth(index).locator("input[type=radio][value='3']").check()
    page.get_by_text("All changes saved").wait_for()
    screenshot(page, "feedback-answer")
    page.reload()  # the autosaved draft survives a closed tab
    assert page.locator("input[type=radio][value='3']").first.is_checked()
    page.get_by_label(re.compile("Comment")).fill("Clear status reports every week.")
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(f"{demo_server}/feedback/thanks")
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()
    page.goto(f"{demo_server}/feedback/")
    assert page.get_by_text("Nobody is waiting for your feedback.").is_visible()
