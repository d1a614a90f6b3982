"""Training pages: the catalogue, recommendations, a person's own trainings, HR's editor."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies.models import Competency
from competencies.services import current_framework
from core.errors import ConflictError, ValidationError
from core.users import Role
from person_profile.target import aimed_role
from plans.add_to_plan import goal_for_training
from training.catalogue import CatalogueFilter, get_training, list_trainings
from training.enrollments import (
    change_enrollment_status,
    get_own_enrollment,
    list_enrollments,
    plan_training,
    rate_enrollment,
)
from training.features import Constraints, TrainingFormat
from training.models import (
    LANGUAGES,
    Enrollment,
    EnrollmentStatus,
    HistoryEnrollment,
)
from training.ranking import format_hours, format_money
from training.recommendation_page import recommendation_page
from training.standings import role_profiles
from webapp.auth import any_signed_in
from webapp.extensions import db
from webapp.forms.training import (
    CatalogueFilterForm,
    PlanForm,
    RatingForm,
    RecommendationForm,
    StatusForm,
)
from webapp.fragments import fragments
from webapp.plan_helpers import draft_goals
from webapp.recommending import recommendation_stamp
from webapp.recommending import state as recommender_state
from webapp.transactions import refusal_of
from webapp.views.auth import safe_next

bp = Blueprint("training", __name__, url_prefix="/training")
PAGE_SIZE = 20
CATALOGUE_EDITORS = (Role.HR,)
ACTIONS = {
    EnrollmentStatus.PLANNED: [("in_progress", "Start"), ("dropped", "Drop")],
    EnrollmentStatus.IN_PROGRESS: [("completed", "Mark as completed"), ("dropped", "Drop")],
    EnrollmentStatus.COMPLETED: [],
    EnrollmentStatus.DROPPED: [("planned", "Plan again")],
}


@bp.app_template_filter("money")
def money_filter(amount: Decimal | float, currency: str = "EUR") -> str:
    return format_money(float(amount), currency)


@bp.app_template_filter("sentence")
def sentence_filter(text: str) -> str:
    """Upper-case the first letter only (Jinja's capitalize lower-cases the rest)."""
    return text[:1].upper() + text[1:]


@bp.app_template_filter("hours")
def hours_filter(hours: Decimal | float) -> str:
    return format_hours(float(hours))


@bp.app_context_processor
def training_labels() -> dict[str, object]:
    return {
        "format_labels": {f.value: f.label for f in TrainingFormat},
        "language_labels": LANGUAGES,
    }


def current_competencies() -> list[Competency]:
    framework = current_framework(db.session)
    if framework is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Competency)
            .where(Competency.framework_id == framework.id)
            .order_by(Competency.position)
        )
    )


def _is_editor() -> bool:
    return current_user.has_role(*CATALOGUE_EDITORS)


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 10_000 else 1


def _catalogue_filters(form: CatalogueFilterForm, *, editor: bool) -> CatalogueFilter:
    # PostgreSQL refuses NUL characters in text; nobody types them on purpose.
    text = (form.q.data or "").replace("\x00", "")
    return CatalogueFilter(
        text=text or None,
        competency_uuid=form.competency.data or None,
        format=form.format.data or None,
        language=form.language.data or None,
        max_cost=form.max_cost.data,
        max_hours=form.max_hours.data,
        level=form.level.data,
        include_inactive=editor and form.status.data == "all",
    )


def catalogue_listing(template: str, *, editor: bool):
    competencies = current_competencies()
    form = CatalogueFilterForm(request.args)
    form.set_competencies(competencies)
    status = 200
    filters = CatalogueFilter(include_inactive=editor)
    if request.args and not form.validate():
        status = 400
    elif request.args:
        filters = _catalogue_filters(form, editor=editor)
    trainings = list_trainings(db.session, filters)
    page = _page()
    pages = max(1, math.ceil(len(trainings) / PAGE_SIZE))
    page = min(page, pages)
    shown = trainings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    names = {c.uuid: c.name for c in competencies}
    args = {k: v for k, v in request.args.items() if k != "page"}
    return (
        render_template(
            template,
            form=form,
            trainings=shown,
            total=len(trainings),
            page=page,
            pages=pages,
            args=args,
            competency_names=names,
        ),
        status,
    )


