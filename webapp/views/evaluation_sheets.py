"""The evaluator's rating sheet (draft, autosave, submit) and submitted sheets with their
corrections. Routes of the ``evaluations`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assessments.access import AssessmentLockedError, StaleAssessmentError
from assessments.evidence import EvidenceInput
from assessments.models import Assessment, EvidenceKind
from assessments.ratings import RatingInput
from assessments.submission import missing_answers, submit_assessment
from competencies.models import Framework, RoleProfile
from competencies.services import load_framework_tree
from core.errors import ConflictError, DomainError, ValidationError
from core.users import Role
from evaluations.models import EvaluationProject
from evaluations.project_access import can_rate_in_project
from evaluations.sheet_save import save_sheet_page
from evaluations.sheets import get_sheet
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.assessments import NOT_ASSESSED, field_names
from webapp.forms.evaluations import (
    SubmitSheetForm,
    build_sheet_form,
)
from webapp.ids import parse_id
from webapp.transactions import refusal_of
from webapp.views.evaluations import bp, load_project, project_candidate

# ---------------------------------------------------------------- the evaluator's rating sheet


def sheet_framework(project: EvaluationProject) -> Framework:
    framework = load_framework_tree(db.session, project.role_profile.framework_id)
    assert framework is not None
    return framework


def _sheet_areas(framework: Framework, profile: RoleProfile) -> list[tuple[Any, list[Any]]]:
    asked = {r.competency_id for r in profile.requirements}
    areas = []
    for area in framework.areas:
        competencies = [c for c in area.competencies if c.id in asked]
        if competencies:
            areas.append((area, competencies))
    return areas


def _rating_inputs(form: Any, competencies: list[Any]) -> list[RatingInput]:
    items = []
    for competency in competencies:
        value = form[field_names(competency.id)["level"]].data
        if value in (None, ""):
            continue
        items.append(
            RatingInput(
                competency_id=competency.id,
                level=int(value) if value != NOT_ASSESSED else None,
                not_assessed=value == NOT_ASSESSED,
            )
        )
    return items


def _evidence_inputs(form: Any, competencies: list[Any]) -> list[EvidenceInput]:
    items = []
    for competency in competencies:
        names = field_names(competency.id)
        kind = form[names["ev_kind"]].data or ""
        text = (form[names["ev_text"]].data or "").strip()
        url = (form[names["ev_url"]].data or "").strip()
        if not (text or url):
            if kind:
                form[names["ev_text"]].errors.append("Write what you saw, or add a link.")
            continue
        if not kind:
            form[names["ev_kind"]].errors.append("Choose what kind of evidence this is.")
        items.append(EvidenceInput(competency.id, kind, text=text, url=url))
    return items


def _render_sheet(
    project: EvaluationProject,
    candidate: Any,
    sheet: Assessment | None,
    form: Any,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    conflict: str | None = None,
    submit_form: SubmitSheetForm | None = None,
):
    framework = sheet_framework(project)
    profile = sheet.role_profile if sheet and sheet.role_profile else project.role_profile
    areas = _sheet_areas(framework, profile)
    answered = set(sheet.current_ratings) if sheet else set()
    submit_form = submit_form or SubmitSheetForm(formdata=None)
    submit_form.version.data = str(sheet.version) if sheet else "0"
    field_problems = []
    for _, competencies in areas:
        for c in competencies:
            for key, name in field_names(c.id).items():
                if name not in form._fields:
                    continue
                label = form[name].label.text
                # The level's label already names the competency.
                where = label if key == "level" else f"{c.name} — {label}"
                anchor = f"{name}-0" if key == "level" else name
                field_problems.extend((f"{where}: {m}", anchor) for m in form[name].errors)
    return (
        render_template(
            "evaluations/sheet.html",
            project=project,
            candidate=candidate,
            sheet=sheet,
            form=form,
            areas=areas,
            names={c.id: field_names(c.id) for _, cs in areas for c in cs},
            levels={level.value: level for level in framework.scale_levels},
            requirements={r.competency_id: r for r in profile.requirements},
            answered=answered,
            total=sum(len(cs) for _, cs in areas),
            evidence=[e for e in (sheet.evidence if sheet else []) if e.removed_at is None],
            evidence_kinds=list(EvidenceKind),
            not_assessed=NOT_ASSESSED,
            problems=problems or [],
            field_problems=field_problems,
            conflict=conflict,
            submit_form=submit_form,
            missing=len(missing_answers(db.session, sheet)) if sheet else None,
        ),
        status,
    )


def _sheet_form_class(project: EvaluationProject):
    framework = sheet_framework(project)
    competencies = [c for _, cs in _sheet_areas(framework, project.role_profile) for c in cs]
    return build_sheet_form(competencies, framework.level_values), competencies


def _fill(form: Any, sheet: Assessment | None) -> None:
    if sheet is None:
        return
    for competency_id, rating in sheet.current_ratings.items():
        name = field_names(competency_id)["level"]
        if name in form._fields:
            form[name].data = NOT_ASSESSED if rating.level is None else str(rating.level)


def _rater_only(project: EvaluationProject) -> None:
    if not can_rate_in_project(current_user, project):
        if project.is_archived:
            raise ConflictError("This project is archived: its rating sheets can no longer change.")
        abort(403)


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/sheet", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def sheet(project_id: int, candidate_id: int):
    project = load_project(project_id)
    candidate = project_candidate(project, candidate_id)
    existing = get_sheet(db.session, project, current_user.id, candidate_id)
    if existing is not None and existing.is_submitted:
        if request.method == "POST":
            raise AssessmentLockedError(existing)
        return redirect(
            url_for("evaluations.sheet_view", project_id=project_id, assessment_id=existing.id)
        )
    _rater_only(project)
    form_class, competencies = _sheet_form_class(project)
    if request.method == "GET":
        form = form_class(formdata=None)
        form.version.data = str(existing.version) if existing else "0"
        _fill(form, existing)
        return _render_sheet(project, candidate, existing, form)

    form = form_class()
    valid = form.validate()
    evidence = _evidence_inputs(form, competencies) if valid else []
    if not valid or any(form[n].errors for n in form._fields):
        return _render_sheet(
            project,
            candidate,
            existing,
            form,
            status=400,
            problems=["Nothing was saved. Please correct the answers marked below."],
        )
    removed_evidence_id = parse_id(request.form.get("remove_evidence", ""))
    saved, error = refusal_of(
        lambda: save_sheet_page(
            db.session,
            project,
            current_user,
            candidate_id,
            existing,
            posted_version=int(form.version.data),
            ratings=_rating_inputs(form, competencies),
            evidence=evidence,
            removed_evidence_id=removed_evidence_id,
        ),
        (StaleAssessmentError, ValidationError),
    )
    if error is not None:
        return _refused_sheet(project_id, candidate_id, form, error)
    _, result = saved
    if removed_evidence_id is not None:
        flash("The evidence note was removed.", "info")
    elif result.changed:
        flash(f"Saved your ratings of {candidate.name}.", "success")
    target = url_for("evaluations.sheet", project_id=project_id, candidate_id=candidate_id)
    if request.form.get("action") == "review":
        target += "#submit-heading"
    return redirect(target, code=303)


def _refused_sheet(project_id: int, candidate_id: int, form: Any, error: DomainError, **extra):
    """The sheet again, as stored, with the form as sent and why it was not saved."""
    project = load_project(project_id)
    existing = get_sheet(db.session, project, current_user.id, candidate_id)
    candidate = project_candidate(project, candidate_id)
    if isinstance(error, StaleAssessmentError):
        form.version.data = str(existing.version) if existing else "0"
        return _render_sheet(project, candidate, existing, form, status=409, conflict=error.message)
    problems = [error.message, *error.problems]
    return _render_sheet(project, candidate, existing, form, status=422, problems=problems, **extra)


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/sheet/autosave", methods=["POST"])
@roles_required(Role.MANAGER)
def sheet_autosave(project_id: int, candidate_id: int):
    """The JSON twin of the sheet form for the autosave script: levels only."""
    project = load_project(project_id)
    project_candidate(project, candidate_id)
    _rater_only(project)
    form_class, competencies = _sheet_form_class(project)
    form = form_class()
    if not form.validate():
        problems = [f"{form[n].label.text}: {' '.join(errs)}" for n, errs in form.errors.items()]
        return jsonify(message="Not saved: " + " ".join(problems), problems=problems), 400
    existing, result = save_sheet_page(
        db.session,
        project,
        current_user,
        candidate_id,
        get_sheet(db.session, project, current_user.id, candidate_id),
        posted_version=int(form.version.data),
        ratings=_rating_inputs(form, competencies),
    )
    saved_at = result.saved_at or existing.updated_at
    return jsonify(
        version=result.version,
        changed=result.ratings_changed,
        message=(
            f"All changes saved at {saved_at.strftime('%H:%M:%S')} UTC."
            if result.changed
            else "No changes to save."
        ),
    )


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/sheet/submit", methods=["POST"])
@roles_required(Role.MANAGER)
def sheet_submit(project_id: int, candidate_id: int):
    project = load_project(project_id)
    candidate = project_candidate(project, candidate_id)
    existing = get_sheet(db.session, project, current_user.id, candidate_id)
    if existing is None:
        abort(404)
    form_class, _ = _sheet_form_class(project)
    form = form_class(formdata=None)
    form.version.data = str(existing.version)
    _fill(form, existing)
    submit_form = SubmitSheetForm()
    if not submit_form.validate():
        return _render_sheet(
            project, candidate, existing, form, status=400, submit_form=submit_form
        )
    _, error = refusal_of(
        lambda: submit_assessment(
            db.session, existing, current_user, expected_version=int(submit_form.version.data)
        ),
        ValidationError,
    )
    if error is not None:
        return _refused_sheet(project_id, candidate_id, form, error, submit_form=submit_form)
    flash(f"Your rating sheet for {candidate.name} is submitted.", "success")
    return redirect(url_for("evaluations.detail", project_id=project_id), code=303)
