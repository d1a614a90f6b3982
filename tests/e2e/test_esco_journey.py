"""HR imports an ESCO occupation in a real browser, decides, and re-imports another version."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.helpers import screenshot, shared_fixture, sign_in

pytestmark = pytest.mark.browser

ICT_PM = "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525"
CONFLICT = "http://data.europa.eu/esco/skill/0ee94af1-b445-4973-9c3f-459fab250342"
NAMES = ("occupations_en.csv", "skills_en.csv", "occupationSkillRelations.csv")


def test_hr_imports_ict_project_manager_decides_and_sees_the_next_version_s_diff(
    page, live_server, tmp_path
):
    fixture = shared_fixture("esco", "v1.1.1")
    sign_in(page, live_server, "hr@example.com")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/framework/import/")
    page.get_by_role("link", name="Import an ESCO occupation").click()
    page.get_by_label("ESCO files").set_input_files([str(fixture / name) for name in NAMES])
    page.get_by_label("Occupation URI").fill(ICT_PM)
    page.get_by_label("ESCO version").fill("1.1.1")
    page.get_by_role("button", name="Check the files").click()
    expect(
        page.get_by_role("heading", name="ESCO import preview: ICT project manager")
    ).to_be_visible()
    expect(page.get_by_text("21", exact=True).first).to_be_visible()
    expect(
        page.get_by_text("Where ESCO differs from your IT Project Manager profile")
    ).to_be_visible()
    screenshot(page, "esco-import-preview")

    page.get_by_role("button", name="Import into a draft").click()
    expect(page.get_by_text("was imported into a draft")).to_be_visible()
    page.get_by_label("Follow ESCO for Conflict management").check()
    page.get_by_label("perform risk analysis", exact=True).select_option("add")
    screenshot(page, "esco-import-review")
    page.get_by_role("button", name="Save the choices").first.click()
    expect(page.get_by_text("Saved: 1 added")).to_be_visible()

    # The next ESCO version (v1.2 file naming) moves conflict management to optional.
    newer = tmp_path / "v1.2"
    newer.mkdir()
    for name in NAMES[:2]:
        shutil.copy(fixture / name, newer / name)
    relations = (fixture / NAMES[2]).read_text(encoding="utf-8")
    flipped = relations.replace(
        f"{ICT_PM},essential,skill/competence,{CONFLICT}",
        f"{ICT_PM},optional,skill/competence,{CONFLICT}",
    )
    (newer / "occupationSkillRelations_en.csv").write_text(flipped, encoding="utf-8")
    page.goto(f"{live_server}/framework/import/esco")
    page.get_by_label("ESCO files").set_input_files(
        [str(newer / n) for n in (*NAMES[:2], "occupationSkillRelations_en.csv")]
    )
    page.get_by_label("Occupation URI").fill(ICT_PM)
    page.get_by_label("ESCO version").fill("1.2.0")
    page.get_by_role("button", name="Check the files").click()
    diff = page.get_by_role("heading", name="What ESCO changed since v1.1.1")
    expect(diff).to_be_visible()
    rows = page.locator("section", has=diff).locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("apply conflict management")
    expect(rows.first).to_contain_text("essential → optional")
    screenshot(page, "esco-import-diff")