@bp.route("/")
@any_signed_in
def catalogue():
    return catalogue_listing("training/catalogue.html", editor=False)


@bp.route("/<int:training_id>")
@any_signed_in
def detail(training_id: int):
    training = get_training(db.session, training_id, include_inactive=_is_editor())
    competencies = {c.uuid: c for c in current_competencies()}
    mine = db.session.scalars(
        sa.select(Enrollment)
        .where(Enrollment.person_id == current_user.id, Enrollment.training_id == training.id)
        .order_by(Enrollment.planned_at.desc())
    ).all()
    history = db.session.execute(
        sa.select(
            HistoryEnrollment.is_synthetic,
            sa.func.count(HistoryEnrollment.id),
            sa.func.avg(HistoryEnrollment.rating),
        )
        .where(HistoryEnrollment.training_id == training.id, HistoryEnrollment.is_completed)
        .group_by(HistoryEnrollment.is_synthetic)
    ).all()
    plan_goals = draft_goals(current_user)
    return render_template(
        "training/detail.html",
        training=training,
        competencies=competencies,
        mine=mine,
        history={bool(s): (n, avg) for s, n, avg in history},
        plan_form=PlanForm(next=request.args.get("next", "")),
        has_open=any(e.is_open for e in mine),
        plan_goals=plan_goals,
        suggested_goal=goal_for_training(
            plan_goals, [c.competency_code for c in training.competencies]
        ),
    )


@bp.route("/<int:training_id>/plan", methods=["POST"])
@any_signed_in
def plan(training_id: int):
    training = get_training(db.session, training_id)
    form = PlanForm()
    if not form.validate_on_submit():
        flash("Enter the planned date as a calendar date, or leave it empty.", "danger")
        return redirect(url_for("training.detail", training_id=training.id)), 303
    _, error = refusal_of(
        lambda: plan_training(
            db.session, current_user, training, planned_for=form.planned_for.data
        ),
        ConflictError,
    )
    if error is not None:
        flash(error.message, "info")
    else:
        flash(f"“{training.title}” is planned. You find it under My trainings.", "success")
    return redirect(safe_next(form.next.data) or url_for("training.mine"), 303)


@bp.route("/mine")
@any_signed_in
def mine():
    enrollments = list_enrollments(db.session, current_user)
    groups = {status: [] for status in EnrollmentStatus}
    for enrollment in enrollments:
        groups[EnrollmentStatus(enrollment.status)].append(enrollment)
    names = {c.code: c.name for c in current_competencies()}
    return render_template("training/mine.html", groups=groups, total=len(enrollments), names=names)


def _enrollment_page(enrollment: Enrollment, status_code: int = 200, **forms):
    rating_form = forms.get("rating_form") or RatingForm(
        rating=str(enrollment.rating) if enrollment.rating else None,
        comment=enrollment.rating_comment,
    )
    names = {c.code: c.name for c in current_competencies()}
    return (
        render_template(
            "training/enrollment.html",
            enrollment=enrollment,
            actions=ACTIONS[EnrollmentStatus(enrollment.status)],
            rating_form=rating_form,
            problems=forms.get("problems", []),
            names=names,
        ),
        status_code,
    )


@bp.route("/enrollments/<int:enrollment_id>")
@any_signed_in
def enrollment(enrollment_id: int):
    return _enrollment_page(get_own_enrollment(db.session, current_user, enrollment_id))


