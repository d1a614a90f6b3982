"""Bulk PDF export from the web: a Huey job (immediate mode in tests), progress, the ZIP."""

import io
import multiprocessing
import os
import signal
import time
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.db import utcnow
from core.engine import configure_engine
from core.users import get_user_by_email
from plans.models import ExportJob
from tests.factories import FakeAutogroup, make_plan, make_user, target
from tests.helpers import TEST_PASSWORD

KEY = "double-click-key-0123456789"


@pytest.fixture()
def plans(client_for, db_session):
    """Three draft plans of fresh candidates, committed."""
    ids = []
    for i in range(3):
        person = make_user(db_session, name=f"Export Person {i}")
        target(db_session, person)
        ids.append(make_plan(db_session, person).id)
    db_session.commit()
    return ids


def start(client, ids, key=KEY):
    return client.post(
        "/hr/plans/exports",
        data={
            "plan_ids": [str(i) for i in ids],
            "idempotency_key": key,
            "current_password": TEST_PASSWORD,
        },
    )


def job_of(db_session):
    db_session.expire_all()
    return db_session.scalars(sa.select(ExportJob)).one()


def test_the_export_page_lists_plans_with_a_fresh_key(client_for, plans):
    html = client_for("hr").get("/hr/plans/exports?status=draft").get_data(as_text=True)
    assert html.count('name="plan_ids"') == 3 and 'name="idempotency_key"' in html
    assert "Export Person 0" in html


@pytest.mark.commits
@pytest.mark.slow
def test_an_export_runs_as_a_job_and_ends_in_a_zip_for_hr(client_for, db_session, plans):
    hr = client_for("hr")
    response = start(hr, plans)
    assert response.status_code == 303
    job = job_of(db_session)
    assert response.headers["Location"].endswith(f"/hr/plans/exports/{job.id}")
    assert (job.status, job.progress, job.total, job.attempts) == ("done", 3, 3, 1)
    status = hr.get(f"/hr/plans/exports/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download_url"]
    page = hr.get(f"/hr/plans/exports/{job.id}").get_data(as_text=True)
    assert "Download the ZIP" in page and "export-progress.js" in page and "<script>" not in page
    download = hr.get(f"/hr/plans/exports/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    content = download.data
    download.close()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        assert archive.read(names[0]).startswith(b"%PDF")
    for who in ("candidate", "manager", "admin"):
        assert client_for(who).get(f"/hr/plans/exports/{job.id}/download").status_code == 403


@pytest.mark.commits
def test_a_double_click_starts_one_job(client_for, db_session, plans, monkeypatch):
    monkeypatch.setattr(
        "plans.render.render_plan_pdf", lambda document, signing=None: b"%PDF-1.7 test"
    )
    hr = client_for("hr")
    first, second = start(hr, plans), start(hr, plans)
    assert first.headers["Location"] == second.headers["Location"]
    assert db_session.scalar(sa.select(sa.func.count(ExportJob.id))) == 1


@pytest.mark.commits
def test_a_failing_render_marks_the_job_failed_and_keeps_no_zip(
    app, client_for, db_session, plans, monkeypatch
):
    calls = []

    def broken(document, signing=None):
        calls.append(document.plan_id)
        if len(calls) % 3 == 2:
            raise RuntimeError("renderer crashed")
        return b"%PDF-1.7 test"

    monkeypatch.setattr("plans.render.render_plan_pdf", broken)
    hr = client_for("hr")
    assert start(hr, plans).status_code == 303
    job = job_of(db_session)
    assert job.status == "failed" and job.attempts == 2  # retried once, then failed
    assert "renderer crashed" in job.error and job.result_name is None
    exports = os.path.join(app.instance_path, "exports")
    assert not os.path.exists(exports) or os.listdir(exports) == []
    assert hr.get(f"/hr/plans/exports/{job.id}/download").status_code == 404
    assert hr.get(f"/hr/plans/exports/{job.id}/status").get_json()["status"] == "failed"


@pytest.mark.both_databases
def test_a_stale_running_job_is_shown_as_failed(client_for, db_session, plans):
    hr_person = get_user_by_email(db_session, "hr@example.com")
    job = ExportJob(
        created_by_id=hr_person.id,
        idempotency_key=KEY,
        selection_key="x",
        selection={"plan_ids": plans},
        status="running",
        progress=1,
        total=3,
        heartbeat_at=utcnow() - timedelta(hours=1),
    )
    db_session.add(job)
    db_session.commit()
    status = client_for("hr").get(f"/hr/plans/exports/{job.id}/status").get_json()
    assert status["status"] == "failed" and "stopped" in status["message"]
    assert status["download_url"] is None


def test_only_hr_reaches_the_export_pages(client_for, plans):
    for who in ("candidate", "manager", "admin"):
        client = client_for(who)
        assert client.get("/hr/plans/exports").status_code == 403
        assert start(client, plans).status_code == 403


def test_an_export_without_plans_is_refused(client_for, db_session, plans):
    response = start(client_for("hr"), [])
    assert response.status_code == 422
    assert "Tick at least one plan" in response.get_data(as_text=True)
    response = start(client_for("hr"), ["1; DROP TABLE plans"])
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count(ExportJob.id))) == 0


def _run_slowly(database_url, job_id, directory):
    """In a child process: run the job with a renderer that hangs on the second plan."""
    from webapp.tasks import run_export_job

    engine = configure_engine(sa.create_engine(database_url))
    calls = []

    def hanging(document):
        calls.append(1)
        if len(calls) > 1:
            time.sleep(60)
        return b"%PDF-1.7 test"

    run_export_job(engine, job_id, directory, render=hanging)


