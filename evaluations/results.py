"""Results of an evaluation project: per candidate and competency each evaluator's level, the
evaluated level, agreement and calibration flags, the self-view, gates, fit and the ranking.

Built in a fixed number of queries however many candidates or evaluators there are: the
role's competencies, the current ratings of every submitted sheet, and the candidates' latest
self levels (one query, picked by the database). The arithmetic is ``assessments.scoring`` and
``evaluations.agreement``. Only submitted sheets count; a competency no evaluator observed
has no evaluated level and counts as not yet demonstrated towards gates and gaps (the
self-view is shown next to it, never mixed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from assessments import scoring
from assessments.levels import latest_self_level_map
from assessments.models import Assessment, AssessmentStatus, Rating
from competencies.models import Competency
from competencies.role_axes import RoleAxis, role_axes
from core.users import User
from evaluations import agreement
from evaluations.models import EvaluationProject, ProjectRole


@dataclass(frozen=True)
class Rater:
    """An evaluator who submitted at least one sheet in the project."""

    id: int
    name: str


@dataclass(frozen=True)
class CompetencyResult:
    """One competency of one candidate."""

    axis: RoleAxis
    levels: dict[int, int | None]  # rater id → level (None: not observed), submitted sheets only
    evaluated: int | None
    self_level: int | None
    gap: int | None
    perception: scoring.Perception | None

    @cached_property
    def given(self) -> list[int]:
        """The levels given, lowest first (what a candidate may see: no names)."""
        # Cached: the comparison page asks for it several times per cell.
        return sorted(v for v in self.levels.values() if v is not None)

    @property
    def observed_count(self) -> int:
        return len(self.given)

    @property
    def spread(self) -> int | None:
        given = self.given
        return given[-1] - given[0] if len(given) >= 2 else None

    @property
    def needs_calibration(self) -> bool:
        """Evaluators differ by two levels or more: talk it through before deciding."""
        return (self.spread or 0) >= agreement.CALIBRATION_SPREAD

    @property
    def meets_target(self) -> bool:
        return self.gap is None or self.gap == 0


@dataclass(frozen=True)
class CandidateResult:
    """Everything the results and comparison pages show about one candidate."""

    candidate_id: int
    name: str
    email: str
    rows: tuple[CompetencyResult, ...]  # framework order
    raters: tuple[Rater, ...]  # evaluators with a submitted sheet for this candidate
    readiness: scoring.Readiness | None  # None until a sheet is submitted
    fit_parts: tuple[scoring.FitPart, ...]
    total_gap: int | None
    within_one: agreement.PairAgreement
    coefficient: agreement.Statistic
    has_self_view: bool
    # The candidate's choice: False keeps their self-assessment out of these results.
    shares_self_assessment: bool = True

    @property
    def is_rated(self) -> bool:
        return bool(self.raters)

    @property
    def flags(self) -> list[CompetencyResult]:
        return [r for r in self.rows if r.needs_calibration]

    @property
    def perception(self) -> list[CompetencyResult]:
        return [r for r in self.rows if r.perception is not None]

    def row(self, code: str) -> CompetencyResult:
        """The row of one competency by code."""
        return next(r for r in self.rows if r.axis.code == code)


@dataclass(frozen=True)
class ProjectResults:
    """All candidates of a project, their ranking and the project-wide agreement."""

    axes: tuple[RoleAxis, ...]
    raters: tuple[Rater, ...]
    candidates: tuple[CandidateResult, ...]  # by name
    ranking: tuple[scoring.Ranked, ...]  # rated candidates only
    within_one: agreement.PairAgreement
    coefficient: agreement.Statistic
    max_level: int = 5
    _by_id: dict[int, CandidateResult] = field(default_factory=dict, repr=False)

    def candidate(self, candidate_id: int) -> CandidateResult:
        """One candidate's result (KeyError when not a candidate of the project)."""
        return self._by_id[candidate_id]

    @property
    def unrated(self) -> list[CandidateResult]:
        return [c for c in self.candidates if not c.is_rated]

    @property
    def flag_count(self) -> int:
        return sum(len(c.flags) for c in self.candidates)


