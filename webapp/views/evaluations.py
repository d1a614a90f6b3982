"""Project evaluations for hiring managers (and HR, read-only): the list, the project form,
the project page with its people, archive and release. Sheets and results are in
evaluation_sheets and evaluation_results (routes of the same blueprint).

Every object is loaded through ``evaluations.project_access``, which answers 404 to anyone
outside the project and 403 to a co-evaluator trying the owner's actions.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from competencies.services import current_framework, load_framework_tree
from core.errors import ValidationError
from core.users import Role
from evaluations.models import EvaluationProject, ProjectRole
from evaluations.people import (
    JoinRequest,
    add_co_evaluator,
    ask_again,
    ask_candidate,
    remove_member,
)
from evaluations.project_access import (
    can_manage_project,
    can_rate_in_project,
    get_project_for,
    list_projects_for,
    record_view,
)
from evaluations.projects import (
    ProjectInput,
    create_project,
    parse_technologies,
    set_archived,
    update_project,
)
from evaluations.release import release_results
from evaluations.sheets import sheet_states
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.evaluations import (
    AddCoEvaluatorForm,
    AskCandidateForm,
    ConfirmForm,
    ProjectForm,
    ReleaseForm,
)
from webapp.ids import parse_id
from webapp.mail import render_mail, send_after_commit
from webapp.transactions import problems_of, refusal_of

# One blueprint for the whole area; evaluation_sheets and evaluation_results add their routes
# to it (webapp.register_blueprints imports them before registering it).
bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

VIEWERS = (Role.MANAGER, Role.HR)


def load_project(project_id: int) -> EvaluationProject:
    """The project if the signed-in user may see it (404 otherwise)."""
    return get_project_for(db.session, current_user, project_id)


def audit_hr_view(project: EvaluationProject, what: str) -> None:
    """HR reading other people's evaluation data leaves a trace (ASVS, security case 25)."""
    if current_user.has_role(Role.HR):
        record_view(db.session, current_user, project, what)  # committed by the commit point


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
    project, error = refusal_of(
        lambda: create_project(db.session, current_user, _project_input(form)), ValidationError
    )
    if error is not None:
        return _render_form(form, None, 422, [error.message, *error.problems])
    flash(f"“{project.title}” is set up. Now add the candidates and any co-evaluators.", "success")
    return redirect(url_for("evaluations.detail", project_id=project.id), code=303)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit(project_id: int):
    project = load_project(project_id)
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
    _, error = refusal_of(
        lambda: update_project(
            db.session,
            project,
            current_user,
            _project_input(form),
            expected_version=parse_id(version),
        ),
        ValidationError,
    )
    if error is not None:
        return _render_form(form, load_project(project_id), 422, [error.message, *error.problems])
    flash("The project details are saved.", "success")
    return redirect(url_for("evaluations.detail", project_id=project.id), code=303)


# ---------------------------------------------------------------- project page and people


def _render_detail(project: EvaluationProject, status: int = 200, **forms: Any):
    states = sheet_states(db.session, [project.id])[project.id]
    candidates = project.candidates
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
        "requests": project.open_requests,
        "submitted": submitted,
        "expected": len(candidates) * len(project.evaluators),
        "total_competencies": total_competencies,
        "is_owner": can_manage_project(current_user, project),
        "can_rate": can_rate_in_project(current_user, project),
        "ask_form": forms.get("ask_form") or AskCandidateForm(formdata=None),
        "co_form": forms.get("co_form") or AddCoEvaluatorForm(formdata=None),
        "release_form": forms.get("release_form") or ReleaseForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "problems": forms.get("problems", []),
    }
    return render_template("evaluations/detail.html", **context), status


@bp.route("/<int:project_id>")
@roles_required(*VIEWERS)
def detail(project_id: int):
    project = load_project(project_id)
    audit_hr_view(project, "view")
    return _render_detail(project)


def _owner_post(project_id: int) -> EvaluationProject:
    project = load_project(project_id)
    if not can_manage_project(current_user, project):
        abort(403)
    return project


