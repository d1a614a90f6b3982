"""A person signs in with a real browser and sees their home page."""

import pytest

from tests.helpers import nav_labels, screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_demo_candidate_signs_in_and_sees_their_home_page(page, live_server):
    page.goto(f"{live_server}/login")
    screenshot(page, "login")
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("heading", name="Hello, Alex Demo-Candidate").is_visible()
    assert "Role profiles" in nav_labels(page)
    assert "Users" not in nav_labels(page)
    screenshot(page, "home-candidate")
    assert page.get_by_role("heading", name="Your readiness").is_visible()
    page.get_by_role("link", name="Compare the role profiles").click()
    assert page.get_by_role("heading", name="Role profiles").is_visible()
    screenshot(page, "role-profiles")


def test_wrong_password_shows_the_message_in_the_browser(page, live_server):
    sign_in(page, live_server, "candidate@example.com", "wrong-password")
    assert page.get_by_text("The email or password is not right").is_visible()


def test_sign_out_returns_to_login(page, live_server):
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    sign_out(page)
    page.wait_for_url(f"{live_server}/login")
    assert page.get_by_text("You are signed out.").is_visible()
