"""One area of a self-assessment round per page: the answers and evidence form, its
autosave twin for the page's script, and where each button leads. Routes of the
``assessments`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from assessments.access import AssessmentLockedError, StaleAssessmentError
from assessments.answers import save_answers
from assessments.evidence import EvidenceInput
from assessments.evidence_files import allowed_types_text, check_upload
from assessments.evidence_storage import delete_removed_files
from assessments.models import Assessment, EvidenceKind
from assessments.page_save import save_page
from assessments.ratings import RatingInput
from assessments.submission import area_progress
from competencies.models import Area, Framework
from core.errors import ValidationError
from core.users import Role
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.assessments import (
    CONFIDENCE_LABELS,
    INTEREST_LABELS,
    NOT_ASSESSED,
    build_area_form,
    field_names,
)
from webapp.ids import parse_id
from webapp.transactions import after_commit, refusal_of
from webapp.views.assessments import (
    bp,
    evidence_store,
    load_round,
    max_file_bytes,
    requirements_of,
)


def _area_at(framework: Framework, position: int) -> Area:
    if position < 1 or position > len(framework.areas):
        abort(404)
    return framework.areas[position - 1]


def _parse_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "", NOT_ASSESSED) else None


def _rating_inputs(form: Any, area: Area) -> list[RatingInput]:
    items = []
    for competency in area.competencies:
        names = field_names(competency.id)
        level = form[names["level"]].data
        confidence = form[names["confidence"]].data
        interest = form[names["interest"]].data
        if not any(v not in (None, "") for v in (level, confidence, interest)):
            continue
        items.append(
            RatingInput(
                competency_id=competency.id,
                level=_parse_int(level),
                not_assessed=level == NOT_ASSESSED,
                confidence=_parse_int(confidence),
                interest=_parse_int(interest),
            )
        )
    return items


def _read_upload(storage: FileStorage | None, limit: int) -> tuple[str, bytes] | None:
    if storage is None or not storage.filename:
        return None
    # Read one byte past the limit: enough to know the file is too big, never the whole body.
    return storage.filename, storage.stream.read(limit + 1)


def _evidence_inputs(form: Any, area: Area) -> list[EvidenceInput]:
    """New evidence from the form; file problems are tied to the file field of their competency."""
    items = []
    limit = max_file_bytes()
    for competency in area.competencies:
        names = field_names(competency.id)
        kind = form[names["ev_kind"]].data or ""
        text = (form[names["ev_text"]].data or "").strip()
        url = (form[names["ev_url"]].data or "").strip()
        upload = _read_upload(request.files.get(names["ev_file"]), limit)
        if not (text or url or upload):
            if kind:
                form[names["ev_text"]].errors.append(
                    "Add a text, a link or a file for this evidence."
                )
            continue
        if not kind:
            form[names["ev_kind"]].errors.append("Choose what kind of evidence this is.")
        if upload is not None:
            try:
                check_upload(upload[0], upload[1], limit)
            except ValidationError as error:
                form[names["ev_file"]].errors.extend(error.problems)
        items.append(
            EvidenceInput(
                competency_id=competency.id,
                kind=kind,
                text=text,
                url=url,
                file_name=upload[0] if upload else None,
                file_data=upload[1] if upload else None,
            )
        )
    return items


def _field_problems(form: Any, area: Area) -> list[tuple[str, str]]:
    """Each field error as (message, id of the control to jump to), in page order."""
    result = []
    for competency in area.competencies:
        for key, name in field_names(competency.id).items():
            for message in form[name].errors:
                # Radio groups are reached through their first option.
                anchor = (
                    f"{name}-0"
                    if key == "level"
                    else (f"{name}-1" if key in ("confidence", "interest") else name)
                )
                result.append((f"{competency.name} — {form[name].label.text}: {message}", anchor))
    return result


def _render_area(
    assessment: Assessment,
    framework: Framework,
    position: int,
    form: Any,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    conflict: str | None = None,
    field_problems: list[tuple[str, str]] | None = None,
):
    area = _area_at(framework, position)
    return (
        render_template(
            "assessments/area.html",
            assessment=assessment,
            framework=framework,
            area=area,
            position=position,
            form=form,
            names={c.id: field_names(c.id) for c in area.competencies},
            progress=area_progress(assessment, framework.areas),
            levels={level.value: level for level in framework.scale_levels},
            requirements=requirements_of(assessment),
            evidence=[e for e in assessment.evidence if e.removed_at is None],
            confidence_labels=CONFIDENCE_LABELS,
            interest_labels=INTEREST_LABELS,
            evidence_kinds=list(EvidenceKind),
            not_assessed=NOT_ASSESSED,
            problems=problems or [],
            field_problems=field_problems or [],
            conflict=conflict,
            allowed_types=allowed_types_text(),
            max_mb=max_file_bytes() / (1024 * 1024),
        ),
        status,
    )


def _fill_from_answers(form: Any, assessment: Assessment, area: Area) -> None:
    current = assessment.current_ratings
    for competency in area.competencies:
        rating = current.get(competency.id)
        if rating is None:
            continue
        names = field_names(competency.id)
        form[names["level"]].data = NOT_ASSESSED if rating.level is None else str(rating.level)
        form[names["confidence"]].data = str(rating.confidence) if rating.confidence else None
        form[names["interest"]].data = str(rating.interest) if rating.interest else None


def _next_target(assessment: Assessment, framework: Framework, position: int) -> str:
    action = request.form.get("action", "save")
    goto = request.form.get("goto", "")
    if goto.isdecimal() and 1 <= int(goto) <= len(framework.areas):
        return url_for("assessments.area", assessment_id=assessment.id, position=int(goto))
    if action == "next" and position < len(framework.areas):
        return url_for("assessments.area", assessment_id=assessment.id, position=position + 1)
    if action == "prev" and position > 1:
        return url_for("assessments.area", assessment_id=assessment.id, position=position - 1)
    if action == "review" or (action == "next" and position == len(framework.areas)):
        return url_for("assessments.review", assessment_id=assessment.id)
    return url_for("assessments.area", assessment_id=assessment.id, position=position)


@bp.route("/<int:assessment_id>/areas/<int:position>", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def area(assessment_id: int, position: int):
    assessment, framework = load_round(assessment_id)
    area = _area_at(framework, position)
    if assessment.is_submitted:
        if request.method == "POST":
            raise AssessmentLockedError(assessment)
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    form_class = build_area_form(area.competencies, framework.level_values)
    if request.method == "GET":
        form = form_class(formdata=None)
        form.version.data = str(assessment.version)
        _fill_from_answers(form, assessment, area)
        return _render_area(assessment, framework, position, form)

    form = form_class()
    valid = form.validate()
    evidence = _evidence_inputs(form, area) if valid else []
    if not valid or any(form[n].errors for n in form._fields):
        return _render_area(
            assessment,
            framework,
            position,
            form,
            status=400,
            problems=["Nothing was saved. Please correct the answers marked below."],
            field_problems=_field_problems(form, area),
        )
    removed_evidence_id = parse_id(request.form.get("remove_evidence", ""))
    result, error = refusal_of(
        lambda: save_page(
            db.session,
            assessment,
            current_user,
            expected_version=int(form.version.data),
            ratings=_rating_inputs(form, area),
            evidence=evidence,
            removed_evidence_id=removed_evidence_id,
            store=evidence_store(),
            max_file_bytes=max_file_bytes(),
            quota_bytes=current_app.config["EVIDENCE_QUOTA_BYTES"],
        ),
        (StaleAssessmentError, ValidationError),
    )
    if error is None and removed_evidence_id is not None:
        # The file of evidence taken off goes once the removal is committed.
        after_commit(lambda: delete_removed_files(db.session, evidence_store(), assessment.id))
    if error is not None:
        assessment, framework = load_round(assessment_id)
        if isinstance(error, StaleAssessmentError):
            form.version.data = str(assessment.version)
            return _render_area(
                assessment, framework, position, form, status=409, conflict=error.message
            )
        problems = [error.message, *error.problems]
        return _render_area(assessment, framework, position, form, status=422, problems=problems)
    if removed_evidence_id is not None:
        flash("The evidence was removed.", "info")
    elif result.changed:
        flash(f"Saved “{area.name}”.", "success")
    return redirect(_next_target(assessment, framework, position), code=303)


@bp.route("/<int:assessment_id>/areas/<int:position>/autosave", methods=["POST"])
@roles_required(Role.CANDIDATE)
def autosave(assessment_id: int, position: int):
    """The JSON twin of the area form for the autosave script: answers only, no evidence."""
    assessment, framework = load_round(assessment_id)
    area = _area_at(framework, position)
    form = build_area_form(area.competencies, framework.level_values)()
    if not form.validate():
        problems = [
            f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()
        ]
        return jsonify(
            error="The data could not be accepted",
            message="Not saved: " + " ".join(problems),
            problems=problems,
            fields=form.errors,
        ), 400
    result = save_answers(
        db.session,
        assessment,
        current_user,
        expected_version=int(form.version.data),
        ratings=_rating_inputs(form, area),
    )
    saved_at = result.saved_at or assessment.updated_at
    return jsonify(
        version=result.version,
        changed=result.ratings_changed,
        saved_at=saved_at.isoformat(),
        message=(
            f"All changes saved at {saved_at.strftime('%H:%M:%S')} UTC."
            if result.changed
            else "No changes to save."
        ),
        progress=[
            {"area": a.name, "answered": done, "total": total}
            for a, done, total in area_progress(assessment, framework.areas)
        ],
    )
