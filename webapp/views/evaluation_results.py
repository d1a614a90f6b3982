"""Results per candidate, the comparison of candidates and its CSV export. Routes of the
``evaluations`` blueprint."""

from __future__ import annotations

from collections.abc import Hashable

from flask import (
    Response,
    render_template,
)
from flask_login import current_user
from markupsafe import Markup

from evaluations.comparison_csv import comparison_csv as comparison_csv_text
from evaluations.comparison_csv import comparison_file_name
from evaluations.models import EvaluationProject
from evaluations.project_access import (
    ProjectPerson,
    get_project_header_for,
    project_people,
    record_view,
)
from evaluations.results import CandidateResult, ProjectResults, corrections_for
from evaluations.results_cache import cached_project_results
from evaluations.sheets import sheet_states
from plans.charts import Series, radar_chart_svg
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.fragments import fragments
from webapp.views.evaluations import VIEWERS, audit_hr_view, bp, load_project, project_candidate

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


def _cached_results(
    project: EvaluationProject, people: tuple[ProjectPerson, ...] | None = None
) -> tuple[ProjectResults, Hashable]:
    if people is None:
        people = project_people(db.session, project.id)
    return cached_project_results(db.session, project, people)


def _results(project: EvaluationProject) -> ProjectResults:
    return _cached_results(project)[0]


@bp.route("/<int:project_id>/candidates/<int:candidate_id>/results")
@roles_required(*VIEWERS)
def results(project_id: int, candidate_id: int):
    project = load_project(project_id)
    project_candidate(project, candidate_id)
    all_results = _results(project)
    result = all_results.candidate(candidate_id)
    ranked = next((r for r in all_results.ranking if r.entry.key == candidate_id), None)
    states = sheet_states(db.session, [project.id])[project.id]
    audit_hr_view(project, "results.view")
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
    # The people as plain rows are enough to check access and to key the cached results.
    project, people = get_project_header_for(db.session, current_user, project_id)
    audit_hr_view(project, "comparison.view")
    results, key = _cached_results(project, people)
    body = fragments().render(
        ("comparison", key),
        "evaluations/_comparison_body.html",
        lambda: {"project": project, "results": results},
    )
    return render_template("evaluations/comparison.html", project=project, body=body)


@bp.route("/<int:project_id>/comparison.csv")
@roles_required(*VIEWERS)
def comparison_csv(project_id: int):
    project = load_project(project_id)
    record_view(db.session, current_user, project, "comparison.export")
    response = Response(comparison_csv_text(_results(project)), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{comparison_file_name(project)}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
