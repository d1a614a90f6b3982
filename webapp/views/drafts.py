"""The draft editor: a version's details, scale, areas and competencies (HR and admin)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies.competency_editing import (
    CompetencyInput,
    add_competency,
    competency_input,
    get_competency,
    move_competency,
    remove_competency,
    update_competency,
)
from competencies.drafts import get_framework, require_draft
from competencies.editing import (
    ScaleLevelInput,
    add_area,
    get_area,
    remove_area,
    update_area,
    update_framework_details,
    update_scale,
)
from competencies.models import Competency, Framework, RoleRequirement
from webapp.auth import roles_required
from webapp.editor_forms import editor_form_view
from webapp.extensions import db
from webapp.forms.frameworks import (
    AreaForm,
    CompetencyForm,
    ConfirmForm,
    FrameworkDetailsForm,
    ScaleForm,
)
from webapp.transactions import form_status, problems_of
from webapp.views.versions import EDITORS, load_tree

bp = Blueprint("drafts", __name__, url_prefix="/framework/versions/<int:framework_id>")


def _draft(framework_id: int, tree: bool = False) -> Framework:
    framework = load_tree(framework_id) if tree else get_framework(db.session, framework_id)
    require_draft(framework)
    return framework


def _back(framework: Framework, anchor: str = ""):
    return redirect(url_for("versions.detail", framework_id=framework.id) + anchor)


@bp.route("/details", methods=["GET", "POST"])
@roles_required(*EDITORS)
def details(framework_id: int):
    framework = _draft(framework_id)
    form = FrameworkDetailsForm(obj=None if request.method == "POST" else framework)
    if request.method == "GET":
        form.lock_version.data = str(framework.lock_version)
    return editor_form_view(
        form,
        lambda: update_framework_details(
            db.session,
            framework,
            current_user,
            name=form.name.data,
            version_label=form.version_label.data,
            code=form.code.data or "",
            description=form.description.data or "",
            change_note=form.change_note.data or "",
            source=form.source.data or "",
            expected_lock=form.expected_lock(),
        ),
        saved=lambda _: ("The draft's details were saved.", _back(framework)),
        page=lambda problems: render_template(
            "drafts/details.html", framework=framework, form=form, problems=problems
        ),
    )


@bp.route("/scale", methods=["GET", "POST"])
@roles_required(*EDITORS)
def scale(framework_id: int):
    framework = _draft(framework_id, tree=True)
    form = ScaleForm()
    if request.method == "GET":
        form.scale_name.data = framework.scale_name
        form.lock_version.data = str(framework.lock_version)
        for level in framework.scale_levels:
            form.levels.append_entry(
                {"value": level.value, "name": level.name, "description": level.description}
            )
    return editor_form_view(
        form,
        lambda: update_scale(
            db.session,
            framework,
            current_user,
            scale_name=form.scale_name.data,
            levels=[
                ScaleLevelInput(level.value.data, level.name.data, level.description.data or "")
                for level in (entry.form for entry in form.levels)
            ],
            expected_lock=form.expected_lock(),
        ),
        saved=lambda _: ("The scale was saved.", _back(framework, "#scale")),
        page=lambda problems: render_template(
            "drafts/scale.html", framework=framework, form=form, problems=problems
        ),
    )


@bp.route("/areas/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_area(framework_id: int):
    framework = _draft(framework_id)
    form = AreaForm()
    return editor_form_view(
        form,
        lambda: add_area(
            db.session,
            framework,
            current_user,
            code=form.code.data,
            name=form.name.data,
            description=form.description.data or "",
        ),
        saved=lambda _: (f"Area {form.name.data} was added.", _back(framework, "#areas")),
        page=lambda problems: render_template(
            "drafts/area.html", framework=framework, area=None, form=form, problems=problems
        ),
    )


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_area(framework_id: int, area_id: int):
    framework = _draft(framework_id)
    area = get_area(db.session, framework, area_id)
    form = AreaForm(obj=None if request.method == "POST" else area)
    if request.method == "GET":
        form.lock_version.data = str(area.lock_version)
    return editor_form_view(
        form,
        lambda: update_area(
            db.session,
            area,
            current_user,
            code=form.code.data,
            name=form.name.data,
            description=form.description.data or "",
            expected_lock=form.expected_lock(),
        ),
        saved=lambda _: (f"Area {area.name} was saved.", _back(framework, "#areas")),
        page=lambda problems: render_template(
            "drafts/area.html", framework=framework, area=area, form=form, problems=problems
        ),
    )


@bp.route("/areas/<int:area_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_area(framework_id: int, area_id: int):
    framework = _draft(framework_id)
    area = get_area(db.session, framework, area_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = area.name
    remove_area(db.session, area, current_user)
    flash(f"Area {name} was removed.", "success")
    return _back(framework, "#areas")


def _competency_form(framework: Framework, competency: Competency | None) -> CompetencyForm:
    form = CompetencyForm()
    form.area_id.choices = [(a.id, f"{a.code} — {a.name}") for a in framework.areas]
    others = [c for c in framework.competencies if competency is None or c.id != competency.id]
    form.parent_id.choices = [("", "none"), *[(c.id, f"{c.code} — {c.name}") for c in others]]
    form.related_ids.choices = [(c.id, f"{c.code} — {c.name}") for c in others]
    if request.method == "GET":
        values = competency_input(competency) if competency else None
        if competency is not None:
            form.lock_version.data = str(competency.lock_version)
            for name in ("code", "name", "description", "category", "pmi_side"):
                getattr(form, name).data = getattr(values, name)
            for name in ("ecf_code", "sfia_code", "icb4_element", "esco_uri"):
                getattr(form, name).data = getattr(values, name)
            form.area_id.data = competency.area_id
            form.parent_id.data = competency.parent_id
            form.related_ids.data = [
                r.related_id if r.competency_id == competency.id else r.competency_id
                for r in framework.relations
                if competency.id in (r.competency_id, r.related_id)
            ]
        else:
            area_arg = request.args.get("area", "")
            form.area_id.data = (
                int(area_arg) if area_arg.isdecimal() and len(area_arg) < 10 else None
            )
        texts = values.descriptors if values else {}
        for level in framework.scale_levels:
            form.descriptors.append_entry(
                {"level": level.value, "text": texts.get(level.value, "")}
            )
    return form


def _input(form: CompetencyForm) -> CompetencyInput:
    return CompetencyInput(
        code=form.code.data or "",
        name=form.name.data or "",
        area_id=form.area_id.data,
        description=form.description.data or "",
        parent_id=form.parent_id.data,
        category=form.category.data or "",
        pmi_side=form.pmi_side.data or "",
        ecf_code=form.ecf_code.data or "",
        sfia_code=form.sfia_code.data or "",
        icb4_element=form.icb4_element.data or "",
        esco_uri=form.esco_uri.data or "",
        descriptors={e.form.level.data: e.form.text.data or "" for e in form.descriptors},
        related_ids=list(form.related_ids.data or []),
    )


def _render_competency(framework, competency, form, problems):
    levels = {level.value: level for level in framework.scale_levels}
    return render_template(
        "drafts/competency.html",
        framework=framework,
        competency=competency,
        form=form,
        levels=levels,
        problems=problems,
    ), form_status(form, problems)


@bp.route("/competencies/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_competency(framework_id: int):
    framework = _draft(framework_id, tree=True)
    form = _competency_form(framework, None)
    problems: list[str] = []
    if form.validate_on_submit():
        competency, problems = problems_of(
            lambda: add_competency(db.session, framework, current_user, _input(form))
        )
        if competency is not None:
            flash(f"Competency {competency.code} was added.", "success")
            return _back(framework, f"#competency-{competency.id}")
    return _render_competency(framework, None, form, problems)


@bp.route("/competencies/<int:competency_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_competency(framework_id: int, competency_id: int):
    framework = _draft(framework_id, tree=True)
    competency = get_competency(db.session, framework, competency_id)
    form = _competency_form(framework, competency)
    problems: list[str] = []
    if form.validate_on_submit():
        _, problems = problems_of(
            lambda: update_competency(
                db.session, competency, current_user, _input(form), form.expected_lock()
            )
        )
        if not problems:
            flash(f"Competency {competency.code} was saved.", "success")
            return _back(framework, f"#competency-{competency.id}")
    return _render_competency(framework, competency, form, problems)


@bp.route("/competencies/<int:competency_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def delete_competency(framework_id: int, competency_id: int):
    framework = _draft(framework_id)
    competency = get_competency(db.session, framework, competency_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        code = competency.code
        remove_competency(db.session, competency, current_user)
        flash(f"Competency {code} was removed from draft {framework.version_label}.", "success")
        return _back(framework, "#areas")
    requirements = db.session.scalars(
        sa.select(RoleRequirement).where(RoleRequirement.competency_id == competency.id)
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "drafts/delete_competency.html",
        framework=framework,
        competency=competency,
        requirements=requirements,
        form=form,
    ), status


@bp.route("/competencies/<int:competency_id>/move", methods=["POST"])
@roles_required(*EDITORS)
def move(framework_id: int, competency_id: int):
    framework = _draft(framework_id)
    competency = get_competency(db.session, framework, competency_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    direction = request.form.get("direction", "")
    move_competency(db.session, competency, current_user, direction)
    return _back(framework, f"#competency-{competency.id}")
