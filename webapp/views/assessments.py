"""Self-assessment rounds: history, start, one area per page (with autosave), review, submit,
and evidence files. Candidates only, and only their own rounds (others' answer 404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from assessments.evidence_files import EvidenceStore, allowed_types_text, check_upload
from assessments.models import Assessment, EvidenceKind
from assessments.page_save import save_page
from assessments.services import (
    AssessmentLockedError,
    EvidenceInput,
    RatingInput,
    StaleAssessmentError,
    area_progress,
    current_target_choice,
    get_assessment_for,
    get_evidence_for,
    list_self_assessments,
    missing_answers,
    open_self_assessment,
    remove_evidence,
    save_answers,
    start_self_assessment,
)
from competencies.models import Area, Framework
from competencies.services import load_framework_tree
from core.errors import ValidationError
from core.users import Role
from training.assessment_submission import submit_and_record_levels
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.assessments import (
    CONFIDENCE_LABELS,
    INTEREST_LABELS,
    NOT_ASSESSED,
    StartRoundForm,
    SubmitForm,
    VersionOnlyForm,
    build_area_form,
    field_names,
)
from webapp.ids import parse_id
from webapp.transactions import refusal_of

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def evidence_store() -> EvidenceStore:
    """Where evidence files live: PROFICIO_EVIDENCE_DIR, else instance/evidence (not static/)."""
    configured = current_app.config.get("EVIDENCE_DIR")
    return EvidenceStore(
        Path(configured) if configured else Path(current_app.instance_path) / "evidence"
    )


def _max_file_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", 4 * 1024 * 1024))


def _load(assessment_id: int) -> tuple[Assessment, Framework]:
    assessment = get_assessment_for(db.session, current_user, assessment_id)
    framework = load_framework_tree(db.session, assessment.framework_id)
    assert framework is not None
    return assessment, framework


def _requirements(assessment: Assessment) -> dict[int, Any]:
    profile = assessment.role_profile
    if profile is None:
        choice = current_target_choice(db.session, current_user.id)
        profile = choice.role_profile if choice else None
    if profile is None:
        return {}
    return {r.competency_id: r for r in profile.requirements}


# ---------------------------------------------------------------- history and start


@bp.route("/")
@roles_required(Role.CANDIDATE)
def index():
    rounds = list_self_assessments(db.session, current_user.id)
    open_round = next((r for r in rounds if r.is_draft), None)
    changes = {}
    submitted = [r for r in reversed(rounds) if r.is_submitted]
    for previous, current in zip(submitted, submitted[1:], strict=False):
        before = {r.competency_id: r.level for r in previous.ratings if r.is_current}
        up = down = 0
        after_levels = {r.competency_id: r.level for r in current.ratings if r.is_current}
        if previous.framework_id == current.framework_id:
            for cid, level in after_levels.items():
                old = before.get(cid)
                if level is not None and old is not None:
                    up += level > old
                    down += level < old
            changes[current.id] = (up, down)
    return render_template(
        "assessments/index.html",
        rounds=rounds,
        open_round=open_round,
        changes=changes,
        target=current_target_choice(db.session, current_user.id),
        start_form=StartRoundForm(),
    )


@bp.route("/start", methods=["POST"])
@roles_required(Role.CANDIDATE)
def start():
    form = StartRoundForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("assessments.index")), 303
    assessment = start_self_assessment(db.session, current_user, form.note.data or "")
    flash(f"{assessment.label} started. Your answers are saved as you go.", "success")
    return redirect(url_for("assessments.area", assessment_id=assessment.id, position=1))


@bp.route("/<int:assessment_id>")
@roles_required(Role.CANDIDATE)
def detail(assessment_id: int):
    assessment, framework = _load(assessment_id)
    if assessment.is_submitted:
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    progress = area_progress(assessment, framework.areas)
    first_open = next((i for i, (_, done, total) in enumerate(progress, 1) if done < total), 1)
    return redirect(url_for("assessments.area", assessment_id=assessment.id, position=first_open))


# ---------------------------------------------------------------- one area per page


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
    limit = _max_file_bytes()
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
            requirements=_requirements(assessment),
            evidence=[e for e in assessment.evidence if e.removed_at is None],
            confidence_labels=CONFIDENCE_LABELS,
            interest_labels=INTEREST_LABELS,
            evidence_kinds=list(EvidenceKind),
            not_assessed=NOT_ASSESSED,
            problems=problems or [],
            field_problems=field_problems or [],
            conflict=conflict,
            allowed_types=allowed_types_text(),
            max_mb=_max_file_bytes() / (1024 * 1024),
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
    assessment, framework = _load(assessment_id)
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
            max_file_bytes=_max_file_bytes(),
        ),
        (StaleAssessmentError, ValidationError),
    )
    if error is not None:
        assessment, framework = _load(assessment_id)
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
    assessment, framework = _load(assessment_id)
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


# ---------------------------------------------------------------- review, submit, evidence


@bp.route("/<int:assessment_id>/review")
@roles_required(Role.CANDIDATE)
def review(assessment_id: int):
    assessment, framework = _load(assessment_id)
    form = SubmitForm(formdata=None)
    form.version.data = str(assessment.version)
    return _render_review(assessment, framework, form)


def _render_review(assessment, framework, form, *, status=200, problems=None):
    return (
        render_template(
            "assessments/review.html",
            assessment=assessment,
            framework=framework,
            form=form,
            answers=assessment.current_ratings,
            missing={c.id for c in missing_answers(db.session, assessment)},
            progress=area_progress(assessment, framework.areas),
            requirements=_requirements(assessment),
            levels={level.value: level for level in framework.scale_levels},
            evidence=[e for e in assessment.evidence if e.removed_at is None],
            confidence_labels=CONFIDENCE_LABELS,
            interest_labels=INTEREST_LABELS,
            problems=problems or [],
        ),
        status,
    )


@bp.route("/<int:assessment_id>/submit", methods=["POST"])
@roles_required(Role.CANDIDATE)
def submit(assessment_id: int):
    assessment, framework = _load(assessment_id)
    form = SubmitForm()
    if not form.validate():
        return _render_review(assessment, framework, form, status=400)
    _, error = refusal_of(
        lambda: submit_and_record_levels(
            db.session, assessment, current_user, expected_version=int(form.version.data)
        ),
        ValidationError,
    )
    if error is not None:
        assessment, framework = _load(assessment_id)
        return _render_review(
            assessment, framework, form, status=422, problems=[error.message, *error.problems]
        )
    flash(f"{assessment.label} is submitted. Here is your profile.", "success")
    return redirect(url_for("profile.index"), code=303)


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def evidence_remove(assessment_id: int, evidence_id: int):
    assessment, _ = _load(assessment_id)
    form = VersionOnlyForm()
    if not form.validate():
        abort(400)
    remove_evidence(
        db.session, assessment, current_user, evidence_id, expected_version=int(form.version.data)
    )
    flash("The evidence was removed.", "info")
    return redirect(url_for("assessments.review", assessment_id=assessment.id), code=303)


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>/file")
@roles_required(Role.CANDIDATE)
def evidence_file(assessment_id: int, evidence_id: int):
    row = get_evidence_for(db.session, current_user, assessment_id, evidence_id)
    if not row.has_file:
        abort(404)
    path = evidence_store().path_for(row.file_stored_name or "")
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=row.file_content_type,
        as_attachment=True,
        download_name=row.file_original_name or "evidence",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def inject_open_round() -> dict[str, Any]:
    """Lets the home page point a candidate at their open round without a view change."""

    def open_round_for_current_user() -> Assessment | None:
        if not current_user.is_authenticated or not current_user.has_role(Role.CANDIDATE):
            return None
        return open_self_assessment(db.session, current_user.id)

    return {"open_round_for_current_user": open_round_for_current_user}
