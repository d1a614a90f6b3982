"""HR's plan pages: the approval queue and all plans, the organisation overview (readiness,
budget, heatmap, CSV) and bulk PDF exports that run outside the request."""

from __future__ import annotations

import functools
import logging
import secrets
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from core.errors import NotFoundError
from core.users import Role
from plans import budget, overview, workflow
from plans.export import list_plans
from plans.jobs import (
    get_job_for,
    is_expired,
    recent_jobs,
    record_download,
    start_export_job,
    view_of,
)
from plans.models import ExportJob, JobStatus, PlanStatus
from plans.reads import record_overview_read
from training.standings import role_profiles
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.plans import ExportForm, OverviewFilterForm, PlanFilterForm
from webapp.fragments import fragments
from webapp.plan_helpers import export_dir
from webapp.transactions import after_commit, refusal_of

log = logging.getLogger(__name__)
bp = Blueprint("hr_plans", __name__, url_prefix="/hr/plans")
PAGE_SIZE = 50


def _role_choices() -> list[tuple[str, str]]:
    return [("", "Any role")] + [(r.code, r.name) for r in role_profiles(db.session)]


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 100_000 else 1


def _text(value: str | None) -> str | None:
    # PostgreSQL refuses NUL characters; nobody types them on purpose.
    text = (value or "").replace("\x00", "").strip()
    return text or None


def _plan_filters() -> tuple[PlanFilterForm, dict[str, str | None], int]:
    form = PlanFilterForm(request.args)
    form.role.choices = _role_choices()
    if request.args and not form.validate():
        return form, {"role_code": None, "status": None, "text": None}, 400
    status = form.status.data if form.status.data in {s.value for s in PlanStatus} else None
    role = form.role.data if form.role.data in {c for c, _ in form.role.choices if c} else None
    return form, {"role_code": role, "status": status, "text": _text(form.q.data)}, 200


@bp.route("/")
@roles_required(Role.HR)
def index():
    """The approval queue, then every plan (filtered, paginated)."""
    form, filters, status = _plan_filters()
    rows = list_plans(db.session, **filters)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(_page(), pages)
    return (
        render_template(
            "hr_plans/index.html",
            queue=workflow.approval_queue(db.session),
            form=form,
            rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            total=len(rows),
            page=page,
            pages=pages,
            args={k: v for k, v in request.args.items() if k != "page"},
        ),
        status,
    )


@bp.route("/overview")
@roles_required(Role.HR)
def overview_page():
    """Readiness per role and the training budget planned and spent."""
    # Readiness reads every candidate's ratings; it is built once per organisation stamp.
    key = (overview.overview_stamp(db.session), date.today())
    body = fragments().render(
        key,
        "hr_plans/_overview_body.html",
        lambda: {
            "readiness": overview.readiness_by_role(db.session),
            "budget": budget.budget_summary(db.session),
        },
    )
    return render_template("hr_plans/overview.html", body=body)


def _overview_filters() -> tuple[OverviewFilterForm, str | None, str | None, int]:
    form = OverviewFilterForm(request.args)
    form.role.choices = _role_choices()
    if request.args and not form.validate():
        return form, None, None, 400
    role = form.role.data if form.role.data in {c for c, _ in form.role.choices if c} else None
    return form, role, _text(form.q.data), 200


@bp.route("/heatmap")
@roles_required(Role.HR)
def heatmap():
    """People × competencies against each person's target role, one page at a time."""
    # The filters as asked for (checked when the page is built; a cached page skips that).
    asked = {name: (request.args.get(name) or "")[:100] for name in ("role", "q", "page")}
    record_overview_read(db.session, current_user, "heatmap", asked)
    key = (
        tuple(request.args.items(multi=True)),
        overview.overview_stamp(db.session),
        date.today(),
    )
    body, status = fragments().render_with_status(key, "hr_plans/_heatmap_body.html", _heatmap)
    return render_template("hr_plans/heatmap.html", body=body), status


def _heatmap() -> tuple[dict[str, object], int]:
    form, role, text, status = _overview_filters()
    page = overview.heatmap_page(db.session, role_code=role, text=text, page=_page())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return {"form": form, "heatmap": page, "args": args}, status