@pytest.mark.commits
@pytest.mark.slow
def test_a_killed_worker_leaves_no_zip_and_the_job_counts_as_failed(
    app, db_session, database_url, plans, tmp_path
):
    """Security case 23: kill -9 mid-job; no partial ZIP under the final name, job failed."""
    from plans.export import remove_stale_parts
    from plans.jobs import STALE_AFTER, view_of
    from webapp.tasks import zip_name

    hr_person = get_user_by_email(db_session, "hr@example.com")
    job = ExportJob(
        created_by_id=hr_person.id,
        idempotency_key=KEY,
        selection_key="y",
        selection={"plan_ids": plans},
        total=3,
    )
    db_session.add(job)
    db_session.commit()
    worker = multiprocessing.get_context("fork").Process(
        target=_run_slowly, args=(database_url, job.id, tmp_path)
    )
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db_session.expire_all()
        if db_session.get(ExportJob, job.id).progress >= 1:
            break
        time.sleep(0.2)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    db_session.expire_all()
    job = db_session.get(ExportJob, job.id)
    assert job.status == "running" and job.progress == 1
    assert not (tmp_path / zip_name(job.id)).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    later = job.heartbeat_at + STALE_AFTER + timedelta(seconds=1)
    assert view_of(job, now=later).status == "failed"
    assert remove_stale_parts(tmp_path, older_than_seconds=-1) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_consumer_runs_the_job_with_its_session_made_nicer(app, monkeypatch):
    """In a Huey consumer the job's whole session yields the CPU; immediate mode leaves it."""
    from types import SimpleNamespace

    from core import process_priority
    from plans import export
    from webapp import tasks

    group = FakeAutogroup()
    niceness_seen = []
    monkeypatch.setattr(process_priority, "AUTOGROUP", group)
    monkeypatch.setattr(
        tasks,
        "run_export_job",
        lambda engine, job_id, directory, final_attempt, render: (
            niceness_seen.append(group.nice) or "done"
        ),
    )
    monkeypatch.setattr(tasks, "huey", SimpleNamespace(immediate=False))
    with app.app_context():
        assert tasks.export_plans_job.call_local(7) == "done"
    assert niceness_seen == [export.EXPORT_NICENESS] and group.nice == 0
    monkeypatch.setattr(tasks, "huey", SimpleNamespace(immediate=True))
    with app.app_context():
        tasks.export_plans_job.call_local(7)
    assert niceness_seen[-1] == 0 and group.writes == [export.EXPORT_NICENESS, 0]


def _finished_export(client_for, db_session, plans, monkeypatch):
    monkeypatch.setattr(
        "plans.render.render_plan_pdf", lambda document, signing=None: b"%PDF-1.7 test"
    )
    hr = client_for("hr")
    start(hr, plans)
    job = job_of(db_session)
    assert job.status == "done" and job.result_name
    return hr, job


def test_a_zip_is_owner_only_and_its_download_is_audited(
    client_for, db_session, plans, monkeypatch, app
):
    """Issue 24: ZIPs were readable by other local users and downloads left no trace."""
    import stat

    from core.audit import AuditEvent
    from webapp.plan_helpers import export_dir

    hr, job = _finished_export(client_for, db_session, plans, monkeypatch)
    path = export_dir(app) / job.result_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    hr.get(f"/hr/plans/exports/{job.id}/download").close()
    db_session.expire_all()
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "plan_export.download")
    )
    assert event.actor_email == "hr@example.com" and event.entity_id == str(job.id)


def test_a_zip_past_its_retention_is_not_served_and_purge_deletes_it(
    client_for, db_session, plans, monkeypatch, app
):
    from webapp.plan_helpers import export_dir

    hr, job = _finished_export(client_for, db_session, plans, monkeypatch)
    path = export_dir(app) / job.result_name
    job.finished_at = utcnow() - timedelta(days=8)
    db_session.commit()
    assert hr.get(f"/hr/plans/exports/{job.id}/download").status_code == 404
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert not path.exists()
    job = job_of(db_session)
    assert job.result_name is None and "deleted after 7 days" in job.error
    page = hr.get(f"/hr/plans/exports/{job.id}").get_data(as_text=True)
    assert "deleted after 7 days" in page
    assert hr.get(f"/hr/plans/exports/{job.id}/status").get_json()["download_url"] is None


def test_erasing_a_person_deletes_the_zips_that_hold_their_plans(
    client_for, db_session, plans, monkeypatch, app
):
    from core.users import User
    from plans.models import DevelopmentPlan
    from webapp.plan_helpers import export_dir

    hr, job = _finished_export(client_for, db_session, plans, monkeypatch)
    path = export_dir(app) / job.result_name
    person_id = db_session.get(DevelopmentPlan, plans[0]).person_id
    email = db_session.get(User, person_id).email
    erased = client_for("admin").post(
        f"/admin/privacy/{person_id}/erase",
        data={"confirm_email": email, "current_password": TEST_PASSWORD},
    )
    assert erased.status_code == 303
    assert not path.exists()
    assert "a person in it was erased" in job_of(db_session).error


def test_a_bulk_export_asks_for_hrs_own_password(client_for, db_session, plans):
    hr = client_for("hr")
    response = hr.post(
        "/hr/plans/exports",
        data={"plan_ids": [str(i) for i in plans], "idempotency_key": KEY, "current_password": "x"},
    )
    assert response.status_code == 400
    assert "That is not your password" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(ExportJob.id))) == 0
