"""The comparison of a project's candidates as CSV: one row per candidate and competency."""

from __future__ import annotations

import re

from core.csv_export import to_csv
from evaluations.models import EvaluationProject
from evaluations.results import ProjectResults

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


def comparison_file_name(project: EvaluationProject) -> str:
    """``evaluation-<id>-<title slug>-comparison.csv``."""
    return f"evaluation-{project.id}-{_slug(project.title)}-comparison.csv"


def comparison_csv(results: ProjectResults) -> str:
    """The CSV text; a BOM first lets spreadsheet programs read the UTF-8 names correctly."""
    return "\ufeff" + to_csv(comparison_rows(results))
