"""The role-profile editor inside a draft: one table of every competency (HR and admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies.drafts import get_framework, require_draft
from competencies.models import Framework, RoleProfile
from competencies.role_profiles import (
    RequirementChoice,
    copy_profile,
    create_profile,
    get_profile,
    set_profile_retired,
    set_requirements,
    update_profile_details,
)
from webapp.auth import roles_required
from webapp.editor_forms import editor_form_view
from webapp.extensions import db
from webapp.forms.frameworks import ConfirmForm, CopyProfileForm, NewProfileForm, ProfileForm
from webapp.transactions import form_status, problems_of
from webapp.views.versions import EDITORS, load_tree

bp = Blueprint("role_profiles", __name__, url_prefix="/framework/versions/<int:framework_id>/roles")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _editor_form(framework: Framework, profile: RoleProfile) -> ProfileForm:
    form = ProfileForm()
    targets = [
        ("", "—"),
        *[(str(level.value), str(level.value)) for level in framework.scale_levels],
    ]
    if request.method == "GET":
        form.code.data, form.name.data = profile.code, profile.name
        form.description.data = profile.description
        form.qualifications.data = "\n".join(profile.qualifications or [])
        form.lock_version.data = str(profile.lock_version)
        current = {r.competency_id: r for r in profile.requirements}
        for competency in sorted(framework.competencies, key=lambda c: c.position):
            requirement = current.get(competency.id)
            form.rows.append_entry(
                {
                    "competency_id": competency.id,
                    "requirement": requirement.requirement if requirement else "",
                    "target": requirement.target_level if requirement else None,
                }
            )
    for row in form.rows:
        row.form.target.choices = targets
    return form


@bp.route("/<int:profile_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(framework_id: int, profile_id: int):
    framework = load_tree(framework_id)
    require_draft(framework)
    profile = get_profile(db.session, framework, profile_id)
    form = _editor_form(framework, profile)
    problems: list[str] = []
    if form.validate_on_submit():
        choices = {
            row.form.competency_id.data: RequirementChoice(
                row.form.requirement.data or None, row.form.target.data
            )
            for row in form.rows
        }

        def save() -> None:
            update_profile_details(
                db.session,
                profile,
                current_user,
                code=form.code.data,
                name=form.name.data,
                description=form.description.data or "",
                qualifications=_lines(form.qualifications.data),
                expected_lock=form.expected_lock(),
            )
            set_requirements(db.session, profile, current_user, choices)

        _, problems = problems_of(save)
        if not problems:
            flash(f"Role profile {profile.name} was saved.", "success")
            return redirect(url_for("versions.detail", framework_id=framework.id) + "#roles")
    competencies = {c.id: c for c in framework.competencies}
    return render_template(
        "role_profiles/edit.html",
        framework=framework,
        profile=profile,
        form=form,
        competencies=competencies,
        problems=problems,
    ), form_status(form, problems)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new(framework_id: int):
    framework = get_framework(db.session, framework_id)
    require_draft(framework)
    form = NewProfileForm()
    return editor_form_view(
        form,
        lambda: create_profile(
            db.session,
            framework,
            current_user,
            code=form.code.data,
            name=form.name.data,
            description=form.description.data or "",
            qualifications=_lines(form.qualifications.data),
        ),
        saved=lambda profile: (
            f"Role profile {profile.name} was created; now set its requirements.",
            _to_editor(framework, profile),
        ),
        page=lambda problems: render_template(
            "role_profiles/new.html", framework=framework, form=form, problems=problems
        ),
    )


def _to_editor(framework, profile):
    return redirect(url_for("role_profiles.edit", framework_id=framework.id, profile_id=profile.id))


@bp.route("/<int:profile_id>/copy", methods=["GET", "POST"])
@roles_required(*EDITORS)
def copy(framework_id: int, profile_id: int):
    framework = get_framework(db.session, framework_id)
    require_draft(framework)
    profile = get_profile(db.session, framework, profile_id)
    form = CopyProfileForm()
    if request.method == "GET":
        form.code.data = f"{profile.code}-COPY"[:40]
        form.name.data = f"{profile.name} (copy)"
    return editor_form_view(
        form,
        lambda: copy_profile(
            db.session, profile, current_user, code=form.code.data, name=form.name.data
        ),
        saved=lambda duplicate: (
            f"{duplicate.name} was created from {profile.name}.",
            _to_editor(framework, duplicate),
        ),
        page=lambda problems: render_template(
            "role_profiles/copy.html",
            framework=framework,
            profile=profile,
            form=form,
            problems=problems,
        ),
    )


def _set_retired(framework_id: int, profile_id: int, retired: bool):
    framework = get_framework(db.session, framework_id)
    require_draft(framework)
    profile = get_profile(db.session, framework, profile_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    set_profile_retired(db.session, profile, current_user, retired)
    state = "retired: nobody is offered it as a target any more" if retired else "in use again"
    flash(f"{profile.name} is {state}.", "success")
    return redirect(url_for("versions.detail", framework_id=framework.id) + "#roles")


@bp.route("/<int:profile_id>/retire", methods=["POST"])
@roles_required(*EDITORS)
def retire(framework_id: int, profile_id: int):
    return _set_retired(framework_id, profile_id, True)


@bp.route("/<int:profile_id>/reinstate", methods=["POST"])
@roles_required(*EDITORS)
def reinstate(framework_id: int, profile_id: int):
    return _set_retired(framework_id, profile_id, False)
