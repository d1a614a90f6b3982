"""A candidate's own project evaluations: the list, and each project's results once released.

Only the candidate's own combined results are shown: the evaluated level, how many evaluators
observed it and the range of their levels, agreement and the self-view — never who rated
what, and never another candidate.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from core.users import Role
from evaluations.release import candidate_projects, get_released_project_for_candidate
from evaluations.results import build_project_results, corrections_for, released_view
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.views.evaluation_results import radar_for_result

bp = Blueprint("my_evaluations", __name__, url_prefix="/my-evaluations")


@bp.route("/")
@roles_required(Role.CANDIDATE)
def index():
    return render_template(
        "my_evaluations/index.html", projects=candidate_projects(db.session, current_user)
    )


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
