"""Self-assessment through the web: a full round, bad input, other people's rounds, locking,
conflicts, autosave and evidence uploads."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments.models import Assessment, Evidence, Rating
from competencies.services import current_framework, load_framework_tree
from core.users import get_user_by_email

PDF = b"%PDF-1.4\n%demo certificate\n"


def _tree(db_session):
    return load_framework_tree(db_session, current_framework(db_session).id)


def _open_round(db_session, email="candidate@example.com"):
    db_session.expire_all()
    person = get_user_by_email(db_session, email)
    return db_session.scalar(
        sa.select(Assessment).where(
            Assessment.subject_id == person.id, Assessment.status == "draft"
        )
    )


def _area_data(db_session, assessment, position, level="2", **extra):
    area = _tree(db_session).areas[position - 1]
    data = {"version": str(assessment.version)}
    for c in area.competencies:
        data[f"c{c.id}_level"] = level
        data[f"c{c.id}_confidence"] = "2"
        data[f"c{c.id}_interest"] = "3"
    data.update(extra)
    return data


def _start(client, db_session, email="candidate@example.com"):
    response = client.post("/assessments/start", data={"note": "before the course"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return _open_round(db_session, email)


def _ratings(db_session):
    return db_session.scalar(sa.select(sa.func.count(Rating.id)))


def test_a_candidate_completes_a_round_and_sees_the_profile(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    assert assessment.round_number == 1
    areas = len(_tree(db_session).areas)
    for position in range(1, areas + 1):
        page = candidate_client.get(f"/assessments/{assessment.id}/areas/{position}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert f"area {position} of {areas}" in html and "<fieldset" in html and "<legend" in html
        db_session.expire_all()
        assessment = db_session.get(Assessment, assessment.id)
        data = _area_data(db_session, assessment, position, level=str(position % 6), action="next")
        response = candidate_client.post(
            f"/assessments/{assessment.id}/areas/{position}", data=data
        )
        assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/review")
    review = candidate_client.get(f"/assessments/{assessment.id}/review").get_data(as_text=True)
    assert "Submit Round 1" in review and "no answer yet" not in review
    db_session.expire_all()
    version = db_session.get(Assessment, assessment.id).version
    done = candidate_client.post(
        f"/assessments/{assessment.id}/submit", data={"version": version, "confirm": "y"}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/profile/")
    db_session.expire_all()
    assert db_session.get(Assessment, assessment.id).status == "submitted"
    profile = candidate_client.get("/profile/").get_data(as_text=True)
    assert "<svg" in profile and 'role="img"' in profile and "Trend across rounds" in profile
    history = candidate_client.get("/assessments/").get_data(as_text=True)
    assert "Round 1" in history and "submitted" in history and "before the course" in history


@pytest.mark.parametrize("level", ["7", "abc", "NaN", "-1", "2.5", "1e1", "' OR 1=1--"])
def test_a_level_outside_the_scale_is_a_form_error_and_nothing_is_saved(
    candidate_client, db_session, level
):
    assessment = _start(candidate_client, db_session)
    data = _area_data(db_session, assessment, 1, level=level)
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a level from 0 to 5, or &#39;not assessed&#39;" in html
    assert 'aria-describedby="c' in html and "-error" in html
    assert _ratings(db_session) == 0


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "NaN"])
def test_a_missing_or_malformed_version_is_refused(candidate_client, db_session, version):
    assessment = _start(candidate_client, db_session)
    data = _area_data(db_session, assessment, 1)
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=data)
    assert response.status_code == 400
    assert "missing its version number" in response.get_data(as_text=True)
    assert _ratings(db_session) == 0


def test_confidence_and_interest_outside_one_to_three_are_refused(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    area = _tree(db_session).areas[0]
    data = _area_data(db_session, assessment, 1, **{f"c{area.competencies[0].id}_interest": "9"})
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=data)
    assert response.status_code == 400 and "Choose 1, 2 or 3." in response.get_data(as_text=True)


def test_a_partial_save_keeps_what_was_given(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    area = _tree(db_session).areas[0]
    first = area.competencies[0]
    data = {"version": "1", f"c{first.id}_level": "na"}
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=data)
    assert response.status_code == 303
    rows = db_session.scalars(sa.select(Rating)).all()
    assert [(r.competency_id, r.level) for r in rows] == [(first.id, None)]


def test_another_candidates_round_answers_404_for_every_route(client_for, db_session):
    owner = client_for("candidate")
    assessment = _start(owner, db_session)
    intruder = client_for("candidate2")
    data = _area_data(db_session, assessment, 1)
    base = f"/assessments/{assessment.id}"
    assert intruder.get(base).status_code == 404
    assert intruder.get(f"{base}/areas/1").status_code == 404
    assert intruder.get(f"{base}/review").status_code == 404
    assert intruder.post(f"{base}/areas/1", data=data).status_code == 404
    assert intruder.post(f"{base}/areas/1/autosave", data=data).status_code == 404
    assert intruder.post(f"{base}/submit", data={"version": 1, "confirm": "y"}).status_code == 404
    assert intruder.post(f"{base}/evidence/1/remove", data={"version": 1}).status_code == 404
    assert intruder.get(f"{base}/evidence/1/file").status_code == 404
    assert _ratings(db_session) == 0


@pytest.mark.parametrize("role", ["manager", "hr", "admin"])
def test_other_roles_do_not_get_the_candidate_pages(client_for, role):
    client = client_for(role)
    for url in ["/assessments/", "/profile/", "/profile/target-role", "/profile/qualifications"]:
        assert client.get(url).status_code == 403


def _submitted_round(client, db_session):
    assessment = _start(client, db_session)
    for position in range(1, len(_tree(db_session).areas) + 1):
        db_session.expire_all()
        assessment = db_session.get(Assessment, assessment.id)
        data = _area_data(db_session, assessment, position)
        assert (
            client.post(f"/assessments/{assessment.id}/areas/{position}", data=data).status_code
            == 303
        )
    db_session.expire_all()
    version = db_session.get(Assessment, assessment.id).version
    client.post(f"/assessments/{assessment.id}/submit", data={"version": version, "confirm": "y"})
    db_session.expire_all()
    return db_session.get(Assessment, assessment.id)


def test_a_submitted_round_cannot_be_changed_by_any_request(candidate_client, db_session):
    assessment = _submitted_round(candidate_client, db_session)
    assert assessment.is_submitted
    before = _ratings(db_session)
    data = _area_data(db_session, assessment, 1, level="5")
    base = f"/assessments/{assessment.id}"
    response = candidate_client.post(f"{base}/areas/1", data=data)
    assert response.status_code == 409
    assert "can no longer be changed" in response.get_data(as_text=True)
    auto = candidate_client.post(
        f"{base}/areas/1/autosave", data=data, headers={"Accept": "application/json"}
    )
    assert auto.status_code == 409 and "can no longer be changed" in auto.get_json()["message"]
    again = candidate_client.post(
        f"{base}/submit", data={"version": assessment.version, "confirm": "y"}
    )
    assert again.status_code == 409
    assert _ratings(db_session) == before
    assert candidate_client.get(f"{base}/areas/1").status_code == 302  # read-only review


def test_submitting_needs_the_confirmation_and_every_answer(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    no_tick = candidate_client.post(f"/assessments/{assessment.id}/submit", data={"version": 1})
    assert no_tick.status_code == 400
    assert "Tick the box to confirm" in no_tick.get_data(as_text=True)
    missing = candidate_client.post(
        f"/assessments/{assessment.id}/submit", data={"version": 1, "confirm": "y"}
    )
    assert missing.status_code == 422
    assert "17 competencies have no answer yet" in missing.get_data(as_text=True)
    assert _open_round(db_session).is_draft


@pytest.mark.both_databases
def test_a_stale_save_is_a_409_that_keeps_the_answers_on_the_page(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    first = _area_data(db_session, assessment, 1, level="1")
    assert (
        candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=first).status_code
        == 303
    )
    stale = dict(first)
    stale.update({k: "4" for k in first if k.endswith("_level")})
    stale["version"] = "1"
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed in another tab or window" in html
    assert re.search(r'value="4"\s+checked', html)
    assert 'name="version" type="hidden" value="2"' in html
    db_session.expire_all()
    assert {r.level for r in db_session.scalars(sa.select(Rating))} == {1}


def test_autosave_returns_the_new_version_as_json(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    area = _tree(db_session).areas[0]
    url = f"/assessments/{assessment.id}/areas/1/autosave"
    headers = {"Accept": "application/json"}
    data = {"version": "1", f"c{area.competencies[0].id}_level": "3"}
    saved = candidate_client.post(url, data=data, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    assert saved.get_json()["progress"][0]["answered"] == 1
    stale = candidate_client.post(url, data=data, headers=headers)
    assert stale.status_code == 409 and "another tab" in stale.get_json()["message"]
    bad = candidate_client.post(
        url, data={"version": "2", f"c{area.competencies[0].id}_level": "NaN"}, headers=headers
    )
    assert bad.status_code == 400 and "Choose a level" in bad.get_json()["message"]


def _upload(client, db_session, assessment, name, content, **extra):
    competency = _tree(db_session).areas[0].competencies[0]
    data = {
        "version": str(assessment.version),
        f"c{competency.id}_ev_kind": "certificate",
        f"c{competency.id}_ev_text": "My certificate",
        f"c{competency.id}_ev_file": (io.BytesIO(content), name),
    }
    data.update(extra)
    return client.post(
        f"/assessments/{assessment.id}/areas/1", data=data, content_type="multipart/form-data"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificate.pdf", b"MZ\x90\x00\x03 an executable", "not one of the accepted types"),
        ("certificate.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "name ends in &#39;.pdf&#39;"),
        ("../../etc/passwd.pdf", PDF, "must not contain folders"),
        ("empty.pdf", b"", "The file has no name"),
        ("big.pdf", PDF + b"0" * 5000, "larger than"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_on_the_field(
    app, candidate_client, db_session, name, content, message
):
    app.config["EVIDENCE_MAX_BYTES"] = 2000
    assessment = _start(candidate_client, db_session)
    response = _upload(candidate_client, db_session, assessment, name, content)
    html = response.get_data(as_text=True)
    if name == "empty.pdf":
        # A browser sends an empty file part only without a file; nothing to store, kind alone.
        assert response.status_code in (303, 400)
        return
    assert response.status_code == 400, html
    assert message in html
    assert db_session.scalar(sa.select(sa.func.count(Evidence.id))) == 0


def test_an_empty_file_is_refused(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    competency = _tree(db_session).areas[0].competencies[0]
    response = candidate_client.post(
        f"/assessments/{assessment.id}/areas/1",
        data={
            "version": "1",
            f"c{competency.id}_ev_kind": "certificate",
            f"c{competency.id}_ev_file": (io.BytesIO(b""), "empty.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "The file is empty." in response.get_data(as_text=True)


def test_an_upload_is_served_only_to_its_owner_as_an_attachment(client_for, db_session, app):
    owner = client_for("candidate")
    assessment = _start(owner, db_session)
    assert _upload(owner, db_session, assessment, "PRINCE2 cert.pdf", PDF).status_code == 303
    evidence = db_session.scalar(sa.select(Evidence))
    assert evidence.file_stored_name not in ("PRINCE2 cert.pdf",)
    url = f"/assessments/{assessment.id}/evidence/{evidence.id}/file"
    download = owner.get(url)
    try:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.mimetype == "application/pdf"
        # The file's own policy, not the site's (issue 24: Talisman overwrote it).
        policy = download.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy
    finally:
        download.close()
    stored = Path(app.instance_path) / "evidence" / evidence.file_stored_name
    assert stored.read_bytes() == PDF and "static" not in stored.parts
    assert client_for("candidate2").get(url).status_code == 404
    assert client_for("manager").get(url).status_code == 403
    other_round = f"/assessments/{assessment.id + 1000}/evidence/{evidence.id}/file"
    assert owner.get(other_round).status_code == 404


def test_evidence_can_be_removed_from_a_draft(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    _upload(candidate_client, db_session, assessment, "c.pdf", PDF)
    evidence = db_session.scalar(sa.select(Evidence))
    response = candidate_client.post(
        f"/assessments/{assessment.id}/evidence/{evidence.id}/remove", data={"version": "2"}
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Evidence, evidence.id).removed_at is not None


def test_typed_markup_is_escaped_everywhere_it_is_shown(candidate_client, db_session):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    candidate_client.post("/assessments/start", data={"note": hostile})
    assessment = _open_round(db_session)
    competency = _tree(db_session).areas[0].competencies[0]
    candidate_client.post(
        f"/assessments/{assessment.id}/areas/1",
        data={
            "version": "1",
            f"c{competency.id}_ev_kind": "observation",
            f"c{competency.id}_ev_text": hostile,
        },
    )
    for url in [
        "/assessments/",
        f"/assessments/{assessment.id}/review",
        f"/assessments/{assessment.id}/areas/1",
    ]:
        html = candidate_client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html


@pytest.mark.both_databases
def test_only_one_open_round_at_a_time(candidate_client, db_session):
    _start(candidate_client, db_session)
    again = candidate_client.post("/assessments/start", data={})
    assert again.status_code == 409
    assert "already have an open self-assessment" in again.get_data(as_text=True)


def test_an_unknown_area_is_404(candidate_client, db_session):
    assessment = _start(candidate_client, db_session)
    assert candidate_client.get(f"/assessments/{assessment.id}/areas/99").status_code == 404
    assert candidate_client.get(f"/assessments/{assessment.id}/areas/0").status_code == 404
    assert candidate_client.get("/assessments/999999/review").status_code == 404


def test_answers_for_competencies_of_another_area_are_ignored(candidate_client, db_session):
    """Mass assignment: only the fields of the area posted to are read."""
    assessment = _start(candidate_client, db_session)
    other_area = _tree(db_session).areas[1].competencies[0]
    data = {
        "version": "1",
        f"c{other_area.id}_level": "5",
        "subject_id": "999",
        "status": "submitted",
    }
    response = candidate_client.post(f"/assessments/{assessment.id}/areas/1", data=data)
    assert response.status_code == 303
    assert _ratings(db_session) == 0
    db_session.expire_all()
    stored = db_session.get(Assessment, assessment.id)
    assert stored.status == "draft" and stored.version == 1


def test_removed_evidence_files_leave_the_disk(candidate_client, db_session, app):
    """Issue 24: removed evidence kept its file on disk for ever."""
    assessment = _start(candidate_client, db_session)
    _upload(candidate_client, db_session, assessment, "c.pdf", PDF)
    evidence = db_session.scalar(sa.select(Evidence))
    stored = Path(app.instance_path) / "evidence" / evidence.file_stored_name
    assert stored.exists()
    candidate_client.post(
        f"/assessments/{assessment.id}/evidence/{evidence.id}/remove", data={"version": "2"}
    )
    db_session.expire_all()
    assert not stored.exists()
    assert db_session.get(Evidence, evidence.id).file_stored_name is None


def test_uploads_past_the_persons_storage_quota_are_refused(
    candidate_client, db_session, app, monkeypatch
):
    monkeypatch.setitem(app.config, "EVIDENCE_QUOTA_BYTES", len(PDF) + 10)
    assessment = _start(candidate_client, db_session)
    assert _upload(candidate_client, db_session, assessment, "a.pdf", PDF).status_code == 303
    db_session.expire_all()
    assessment = db_session.get(type(assessment), assessment.id)
    refused = _upload(candidate_client, db_session, assessment, "b.pdf", PDF)
    assert refused.status_code == 422
    assert "storage for evidence" in refused.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Evidence.id))) == 1
    assert len(list((Path(app.instance_path) / "evidence").iterdir())) == 1


def test_purge_deletes_orphaned_evidence_files(app, candidate_client, db_session):
    import os
    import time

    folder = Path(app.instance_path) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    orphan, fresh = folder / ("a" * 32), folder / ("b" * 32)
    orphan.write_bytes(b"left behind by a refused save")
    fresh.write_bytes(b"an upload being saved right now")
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert not orphan.exists() and fresh.exists()
