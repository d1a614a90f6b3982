"""HR keeps the framework in a real browser: draft → edit → publish → see what changed."""

import pytest
from playwright.sync_api import expect

from tests.helpers import nav_labels, nav_to, screenshot, sign_in, sign_out
from tests.interchange_files import MOODLE_LAYOUT_CSV, bad_files

pytestmark = pytest.mark.browser


def test_hr_drafts_edits_a_descriptor_and_a_role_target_publishes_and_sees_the_diff(
    page, live_server
):
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    nav_to(page, "Framework versions")
    screenshot(page, "versions-index")
    page.get_by_role("button", name="Start a draft").click()
    page.wait_for_url("**/framework/versions/*")
    assert page.get_by_text("Draft 1.2 started as a copy of version 1.1").is_visible()
    screenshot(page, "version-draft")

    page.get_by_role("link", name="Edit Planning", exact=True).click()
    level_three = page.get_by_label("Level 3 — Proficient (e-3)")
    level_three.fill("Plans medium-sized projects with the team and re-plans within a day.")
    screenshot(page, "competency-editor")
    page.get_by_role("button", name="Save competency").click()
    assert page.get_by_text("Competency DEL-01 was saved.").is_visible()

    page.get_by_role("link", name="Edit requirements of IT Project Manager", exact=True).click()
    page.get_by_label("Target level for Communication").select_option("4")
    page.get_by_label("Target level for Conflict management").select_option("")
    screenshot(page, "role-profile-editor")
    page.get_by_role("button", name="Save role profile").click()
    assert page.get_by_text("Role profile IT Project Manager was saved.").is_visible()

    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("Change note").fill("Planning level 3 sharpened; Communication target 4.")
    screenshot(page, "publish")
    page.get_by_role("button", name="Publish version 1.2").click()
    page.wait_for_url("**/framework/versions/compare**")
    assert page.get_by_text("Version 1.2 is now the current version.").is_visible()
    changed = page.get_by_role("article", name="DEL-01 changed")
    assert changed.get_by_text("re-plans within a day").is_visible()
    profile = page.get_by_role("article", name="IT Project Manager changed")
    assert (
        profile.get_by_role("row", name="LEA-02 Communication").get_by_text("target 4").is_visible()
    )
    screenshot(page, "compare")

    # Candidates now read the new text on the read-only page.
    sign_out(page)
    sign_in(page, live_server, "candidate@example.com")
    page.wait_for_url(f"{live_server}/")
    nav_to(page, "Competencies")
    assert page.get_by_text("Version 1.2").is_visible()
    assert "Framework versions" not in nav_labels(page)


def test_hr_imports_a_moodle_file_after_a_preview(page, live_server):
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    nav_to(page, "Import framework")
    screenshot(page, "import-upload")
    page.get_by_label("Framework file").set_input_files(str(MOODLE_LAYOUT_CSV))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/framework/import/*")
    assert page.get_by_text("This becomes a new framework").is_visible()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Import as a draft").click()
    page.wait_for_url("**/framework/versions/*")
    assert page.get_by_role("heading", name="Service desk lead version 1.0").is_visible()
    screenshot(page, "imported-draft")


def test_hr_sees_every_problem_of_a_bad_file(page, live_server, tmp_path):
    kind, name, content, phrase = next(f for f in bad_files() if f[0] == "csv-duplicate-code")
    path = tmp_path / name
    path.write_bytes(content)
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/framework/import/")
    page.get_by_label("Framework file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert")
    assert alert.get_by_text("nothing was written").is_visible()
    assert alert.get_by_text(phrase).first.is_visible()
    screenshot(page, "import-problems")


def test_the_other_editor_pages_show_their_forms(page, live_server):
    """Each editor page of a draft shows its heading and its action (and is photographed)."""
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/framework/versions/")
    page.get_by_role("button", name="Start a draft").click()
    page.wait_for_url("**/framework/versions/*")
    draft_url = page.url

    def shows(heading: str, button: str, shot: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
        screenshot(page, shot)

    page.get_by_role("link", name="Edit scale names").click()
    shows("Scale of draft 1.2", "Save scale", "scale-editor")
    expect(page.get_by_role("group", name="Level 0")).to_be_visible()
    page.goto(draft_url)
    page.get_by_role("link", name="Edit details").click()
    shows("Details of draft 1.2", "Save details", "draft-details")
    page.goto(draft_url)
    page.get_by_role("link", name="Add competency").click()
    shows("New competency", "Add competency", "competency-new")
    expect(page.get_by_role("group", name="Behavioural indicators per level")).to_be_visible()
    page.goto(draft_url)
    page.get_by_role("link", name="New role profile").click()
    shows("New role profile", "Create role profile", "role-profile-new")
    page.goto(draft_url)
    page.get_by_role("link", name="Copy IT Programme Manager").click()
    shows("Copy IT Programme Manager", "Create the copy", "role-profile-copy")
    page.goto(draft_url)
    page.get_by_role("link", name="Remove Planning").click()
    shows("Remove Planning from draft 1.2?", "Remove DEL-01", "competency-remove")
    page.goto(draft_url)
    page.get_by_role("link", name="Discard draft…").click()
    shows("Discard draft 1.2?", "Discard the draft", "discard")
    page.goto(f"{live_server}/framework/")
    banner = page.get_by_role("status").filter(has_text="Draft 1.2 is being prepared")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("link", name="Open draft 1.2")).to_be_visible()
    screenshot(page, "framework-hr-banner")
