"""Importing in the browser: upload → preview → confirm, with the file kept on the server."""

import io
import re

import pytest
import sqlalchemy as sa

from competencies.models import Framework
from tests.interchange_files import bad_files, moodle_csv, row_counts


def _upload(client, content: bytes, name: str, file_format: str = ""):
    return client.post(
        "/framework/import/",
        data={"file": (io.BytesIO(content), name), "file_format": file_format},
        content_type="multipart/form-data",
    )


def test_upload_preview_confirm_writes_a_draft(hr_client, db_session):
    response = _upload(hr_client, moodle_csv(), "service-desk.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = hr_client.get(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This becomes a <strong>new framework</strong>" in html
    assert "Handling incidents" in html and "Import as a draft" in html
    assert re.search(r'badge text-bg-secondary">10</span> competencies', html)
    assert db_session.scalar(sa.select(sa.func.count(Framework.id))) == 1
    done = hr_client.post(preview_url)
    assert done.status_code == 302
    db_session.expire_all()
    imported = db_session.scalar(sa.select(Framework).where(Framework.code == "SVC-DESK"))
    assert imported.status == "draft" and done.headers["Location"].endswith(f"/{imported.id}")
    # The stored upload is gone once written: confirming twice finds nothing.
    assert hr_client.post(preview_url).status_code == 404


def test_the_upload_token_is_bound_to_the_person_who_uploaded(hr_client, admin_client, db_session):
    preview_url = _upload(hr_client, moodle_csv(), "service-desk.csv").headers["Location"]
    assert admin_client.get(preview_url).status_code == 404
    assert admin_client.post(preview_url).status_code == 404
    assert hr_client.get("/framework/import/../../etc/passwd").status_code == 404
    assert hr_client.get("/framework/import/" + "A" * 32).status_code == 404
    assert db_session.scalar(sa.select(sa.func.count(Framework.id))) == 1


def test_cancel_forgets_the_upload(hr_client, db_session):
    preview_url = _upload(hr_client, moodle_csv(), "service-desk.csv").headers["Location"]
    assert hr_client.post(preview_url + "/cancel").status_code == 302
    assert hr_client.get(preview_url).status_code == 404


@pytest.mark.parametrize(
    ("kind", "name", "content", "phrase"),
    [f for f in bad_files() if f[0] in {"csv-cycle", "case-truncated-json", "csv-wrong-encoding"}],
    ids=lambda value: value if isinstance(value, str) and "-" in value else "",
)
def test_a_bad_upload_shows_every_problem_and_writes_nothing(
    hr_client, db_session, kind, name, content, phrase
):
    before = row_counts(db_session)
    response = _upload(hr_client, content, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nothing was written" in html and phrase in html
    assert "Import as a draft" not in html
    db_session.expire_all()
    assert row_counts(db_session) == before


def test_an_upload_without_a_file_is_a_form_error(hr_client):
    response = hr_client.post("/framework/import/", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_importing_a_new_version_while_a_draft_is_open_is_refused_in_the_preview(
    hr_client, db_session
):
    published = db_session.scalar(sa.select(Framework))
    exported = hr_client.get(f"/framework/versions/{published.id}/export.csv").get_data()
    hr_client.post(f"/framework/versions/{published.id}/draft")
    response = _upload(hr_client, exported, "again.csv")
    page = hr_client.get(response.headers["Location"])
    assert page.status_code == 422
    assert "already has a draft" in page.get_data(as_text=True)


def test_a_deeply_nested_json_upload_is_refused_with_a_message(hr_client, db_session):
    """Issue 24: nesting deep enough to exhaust the parser's recursion was a 500."""
    before = db_session.scalar(sa.select(sa.func.count(Framework.id)))
    nested = b'{"CFDocument": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = _upload(hr_client, nested, "deep.json", "case")
    assert response.status_code == 422
    assert "nests deeper than" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Framework.id))) == before
