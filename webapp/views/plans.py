"""Development plan pages: my plan, starting one, the plan page with its workflow, the plan's
details, versions and their comparison, and the PDF download."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from competencies.services import current_framework
from core.audit import record_event
from core.errors import NotFoundError, PermissionDeniedError
from core.users import Role, User
from plans import workflow
from plans.access import Capacity, can_start_plan, capacities, sees_candidate
from plans.builder import plan_value_problems
from plans.document import document_from, file_name_for
from plans.gaps import gap_items, profile_for
from plans.models import DevelopmentPlan
from plans.reads import record_plan_read
from plans.services import (
    PlanInput,
    current_plan_id,
    default_role_id,
    get_plan_for,
    plan_totals,
    plan_versions,
    start_plan,
    update_plan,
)
from plans.workflow import Action, check_action
from training.standings import role_profiles
from webapp.auth import any_signed_in, roles_required
from webapp.extensions import db
from webapp.forms.plans import (
    ActionForm,
    ArchiveForm,
    DecisionForm,
    PlanForm,
    ProposeForm,
    ReturnForm,
    attach_problems,
)
from webapp.plan_helpers import plan_signing
from webapp.transactions import refusal_of

bp = Blueprint("plans", __name__, url_prefix="/plans")


def load_visible_plan(plan_id: int) -> DevelopmentPlan:
    """The plan if the signed-in user may see it (someone else's answers 404)."""
    return get_plan_for(db.session, current_user, plan_id)


def load_editable_plan(plan_id: int) -> DevelopmentPlan:
    """The plan if the signed-in user may change it now (403 for readers, 409 if not a draft)."""
    plan = load_visible_plan(plan_id)
    check_action(Action.EDIT, plan.status, capacities(db.session, current_user, plan.person_id))
    return plan


def _latest_version(person_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.max(DevelopmentPlan.version_number)).where(
            DevelopmentPlan.person_id == person_id
        )
    )


def plan_page(plan: DevelopmentPlan, status: int = 200, problems: list[str] | None = None, **forms):
    """Render the plan page (with the forms the user's capacities allow)."""
    held = capacities(db.session, current_user, plan.person_id)
    actions = workflow.allowed_actions(plan.status, held)
    if workflow.Action.REVISE in actions and plan.version_number != _latest_version(plan.person_id):
        actions.discard(workflow.Action.REVISE)
    if current_user.id == plan.person_id:
        actions.discard(workflow.Action.APPROVE)
    profile = profile_for(db.session, plan)
    covered = {g.competency_uuid for g in plan.goals}
    uncovered = [g for g in gap_items(profile) if g.gap and g.uuid not in covered]
    version = str(plan.lock_version)
    defaults = {
        "action_form": ActionForm(version=version),
        "propose_form": ProposeForm(version=version, over_budget_reason=plan.over_budget_reason),
        "decision_form": DecisionForm(version=version, over_budget_reason=plan.over_budget_reason),
        "return_form": ReturnForm(version=version),
        "archive_form": ArchiveForm(version=version),
    }
    defaults.update(forms)
    return (
        render_template(
            "plans/detail.html",
            plan=plan,
            actions={a.value for a in actions},
            is_hr=Capacity.HR in held,
            totals=plan_totals(plan),
            profile=profile,
            uncovered=uncovered,
            problems=problems or [],
            **defaults,
        ),
        status,
    )


@bp.route("/")
@any_signed_in
def index():
    """My plan: the version I work with, or an invitation to start one."""
    plan_id = current_plan_id(db.session, current_user.id)
    if plan_id is not None:
        return redirect(url_for("plans.detail", plan_id=plan_id))
    return render_template("plans/index.html")


def _role_choices() -> list[tuple[str, str]]:
    return [(str(r.id), r.name) for r in role_profiles(db.session, current_framework(db.session))]


def _plan_input(form: PlanForm) -> PlanInput:
    return PlanInput(
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        budget=form.budget_limit.data,
        currency=form.currency.data,
        summary=form.summary.data,
        over_budget_reason=form.over_budget_reason.data,
    )


def _checked(form: PlanForm) -> bool:
    """Shape and the plan rules, with each problem tied to its field."""
    valid = form.validate_on_submit()
    if form.is_submitted():
        data = _plan_input(form)
        problems = plan_value_problems(
            period_start=data.period_start,
            period_end=data.period_end,
            budget=data.budget,
            currency=data.currency,
            summary=data.summary,
            over_budget_reason=data.over_budget_reason,
        )
        # The shape check already explained a missing or malformed value.
        attach_problems(form, {k: v for k, v in problems.items() if not form[k].errors})
    return valid and not form.errors


