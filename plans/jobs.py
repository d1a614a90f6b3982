"""Bulk export jobs: starting one (once per click), reading their state, spotting dead ones.

The job row is the truth the pages show; the task queue only carries the job's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from core.audit import record_event
from core.db import utcnow
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.users import Role, User
from plans.export import MAX_EXPORT_PLANS, selection_key
from plans.models import DevelopmentPlan, ExportJob, JobStatus

# A running job whose heartbeat is older than this is taken for dead (its worker was killed).
STALE_AFTER = timedelta(minutes=10)
JOB_NOT_FOUND = "This export does not exist, or you may not see it."


def may_export(actor: User) -> bool:
    """Bulk exports are HR's."""
    return actor.is_active and actor.has_role(Role.HR)


@dataclass(frozen=True)
class JobView:
    """A job as a page shows it, with dead workers accounted for."""

    job: ExportJob
    status: str
    is_stale: bool
    is_waiting_long: bool

    @property
    def has_file(self) -> bool:
        """Whether a finished job's ZIP is still kept (retention and erasure delete it)."""
        return self.status == JobStatus.DONE and bool(self.job.result_name)

    @property
    def percent(self) -> int:
        if not self.job.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, int(self.job.progress * 100 / self.job.total))

    @property
    def message(self) -> str:
        """One sentence on where the job is."""
        job = self.job
        if self.is_stale:
            return (
                "The export worker stopped while making this ZIP (no sign of life for more than "
                f"{int(STALE_AFTER.total_seconds() // 60)} minutes). Nothing was kept; start it "
                "again."
            )
        if self.status == JobStatus.DONE and not self.has_file:
            return job.error or "The ZIP is no longer kept; start a new export."
        if self.status == JobStatus.DONE:
            return f"Ready: {job.total} plan{'s' if job.total != 1 else ''} in one ZIP."
        if self.status == JobStatus.FAILED:
            return job.error or "The export failed; nothing was kept."
        if self.status == JobStatus.RUNNING:
            return f"Making PDFs: {job.progress} of {job.total} done."
        if self.is_waiting_long:
            return (
                "Waiting for the background worker for a while now: check that the Huey "
                "consumer runs (make run starts it)."
            )
        return job.error or "Waiting for the background worker to pick it up."


def view_of(job: ExportJob, now: datetime | None = None) -> JobView:
    """The job's status as shown: a 'running' job with an old heartbeat counts as failed."""
    now = now or utcnow()
    beat = job.heartbeat_at or job.started_at or job.created_at
    stale = job.status == JobStatus.RUNNING and now - beat > STALE_AFTER
    waiting_long = job.status == JobStatus.QUEUED and now - job.created_at > STALE_AFTER
    return JobView(job, JobStatus.FAILED.value if stale else job.status, stale, waiting_long)


def get_job_for(session: Session, actor: User, job_id: int) -> ExportJob:
    """A job HR may see (bulk exports are HR's; others get NotFoundError)."""
    job = session.scalar(
        sa.select(ExportJob).where(ExportJob.id == job_id).options(joinedload(ExportJob.created_by))
    )
    if job is None or not (may_export(actor) or job.created_by_id == actor.id):
        raise NotFoundError(JOB_NOT_FOUND)
    return job


def recent_jobs(session: Session, limit: int = 20) -> list[ExportJob]:
    """The latest export jobs, newest first."""
    return list(
        session.scalars(
            sa.select(ExportJob)
            .options(joinedload(ExportJob.created_by))
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .limit(limit)
        )
    )


def mark_stale_jobs(session: Session, now: datetime | None = None) -> int:
    """Record dead 'running' jobs as failed (done when a new job starts); returns how many."""
    now = now or utcnow()
    jobs = session.scalars(
        sa.select(ExportJob).where(
            ExportJob.status == JobStatus.RUNNING.value,
            sa.func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at) < now - STALE_AFTER,
        )
    ).all()
    for job in jobs:
        job.status = JobStatus.FAILED.value
        job.finished_at = now
        job.error = "The export worker stopped while making this ZIP; nothing was kept."
    session.flush()
    return len(jobs)


