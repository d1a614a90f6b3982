"""Project evaluations for hiring managers (and HR, read-only): projects, people, rating
sheets, corrections, results, comparison and its CSV, release.

Every object is loaded through ``assessments.evaluations``, which answers 404 to anyone
outside the project and 403 to a co-evaluator trying the owner's actions.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from assessments.evaluation_models import EvaluationProject, ProjectRole
from assessments.evaluation_results import (
    CandidateResult,
    ProjectResults,
    build_project_results,
    corrections_for,
)
from assessments.evaluations import (
    ProjectInput,
    add_candidate,
    add_co_evaluator,
    can_manage_project,
    can_rate_in_project,
    create_project,
    get_project_for,
    get_project_sheet_for,
    get_sheet,
    invite_candidate,
    list_projects_for,
    parse_technologies,
    record_view,
    release_results,
    remove_member,
    renew_invitation,
    set_archived,
    sheet_states,
    start_sheet,
    update_project,
)
from assessments.models import Assessment, EvidenceKind
from assessments.services import (
    AssessmentLockedError,
    EvidenceInput,
    RatingInput,
    StaleAssessmentError,
    answerable_competencies,
    correct_submitted_rating,
    missing_answers,
    remove_evidence,
    save_answers,
    submit_assessment,
)
from competencies.models import Framework, RoleProfile
from competencies.services import current_framework, load_framework_tree
from core.csv_export import to_csv
from core.errors import ConflictError, ValidationError
from core.invitations import pending_invitations
from core.users import Role
from plans.charts import Series, radar_chart_svg
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.assessments import NOT_ASSESSED, field_names
from webapp.forms.evaluations import (
    AddCandidateForm,
    AddCoEvaluatorForm,
    ConfirmForm,
    CorrectionForm,
    InviteCandidateForm,
    ProjectForm,
    ReleaseForm,
    SubmitSheetForm,
    build_sheet_form,
)

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

VIEWERS = (Role.MANAGER, Role.HR)


def _project(project_id: int) -> EvaluationProject:
    return get_project_for(db.session, current_user, project_id)


def _audit_hr_view(project: EvaluationProject, what: str) -> None:
    """HR reading other people's evaluation data leaves a trace (ASVS, security case 25)."""
    if current_user.has_role(Role.HR):
        record_view(db.session, current_user, project, what)
        db.session.commit()


# ---------------------------------------------------------------- list, create, edit


@bp.route("/")
@roles_required(*VIEWERS)
def index():
    archived = request.args.get("archived") == "1"
    projects = list_projects_for(db.session, current_user, archived=archived)
    states = sheet_states(db.session, [p.id for p in projects]) if projects else {}
    return render_template(
        "evaluations/index.html", projects=projects, states=states, archived=archived
    )


def _role_choices() -> list[tuple[str, str]]:
    framework = current_framework(db.session)
    if framework is None:
        return []
    tree = load_framework_tree(db.session, framework.id)
    return [(str(p.id), p.name) for p in tree.role_profiles if not p.is_retired]


def _project_input(form: ProjectForm) -> ProjectInput:
    return ProjectInput(
        title=form.title.data or "",
        description=form.description.data or "",
        kind=form.kind.data or "",
        budget=form.budget_value,
        currency=form.currency.data or None,
        start_on=form.start_on.data,
        deadline_on=form.deadline_on.data,
        technologies=parse_technologies(form.technologies.data or ""),
        role_profile_id=int(form.role_profile_id.data),
    )


