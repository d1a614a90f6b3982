"""Background jobs through Huey: the bulk PDF export of development plans, mail delivery,
and the weekly recommender retrain (promoted only when it beats the live model).

One Huey instance for the app and its consumer: SQLite under instance/ by default
(``PROFICIO_HUEY_DB`` moves it), Redis when ``REDIS_URL`` is set (several machines).
Run the consumer beside the web server:

    .venv/bin/huey_consumer webapp.tasks.huey --workers 1 --worker-type process

The task takes a plain job id. It runs outside any request, commits its progress after each
plan, and writes the ZIP under a temporary name that is renamed only when complete. A failing
attempt is retried once; after the last attempt the job is marked failed. A worker killed
mid-job leaves the job "running" with an old heartbeat, which the pages show as failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, SqliteHuey, crontab
from huey.serializer import SignedSerializer
from sqlalchemy.orm import Session

from core.db import utcnow
from core.mail import OutgoingMail, deliver
from core.process_priority import lower_priority, session_nicer
from plans.export import EXPORT_NICENESS, atomic_zip, remove_stale_parts
from plans.jobs import STALE_AFTER
from plans.models import ExportJob, JobStatus
from webapp.config import secret_key
from webapp.plan_helpers import export_dir, plan_signing, zip_name

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


def _make_huey() -> Huey:
    # Every message is signed with the installation's secret: whoever can write to the queue
    # (Redis on the network, the SQLite file on disk) still cannot make the worker unpickle
    # a message of their own.
    serializer = SignedSerializer(secret=secret_key(ROOT / "instance"), salt="proficio-jobs")
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        from huey import RedisHuey

        return RedisHuey("proficio", url=redis_url, serializer=serializer)
    path = Path(os.environ.get("PROFICIO_HUEY_DB") or ROOT / "instance" / "huey.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("proficio", filename=str(path), serializer=serializer)


huey = _make_huey()
_worker_app: Flask | None = None


@huey.on_startup()
def _be_nice() -> None:
    """Consumer workers yield the CPU to the web server: bulk PDFs must not slow pages down."""
    lower_priority(EXPORT_NICENESS)


def enqueue_export(app: Flask, job_id: int) -> None:
    """Queue the export of job ``job_id``; with HUEY_IMMEDIATE (tests) it runs right here."""
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE", False))
    export_plans_job(job_id)


def _app() -> Flask:
    """The app of the request that ran the job (immediate mode), else one per worker process."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from webapp import create_app

        _worker_app = create_app()
    return _worker_app


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) < 500 else text[:497] + "…"


def run_export_job(
    engine: Any,
    job_id: int,
    directory: Path,
    *,
    final_attempt: bool = True,
    render: Callable[[Any], bytes] | None = None,
) -> str:
    """Render every plan of the job into one ZIP; returns the job's final status.

    The job row is committed at each step (running, each plan, done/failed) so the page shows
    progress. A plan that vanished since the job started is left out with a note in the ZIP.
    """
    from core.errors import NotFoundError
    from plans.document import build_plan_document
    from plans.export import pdf_name
    from plans.render import render_plan_pdf

    render = render or render_plan_pdf
    remove_stale_parts(directory, STALE_AFTER.total_seconds())
    with Session(engine) as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status == JobStatus.DONE:
            return job.status if job else "missing"
        job.status = JobStatus.RUNNING.value
        job.attempts += 1
        job.started_at = job.heartbeat_at = utcnow()
        job.progress = 0
        job.total = len(job.plan_ids)
        job.error = ""
        session.commit()
        missing = []
        try:
            with atomic_zip(directory / zip_name(job.id)) as archive:
                for done, plan_id in enumerate(job.plan_ids, start=1):
                    try:
                        document = build_plan_document(session, plan_id)
                    except NotFoundError:
                        missing.append(plan_id)
                    else:
                        name = pdf_name(
                            plan_id, document.person_name, document.version_number, document.status
                        )
                        archive.writestr(name, render(document))
                    job.progress = done
                    job.heartbeat_at = utcnow()
                    session.commit()
                if missing:
                    archive.writestr(
                        "MISSING.txt",
                        "Plans deleted after the export started: "
                        + ", ".join(str(i) for i in missing)
                        + "\n",
                    )
        except Exception as error:
            session.rollback()
            job = session.get(ExportJob, job_id)
            job.heartbeat_at = utcnow()
            if final_attempt:
                job.status = JobStatus.FAILED.value
                job.finished_at = utcnow()
                job.error = f"The export failed and no ZIP was kept. {_short(error)}"
            else:
                job.status = JobStatus.QUEUED.value
                job.error = f"Attempt {job.attempts} failed ({_short(error)}); trying again."
            session.commit()
            raise
        job.status = JobStatus.DONE.value
        job.result_name = zip_name(job.id)
        job.finished_at = job.heartbeat_at = utcnow()
        session.commit()
        return job.status


