"""Goals of a draft plan and the trainings linked to them, including "Add to my plan" from the
recommendation and training pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import NotFoundError
from plans.builder import goal_value_problems
from plans.gaps import gap_items, max_level_of, profile_for, role_competencies
from plans.goals import GoalInput, add_goal, add_goals_from_gaps, remove_goal, update_goal
from plans.models import DevelopmentPlan, PlanGoal
from webapp.auth import any_signed_in
from webapp.extensions import db
from webapp.forms.plans import (
    ActionForm,
    GoalForm,
    attach_problems,
)
from webapp.transactions import refusal_of
from webapp.views.plans import load_editable_plan, load_visible_plan, plan_page

bp = Blueprint("plan_goals", __name__, url_prefix="/plans")
RECOMMENDED_PER_GOAL = 5


def goal_of(plan: DevelopmentPlan, goal_id: int) -> PlanGoal:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFoundError("This goal is not part of the plan.")
    return goal


def _goal_input(form: GoalForm, competency_uuid: str) -> GoalInput:
    priority = form.priority.data or ""
    return GoalInput(
        competency_uuid=competency_uuid,
        from_level=form.from_level.data,
        to_level=form.to_level.data,
        due_on=form.due_on.data,
        priority=int(priority) if priority.isdecimal() and len(priority) < 3 else -1,
        actions=form.actions.data,
        status=form.status.data or "",
    )


def _goal_checked(form: GoalForm, plan: DevelopmentPlan, data: GoalInput) -> bool:
    valid = form.validate_on_submit()
    if form.is_submitted():
        problems = goal_value_problems(
            from_level=data.from_level,
            to_level=data.to_level,
            due_on=data.due_on,
            period_start=plan.period_start,
            period_end=plan.period_end,
            max_level=max_level_of(db.session, plan),
            actions=data.actions,
            priority=data.priority,
            status=data.status,
        )
        # The shape check already explained a missing or malformed value.
        attach_problems(form, {k: v for k, v in problems.items() if not form[k].errors})
    return valid and not form.errors


def _goal_page(plan, form, goal, problems, status):
    return (
        render_template(
            "plans/goal_form.html",
            plan=plan,
            form=form,
            goal=goal,
            problems=problems,
            max_level=max_level_of(db.session, plan),
        ),
        status,
    )


@bp.route("/<int:plan_id>/goals/from-gaps", methods=["POST"])
@any_signed_in
def from_gaps(plan_id: int):
    """One click: a goal for every gap not covered yet, must first."""
    plan = load_editable_plan(plan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return plan_page(plan, 400, ["Check the form and send it again."])
    added, error = refusal_of(
        lambda: add_goals_from_gaps(
            db.session, current_user, plan, expected_version=form.expected_version()
        )
    )
    if error is not None:
        return plan_page(load_visible_plan(plan_id), error.status_code, [error.message])
    if added:
        flash(
            f"{len(added)} goal{'s' if len(added) != 1 else ''} added from your gaps, must "
            "competencies first. Adjust the dates and actions, then link trainings.",
            "success",
        )
    else:
        flash("Every gap already has a goal.", "info")
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="goals"), 303)


@bp.route("/<int:plan_id>/goals/new", methods=["GET", "POST"])
@any_signed_in
def new_goal(plan_id: int):
    plan = load_editable_plan(plan_id)
    competencies = role_competencies(db.session, plan)
    taken = {g.competency_uuid for g in plan.goals}
    form = GoalForm() if request.method == "POST" else GoalForm(version=str(plan.lock_version))
    form.competency.choices = [
        (c.uuid, f"{c.name} ({c.requirement or 'not required'})")
        for c in competencies
        if c.uuid not in taken
    ]
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        wanted = request.args.get("competency", "")
        profile = profile_for(db.session, plan)
        gaps = {g.uuid: g for g in gap_items(profile)}
        chosen = gaps.get(wanted) or next(
            (gaps[c.uuid] for c in competencies if c.uuid in gaps and c.uuid not in taken), None
        )
        if chosen is not None:
            form.competency.data = chosen.uuid
            form.from_level.data = chosen.level or 0
            form.to_level.data = chosen.target or min((chosen.level or 0) + 1, 5)
        form.due_on.data = plan.period_end
        if not plan.is_draft:
            problems = [f"{plan.label} is {plan.status}: goals can no longer be added."]
    else:
        uuid = form.competency.data or ""
        data = _goal_input(form, uuid)
        valid = _goal_checked(form, plan, data)
        if uuid not in {c[0] for c in form.competency.choices}:
            form.competency.errors = ["Choose one of the listed competencies."]
            valid = False
        if valid:
            goal, error = refusal_of(
                lambda: add_goal(
                    db.session, current_user, plan, data, expected_version=form.expected_version()
                )
            )
            if error is None:
                flash(f"The goal for {goal.competency_name} is added.", "success")
                return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="goals"), 303)
            plan = load_visible_plan(plan_id)
            problems, status = [error.message, *error.problems], error.status_code
        else:
            status = 400
    return _goal_page(plan, form, None, problems, status)


@bp.route("/<int:plan_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@any_signed_in
def edit_goal(plan_id: int, goal_id: int):
    plan = load_editable_plan(plan_id)
    goal = goal_of(plan, goal_id)
    if request.method == "GET":
        form = GoalForm(obj=goal, version=str(plan.lock_version))
        form.priority.data = str(goal.priority)
    else:
        form = GoalForm()
    form.competency.choices = [(goal.competency_uuid, goal.competency_name)]
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        data = _goal_input(form, goal.competency_uuid)
        if _goal_checked(form, plan, data):
            _, error = refusal_of(
                lambda: update_goal(
                    db.session,
                    current_user,
                    plan,
                    goal.id,
                    data,
                    expected_version=form.expected_version(),
                )
            )
            if error is None:
                flash(f"The goal for {goal.competency_name} is saved.", "success")
                return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="goals"), 303)
            plan = load_visible_plan(plan_id)
            goal = goal_of(plan, goal_id)
            problems, status = [error.message, *error.problems], error.status_code
        else:
            status = 400
    elif not plan.is_draft:
        problems = [f"{plan.label} is {plan.status}: its goals can no longer be changed."]
    return _goal_page(plan, form, goal, problems, status)


@bp.route("/<int:plan_id>/goals/<int:goal_id>/delete", methods=["POST"])
@any_signed_in
def delete_goal(plan_id: int, goal_id: int):
    plan = load_editable_plan(plan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return plan_page(plan, 400, ["Check the form and send it again."])
    name = goal_of(plan, goal_id).competency_name
    _, error = refusal_of(
        lambda: remove_goal(
            db.session, current_user, plan, goal_id, expected_version=form.expected_version()
        )
    )
    if error is not None:
        return plan_page(load_visible_plan(plan_id), error.status_code, [error.message])
    flash(f"The goal for {name} is removed; its trainings stay in your trainings.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="goals"), 303)
