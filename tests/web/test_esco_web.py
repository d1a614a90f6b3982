"""Importing an ESCO occupation in the browser: upload → preview → draft → HR's choices."""

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from competencies.models import EscoImport, EscoSkillMapping, Framework
from competencies.services import load_framework_tree
from tests.helpers import shared_fixture

ICT_PM = "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525"
RISK = "http://data.europa.eu/esco/skill/1dd23dba-dd00-45ab-abf4-642902538317"
NAMES = ("occupations_en.csv", "skills_en.csv", "occupationSkillRelations.csv")


@pytest.fixture()
def esco_files():
    folder = shared_fixture("esco", "v1.1.1")
    return {name: (folder / name).read_bytes() for name in NAMES}


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"esco/{name}", content)
    return buffer.getvalue()


def _upload(client, files, occupation=ICT_PM, version="1.1.1", as_zip=True):
    uploads = (
        [(io.BytesIO(_zip(files)), "esco.zip")]
        if as_zip
        else [(io.BytesIO(content), name) for name, content in files.items()]
    )
    return client.post(
        "/framework/import/esco",
        data={"files": uploads, "occupation": occupation, "esco_version": version},
        content_type="multipart/form-data",
    )


def _count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_zip_upload_preview_confirm_and_decide(hr_client, db_session, esco_files):
    before = _count(db_session, Framework)
    response = _upload(hr_client, esco_files)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview = hr_client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "ICT project manager" in html and "ISCO-08 group 1330" in html
    assert re.search(r'badge text-bg-secondary">21</span> essential', html)
    assert re.search(r'badge text-bg-secondary">46</span> optional', html)
    assert "differs from your IT Project Manager profile" in html
    assert "ESCO v1.1.1, European Commission" in html
    assert _count(db_session, Framework) == before  # a preview writes nothing

    done = hr_client.post(
        response.headers["Location"].split("?")[0],
        data={"occupation": ICT_PM, "esco_version": "1.1.1"},
    )
    assert done.status_code == 303
    review_url = done.headers["Location"]
    db_session.expire_all()
    record = db_session.scalar(sa.select(EscoImport))
    assert review_url.endswith(f"/esco/imports/{record.id}")
    review = hr_client.get(review_url).get_data(as_text=True)
    assert "perform risk analysis" in review and "Save the choices" in review

    conflict = re.search(
        r'name="follow" value="([0-9a-f-]+)"[^\n]*\n\s*<td>LEA-04 Conflict management', review
    ).group(1)
    saved = hr_client.post(review_url, data={f"skill:{RISK}": "add", "follow": conflict})
    assert saved.status_code == 303
    db_session.expire_all()
    draft = load_framework_tree(db_session, record.draft_id)
    assert any(c.esco_uri == RISK for c in draft.competencies)
    itpm = next(p for p in draft.role_profiles if p.code == "ITPM")
    assert {r.competency.code: r.requirement for r in itpm.requirements}["LEA-04"] == "must"
    mapping = db_session.scalar(
        sa.select(EscoSkillMapping).where(EscoSkillMapping.skill_uri == RISK)
    )
    assert mapping.choice == "add"
    # The occupation's profile names it in fields of their own, with the attribution.
    occupation = next(p for p in draft.role_profiles if p.esco_uri == ICT_PM)
    page = hr_client.get(f"/framework/roles/{occupation.id}").get_data(as_text=True)
    assert f'href="{ICT_PM}"' in page and "ISCO-08 group</dt>" in page
    assert "ESCO v1.1.1, European Commission (CC BY 4.0)" in page


def test_the_four_csv_files_may_be_uploaded_one_by_one(hr_client, esco_files):
    response = _upload(hr_client, esco_files, as_zip=False, version="")
    assert response.status_code == 302
    page = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "guessed from the file names" in page


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            lambda f: {**f, "skills_en.csv": f["skills_en.csv"].replace(b"skillType", b"kind", 1)},
            "skills_en.csv line 1: missing column skillType",
        ),
        (
            lambda f: {
                **f,
                "occupationSkillRelations.csv": f["occupationSkillRelations.csv"][:5000],
            },
            "The file looks truncated.",
        ),
        (
            lambda f: {**f, "skills_en.csv": f["skills_en.csv"].replace(b"\xc2\xa0", b"\xa0")},
            "skills_en.csv: The file is not UTF-8 encoded (line",
        ),
    ],
)
def test_bad_files_are_refused_with_their_line_and_nothing_is_kept(
    hr_client, db_session, esco_files, broken, message
):
    response = _upload(hr_client, broken(esco_files))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was written" in html and message in html
    assert _count(db_session, EscoImport) == 0


def test_an_occupation_not_in_the_file_is_named(hr_client, esco_files):
    other = "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000"
    response = _upload(hr_client, esco_files, occupation=other)
    assert response.status_code == 422
    assert f"the occupation {other} is not in the file" in response.get_data(as_text=True)


def test_a_foreign_file_name_is_refused(hr_client, esco_files):
    files = {**esco_files, "notes.txt": b"hello"}
    response = _upload(hr_client, files, as_zip=False)
    assert response.status_code == 422
    assert "notes.txt is not one of the ESCO files" in response.get_data(as_text=True)


def test_candidates_cannot_import(candidate_client, esco_files):
    assert candidate_client.get("/framework/import/esco").status_code == 403
    assert _upload(candidate_client, esco_files).status_code == 403


def test_hr_changes_a_mapped_skill_and_the_esco_profile_follows(hr_client, db_session, esco_files):
    """The mapping is HR's: a mapped skill can move to another competency or be left out."""
    location = _upload(hr_client, esco_files).headers["Location"]
    done = hr_client.post(location.split("?")[0], data={"occupation": ICT_PM, "esco_version": ""})
    review_url = done.headers["Location"]
    db_session.expire_all()
    record = db_session.scalar(sa.select(EscoImport))
    draft = load_framework_tree(db_session, record.draft_id)
    by_code = {c.code: c for c in draft.competencies}
    conflict = "http://data.europa.eu/esco/skill/0ee94af1-b445-4973-9c3f-459fab250342"
    budgets = "http://data.europa.eu/esco/skill/21c5790c-0930-4d74-b3b0-84caf5af12ea"
    saved = hr_client.post(
        review_url, data={f"skill:{conflict}": by_code["LEA-03"].uuid, f"skill:{budgets}": "skip"}
    )
    assert saved.status_code == 303
    db_session.expire_all()
    draft = load_framework_tree(db_session, record.draft_id)
    esco = next(p for p in draft.role_profiles if p.code == record.role_code)
    required = {r.competency.code: r.requirement for r in esco.requirements}
    assert required["LEA-03"] == "must" and "LEA-04" not in required
    assert "STR-02" not in required  # manage budgets was its only skill
    page = hr_client.get(review_url).get_data(as_text=True)
    assert "Mapped skills (50)" in page  # 51 less the one left out
