"""The trainings of a plan's goals: choosing one for a goal (recommended first), linking and
unlinking it, and "Add to my plan" from the recommendation and training pages. Routes of the
``plan_goals`` blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import ConflictError
from core.users import Role
from plans.add_to_plan import place_in_draft
from plans.goal_trainings import link_training, unlink_training
from plans.services import plan_totals
from training.catalogue import CatalogueFilter, list_trainings
from training.models import Training
from webapp.auth import any_signed_in, roles_required
from webapp.extensions import db
from webapp.forms.plans import ActionForm, AddToPlanForm, LinkTrainingForm
from webapp.plan_helpers import recommendation_reason, recommendations_for
from webapp.transactions import refusal_of
from webapp.views.auth import safe_next
from webapp.views.plan_goals import RECOMMENDED_PER_GOAL, bp, goal_of
from webapp.views.plans import load_editable_plan, load_visible_plan, plan_page


@bp.route("/<int:plan_id>/goals/<int:goal_id>/trainings")
@any_signed_in
def trainings(plan_id: int, goal_id: int):
    """Choose a training for a goal: the recommended ones for it first, then the catalogue."""
    plan = load_editable_plan(plan_id)
    goal = goal_of(plan, goal_id)
    query = (request.args.get("q") or "").replace("\x00", "")[:100]
    linked = {t.training_id for t in goal.trainings}
    result, _ = recommendations_for(plan.person, plan.role_profile.code)
    recommended = []
    if result is not None:
        recommended = [
            item
            for item in result.items
            if item.key not in linked and any(r.code == goal.competency_code for r in item.reasons)
        ][:RECOMMENDED_PER_GOAL]
    catalogue = [
        t
        for t in list_trainings(
            db.session,
            CatalogueFilter(text=query or None, competency_uuid=goal.competency_uuid),
        )
        if t.id not in linked
    ]
    shown = {t.id: t for t in catalogue}
    if recommended:
        keys = [i.key for i in recommended if i.key not in shown]
        if keys:
            shown.update(
                {
                    t.id: t
                    for t in db.session.scalars(sa.select(Training).where(Training.id.in_(keys)))
                }
            )
    return render_template(
        "plans/trainings.html",
        plan=plan,
        goal=goal,
        recommended=recommended,
        catalogue=catalogue,
        trainings=shown,
        query=query,
        totals=plan_totals(plan),
        form=LinkTrainingForm(version=str(plan.lock_version)),
        action_form=ActionForm(version=str(plan.lock_version)),
    )


@bp.route("/<int:plan_id>/goals/<int:goal_id>/trainings", methods=["POST"])
@any_signed_in
def link(plan_id: int, goal_id: int):
    plan = load_editable_plan(plan_id)
    goal = goal_of(plan, goal_id)
    form = LinkTrainingForm()
    raw = form.training_id.data or ""
    if not form.validate_on_submit() or not raw.isdecimal() or len(raw) > 9:
        return plan_page(plan, 400, ["Choose a training from the list."])
    source = (
        form.source.data if form.source.data in {"recommendation", "catalogue"} else "catalogue"
    )
    reason = ""
    if source == "recommendation":
        reason = recommendation_reason(plan.person, plan.role_profile.code, int(raw))
    linked, error = refusal_of(
        lambda: link_training(
            db.session,
            current_user,
            plan,
            goal.id,
            int(raw),
            source=source,
            reason=reason,
            expected_version=form.expected_version(),
        )
    )
    if error is not None:
        return plan_page(
            load_visible_plan(plan_id), error.status_code, [error.message, *error.problems]
        )
    flash(f"“{linked.title}” is linked to the goal {goal.competency_name}.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor=f"goal-{goal.id}"), 303)


@bp.route("/<int:plan_id>/goals/<int:goal_id>/trainings/<int:link_id>/delete", methods=["POST"])
@any_signed_in
def unlink(plan_id: int, goal_id: int, link_id: int):
    plan = load_editable_plan(plan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return plan_page(plan, 400, ["Check the form and send it again."])
    removed, error = refusal_of(
        lambda: unlink_training(
            db.session,
            current_user,
            plan,
            goal_id,
            link_id,
            expected_version=form.expected_version(),
        )
    )
    if error is not None:
        return plan_page(load_visible_plan(plan_id), error.status_code, [error.message])
    flash(
        f"“{removed.title}” is no longer linked to the goal; it stays in your trainings.",
        "success",
    )
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor=f"goal-{goal_id}"), 303)


@bp.route("/add-training", methods=["POST"])
@roles_required(Role.CANDIDATE)
def add_to_plan():
    """ "Add to my plan": link a training to a goal of the signed-in person's draft plan."""
    form = AddToPlanForm()
    back = safe_next(form.next.data) or url_for("training.recommendations")
    raw = form.training_id.data or ""
    if not form.validate_on_submit() or not raw.isdecimal() or len(raw) > 9:
        flash("Choose a training to add.", "danger")
        return redirect(back, 303)
    place = place_in_draft(db.session, current_user.id, int(raw), form.goal_id.data or "")
    if place.plan is None:
        flash("You have no draft plan to add it to. Start a plan (or revise yours) first.", "info")
        return redirect(url_for("plans.index"), 303)
    plan, training, goal = place.plan, place.training, place.goal
    if goal is None:
        flash(
            f"None of your plan's goals is about what “{training.title}” trains. "
            "Add a goal for it first.",
            "info",
        )
        return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="goals"), 303)
    source = "recommendation" if form.source.data == "recommendation" else "catalogue"
    reason = (
        recommendation_reason(current_user, plan.role_profile.code, training.id)
        if source == "recommendation"
        else ""
    )
    _, error = refusal_of(
        lambda: link_training(
            db.session,
            current_user,
            plan,
            goal.id,
            training.id,
            source=source,
            reason=reason,
            expected_version=plan.lock_version,
        )
    )
    if isinstance(error, ConflictError):  # already linked: news, not a failure
        flash(error.message, "info")
        return redirect(back, 303)
    if error is not None:
        flash(" ".join([error.message, *error.problems]), "danger")
        return redirect(back, 303)
    flash(f"“{training.title}” is in your plan under the goal {goal.competency_name}.", "success")
    return redirect(back, 303)
