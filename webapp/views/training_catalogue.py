"""HR's upkeep of the training catalogue: the editor's list, new and changed trainings,
deactivating and reactivating. Routes of the ``training`` blueprint."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies.models import Competency
from training.catalogue import (
    TrainingInput,
    create_training,
    get_training,
    set_training_active,
    update_training,
)
from training.models import Training
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.training import training_form_class, weight_field_name
from webapp.ids import parse_id
from webapp.transactions import refusal_of
from webapp.views.training import CATALOGUE_EDITORS, bp, catalogue_listing, current_competencies

# ---------------------------------------------------------------- HR: catalogue upkeep


@bp.route("/manage")
@roles_required(*CATALOGUE_EDITORS)
def manage():
    return catalogue_listing("training/manage.html", editor=True)


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


def _save(training: Training | None, data: TrainingInput, form) -> Training:
    if training is None:
        return create_training(db.session, data, current_user)
    version = parse_id(form.version.data)
    return update_training(
        db.session,
        training,
        data,
        current_user,
        expected_version=-1 if version is None else version,
    )


def _editor(training: Training | None):
    competencies = current_competencies()
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
        saved, error = refusal_of(lambda: _save(training, _input_from(form, competencies), form))
        if error is None:
            flash(f"“{saved.title}” is saved.", "success")
            return redirect(url_for("training.detail", training_id=saved.id), 303)
        problems = [error.message, *error.problems]
        status = error.status_code
        if training is not None:
            training = get_training(db.session, training.id, include_inactive=True)
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
    state = "offered again" if training.is_active else "deactivated: hidden from browsing"
    flash(f"“{training.title}” is {state}.", "success")
    return redirect(url_for("training.detail", training_id=training.id), 303)
