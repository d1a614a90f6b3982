"""Self-assessment rounds: history, start, one area per page (with autosave), review, submit,
and evidence files. Candidates only, and only their own rounds (others' answer 404)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user

from assessments.access import get_assessment_for
from assessments.evidence import get_evidence_for, remove_evidence
from assessments.evidence_files import EvidenceStore
from assessments.evidence_storage import delete_removed_files
from assessments.models import Assessment
from assessments.round_changes import level_changes
from assessments.rounds import list_self_assessments, open_self_assessment, start_self_assessment
from assessments.submission import area_progress, missing_answers
from assessments.target_roles import current_target_choice
from competencies.models import Framework
from competencies.services import load_framework_tree
from core.errors import ValidationError
from core.users import Role
from training.assessment_submission import submit_and_record_levels
from webapp.auth import roles_required
from webapp.extensions import db, talisman
from webapp.forms.assessments import (
    CONFIDENCE_LABELS,
    INTEREST_LABELS,
    StartRoundForm,
    SubmitForm,
    VersionOnlyForm,
)
from webapp.plan_helpers import evidence_root
from webapp.transactions import after_commit, refusal_of

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def evidence_store() -> EvidenceStore:
    """Where evidence files live: PROFICIO_EVIDENCE_DIR, else instance/evidence (not static/)."""
    return EvidenceStore(evidence_root(current_app))


def max_file_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", 4 * 1024 * 1024))


def load_round(assessment_id: int) -> tuple[Assessment, Framework]:
    assessment = get_assessment_for(db.session, current_user, assessment_id)
    framework = load_framework_tree(db.session, assessment.framework_id)
    assert framework is not None
    return assessment, framework


def requirements_of(assessment: Assessment) -> dict[int, Any]:
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
    return render_template(
        "assessments/index.html",
        rounds=rounds,
        open_round=open_round,
        changes=level_changes(rounds),
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
    assessment, framework = load_round(assessment_id)
    if assessment.is_submitted:
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    progress = area_progress(assessment, framework.areas)
    first_open = next((i for i, (_, done, total) in enumerate(progress, 1) if done < total), 1)
    return redirect(url_for("assessments.area", assessment_id=assessment.id, position=first_open))


# ---------------------------------------------------------------- review, submit, evidence


@bp.route("/<int:assessment_id>/review")
@roles_required(Role.CANDIDATE)
def review(assessment_id: int):
    assessment, framework = load_round(assessment_id)
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
            requirements=requirements_of(assessment),
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
    assessment, framework = load_round(assessment_id)
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
        assessment, framework = load_round(assessment_id)
        return _render_review(
            assessment, framework, form, status=422, problems=[error.message, *error.problems]
        )
    flash(f"{assessment.label} is submitted. Here is your profile.", "success")
    return redirect(url_for("profile.index"), code=303)


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def evidence_remove(assessment_id: int, evidence_id: int):
    assessment, _ = load_round(assessment_id)
    form = VersionOnlyForm()
    if not form.validate():
        abort(400)
    remove_evidence(
        db.session, assessment, current_user, evidence_id, expected_version=int(form.version.data)
    )
    # The file goes once the removal is committed.
    after_commit(lambda: delete_removed_files(db.session, evidence_store(), assessment.id))
    flash("The evidence was removed.", "info")
    return redirect(url_for("assessments.review", assessment_id=assessment.id), code=303)


# An uploaded file runs nothing and loads nothing, even if a browser renders it.
EVIDENCE_CSP = {"default-src": "'none'", "sandbox": ""}


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>/file")
# Through Talisman, which sets every response's policy: one set by the view was overwritten.
@talisman(content_security_policy=EVIDENCE_CSP)
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
