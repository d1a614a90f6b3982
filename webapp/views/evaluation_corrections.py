"""Submitted rating sheets, read by the project's people, and their author's corrections
(each one appended with a reason, the earlier rating kept). Routes of the ``evaluations``
blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessments.access import can_edit_assessment
from assessments.models import Assessment
from assessments.ratings import answerable_competencies
from assessments.submission import correct_submitted_rating
from competencies.models import Framework
from core.errors import ValidationError
from core.users import Role
from evaluations.project_access import can_rate_in_project
from evaluations.sheets import get_project_sheet_for
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.assessments import NOT_ASSESSED
from webapp.forms.evaluations import CorrectionForm
from webapp.transactions import refusal_of
from webapp.views.evaluation_sheets import sheet_framework
from webapp.views.evaluations import VIEWERS, audit_hr_view, bp, load_project


def _correction_form(
    sheet_row: Assessment, framework: Framework, formdata: Any = None
) -> CorrectionForm:
    form = (
        CorrectionForm(formdata=formdata) if formdata is not None else CorrectionForm(formdata=None)
    )
    competencies = answerable_competencies(db.session, sheet_row)
    ordered = sorted(competencies.values(), key=lambda c: (c.area.position, c.position))
    form.competency_id.choices = [("", "Choose…")] + [(str(c.id), c.name) for c in ordered]
    form.level.choices = (
        [("", "Choose…")]
        + [(str(s.value), f"{s.value} — {s.name}") for s in framework.scale_levels]
        + [(NOT_ASSESSED, "Not observed")]
    )
    if formdata is None:
        form.version.data = str(sheet_row.version)
    return form


def _render_sheet_view(project, sheet_row, correction_form=None, status=200, problems=None):
    framework = sheet_framework(project)
    correction_form = correction_form or _correction_form(sheet_row, framework)
    competencies = answerable_competencies(db.session, sheet_row)
    ordered = sorted(competencies.values(), key=lambda c: (c.area.position, c.position))
    history: dict[int, list[Any]] = {}
    for rating in sheet_row.ratings:
        if rating.reason:
            history.setdefault(rating.competency_id, []).append(rating)
    by_id = {r.id: r for r in sheet_row.ratings}
    return (
        render_template(
            "evaluations/sheet_view.html",
            project=project,
            sheet=sheet_row,
            competencies=ordered,
            current=sheet_row.current_ratings,
            history=history,
            ratings_by_id=by_id,
            levels={level.value: level for level in framework.scale_levels},
            requirements={r.competency_id: r for r in sheet_row.role_profile.requirements},
            evidence=[e for e in sheet_row.evidence if e.removed_at is None],
            can_correct=sheet_row.assessor_id == current_user.id
            and can_rate_in_project(current_user, project),
            form=correction_form,
            problems=problems or [],
        ),
        status,
    )


@bp.route("/<int:project_id>/sheets/<int:assessment_id>")
@roles_required(*VIEWERS)
def sheet_view(project_id: int, assessment_id: int):
    project = load_project(project_id)
    sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
    if sheet_row.is_draft:
        return redirect(
            url_for("evaluations.sheet", project_id=project_id, candidate_id=sheet_row.subject_id)
        )
    audit_hr_view(project, "sheet.view")
    return _render_sheet_view(project, sheet_row)


@bp.route("/<int:project_id>/sheets/<int:assessment_id>/corrections", methods=["POST"])
@roles_required(Role.MANAGER)
def sheet_correct(project_id: int, assessment_id: int):
    project = load_project(project_id)
    sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
    if not can_edit_assessment(current_user, sheet_row):
        # Readers of a submitted sheet may not correct it: only its author may.
        abort(404)
    framework = sheet_framework(project)
    form = _correction_form(sheet_row, framework, formdata=request.form)
    if not form.validate():
        return _render_sheet_view(project, sheet_row, form, status=400)
    level = None if form.level.data == NOT_ASSESSED else int(form.level.data)
    _, error = refusal_of(
        lambda: correct_submitted_rating(
            db.session,
            sheet_row,
            current_user,
            competency_id=int(form.competency_id.data),
            level=level,
            reason=form.reason.data,
            expected_version=int(form.version.data),
        ),
        ValidationError,
    )
    if error is not None:
        project = load_project(project_id)
        sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
        return _render_sheet_view(project, sheet_row, form, 422, [error.message, *error.problems])
    flash("The correction is recorded; the earlier rating stays in the history.", "success")
    return redirect(
        url_for("evaluations.sheet_view", project_id=project_id, assessment_id=assessment_id),
        code=303,
    )