def _add_person(project_id: int, form_class, form_name: str, call, success: str):
    """Add someone to the project by email: the form, the service, the page or its problems."""
    project = _owner_post(project_id)
    form = form_class()
    if not form.validate():
        return _render_detail(project, 400, **{form_name: form})
    user, problems = problems_of(lambda: call(project, form))
    if problems:
        form.email.errors.extend(problems)
        return _render_detail(load_project(project_id), 422, **{form_name: form})
    flash(success.format(name=user.name), "success")
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


@bp.route("/<int:project_id>/candidates", methods=["POST"])
@roles_required(Role.MANAGER)
def candidate_ask(project_id: int):
    project = _owner_post(project_id)
    form = AskCandidateForm()
    if not form.validate():
        return _render_detail(project, 400, ask_form=form)
    asked, problems = problems_of(
        lambda: ask_candidate(
            db.session, project, current_user, email=form.email.data, name=form.name.data
        )
    )
    if problems:
        form.email.errors.extend(problems)
        return _render_detail(load_project(project_id), 422, ask_form=form)
    _tell(asked)
    # The same words whether or not the address has an account, or can be asked at all.
    flash(
        f"Request sent to {asked.member.invited_name} ({form.email.data.strip().lower()}). "
        "They appear as invited until they accept.",
        "success",
    )
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


@bp.route("/<int:project_id>/candidates/<int:user_id>/ask-again", methods=["POST"])
@roles_required(Role.MANAGER)
def candidate_ask_again(project_id: int, user_id: int):
    project = _owner_post(project_id)
    if not ConfirmForm().validate():
        abort(400)
    asked = ask_again(db.session, project, current_user, user_id)
    _tell(asked)
    flash(f"The request to {asked.member.shown_name} was sent again.", "success")
    return redirect(
        url_for("evaluations.detail", project_id=project_id, _anchor="people"), code=303
    )


def _tell(asked: JoinRequest) -> None:
    """Write to the person asked to join, once the request is committed (if they can be
    asked at all: the owner is told the same either way)."""
    person = asked.recipient
    if person is None:
        return
    link = None
    if asked.invitation_token:
        link = url_for("invitations.accept", token=asked.invitation_token, _external=True)
    send_after_commit(
        render_mail(
            "join_request",
            person.email,
            person=person,
            project=asked.member.project,
            owner=current_user,
            invitation_link=link,
            answer_link=url_for("my_evaluations.index", _external=True),
        )
    )


@bp.route("/<int:project_id>/co-evaluators", methods=["POST"])
@roles_required(Role.MANAGER)
def co_evaluator_add(project_id: int):
    return _add_person(
        project_id,
        AddCoEvaluatorForm,
        "co_form",
        lambda project, form: add_co_evaluator(db.session, project, current_user, form.email.data),
        "{name} now co-evaluates this project.",
    )


@bp.route("/<int:project_id>/members/<int:user_id>/remove", methods=["POST"])
@roles_required(Role.MANAGER)
def member_remove(project_id: int, user_id: int):
    project = _owner_post(project_id)
    if not ConfirmForm().validate():
        abort(400)
    name = next((m.user.name for m in project.members if m.user_id == user_id), None)
    remove_member(db.session, project, current_user, user_id)
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
    _, error = refusal_of(
        lambda: release_results(db.session, project, current_user), ValidationError
    )
    if error is not None:
        return _render_detail(
            load_project(project_id), 422, problems=[error.message, *error.problems]
        )
    flash("Results are released: each candidate now sees their own results.", "success")
    return redirect(url_for("evaluations.detail", project_id=project_id), code=303)


def project_candidate(project: EvaluationProject, candidate_id: int):
    """The candidate of the project with this id (404 for anyone else)."""
    if project.role_of(candidate_id) is not ProjectRole.CANDIDATE:
        abort(404)
    return next(c for c in project.candidates if c.id == candidate_id)