def _person_for_new_plan() -> User:
    """Whose plan the form starts: mine, or (?person=) a candidate I may start one for."""
    raw = request.args.get("person", "")
    if not raw:
        return current_user
    if not raw.isdecimal() or len(raw) > 9:
        raise NotFoundError("This person does not exist, or you do not have access to them.")
    person = db.session.get(User, int(raw))
    if person is None or not sees_candidate(db.session, current_user, person.id):
        raise NotFoundError("This person does not exist, or you do not have access to them.")
    if not can_start_plan(db.session, current_user, person.id):
        raise PermissionDeniedError("Only the person and their manager start a plan.")
    return person


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE, Role.MANAGER)
def new():
    """Start version 1 of a plan (for myself, or as a related manager for a candidate)."""
    person = _person_for_new_plan()
    form = PlanForm()
    form.role_profile_id.choices = _role_choices()
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        today = date.today()
        form.period_start.data = today.replace(day=1)
        form.period_end.data = date(today.year + 1, today.month, 1) - timedelta(days=1)
        form.budget_limit.data = "2500"
        role_id = default_role_id(db.session, person.id)
        form.role_profile_id.data = str(role_id) if role_id else None
    elif _checked(form):
        role = form.role_profile_id.data or ""
        plan, error = refusal_of(
            lambda: start_plan(
                db.session,
                current_user,
                person,
                _plan_input(form),
                role_profile_id=int(role) if role.isdecimal() and len(role) < 10 else None,
            )
        )
        if error is None:
            flash("Your plan is started. Add goals from your gaps with one click.", "success")
            return redirect(url_for("plans.detail", plan_id=plan.id), 303)
        problems = [error.message, *error.problems]
        status = error.status_code
    else:
        status = 400
    return (
        render_template("plans/new.html", form=form, person=person, problems=problems),
        status,
    )


@bp.route("/<int:plan_id>")
@any_signed_in
def detail(plan_id: int):
    plan = load_visible_plan(plan_id)
    record_plan_read(db.session, current_user, plan, "detail")
    return plan_page(plan)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@any_signed_in
def edit(plan_id: int):
    """The plan's period, budget, summary and over-budget reason (drafts only)."""
    plan = load_editable_plan(plan_id)
    if request.method == "GET":
        form = PlanForm(obj=plan, version=str(plan.lock_version))
        form.budget_limit.data = f"{plan.budget_limit:.2f}"
    else:
        form = PlanForm()
    form.role_profile_id.choices = []
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if _checked(form):
            _, error = refusal_of(
                lambda: update_plan(
                    db.session,
                    current_user,
                    plan,
                    _plan_input(form),
                    expected_version=form.expected_version(),
                )
            )
            if error is None:
                flash("The plan's details are saved.", "success")
                return redirect(url_for("plans.detail", plan_id=plan.id), 303)
            problems = [error.message, *error.problems]
            status = error.status_code
            plan = load_visible_plan(plan_id)
        else:
            status = 400
    elif not plan.is_draft:
        problems = [f"{plan.label} is {plan.status}: its details can no longer be changed."]
    return (
        render_template(
            "plans/edit.html", form=form, plan=plan, problems=problems, totals=plan_totals(plan)
        ),
        status,
    )


# ---------------------------------------------------------------- versions and PDF


@bp.route("/<int:plan_id>/versions")
@any_signed_in
def versions(plan_id: int):
    plan = load_visible_plan(plan_id)
    record_plan_read(db.session, current_user, plan, "versions")
    return render_template(
        "plans/versions.html", plan=plan, versions=plan_versions(db.session, plan.person_id)
    )


@bp.route("/<int:plan_id>/compare")
@any_signed_in
def compare(plan_id: int):
    """What changed between this version and another (default: the one it revised)."""
    from plans.diff import compare_versions

    plan = load_visible_plan(plan_id)
    record_plan_read(db.session, current_user, plan, "compare")
    raw = request.args.get("with", "")
    other_id = int(raw) if raw.isdecimal() and len(raw) < 10 else plan.previous_version_id
    all_versions = plan_versions(db.session, plan.person_id)
    if other_id is None:
        return render_template(
            "plans/compare.html", plan=plan, versions=all_versions, old=None, new=None, diff=None
        )
    old, new, diff = compare_versions(db.session, current_user, plan.id, other_id)
    return render_template(
        "plans/compare.html", plan=plan, versions=all_versions, old=old, new=new, diff=diff
    )


@bp.route("/<int:plan_id>/pdf")
@any_signed_in
def pdf(plan_id: int):
    """The plan as a PDF attachment: one's own, or anyone's for HR (audited when not one's own)."""
    from io import BytesIO

    from plans.render import render_plan_pdf

    plan = load_visible_plan(plan_id)
    document = document_from(plan, profile_for(db.session, plan))
    data = render_plan_pdf(document, plan_signing(current_app))
    if current_user.id != plan.person_id:
        record_event(
            db.session,
            actor=current_user,
            action="plan.export",
            entity=plan,
            after={"format": "pdf", "version_number": plan.version_number},
        )  # an audited read: the commit point commits it with the response
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=file_name_for(plan),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
