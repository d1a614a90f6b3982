"""Bulk export jobs: one job per click, dead workers noticed, atomic files."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from competencies.services import seed_default_framework
from core.db import utcnow
from core.errors import PermissionDeniedError, ValidationError
from core.users import Role
from plans.export import atomic_write, atomic_zip, remove_stale_parts, selection_key, slug
from plans.jobs import STALE_AFTER, mark_stale_jobs, start_export_job, view_of
from plans.models import ExportJob
from tests.factories import make_plan, make_user, target

KEY = "k" * 24


@pytest.fixture()
def setup(session):
    seed_default_framework(session)
    hr = make_user(session, role=Role.HR)
    plans = []
    for _ in range(3):
        person = make_user(session)
        target(session, person)
        plans.append(make_plan(session, person))
    return hr, [p.id for p in plans]


def test_the_same_form_sent_twice_is_one_job(session, setup):
    hr, ids = setup
    job, created = start_export_job(session, hr, ids, KEY)
    again, created_again = start_export_job(session, hr, list(reversed(ids)), KEY)
    assert created and not created_again and again.id == job.id
    assert session.scalar(sa.select(sa.func.count(ExportJob.id))) == 1


def test_an_identical_pending_selection_is_not_started_twice(session, setup):
    hr, ids = setup
    job, _ = start_export_job(session, hr, ids, KEY)
    twin, created = start_export_job(session, hr, ids + ids[:1], "another-key-0123456789")
    assert not created and twin.id == job.id
    other, created_other = start_export_job(session, hr, ids[:2], "third-key-0123456789ab")
    assert created_other and other.id != job.id
    job.status = "done"
    session.flush()
    _, created_after = start_export_job(session, hr, ids, "fourth-key-0123456789ab")
    assert created_after


def test_only_hr_exports_and_only_existing_plans(session, setup):
    hr, ids = setup
    with pytest.raises(PermissionDeniedError):
        start_export_job(session, make_user(session, role=Role.ADMIN), ids, KEY)
    with pytest.raises(ValidationError, match="Tick at least one plan"):
        start_export_job(session, hr, [], KEY)
    with pytest.raises(ValidationError, match="no longer exist"):
        start_export_job(session, hr, ids + [999_999], KEY)


def test_a_running_job_without_a_heartbeat_for_long_counts_as_failed(session, setup):
    hr, ids = setup
    job, _ = start_export_job(session, hr, ids, KEY)
    job.status = "running"
    job.heartbeat_at = utcnow() - STALE_AFTER - timedelta(seconds=1)
    session.flush()
    view = view_of(job)
    assert view.status == "failed" and view.is_stale and "stopped" in view.message
    assert view_of(job, now=job.heartbeat_at + timedelta(minutes=1)).status == "running"
    assert mark_stale_jobs(session) == 1 and job.status == "failed"


def test_a_queued_job_waiting_long_says_to_check_the_worker(session, setup):
    hr, ids = setup
    job, _ = start_export_job(session, hr, ids, KEY)
    view = view_of(job, now=job.created_at + STALE_AFTER + timedelta(minutes=1))
    assert view.status == "queued" and "Huey consumer" in view.message


def test_selection_keys_ignore_order_and_duplicates():
    assert selection_key([3, 1, 2, 2]) == selection_key([1, 2, 3])
    assert selection_key([1, 2]) != selection_key([1, 2, 3])


def test_file_names_are_plain_ascii():
    assert slug("Zoë O'Brien-Łukasz") == "zoe-o-brien-ukasz"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("") == "person"


def test_an_interrupted_zip_leaves_nothing_under_the_final_name(tmp_path):
    target_file = tmp_path / "export.zip"
    with pytest.raises(RuntimeError), atomic_zip(target_file) as archive:
        archive.writestr("a.pdf", b"%PDF-1.7 partial")
        raise RuntimeError("render failed")
    assert list(tmp_path.iterdir()) == []
    with atomic_zip(target_file) as archive:
        archive.writestr("a.pdf", b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["export.zip"]


def test_atomic_writes_replace_whole_files_and_stale_parts_are_swept(tmp_path):
    path = tmp_path / "plan.pdf"
    atomic_write(path, b"one")
    atomic_write(path, b"two")
    assert path.read_bytes() == b"two" and len(list(tmp_path.iterdir())) == 1
    leftover = tmp_path / ".export.zip.abc.part"
    leftover.write_bytes(b"half")
    assert remove_stale_parts(tmp_path, older_than_seconds=3600) == 0
    assert remove_stale_parts(tmp_path, older_than_seconds=-1) == 1
    assert not leftover.exists() and path.exists()