@bp.route("/heatmap.csv")
@roles_required(Role.HR)
def heatmap_csv():
    """The heatmap of everyone matching the filters as CSV (formula-injection safe)."""
    _, role, text, status = _overview_filters()
    if status != 200:
        return redirect(url_for("hr_plans.heatmap"))
    record_overview_read(db.session, current_user, "csv", {"role": role, "q": text})
    lines = overview.overview_csv(db.session, role_code=role, text=text)
    response = Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="proficio-overview.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- bulk export


def _export_page(form: ExportForm, status: int = 200, problems: list[str] | None = None):
    filters_form, filters, filter_status = _plan_filters()
    if not request.args:
        filters["status"] = PlanStatus.APPROVED.value
        filters_form.status.data = PlanStatus.APPROVED.value
    rows = list_plans(db.session, **filters)
    form.plan_ids.choices = [(str(r.plan_id), r.file_name) for r in rows]
    if not form.is_submitted():
        form.plan_ids.data = [str(r.plan_id) for r in rows]
        form.idempotency_key.data = secrets.token_urlsafe(24)
    return (
        render_template(
            "hr_plans/exports.html",
            form=form,
            filters_form=filters_form,
            rows=rows,
            jobs=[view_of(job) for job in recent_jobs(db.session)],
            problems=problems or [],
        ),
        max(status, filter_status),
    )


@bp.route("/exports")
@roles_required(Role.HR)
def exports():
    return _export_page(ExportForm(formdata=None))


@bp.route("/exports", methods=["POST"])
@roles_required(Role.HR)
def start_export():
    """Start a bulk export job (one per form: a double click gives the same job)."""
    form = ExportForm()
    raw = form.plan_ids.data or []
    if not form.validate_on_submit() or not all(v.isdecimal() and len(v) < 10 for v in raw):
        problems = form.current_password.errors or [
            "Tick the plans to export, then start the export."
        ]
        return _export_page(form, 400, list(problems))
    started, error = refusal_of(
        lambda: start_export_job(
            db.session, current_user, [int(v) for v in raw], form.idempotency_key.data
        )
    )
    if error is not None:
        return _export_page(form, error.status_code, [error.message, *error.problems])
    job, created = started
    if created:
        # The worker reads the job's row in its own transaction: queue it once it is committed.
        after_commit(functools.partial(_enqueue, current_app._get_current_object(), job.id))
    else:
        flash("This export was already started; here is its progress.", "info")
    return redirect(url_for("hr_plans.job", job_id=job.id), 303)


def _enqueue(app, job_id: int) -> None:
    """Queue the committed export job; a queue that is down marks it failed, saying so."""
    from webapp.tasks import enqueue_export  # Huey (and its Redis client) only when used

    try:
        enqueue_export(app, job_id)
    except Exception:  # the queue itself is down: say so instead of leaving it queued
        log.exception("could not enqueue export job %s", job_id)
        job = db.session.get(ExportJob, job_id)
        job.status = JobStatus.FAILED.value
        job.error = "The background queue could not be reached; start the export again."
    else:
        total = db.session.get(ExportJob, job_id).total
        flash(
            f"The export of {total} plan(s) has started. This page shows its progress.",
            "success",
        )


@bp.route("/exports/<int:job_id>")
@roles_required(Role.HR)
def job(job_id: int):
    view = view_of(get_job_for(db.session, current_user, job_id))
    return render_template("hr_plans/job.html", view=view)


@bp.route("/exports/<int:job_id>/status")
@roles_required(Role.HR)
def job_status(job_id: int):
    """The job's progress as JSON, for the page's small poller."""
    view = view_of(get_job_for(db.session, current_user, job_id))
    response = jsonify(
        status=view.status,
        progress=view.job.progress,
        total=view.job.total,
        percent=view.percent,
        message=view.message,
        download_url=url_for("hr_plans.download", job_id=job_id) if view.has_file else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/exports/<int:job_id>/download")
@roles_required(Role.HR)
def download(job_id: int):
    """The finished ZIP, as an attachment, to HR only."""
    job = get_job_for(db.session, current_user, job_id)
    view = view_of(job)
    path = export_dir(current_app) / (job.result_name or "")
    if view.status != JobStatus.DONE or not job.result_name or not path.is_file():
        raise NotFoundError(job.error or "This export has no ZIP to download (yet).")
    retention = timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])
    if is_expired(job, retention):
        raise NotFoundError("This export is past its retention; start a new export.")
    record_download(db.session, current_user, job)
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=job.result_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
