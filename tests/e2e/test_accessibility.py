"""Every main page, for each role, passes an axe-core scan with no serious or critical issue."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.helpers import screenshot, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "anon": ["/login"],
    "candidate@example.com": [
        "/",
        "/framework/",
        "/framework/roles",
        "/assessments/",
        "/assessments/1",
        "/assessments/1/review",
        "/profile/",
        "/profile/target-role",
        "/profile/qualifications",
        "/training/",
        "/training/recommendations",
        "/training/mine",
        "/my-evaluations/",
        "/plans/",
        "/feedback/",
        "/feedback/new",
        "/feedback/1",
        "/feedback/1/results",
        "/feedback/requests/13",  # Alex's request in the demo's open round about Sam
    ],
    "manager@example.com": [
        "/",
        "/evaluations/",
        "/evaluations/1",
        "/evaluations/1/comparison",
        "/evaluations/3",
        "/feedback/",
        "/feedback/1/results",
    ],
    "hr@example.com": [
        "/",
        "/framework/versions/",
        "/framework/import/",
        "/training/manage",
        "/training/manage/new",
        "/hr/plans/",
        "/hr/plans/overview",
        "/hr/plans/heatmap",
        "/hr/plans/exports",
        "/feedback/",
        "/feedback/2",
    ],
    "admin@example.com": ["/admin/users", "/admin/audit"],
}
SCANNED: list[str] = []


@pytest.mark.parametrize("who", sorted(PAGES))
def test_main_pages_have_no_serious_accessibility_violations(browser, demo_server, who):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if who != "anon":
        sign_in(page, demo_server, who)
        page.wait_for_url(f"{demo_server}/")
    axe = Axe()
    problems = []
    for path in PAGES[who]:
        page.goto(f"{demo_server}{path}")
        # Folded content counts too: a contrast problem inside a closed <details> is one.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        results = axe.run(page)
        SCANNED.append(path)
        for violation in results.response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(
                    f"{who} {path}: {violation['id']} ({violation['impact']}) {targets}"
                )
        if problems:
            screenshot(
                page, f"axe-{who.split('@')[0]}-{path.strip('/').replace('/', '-') or 'home'}"
            )
    context.close()
    print(f"\naxe: scanned {len(PAGES[who])} pages as {who}")
    print("\n".join(problems))
    assert problems == []


def test_the_heatmap_fits_a_laptop_window_and_scrolls_by_itself_on_a_phone(browser, demo_server):
    """Issue 23: at 1,280 px the last columns were cut off with no way to reach them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, demo_server, "hr@example.com")
    page.goto(f"{demo_server}/hr/plans/heatmap")
    widths = "e => [e.scrollWidth, e.clientWidth]"
    region = page.get_by_role("region", name="Competency gaps per person")
    scroll, visible = region.evaluate(widths)
    assert scroll <= visible, "the whole table fits at 1,280 px"
    assert page.get_by_role("columnheader", name="PER-04").is_visible()
    page.set_viewport_size({"width": 390, "height": 800})
    scroll, visible = region.evaluate(widths)
    assert scroll > visible  # the table scrolls inside its region ...
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390  # ... and the page itself does not
    region.focus()  # keyboard users scroll it too
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.heatmap-wrap').scrollLeft > 0", timeout=5000
    )
    screenshot(page, "heatmap-phone")
    context.close()


HOME_PAGES = {
    "candidate@example.com": "Your readiness",
    "manager2@example.com": "colleague",
    "hr@example.com": "Feedback rounds open",
    "admin@example.com": "Accounts to look at",
}


@pytest.mark.parametrize("who", sorted(HOME_PAGES))
def test_each_home_page_fits_a_phone_and_a_laptop(browser, demo_server, who):
    """Issue 23: each role's home page looks right on a phone-sized screen: nothing makes the
    page wider than the phone (screen-reader text in a scrolling table once did)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, demo_server, who)
    page.wait_for_url(f"{demo_server}/")
    assert page.get_by_text(HOME_PAGES[who]).first.is_visible()
    name = who.split("@")[0]
    screenshot(page, f"home-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"home-{name}-phone")
    context.close()
