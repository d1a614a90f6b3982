"""Training pages: the catalogue, recommendations, a person's own trainings, HR's editor."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessments.services import current_target_role_code
from competencies.models import Competency
from competencies.services import current_framework
from core.errors import ConflictError, DomainError, ValidationError
from core.users import Role
from training.features import Constraints, TrainingFormat
from training.history import person_vector
from training.models import (
    LANGUAGES,
    Enrollment,
    EnrollmentStatus,
    HistoryEnrollment,
    LevelObservation,
    Training,
)
from training.ranking import format_hours, format_money, recommend
from training.services import (
    DEFAULT_TARGET_ROLE,
    CatalogueFilter,
    TrainingInput,
    change_enrollment_status,
    create_training,
    get_own_enrollment,
    get_training,
    list_enrollments,
    list_trainings,
    plan_training,
    rate_enrollment,
    role_profiles,
    set_training_active,
    subject_key_for,
    update_training,
)
from webapp.auth import any_signed_in, roles_required
from webapp.extensions import db
from webapp.forms.training import (
    CatalogueFilterForm,
    PlanForm,
    RatingForm,
    RecommendationForm,
    StatusForm,
    training_form_class,
    weight_field_name,
)
from webapp.fragments import fragments
from webapp.ids import parse_id
from webapp.plan_helpers import draft_goals, goal_for_training
from webapp.recommending import recommendation_stamp
from webapp.recommending import state as recommender_state
from webapp.views.auth import _safe_next

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


def _competencies() -> list[Competency]:
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


def _listing(template: str, *, editor: bool):
    competencies = _competencies()
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
    return _listing("training/catalogue.html", editor=False)


@bp.route("/<int:training_id>")
@any_signed_in
def detail(training_id: int):
    training = get_training(db.session, training_id, include_inactive=_is_editor())
    competencies = {c.uuid: c for c in _competencies()}
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
    try:
        plan_training(db.session, current_user, training, planned_for=form.planned_for.data)
    except ConflictError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        db.session.commit()
        flash(f"“{training.title}” is planned. You find it under My trainings.", "success")
    return redirect(_safe_next(form.next.data) or url_for("training.mine"), 303)


@bp.route("/mine")
@any_signed_in
def mine():
    enrollments = list_enrollments(db.session, current_user)
    groups = {status: [] for status in EnrollmentStatus}
    for enrollment in enrollments:
        groups[EnrollmentStatus(enrollment.status)].append(enrollment)
    names = {c.code: c.name for c in _competencies()}
    return render_template("training/mine.html", groups=groups, total=len(enrollments), names=names)


def _enrollment_page(enrollment: Enrollment, status_code: int = 200, **forms):
    rating_form = forms.get("rating_form") or RatingForm(
        rating=str(enrollment.rating) if enrollment.rating else None,
        comment=enrollment.rating_comment,
    )
    names = {c.code: c.name for c in _competencies()}
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
    try:
        change_enrollment_status(
            db.session,
            item,
            form.status.data,
            current_user,
            expected_version=int(form.version.data),
        )
    except DomainError as error:
        db.session.rollback()
        item = get_own_enrollment(db.session, current_user, enrollment_id)
        return _enrollment_page(item, error.status_code, problems=[error.message])
    db.session.commit()
    flash(f"“{item.training.title}” is now {item.status_enum.label.lower()}.", "success")
    return redirect(url_for("training.enrollment", enrollment_id=item.id), 303)


@bp.route("/enrollments/<int:enrollment_id>/rating", methods=["POST"])
@any_signed_in
def enrollment_rating(enrollment_id: int):
    item = get_own_enrollment(db.session, current_user, enrollment_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _enrollment_page(item, 400, rating_form=form)
    try:
        rate_enrollment(
            db.session, item, int(form.rating.data), form.comment.data or "", current_user
        )
    except ValidationError as error:
        db.session.rollback()
        item = get_own_enrollment(db.session, current_user, enrollment_id)
        return _enrollment_page(item, 422, rating_form=form, problems=[error.message])
    db.session.commit()
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
        # The role the person chose, as on their profile; else the framework's default one.
        chosen = current_target_role_code(db.session, current_user.id)
        fallback = DEFAULT_TARGET_ROLE if DEFAULT_TARGET_ROLE in known_roles else None
        form.role.data = chosen if chosen in known_roles else fallback
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
    profile, standings, vector = person_vector(db.session, current_user, columns, form.role.data)
    own = db.session.execute(
        sa.select(Enrollment.training_id, Enrollment.status).where(
            Enrollment.person_id == current_user.id
        )
    ).all()
    busy = {
        tid for tid, s in own if s in (EnrollmentStatus.COMPLETED, EnrollmentStatus.IN_PROGRESS)
    }
    planned = {tid for tid, s in own if s == EnrollmentStatus.PLANNED}
    result = None
    trainings: dict[int, Training] = {}
    if profile is not None and status == 200:
        result = recommend(
            ranker,
            vector,
            catalogue,
            constraints,
            names=columns.names,
            k=10,
            exclude_keys=busy,
        )
        keys = [item.key for item in result.items]
        trainings = {
            t.id: t for t in db.session.scalars(sa.select(Training).where(Training.id.in_(keys)))
        }
    plan_goals = draft_goals(current_user)
    suggested = {
        item.key: goal_for_training(plan_goals, [r.code for r in item.reasons])
        for item in (result.items if result else ())
    }
    levels_are_synthetic = db.session.scalar(
        sa.select(sa.func.max(sa.case((LevelObservation.is_synthetic, 1), else_=0))).where(
            LevelObservation.subject_key == subject_key_for(current_user.id)
        )
    )
    context = {
        "form": form,
        "profile": profile,
        "standings": standings,
        "names": columns.names,
        "result": result,
        "trainings": trainings,
        "planned": planned,
        "model": loaded,
        # From the profile itself: an assessment counts whichever way it reached the database.
        "has_levels": any(item.level is not None for item in standings),
        "levels_are_synthetic": bool(levels_are_synthetic),
        "constraints": constraints,
        "plan_goals": plan_goals,
        "suggested": suggested,
    }
    return context, status


# ---------------------------------------------------------------- HR: catalogue upkeep


@bp.route("/manage")
@roles_required(*CATALOGUE_EDITORS)
def manage():
    return _listing("training/manage.html", editor=True)


def _input_from(form, competencies: list[Competency]) -> TrainingInput:
    weights = {}
    for competency in competencies:
        value = form[weight_field_name(competency.code)].data
        if value is not None and value != 0:
            weights[competency.uuid] = float(value)
    return TrainingInput(
        title=form.title.data or "",
        provider=form.provider.data or "",
        format=form.format.data,
        hours=form.hours.data,
        cost=form.cost.data,
        currency=form.currency.data,
        language=form.language.data,
        level_min=form.level_min.data,
        level_max=form.level_max.data,
        link=form.link.data or "",
        description=form.description.data or "",
        weights=weights,
    )


def _editor(training: Training | None):
    competencies = _competencies()
    form_class = training_form_class(competencies)
    if request.method == "GET" and training is not None:
        form = form_class(obj=training)
        for link in training.competencies:
            name = weight_field_name(link.competency_code)
            if name in form:
                form[name].data = Decimal(str(link.weight))
        form.version.data = str(training.version)
    else:
        form = form_class()
    status = 200
    problems: list[str] = []
    if form.validate_on_submit():
        data = _input_from(form, competencies)
        try:
            if training is None:
                saved = create_training(db.session, data, current_user)
            else:
                version = parse_id(form.version.data)
                saved = update_training(
                    db.session,
                    training,
                    data,
                    current_user,
                    expected_version=-1 if version is None else version,
                )
        except DomainError as error:
            db.session.rollback()
            problems = [error.message, *error.problems] if error.problems else [error.message]
            status = error.status_code
            if training is not None:
                training = get_training(db.session, training.id, include_inactive=True)
        else:
            db.session.commit()
            flash(f"“{saved.title}” is saved.", "success")
            return redirect(url_for("training.detail", training_id=saved.id), 303)
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "training/form.html",
            form=form,
            training=training,
            problems=problems,
            competencies=competencies,
        ),
        status,
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@roles_required(*CATALOGUE_EDITORS)
def new():
    return _editor(None)


@bp.route("/manage/<int:training_id>/edit", methods=["GET", "POST"])
@roles_required(*CATALOGUE_EDITORS)
def edit(training_id: int):
    return _editor(get_training(db.session, training_id, include_inactive=True))


@bp.route("/manage/<int:training_id>/active", methods=["POST"])
@roles_required(*CATALOGUE_EDITORS)
def set_active(training_id: int):
    training = get_training(db.session, training_id, include_inactive=True)
    wanted = request.form.get("is_active")
    if wanted not in {"0", "1"}:
        flash("Use the Deactivate or Reactivate button.", "danger")
        return redirect(url_for("training.detail", training_id=training.id), 303)
    set_training_active(db.session, training, wanted == "1", current_user)
    db.session.commit()
    state = "offered again" if training.is_active else "deactivated: hidden from browsing"
    flash(f"“{training.title}” is {state}.", "success")
    return redirect(url_for("training.detail", training_id=training.id), 303)
