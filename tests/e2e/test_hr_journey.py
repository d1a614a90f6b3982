"""HR's bulk export in a real browser: tick plans, start the job, wait for it, download the ZIP.
(HR's role-profile journey is tests/e2e/test_framework_editing_journey.py.)"""

import io
import re
import zipfile

import pytest

from tests.helpers import nav_to, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_hr_edits_a_role_profile_and_exports_plans_in_bulk(page, demo_server):
    sign_in(page, demo_server, "hr@example.com")
    page.wait_for_url(f"{demo_server}/")

    nav_to(page, "PDF exports")
    page.wait_for_url(re.compile(r".*/hr/plans/exports.*"))
    boxes = page.locator("input[name=plan_ids]")
    ticked = boxes.count()
    assert ticked >= 1
    for i in range(ticked):
        boxes.nth(i).check()
    page.get_by_label("Your password, to confirm").fill("proficio-demo")
    page.get_by_role("button", name="Export the ticked plans as one ZIP").click()
    page.wait_for_url(re.compile(r".*/hr/plans/exports/\d+$"))
    download_link = page.get_by_role("link", name="Download the ZIP")
    download_link.wait_for(timeout=60_000)
    screenshot(page, "hr-export-done")
    with page.expect_download() as waiting:
        download_link.click()
    with open(waiting.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == ticked
    assert all(archive.read(n).startswith(b"%PDF") for n in names if n.endswith(".pdf"))