def project_rating_rows(
    session: Session, project_id: int
) -> list[tuple[int, int, str, int | None]]:
    """(assessor, candidate, competency uuid, level) of every current rating of every submitted
    sheet of the project (one query)."""
    rows = session.execute(
        sa.select(Assessment.assessor_id, Assessment.subject_id, Competency.uuid, Rating.level)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Competency, Competency.id == Rating.competency_id)
        .where(
            Assessment.evaluation_project_id == project_id,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
        )
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _candidate_result(
    candidate: User,
    axes: list[RoleAxis],
    ratings: dict[int, dict[str, int | None]],
    self_levels: dict[str, int],
    names: dict[int, str],
    shares_self_assessment: bool = True,
) -> CandidateResult:
    by_uuid = {a.uuid: a for a in axes}
    evaluated_by_code: dict[str, int] = {}
    for axis in axes:
        level = agreement.evaluated_level(r.get(axis.uuid) for r in ratings.values())
        if level is not None:
            evaluated_by_code[axis.code] = level
    self_by_code = {by_uuid[u].code: lvl for u, lvl in self_levels.items() if u in by_uuid}
    requirements = [
        scoring.Requirement(a.code, a.requirement or "can", a.target)
        for a in sorted(axes, key=lambda a: a.position)
    ]
    # Gates and gaps rest on what evaluators saw; the self-view stays beside them.
    standings = scoring.standings(requirements, {}, evaluated_by_code)
    gap_by_code = {s.code: s.gap for s in standings}
    perception = {p.code: p.kind for p in scoring.perception_gaps(self_by_code, evaluated_by_code)}
    rows = tuple(
        CompetencyResult(
            axis=axis,
            levels={rater: per.get(axis.uuid) for rater, per in ratings.items()},
            evaluated=evaluated_by_code.get(axis.code),
            self_level=self_by_code.get(axis.code),
            gap=gap_by_code.get(axis.code),
            perception=perception.get(axis.code),
        )
        for axis in sorted(axes, key=lambda a: a.position)
    )
    raters = tuple(Rater(r, names.get(r, f"Evaluator {r}")) for r in ratings)
    rated = bool(ratings)
    return CandidateResult(
        candidate_id=candidate.id,
        name=candidate.name,
        email=candidate.email,
        rows=rows,
        raters=raters,
        readiness=scoring.readiness(standings) if rated else None,
        fit_parts=tuple(scoring.fit_breakdown(standings)) if rated else (),
        total_gap=scoring.total_gap(standings) if rated else None,
        within_one=agreement.share_within(ratings),
        coefficient=agreement.chance_corrected(ratings),
        has_self_view=bool(self_by_code),
        shares_self_assessment=shares_self_assessment,
    )


def build_project_results(
    session: Session, project: EvaluationProject, *, max_level: int = 5
) -> ProjectResults:
    """Results of every candidate of ``project`` (members loaded) in three queries."""
    axes = role_axes(session, project.role_profile_id)
    rows = project_rating_rows(session, project.id)
    candidates = project.candidates
    ids = [c.id for c in candidates]
    # Only the candidates who chose to share it have their self-assessment shown.
    sharing = [
        m.user_id
        for m in project.members
        if m.role == ProjectRole.CANDIDATE and m.is_accepted and m.shares_self_assessment
    ]
    own_levels = latest_self_level_map(session, sharing) if sharing else {}
    names = {u.id: u.name for u in project.evaluators}

    per_candidate: dict[int, dict[int, dict[str, int | None]]] = {cid: {} for cid in ids}
    for assessor_id, subject_id, uuid, level in rows:
        if subject_id in per_candidate:
            per_candidate[subject_id].setdefault(assessor_id, {})[uuid] = level
    results = []
    for candidate in candidates:
        own = own_levels.get(candidate.id, {})
        shares = candidate.id in sharing
        results.append(
            _candidate_result(candidate, axes, per_candidate[candidate.id], own, names, shares)
        )

    rated = [r for r in results if r.is_rated]
    ranking = scoring.rank_candidates(
        [
            scoring.RankEntry(r.candidate_id, r.name, r.readiness, r.total_gap or 0)
            for r in rated
            if r.readiness is not None
        ]
    )
    # Project-wide agreement: every (candidate, competency) is one item for the raters.
    pooled: dict[int, dict[tuple[int, str], int | None]] = {}
    for assessor_id, subject_id, uuid, level in rows:
        pooled.setdefault(assessor_id, {})[(subject_id, uuid)] = level
    rater_ids = sorted({a for a, *_ in rows}, key=lambda r: names.get(r, "").lower())
    return ProjectResults(
        axes=tuple(sorted(axes, key=lambda a: a.position)),
        raters=tuple(Rater(r, names.get(r, f"Evaluator {r}")) for r in rater_ids),
        candidates=tuple(results),
        ranking=tuple(ranking),
        within_one=agreement.share_within(pooled),
        coefficient=agreement.chance_corrected(pooled),
        max_level=max_level,
        _by_id={r.candidate_id: r for r in results},
    )


