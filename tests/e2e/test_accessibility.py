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
        "/profile/",
        "/profile/target-role",
        "/profile/qualifications",
        "/training/",
        "/training/recommendations",
        "/training/mine",
        "/my-evaluations/",
        "/plans/",
    ],
    "manager@example.com": ["/", "/evaluations/", "/evaluations/1", "/evaluations/1/comparison"],
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