def start_export_job(
    session: Session, actor: User, plan_ids: list[int], idempotency_key: str
) -> tuple[ExportJob, bool]:
    """Create a queued job for ``plan_ids``; returns (job, whether it is new).

    The same form sent twice (same key) and an identical selection still pending both give
    back the existing job instead of a second one.
    """
    if not may_export(actor):
        raise PermissionDeniedError("Only HR starts bulk exports.")
    wanted = sorted(set(plan_ids))
    if not wanted:
        raise ValidationError("Tick at least one plan to export.")
    if len(wanted) > MAX_EXPORT_PLANS:
        raise ValidationError(f"Export at most {MAX_EXPORT_PLANS:,} plans at once.")
    if not 16 <= len(idempotency_key) <= 64:
        raise ValidationError("The export form is out of date. Reload the page and try again.")
    same_form = session.scalar(
        sa.select(ExportJob).where(
            ExportJob.created_by_id == actor.id, ExportJob.idempotency_key == idempotency_key
        )
    )
    if same_form is not None:
        return same_form, False
    mark_stale_jobs(session)
    key = selection_key(wanted)
    pending = session.scalar(
        sa.select(ExportJob)
        .where(
            ExportJob.created_by_id == actor.id,
            ExportJob.selection_key == key,
            ExportJob.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(ExportJob.id.desc())
        .limit(1)
    )
    if pending is not None:
        return pending, False
    found = session.scalar(
        sa.select(sa.func.count(DevelopmentPlan.id)).where(DevelopmentPlan.id.in_(wanted))
    )
    if found != len(wanted):
        raise ValidationError("Some of the chosen plans no longer exist. Reload the list.")
    job = ExportJob(
        created_by_id=actor.id,
        idempotency_key=idempotency_key,
        selection_key=key,
        selection={"plan_ids": wanted},
        status=JobStatus.QUEUED.value,
        total=len(wanted),
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        # The twin request of a double click won the race: hand back its job.
        existing = session.scalar(
            sa.select(ExportJob).where(
                ExportJob.created_by_id == actor.id, ExportJob.idempotency_key == idempotency_key
            )
        )
        if existing is None:
            raise
        return existing, False
    record_event(
        session,
        actor=actor,
        action="plan.export_job.start",
        entity=job,
        after={"plans": len(wanted)},
    )
    return job, True


# ---------------------------------------------------------------- the ZIPs' lifetime


def _forget_files(jobs: list[ExportJob], directory: Path, reason: str) -> int:
    removed = 0
    for job in jobs:
        if job.result_name:
            path = Path(directory) / job.result_name
            if path.is_file():
                path.unlink()
                removed += 1
            job.result_name = None
            job.error = reason
    return removed


def is_expired(job: ExportJob, retention: timedelta, now: datetime | None = None) -> bool:
    """Whether a finished job's ZIP is past its retention (it is then no longer served)."""
    finished = job.finished_at or job.created_at
    return (now or utcnow()) - finished > retention


def expire_exports(
    session: Session, directory: Path, retention: timedelta, now: datetime | None = None
) -> int:
    """Delete the ZIPs of jobs finished longer than ``retention`` ago; returns how many."""
    cutoff = (now or utcnow()) - retention
    jobs = session.scalars(
        sa.select(ExportJob).where(
            ExportJob.result_name.is_not(None),
            sa.func.coalesce(ExportJob.finished_at, ExportJob.created_at) < cutoff,
        )
    ).all()
    days = max(1, int(retention.total_seconds() // 86400))
    return _forget_files(
        list(jobs), directory, f"The ZIP was deleted after {days} days; start a new export."
    )


def forget_exports_of(session: Session, person_id: int, directory: Path) -> int:
    """Delete every kept ZIP that holds one of the person's plans (on their erasure)."""
    own = set(
        session.scalars(sa.select(DevelopmentPlan.id).where(DevelopmentPlan.person_id == person_id))
    )
    if not own:
        return 0
    holding = [
        job
        for job in session.scalars(sa.select(ExportJob).where(ExportJob.result_name.is_not(None)))
        if own & set((job.selection or {}).get("plan_ids", []))
    ]
    return _forget_files(
        holding, directory, "The ZIP was deleted because a person in it was erased."
    )


def record_download(session: Session, actor: User, job: ExportJob) -> None:
    """Audit a download of a bulk-export ZIP: it holds many people's plans."""
    record_event(
        session,
        actor=actor,
        action="plan_export.download",
        entity=job,
        after={"plans": job.total, "file": job.result_name},
    )
