"""Results per candidate, the comparison of candidates and its CSV export. Routes of the
``evaluations`` blueprint."""

from __future__ import annotations

import re
from collections.abc import Hashable

from flask import (
    Response,
    render_template,
)
from flask_login import current_user
from markupsafe import Markup

from assessments.evaluation_models import EvaluationProject
from assessments.evaluation_results import (
    CandidateResult,
    ProjectResults,
    corrections_for,
)
from assessments.evaluation_sheets import (
    sheet_states,
)
from assessments.evaluations import (
    ProjectPerson,
    get_project_header_for,
    project_people,
    record_view,
)
from assessments.results_cache import cached_project_results
from core.csv_export import to_csv
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
    project = load_project(project_id)
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