def _render_form(form: ProjectForm, project: EvaluationProject | None, status: int, problems=()):
    return (
        render_template(
            "evaluations/form.html", form=form, project=project, problems=list(problems)
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def create():
    form = ProjectForm()
    form.role_profile_id.choices = _role_choices()
    if request.method == "GET":
        default = next(
            (v for v, label in form.role_profile_id.choices if label == "IT Project Manager"), None
        )
        form.role_profile_id.data = default
        return _render_form(form, None, 200)
    if not form.validate():
        return _render_form(form, None, 400)
    try:
        project = create_project(db.session, current_user, _project_input(form))
    except ValidationError as error:
        db.session.rollback()
        return _render_form(form, None, 422, [error.message, *error.problems])
    db.session.commit()
    flash(f"“{project.title}” is set up. Now add the candidates and any co-evaluators.", "success")
    return redirect(url_for("evaluations.detail", project_id=project.id), code=303)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit(project_id: int):
    project = _project(project_id)
    if not can_manage_project(current_user, project):
        abort(403)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    form.role_profile_id.choices = _role_choices()
    if request.method == "GET":
        form.role_profile_id.data = str(project.role_profile_id)
        form.budget.data = (
            "" if project.budget_cents is None else f"{project.budget_cents / 100:.2f}"
        )
        form.currency.data = project.currency or ""
        form.technologies.data = ", ".join(project.technologies or [])
        form.version.data = str(project.version)
        return _render_form(form, project, 200)
    if not form.validate():
        return _render_form(form, project, 400)
    version = form.version.data or ""
    try:
        update_project(
            db.session,
            project,
            current_user,
            _project_input(form),
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_form(form, _project(project_id), 422, [error.message, *error.problems])
    db.session.commit()
    flash("The project details are saved.", "success")
    return redirect(url_for("evaluations.detail", project_id=project.id), code=303)


# ---------------------------------------------------------------- project page and people


def _render_detail(project: EvaluationProject, status: int = 200, **forms: Any):
    states = sheet_states(db.session, [project.id])[project.id]
    candidates = project.candidates
    invitations = pending_invitations(db.session, [c.id for c in candidates])
    submitted = sum(1 for s in states.values() if s.is_submitted)
    # People in a submitted sheet stay in the project; only the others get a Remove button.
    locked = {s.assessor_id for s in states.values() if s.is_submitted}
    locked |= {s.subject_id for s in states.values() if s.is_submitted}
    total_competencies = len(project.role_profile.requirements)
    context = {
        "project": project,
        "states": states,
        "locked": locked,
        "candidates": candidates,
        "evaluators": project.evaluators,
        "invitations": invitations,
        "submitted": submitted,
        "expected": len(candidates) * len(project.evaluators),
        "total_competencies": total_competencies,
        "is_owner": can_manage_project(current_user, project),
        "can_rate": can_rate_in_project(current_user, project),
        "candidate_form": forms.get("candidate_form") or AddCandidateForm(formdata=None),
        "invite_form": forms.get("invite_form") or InviteCandidateForm(formdata=None),
        "co_form": forms.get("co_form") or AddCoEvaluatorForm(formdata=None),
        "release_form": forms.get("release_form") or ReleaseForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "problems": forms.get("problems", []),
        "invitation_link": forms.get("invitation_link"),
        "invited": forms.get("invited"),
    }
    return render_template("evaluations/detail.html", **context), status


@bp.route("/<int:project_id>")
@roles_required(*VIEWERS)
def detail(project_id: int):
    project = _project(project_id)
    _audit_hr_view(project, "view")
    return _render_detail(project)


def _owner_post(project_id: int) -> EvaluationProject:
    project = _project(project_id)
    if not can_manage_project(current_user, project):
        abort(403)
    return project


@bp.route("/<int:project_id>/candidates", methods=["POST"])
@roles_required(Role.MANAGER)
def candidate_add(project_id: int):
    project = _owner_post(project_id)
    form = AddCandidateForm()
    if not form.validate():
        return _render_detail(project, 400, candidate_form=form)
    try:
        user = add_candidate(db.session, project, current_user, form.email.data)
    except ValidationError as error:
        db.session.rollback()
        form.email.errors.extend(error.problems or [error.message])
        return _render_detail(_project(project_id), 422, candidate_form=form)
    db.session.commit()
    flash(f"{user.name} is now a candidate of this project.", "success")
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


def _invitation_url(token: str) -> str:
    return url_for("invitations.accept", token=token, _external=True)


@bp.route("/<int:project_id>/candidates/invite", methods=["POST"])
@roles_required(Role.MANAGER)
def candidate_invite(project_id: int):
    project = _owner_post(project_id)
    form = InviteCandidateForm()
    if not form.validate():
        return _render_detail(project, 400, invite_form=form)
    try:
        user, token = invite_candidate(
            db.session, project, current_user, email=form.email.data, name=form.name.data
        )
    except ValidationError as error:
        db.session.rollback()
        form.email.errors.extend(error.problems or [error.message])
        return _render_detail(_project(project_id), 422, invite_form=form)
    db.session.commit()
    # The link is shown in this answer only: not in a flash (cookie), not in the database.
    return _invitation_page(project, user, token)


def _invitation_page(project: EvaluationProject, user, token: str):
    response = Response(
        render_template(
            "evaluations/invited.html", project=project, user=user, link=_invitation_url(token)
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:project_id>/candidates/<int:user_id>/invitation", methods=["POST"])
@roles_required(Role.MANAGER)
def invitation_renew(project_id: int, user_id: int):
    project = _owner_post(project_id)
    if not ConfirmForm().validate():
        abort(400)
    user, token = renew_invitation(db.session, project, current_user, user_id)
    db.session.commit()
    return _invitation_page(project, user, token)


@bp.route("/<int:project_id>/co-evaluators", methods=["POST"])
@roles_required(Role.MANAGER)
def co_evaluator_add(project_id: int):
    project = _owner_post(project_id)
    form = AddCoEvaluatorForm()
    if not form.validate():
        return _render_detail(project, 400, co_form=form)
    try:
        user = add_co_evaluator(db.session, project, current_user, form.email.data)
    except ValidationError as error:
        db.session.rollback()
        form.email.errors.extend(error.problems or [error.message])
        return _render_detail(_project(project_id), 422, co_form=form)
    db.session.commit()
    flash(f"{user.name} now co-evaluates this project.", "success")
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


@bp.route("/<int:project_id>/members/<int:user_id>/remove", methods=["POST"])
@roles_required(Role.MANAGER)
def member_remove(project_id: int, user_id: int):
    project = _owner_post(project_id)
    if not ConfirmForm().validate():
        abort(400)
    name = next((m.user.name for m in project.members if m.user_id == user_id), None)
    remove_member(db.session, project, current_user, user_id)
    db.session.commit()
    flash(f"{name} is no longer part of this project.", "info")
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


@bp.route("/<int:project_id>/archive", methods=["POST"])
@roles_required(Role.MANAGER)
def archive(project_id: int):
    project = _owner_post(project_id)
    if not ConfirmForm().validate():
        abort(400)
    archived = request.form.get("archived", "1") == "1"
    set_archived(db.session, project, current_user, archived=archived)
    db.session.commit()
    flash(
        "The project is archived: it is read-only now."
        if archived
        else "The project is active again.",
        "info",
    )
    return redirect(url_for("evaluations.detail", project_id=project_id), code=303)


@bp.route("/<int:project_id>/release", methods=["POST"])
@roles_required(Role.MANAGER)
def release(project_id: int):
    project = _owner_post(project_id)
    form = ReleaseForm()
    if not form.validate():
        return _render_detail(project, 400, release_form=form)
    try:
        release_results(db.session, project, current_user)
    except ValidationError as error:
        db.session.rollback()
        return _render_detail(_project(project_id), 422, problems=[error.message, *error.problems])
    db.session.commit()
    flash("Results are released: each candidate now sees their own results.", "success")
    return redirect(url_for("evaluations.detail", project_id=project_id), code=303)


# ---------------------------------------------------------------- the evaluator's rating sheet


def _sheet_framework(project: EvaluationProject) -> Framework:
    framework = load_framework_tree(db.session, project.role_profile.framework_id)
    assert framework is not None
    return framework


def _candidate(project: EvaluationProject, candidate_id: int):
    if project.role_of(candidate_id) is not ProjectRole.CANDIDATE:
        abort(404)
    return next(c for c in project.candidates if c.id == candidate_id)


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
    framework = _sheet_framework(project)
    profile = sheet.role_profile if sheet and sheet.role_profile else project.role_profile
    areas = _sheet_areas(framework, profile)
    answered = set(sheet.current_ratings) if sheet else set()
    submit_form = submit_form or SubmitSheetForm(formdata=None)
    submit_form.version.data = str(sheet.version) if sheet else "0"
    field_problems = []
    for _, competencies in areas:
        for c in competencies:
            for key, name in field_names(c.id).items():
                if name in form._fields:
                    for message in form[name].errors:
                        anchor = f"{name}-0" if key == "level" else name
                        field_problems.append(
                            (f"{c.name} — {form[name].label.text}: {message}", anchor)
                        )
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
    framework = _sheet_framework(project)
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
    project = _project(project_id)
    candidate = _candidate(project, candidate_id)
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
    posted_version = int(form.version.data)
    remove_id = request.form.get("remove_evidence", "")
    try:
        sheet_row = existing
        if sheet_row is None:
            if posted_version != 0:
                raise StaleAssessmentError(posted_version, 0)
            sheet_row = start_sheet(db.session, project, current_user, candidate_id)
            posted_version = sheet_row.version
        elif posted_version == 0:
            raise StaleAssessmentError(0, sheet_row.version)
        result = save_answers(
            db.session,
            sheet_row,
            current_user,
            expected_version=posted_version,
            ratings=_rating_inputs(form, competencies),
            evidence=evidence,
        )
        if remove_id.isdigit():
            remove_evidence(
                db.session, sheet_row, current_user, int(remove_id), expected_version=result.version
            )
    except StaleAssessmentError as error:
        db.session.rollback()
        project = _project(project_id)
        existing = get_sheet(db.session, project, current_user.id, candidate_id)
        form.version.data = str(existing.version) if existing else "0"
        return _render_sheet(
            project,
            _candidate(project, candidate_id),
            existing,
            form,
            status=409,
            conflict=error.message,
        )
    except ValidationError as error:
        db.session.rollback()
        project = _project(project_id)
        existing = get_sheet(db.session, project, current_user.id, candidate_id)
        return _render_sheet(
            project,
            _candidate(project, candidate_id),
            existing,
            form,
            status=422,
            problems=[error.message, *error.problems],
        )
    db.session.commit()
    if remove_id.isdigit():
        flash("The evidence note was removed.", "info")
    elif result.changed:
        flash(f"Saved your ratings of {candidate.name}.", "success")
    target = url_for("evaluations.sheet", project_id=project_id, candidate_id=candidate_id)
    if request.form.get("action") == "review":
        target += "#submit-heading"
    return redirect(target, code=303)


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/sheet/autosave", methods=["POST"])
@roles_required(Role.MANAGER)
def sheet_autosave(project_id: int, candidate_id: int):
    """The JSON twin of the sheet form for the autosave script: levels only."""
    project = _project(project_id)
    _candidate(project, candidate_id)
    _rater_only(project)
    form_class, competencies = _sheet_form_class(project)
    form = form_class()
    if not form.validate():
        problems = [f"{form[n].label.text}: {' '.join(errs)}" for n, errs in form.errors.items()]
        return jsonify(message="Not saved: " + " ".join(problems), problems=problems), 400
    version = int(form.version.data)
    existing = get_sheet(db.session, project, current_user.id, candidate_id)
    if existing is None and version == 0:
        existing = start_sheet(db.session, project, current_user, candidate_id)
        version = existing.version
    elif existing is None or version == 0:
        raise StaleAssessmentError(version, existing.version if existing else 0)
    result = save_answers(
        db.session,
        existing,
        current_user,
        expected_version=version,
        ratings=_rating_inputs(form, competencies),
    )
    db.session.commit()
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
    project = _project(project_id)
    candidate = _candidate(project, candidate_id)
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
    try:
        submit_assessment(
            db.session, existing, current_user, expected_version=int(submit_form.version.data)
        )
    except ValidationError as error:
        db.session.rollback()
        project = _project(project_id)
        existing = get_sheet(db.session, project, current_user.id, candidate_id)
        return _render_sheet(
            project,
            _candidate(project, candidate_id),
            existing,
            form,
            status=422,
            problems=[error.message, *error.problems],
            submit_form=submit_form,
        )
    db.session.commit()
    flash(f"Your rating sheet for {candidate.name} is submitted.", "success")
    return redirect(url_for("evaluations.detail", project_id=project_id), code=303)


# ---------------------------------------------------------------- submitted sheets, corrections


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
    framework = _sheet_framework(project)
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
    project = _project(project_id)
    sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
    if sheet_row.is_draft:
        return redirect(
            url_for("evaluations.sheet", project_id=project_id, candidate_id=sheet_row.subject_id)
        )
    _audit_hr_view(project, "sheet.view")
    return _render_sheet_view(project, sheet_row)


@bp.route("/<int:project_id>/sheets/<int:assessment_id>/corrections", methods=["POST"])
@roles_required(Role.MANAGER)
def sheet_correct(project_id: int, assessment_id: int):
    project = _project(project_id)
    sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
    framework = _sheet_framework(project)
    form = _correction_form(sheet_row, framework, formdata=request.form)
    if not form.validate():
        return _render_sheet_view(project, sheet_row, form, status=400)
    level = None if form.level.data == NOT_ASSESSED else int(form.level.data)
    try:
        correct_submitted_rating(
            db.session,
            sheet_row,
            current_user,
            competency_id=int(form.competency_id.data),
            level=level,
            reason=form.reason.data,
            expected_version=int(form.version.data),
        )
    except ValidationError as error:
        db.session.rollback()
        project = _project(project_id)
        sheet_row = get_project_sheet_for(db.session, current_user, project, assessment_id)
        return _render_sheet_view(project, sheet_row, form, 422, [error.message, *error.problems])
    db.session.commit()
    flash("The correction is recorded; the earlier rating stays in the history.", "success")
    return redirect(
        url_for("evaluations.sheet_view", project_id=project_id, assessment_id=assessment_id),
        code=303,
    )


# ---------------------------------------------------------------- results and comparison


def radar_for_result(result: CandidateResult, max_level: int, title: str) -> Markup:
    """Target, self-view and evaluated levels of one candidate as the shared radar chart."""
    rows = result.rows
    series = [
        Series("Target", [r.axis.target for r in rows], "target"),
        Series("Evaluated (lower median)", [r.evaluated for r in rows], "evaluated"),
    ]
    if result.has_self_view:
        series.insert(1, Series("Self-assessed", [r.self_level for r in rows], "self"))
    return Markup(
        radar_chart_svg([r.axis.name for r in rows], series, max_level=max_level, title=title)
    )


def _results(project: EvaluationProject) -> ProjectResults:
    # The scale's top level is all the chart needs of the framework (one small query).
    top = max(project.role_profile.framework.level_values)
    return build_project_results(db.session, project, max_level=top)


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/results")
@roles_required(*VIEWERS)
def results(project_id: int, candidate_id: int):
    project = _project(project_id)
    _candidate(project, candidate_id)
    all_results = _results(project)
    result = all_results.candidate(candidate_id)
    ranked = next((r for r in all_results.ranking if r.entry.key == candidate_id), None)
    states = sheet_states(db.session, [project.id])[project.id]
    _audit_hr_view(project, "results.view")
    return render_template(
        "evaluations/results.html",
        project=project,
        result=result,
        ranked=ranked,
        rated_count=len(all_results.ranking),
        corrections=corrections_for(db.session, project.id, candidate_id),
        sheets={a: s for (a, c), s in states.items() if c == candidate_id},
        chart=radar_for_result(
            result, all_results.max_level, f"{result.name} against {project.role_profile.name}"
        )
        if result.is_rated
        else None,
    )


@bp.route("/<int:project_id>/comparison")
@roles_required(*VIEWERS)
def comparison(project_id: int):
    project = _project(project_id)
    _audit_hr_view(project, "comparison.view")
    return render_template(
        "evaluations/comparison.html", project=project, results=_results(project)
    )


MARKER_TEXT = {"blind_spot": "blind spot", "hidden_strength": "hidden strength"}


def comparison_rows(results: ProjectResults) -> list[list[object]]:
    """The comparison in long form: one row per candidate and competency, ranking repeated."""
    header = [
        "rank",
        "candidate",
        "email",
        "must_gate",
        "musts_met",
        "musts_total",
        "fit_score",
        "total_gap",
        "competency_code",
        "competency",
        "requirement",
        "target",
        "evaluated_level",
        "evaluators_observed",
        "lowest",
        "highest",
        "self_level",
        "gap",
        "self_view",
        "calibration_flag",
    ]
    rows: list[list[object]] = [header]
    positions = {r.entry.key: r.position for r in results.ranking}
    ordered = sorted(
        results.candidates, key=lambda c: (positions.get(c.candidate_id, 10**6), c.name.lower())
    )
    for candidate in ordered:
        readiness = candidate.readiness
        for row in candidate.rows:
            given = row.given
            rows.append(
                [
                    positions.get(candidate.candidate_id, "not rated"),
                    candidate.name,
                    candidate.email,
                    ("passed" if readiness.gate_passed else "failed") if readiness else "",
                    readiness.musts_met if readiness else "",
                    readiness.musts_total if readiness else "",
                    ""
                    if not readiness or readiness.fit_score is None
                    else f"{readiness.fit_score:.1f}",
                    "" if candidate.total_gap is None else candidate.total_gap,
                    row.axis.code,
                    row.axis.name,
                    row.axis.requirement or "",
                    "" if row.axis.target is None else row.axis.target,
                    "" if row.evaluated is None else row.evaluated,
                    row.observed_count,
                    given[0] if given else "",
                    given[-1] if given else "",
                    "" if row.self_level is None else row.self_level,
                    "" if row.gap is None else row.gap,
                    MARKER_TEXT.get(row.perception or "", ""),
                    "yes" if row.needs_calibration else "",
                ]
            )
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "project"


@bp.route("/<int:project_id>/comparison.csv")
@roles_required(*VIEWERS)
def comparison_csv(project_id: int):
    project = _project(project_id)
    results_ = _results(project)
    record_view(db.session, current_user, project, "comparison.export")
    db.session.commit()
    filename = f"evaluation-{project.id}-{_slug(project.title)}-comparison.csv"
    # A BOM lets spreadsheet programs read the UTF-8 names correctly.
    body = "\ufeff" + to_csv(comparison_rows(results_))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
