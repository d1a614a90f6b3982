"""A candidate's own project evaluations: the requests to join (answered here), the list, and
each project's results once released.

Only the candidate's own combined results are shown: the evaluated level, how many evaluators
observed it and the range of their levels, agreement and the self-view — never who rated
what, and never another candidate.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from core.users import Role
from evaluations.membership import (
    answer_request,
    memberships_of,
    own_membership,
    set_self_assessment_sharing,
)
from evaluations.release import get_released_project_for_candidate
from evaluations.results import build_project_results, corrections_for, released_view
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.evaluations import AnswerRequestForm, SharingForm
from webapp.transactions import refusal_of
from webapp.views.evaluation_results import radar_for_result

bp = Blueprint("my_evaluations", __name__, url_prefix="/my-evaluations")


@bp.route("/")
@roles_required(Role.CANDIDATE)
def index():
    return _render_index()


def _render_index(status: int = 200, problem: str | None = None):
    memberships = memberships_of(db.session, current_user)
    return render_template(
        "my_evaluations/index.html",
        requests=[m for m in memberships if not m.is_accepted],
        memberships=[m for m in memberships if m.is_accepted],
        answer_form=AnswerRequestForm(formdata=None),
        sharing_form=SharingForm(formdata=None),
        problem=problem,
    ), status


@bp.route("/<int:project_id>/answer", methods=["POST"])
@roles_required(Role.CANDIDATE)
def answer(project_id: int):
    form = AnswerRequestForm()
    if not form.validate() or form.accept.data == form.decline.data:
        own_membership(db.session, current_user, project_id)  # a stranger gets 404, not 400
        return _render_index(400, "Choose Accept or Decline to answer the request.")
    accept = bool(form.accept.data)
    member, refused = refusal_of(
        lambda: answer_request(
            db.session,
            current_user,
            project_id,
            accept=accept,
            share_self_assessment=bool(form.share_self_assessment.data),
        )
    )
    if refused is not None:
        return _render_index(refused.status_code, refused.message)
    if accept:
        shared = " with" if member.shares_self_assessment else " without"
        flash(f"You joined {member.project.title}{shared} your self-assessment shown.", "success")
    else:
        flash(f"You declined to join {member.project.title}.", "info")
    return redirect(url_for("my_evaluations.index"), code=303)


@bp.route("/<int:project_id>/sharing", methods=["POST"])
@roles_required(Role.CANDIDATE)
def sharing(project_id: int):
    form = SharingForm()
    if not form.validate():
        own_membership(db.session, current_user, project_id)  # a stranger gets 404, not 400
        return _render_index(400, "The form expired. Try again.")
    share = bool(form.share_self_assessment.data)
    member = set_self_assessment_sharing(db.session, current_user, project_id, share=share)
    title = member.project.title
    if share:
        flash(f"The evaluators of {title} now see your self-assessment.", "success")
    else:
        flash(f"The evaluators of {title} no longer see your self-assessment.", "info")
    return redirect(url_for("my_evaluations.index"), code=303)


@bp.route("/<int:project_id>")
@roles_required(Role.CANDIDATE)
def detail(project_id: int):
    project = get_released_project_for_candidate(db.session, current_user, project_id)
    max_level = max(project.role_profile.framework.level_values)
    result = build_project_results(db.session, project, max_level=max_level).candidate(
        current_user.id
    )
    view = released_view(result, len(corrections_for(db.session, project.id, current_user.id)))
    chart = None
    if result.is_rated:
        title = f"Your results in {project.title}"
        chart = radar_for_result(result, max_level, title)
    return render_template("my_evaluations/detail.html", project=project, view=view, chart=chart)