@huey.task(retries=1, context=True)
def export_plans_job(job_id: int, task: Any = None) -> str:
    """The Huey task: run job ``job_id`` (a plain id, so the message stays tiny)."""
    from webapp.extensions import db

    app = _app()
    # In a consumer, its whole session yields too (nice values count only within a session);
    # run immediately (tests) the job shares the web server's process and session: leave it.
    yielding = session_nicer(0 if huey.immediate else EXPORT_NICENESS)
    with app.app_context(), yielding:
        final = task is None or not task.retries
        from plans.render import render_plan_pdf

        signing = plan_signing(app)
        return run_export_job(
            db.engine,
            job_id,
            export_dir(app),
            final_attempt=final,
            render=lambda document: render_plan_pdf(document, signing),
        )


def enqueue_mail(app: Flask, mail: OutgoingMail) -> None:
    """Queue ``mail``; with HUEY_IMMEDIATE (tests) it is delivered right here."""
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE", False))
    deliver_mail(mail.as_dict())


@huey.task(retries=3, retry_delay=60)
def deliver_mail(mail: dict[str, str]) -> str:
    """The Huey task: deliver one mail; a failure is tried again three times, a minute apart."""
    from webapp.mail import mail_settings

    app = _app()
    try:
        return deliver(OutgoingMail(**mail), mail_settings(app))
    except Exception:
        log.exception("mail to %s not delivered (%s)", mail.get("to"), mail.get("subject"))
        raise


def retrain_recommender(app: Flask) -> dict[str, Any]:
    """Refresh outcomes, then retrain on real outcomes behind the champion/challenger gate."""
    from training.enrollment_outcomes import refresh_outcomes
    from training.history import retrain_with_gate
    from webapp.extensions import db
    from webapp.recommending import artefact_key, recommender_dir

    with app.app_context():
        refresh_outcomes(db.session)
        db.session.commit()
        result = retrain_with_gate(db.session, recommender_dir(app), key=artefact_key(app))
        db.session.commit()
    log.info(
        "weekly recommender retrain: %s (%s)",
        "new model promoted" if result["promoted"] else "live model kept",
        result["reason"],
    )
    return result


@huey.periodic_task(crontab(day_of_week="1", hour="3", minute="30"))
def weekly_recommender_retrain() -> dict[str, Any]:
    """Every Monday 03:30 (consumer time): retrain, and promote only a model that wins."""
    return retrain_recommender(_app())


def send_due_reminders(app: Flask, today: date | None = None) -> dict[str, int]:
    """Claim today's due reminders, commit the claims, then queue one mail each; the counts
    per kind (a reminder another run claimed is neither counted nor sent here). Outside a
    request, links in the mails start with PUBLIC_URL."""
    from plans.reminders import claim_due_reminders
    from webapp.extensions import db
    from webapp.reminders import TEMPLATES, reminder_mail

    today = today or utcnow().date()
    with app.app_context(), app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        reminders = claim_due_reminders(db.session, today)
        mails = [reminder_mail(r) for r in reminders]
        db.session.commit()
        for mail in mails:
            enqueue_mail(app, mail)
        db.session.remove()
    counts = {kind: 0 for kind in TEMPLATES}
    for reminder in reminders:
        counts[reminder.kind] += 1
    return counts


@huey.periodic_task(crontab(hour="6", minute="15"))
def daily_reminders() -> dict[str, int]:
    """Every morning 06:15 (consumer time): certifications, goals and rating sheets that are
    due a reminder; each reminder goes out once however often this runs."""
    counts = send_due_reminders(_app())
    log.info("reminders sent: %s", counts)
    return counts
