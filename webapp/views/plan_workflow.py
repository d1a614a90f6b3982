"""The development plan's workflow: propose, withdraw, return, approve, archive, revise and
discard. Routes of the ``plans`` blueprint; each step is a form, a domain call and a redirect."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from core.users import Role
from plans import workflow
from plans.models import DevelopmentPlan
from plans.services import current_plan_id
from webapp.auth import any_signed_in, roles_required
from webapp.extensions import db
from webapp.forms.plans import ActionForm, ArchiveForm, DecisionForm, ProposeForm, ReturnForm
from webapp.transactions import refusal_of
from webapp.views.plans import bp, load_visible_plan, plan_page


def _act(plan_id: int, form_class, call, success: str, form_name: str):
    """Run one workflow step: check the form, call the domain, or show why not."""
    plan = load_visible_plan(plan_id)
    form = form_class()
    if not form.validate_on_submit():
        return plan_page(plan, 400, ["Check the form and send it again."], **{form_name: form})
    result, error = refusal_of(lambda: call(plan, form))
    if error is not None:
        plan = load_visible_plan(plan_id)
        return plan_page(
            plan, error.status_code, [error.message, *error.problems], **{form_name: form}
        )
    flash(success, "success")
    target = result.id if isinstance(result, DevelopmentPlan) else plan_id
    return redirect(url_for("plans.detail", plan_id=target), 303)


@bp.route("/<int:plan_id>/propose", methods=["POST"])
@any_signed_in
def propose(plan_id: int):
    return _act(
        plan_id,
        ProposeForm,
        lambda plan, form: workflow.propose_plan(
            db.session,
            current_user,
            plan,
            over_budget_reason=form.over_budget_reason.data,
            expected_version=form.expected_version(),
        ),
        "The plan is proposed. HR will approve it or return it with a comment.",
        "propose_form",
    )


@bp.route("/<int:plan_id>/withdraw", methods=["POST"])
@any_signed_in
def withdraw(plan_id: int):
    return _act(
        plan_id,
        ActionForm,
        lambda plan, form: workflow.withdraw_plan(
            db.session, current_user, plan, expected_version=form.expected_version()
        ),
        "The proposal is withdrawn; the plan is a draft again.",
        "action_form",
    )


@bp.route("/<int:plan_id>/return", methods=["POST"])
@roles_required(Role.HR)
def return_(plan_id: int):
    return _act(
        plan_id,
        ReturnForm,
        lambda plan, form: workflow.return_plan(
            db.session,
            current_user,
            plan,
            form.comment.data,
            expected_version=form.expected_version(),
        ),
        "The plan is returned to the person with your comment.",
        "return_form",
    )


@bp.route("/<int:plan_id>/approve", methods=["POST"])
@roles_required(Role.HR)
def approve(plan_id: int):
    return _act(
        plan_id,
        DecisionForm,
        lambda plan, form: workflow.approve_plan(
            db.session,
            current_user,
            plan,
            over_budget_reason=form.over_budget_reason.data,
            note=form.note.data,
            expected_version=form.expected_version(),
        ),
        "The plan is approved. It no longer changes; a later change makes a new version.",
        "decision_form",
    )


@bp.route("/<int:plan_id>/archive", methods=["POST"])
@roles_required(Role.HR)
def archive(plan_id: int):
    return _act(
        plan_id,
        ArchiveForm,
        lambda plan, form: workflow.archive_plan(
            db.session,
            current_user,
            plan,
            form.note.data,
            expected_version=form.expected_version(),
        ),
        "The plan is archived.",
        "archive_form",
    )


@bp.route("/<int:plan_id>/revise", methods=["POST"])
@any_signed_in
def revise(plan_id: int):
    return _act(
        plan_id,
        ActionForm,
        lambda plan, form: workflow.revise_plan(db.session, current_user, plan),
        "A new draft version is ready to change; the approved version stays on record.",
        "action_form",
    )


@bp.route("/<int:plan_id>/discard", methods=["POST"])
@any_signed_in
def discard(plan_id: int):
    plan = load_visible_plan(plan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return plan_page(plan, 400, ["Check the form and send it again."])
    person_id = plan.person_id
    _, error = refusal_of(
        lambda: workflow.discard_draft(
            db.session, current_user, plan, expected_version=form.expected_version()
        )
    )
    if error is not None:
        return plan_page(load_visible_plan(plan_id), error.status_code, [error.message])
    flash("The draft is discarded.", "success")
    remaining = current_plan_id(db.session, person_id)
    if remaining is not None:
        return redirect(url_for("plans.detail", plan_id=remaining), 303)
    return redirect(url_for("plans.index"), 303)