@dataclass(frozen=True)
class Correction:
    """A rating changed after its sheet was submitted: from, to, why, by whom and when."""

    assessment_id: int
    assessor_id: int
    assessor_name: str
    competency_code: str
    competency_name: str
    from_level: int | None
    to_level: int | None
    reason: str
    at: datetime


def corrections_for(session: Session, project_id: int, candidate_id: int) -> list[Correction]:
    """Every correction on the candidate's submitted sheets in the project, oldest first
    (one query)."""
    previous = aliased(Rating)
    rows = session.execute(
        sa.select(
            Assessment.id,
            Assessment.assessor_id,
            User.name,
            Competency.code,
            Competency.name,
            previous.level,
            Rating.level,
            Rating.reason,
            Rating.created_at,
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(previous, previous.id == Rating.supersedes_id)
        .join(Competency, Competency.id == Rating.competency_id)
        .join(User, User.id == Assessment.assessor_id)
        .where(
            Assessment.evaluation_project_id == project_id,
            Assessment.subject_id == candidate_id,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.reason != "",
        )
        .order_by(Rating.created_at, Rating.id)
    )
    return [Correction(*row) for row in rows]


# ---------------------------------------------------------------- the candidate's own view


@dataclass(frozen=True)
class ReleasedRow:
    """What a candidate sees of one competency: no evaluator names, no per-evaluator levels."""

    code: str
    name: str
    area: str
    requirement: str | None
    target: int | None
    evaluated: int | None
    observed_count: int
    lowest: int | None
    highest: int | None
    self_level: int | None
    gap: int | None
    perception: scoring.Perception | None

    @property
    def is_wide(self) -> bool:
        return (
            self.lowest is not None
            and self.highest is not None
            and self.highest - self.lowest >= agreement.CALIBRATION_SPREAD
        )


@dataclass(frozen=True)
class ReleasedResult:
    """A candidate's released results of one project."""

    rows: tuple[ReleasedRow, ...]
    evaluator_count: int
    readiness: scoring.Readiness | None
    fit_parts: tuple[scoring.FitPart, ...]
    within_one: agreement.PairAgreement
    coefficient: agreement.Statistic
    corrections: int


def released_view(result: CandidateResult, corrections: int) -> ReleasedResult:
    """Strip who rated what from a candidate's result, keeping the range and agreement."""
    rows = tuple(
        ReleasedRow(
            code=r.axis.code,
            name=r.axis.name,
            area=r.axis.area,
            requirement=r.axis.requirement,
            target=r.axis.target,
            evaluated=r.evaluated,
            observed_count=r.observed_count,
            lowest=r.given[0] if r.given else None,
            highest=r.given[-1] if r.given else None,
            self_level=r.self_level,
            gap=r.gap,
            perception=r.perception,
        )
        for r in result.rows
    )
    return ReleasedResult(
        rows=rows,
        evaluator_count=len(result.raters),
        readiness=result.readiness,
        fit_parts=result.fit_parts,
        within_one=result.within_one,
        coefficient=result.coefficient,
        corrections=corrections,
    )