@bp.route("/enrollments/<int:enrollment_id>/status", methods=["POST"])
@any_signed_in
def enrollment_status(enrollment_id: int):
    item = get_own_enrollment(db.session, current_user, enrollment_id)
    form = StatusForm()
    if not form.validate_on_submit() or not form.version.data.isdecimal():
        return _enrollment_page(item, 400, problems=["Choose one of the offered actions."])
    _, error = refusal_of(
        lambda: change_enrollment_status(
            db.session,
            item,
            form.status.data,
            current_user,
            expected_version=int(form.version.data),
        )
    )
    if error is not None:
        item = get_own_enrollment(db.session, current_user, enrollment_id)
        return _enrollment_page(item, error.status_code, problems=[error.message])
    flash(f"“{item.training.title}” is now {item.status_enum.label.lower()}.", "success")
    return redirect(url_for("training.enrollment", enrollment_id=item.id), 303)


@bp.route("/enrollments/<int:enrollment_id>/rating", methods=["POST"])
@any_signed_in
def enrollment_rating(enrollment_id: int):
    item = get_own_enrollment(db.session, current_user, enrollment_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _enrollment_page(item, 400, rating_form=form)
    _, error = refusal_of(
        lambda: rate_enrollment(
            db.session, item, int(form.rating.data), form.comment.data or "", current_user
        ),
        ValidationError,
    )
    if error is not None:
        item = get_own_enrollment(db.session, current_user, enrollment_id)
        return _enrollment_page(item, 422, rating_form=form, problems=[error.message])
    flash("Thank you — your rating is saved.", "success")
    return redirect(url_for("training.enrollment", enrollment_id=item.id), 303)


@bp.route("/recommendations")
@any_signed_in
def recommendations():
    # Everything the page shows is derived from data the stamp covers, the filters and the
    # model in use, so it is rendered once per combination and served from the cache.
    loaded = recommender_state().artefacts.get()
    key = (
        current_user.id,
        tuple(request.args.items(multi=True)),
        recommendation_stamp(db.session, current_user.id),
        loaded.metadata.get("sha256") if loaded else None,
        date.today(),
    )
    body, status = fragments().render_with_status(
        key, "training/_recommendations_body.html", _recommendations_context
    )
    return render_template("training/recommendations.html", body=body), status


def _recommendations_context() -> tuple[dict[str, object], int]:
    roles = role_profiles(db.session)
    form = RecommendationForm(request.args)
    form.role.choices = [(r.code, r.name) for r in roles]
    known_roles = {r.code for r in roles}
    if not form.role.data or form.role.data not in known_roles:
        aimed = aimed_role(db.session, current_user.id)
        form.role.data = aimed.role.code if aimed and aimed.role.code in known_roles else None
    status = 200
    constraints = Constraints()
    if request.args and not form.validate():
        status = 400
    elif request.args:
        constraints = Constraints(
            max_cost=float(form.max_cost.data) if form.max_cost.data is not None else None,
            max_hours=float(form.max_hours.data) if form.max_hours.data is not None else None,
            formats=frozenset(form.formats.data or ()),
            languages=frozenset(form.languages.data or ()),
        )
    columns, catalogue, ranker, loaded = recommender_state().ranker(db.session)
    page = recommendation_page(
        db.session,
        current_user,
        (columns, catalogue, ranker),
        form.role.data,
        constraints,
        rank=status == 200,
    )
    plan_goals = draft_goals(current_user)
    suggested = {
        item.key: goal_for_training(plan_goals, [r.code for r in item.reasons])
        for item in (page.result.items if page.result else ())
    }
    context = {
        "form": form,
        "profile": page.profile,
        "standings": page.standings,
        "names": page.names,
        "result": page.result,
        "trainings": page.trainings,
        "planned": page.planned,
        "model": loaded,
        "has_levels": page.has_levels,
        "levels_are_synthetic": page.levels_are_synthetic,
        "constraints": constraints,
        "plan_goals": plan_goals,
        "suggested": suggested,
    }
    return context, status
