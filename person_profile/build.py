"""A person's profile against their target role, built over a session in a fixed number of
queries however many rounds, evaluations or people there are.

Derived, never stored. Per competency: the latest self level, the evaluated level (lower
median of the evaluators' latest submitted project ratings), the effective level (evaluated
where present, else self-reported), target and gap; then readiness, fit, trend across rounds
and the qualifications a role expects. Self ratings are shown next to evaluator ratings and
never averaged into them. Competencies are matched across framework versions by their uuid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from assessments import scoring
from assessments.levels import (
    RoundInfo,
    latest_self_levels,
    submitted_self_ratings,
    submitted_self_rounds,
)
from assessments.models import Certification, Qualification
from competencies.models import Framework, RoleProfile, ScaleLevel
from competencies.role_axes import framework_axes, role_axes
from evaluations.levels import EvaluationInfo, evaluated_rating_rows, released_evaluations
from feedback.results import colleague_levels
from person_profile.qualifications import (
    HeldCertification,
    HeldQualification,
    QualificationsCheck,
    check_qualifications,
)
from person_profile.target import aimed_role_query


@dataclass(frozen=True)
class CompetencyRow:
    """One competency of the profile."""

    uuid: str
    code: str
    name: str
    area: str
    position: int
    requirement: str | None  # "must" | "can" | None when the role does not ask for it
    target: int | None
    self_level: int | None
    self_round: str | None  # which round the self level comes from
    confidence: int | None
    interest: int | None
    evaluated_level: int | None
    evaluator_count: int
    level: int | None
    source: scoring.LevelSource
    gap: int | None
    trend: tuple[int | None, ...]  # self level per submitted round, oldest first
    trend_delta: int | None
    # The latest closed feedback round's pooled median, where its anonymity rules show one:
    # a third source beside self and evaluated, never averaged into either.
    colleague_level: int | None = None
    colleague_count: int = 0

    @property
    def is_must(self) -> bool:
        return self.requirement == "must"

    @property
    def meets_target(self) -> bool:
        return self.gap is None or self.gap == 0


@dataclass(frozen=True)
class RoleInfo:
    """The role profile the person is judged against."""

    id: int
    code: str
    name: str
    framework_id: int
    framework_version: str
    qualifications: tuple[str, ...]


@dataclass(frozen=True)
class PersonProfile:
    """Everything the profile page (and later the PDF) shows about one person."""

    person_id: int
    role: RoleInfo | None
    rows: tuple[CompetencyRow, ...]  # gap order: must first, then by biggest gap
    rounds: tuple[RoundInfo, ...]  # submitted self rounds, oldest first
    readiness: scoring.Readiness | None
    fit_parts: tuple[scoring.FitPart, ...]
    perception: tuple[scoring.PerceptionGap, ...]
    qualifications: QualificationsCheck | None
    max_level: int = 5
    evaluations: tuple[EvaluationInfo, ...] = ()  # released projects behind the evaluated levels
    # Self against colleagues (blind spots, hidden strengths), beside ``perception``.
    colleague_perception: tuple[scoring.PerceptionGap, ...] = ()
    feedback_round_id: int | None = None

    @property
    def chart_rows(self) -> list[CompetencyRow]:
        """Rows in framework order, the stable order of chart axes."""
        return sorted(self.rows, key=lambda r: r.position)

    @property
    def has_self_ratings(self) -> bool:
        return any(r.self_level is not None for r in self.rows)

    @property
    def has_evaluations(self) -> bool:
        return any(r.evaluated_level is not None for r in self.rows)

    @property
    def has_colleague_levels(self) -> bool:
        return any(r.colleague_level is not None for r in self.rows)

    def row(self, code: str) -> CompetencyRow:
        """The row of one competency by code."""
        return next(r for r in self.rows if r.code == code)


def _target_role(
    session: Session, person_id: int, role_profile_id: int | None
) -> tuple[RoleProfile, Framework, int | None] | None:
    """The role to measure against, its framework and that framework's top level (one query):
    ``role_profile_id`` when given, else the role the person chose (see ``aimed_role_query``)."""
    if role_profile_id is not None:
        role = RoleProfile
        query = sa.select(role).where(role.id == role_profile_id)
    else:
        aimed = aimed_role_query(person_id).subquery()
        role = aliased(RoleProfile, aimed)
        query = sa.select(role).where(aimed.c.is_chosen == 1)
    top_level = (
        sa.select(sa.func.max(ScaleLevel.value))
        .where(ScaleLevel.framework_id == Framework.id)
        .scalar_subquery()
    )
    row = session.execute(
        query.add_columns(Framework, top_level).join(Framework, Framework.id == role.framework_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def build_person_profile(
    session: Session,
    person_id: int,
    *,
    role_profile_id: int | None = None,
    today: date | None = None,
) -> PersonProfile:
    """The person's profile against ``role_profile_id`` (default: their current target role).

    A fixed number of queries whatever the data: role, requirements, rounds, self ratings,
    evaluator ratings, released evaluations, qualifications, certifications, and the latest
    closed feedback round with its answers.
    """
    today = today or date.today()
    target = _target_role(session, person_id, role_profile_id)
    axes = role_axes(session, target[0].id) if target else framework_axes(session)
    rounds = submitted_self_rounds(session, [person_id])[person_id]
    self_ratings = submitted_self_ratings(session, [person_id])[person_id]
    evaluator_rows = evaluated_rating_rows(session, [person_id])[person_id]
    evaluations = released_evaluations(session, [person_id])[person_id]
    qualifications = session.scalars(
        sa.select(Qualification).where(Qualification.person_id == person_id)
    ).all()
    certifications = session.scalars(
        sa.select(Certification).where(Certification.person_id == person_id)
    ).all()

    colleagues = colleague_levels(session, person_id, today)
    latest = latest_self_levels(rounds, self_ratings)
    evaluated = scoring.evaluated_levels(evaluator_rows)
    evaluator_counts: dict[str, set[int]] = {}
    for assessor_id, uuid, level, _ in evaluator_rows:
        if level is not None:
            evaluator_counts.setdefault(uuid, set()).add(assessor_id)
    per_round = {(r.assessment_id, r.competency_uuid): r.level for r in self_ratings}

    by_code = {axis.code: axis for axis in axes}
    self_by_code = {a.code: latest[a.uuid][0].level for a in axes if a.uuid in latest}
    evaluated_by_code = {a.code: evaluated[a.uuid] for a in axes if a.uuid in evaluated}
    requirements = [
        scoring.Requirement(a.code, a.requirement or "can", a.target)
        for a in sorted(axes, key=lambda a: a.position)
    ]
    standings = scoring.standings(requirements, self_by_code, evaluated_by_code)

    rows = []
    for standing in standings:
        axis = by_code[standing.code]
        own = latest.get(axis.uuid)
        colleague = colleagues.get(axis.uuid)
        trend = tuple(per_round.get((r.assessment_id, axis.uuid)) for r in rounds)
        rows.append(
            CompetencyRow(
                uuid=axis.uuid,
                code=axis.code,
                name=axis.name,
                area=axis.area,
                position=axis.position,
                requirement=axis.requirement,
                target=axis.target,
                self_level=standing.self_level,
                self_round=own[1].label if own else None,
                confidence=own[0].confidence if own else None,
                interest=own[0].interest if own else None,
                evaluated_level=standing.evaluated_level,
                evaluator_count=len(evaluator_counts.get(axis.uuid, ())),
                level=standing.level,
                source=standing.source,
                gap=standing.gap,
                trend=trend,
                trend_delta=scoring.trend_delta(
                    [
                        scoring.TrendPoint(r.label, level)
                        for r, level in zip(rounds, trend, strict=True)
                    ]
                ),
                colleague_level=colleague.median if colleague else None,
                colleague_count=colleague.count if colleague else 0,
            )
        )
    if not target:
        rows.sort(key=lambda r: r.position)

    role = None
    check = None
    readiness = None
    fit_parts: tuple[scoring.FitPart, ...] = ()
    if target:
        profile, framework, _ = target
        role = RoleInfo(
            profile.id,
            profile.code,
            profile.name,
            framework.id,
            framework.version_label,
            tuple(profile.qualifications or ()),
        )
        readiness = scoring.readiness(standings)
        fit_parts = tuple(scoring.fit_breakdown(standings))
        check = check_qualifications(
            role.qualifications,
            [HeldQualification(q.kind, q.title) for q in qualifications],
            [HeldCertification(c.category, c.name, c.is_valid_on(today)) for c in certifications],
        )
    return PersonProfile(
        person_id=person_id,
        role=role,
        rows=tuple(rows),
        rounds=tuple(rounds),
        readiness=readiness,
        fit_parts=fit_parts,
        perception=tuple(scoring.perception_gaps(self_by_code, evaluated_by_code)),
        colleague_perception=tuple(
            scoring.perception_gaps(
                self_by_code,
                {r.code: r.colleague_level for r in rows if r.colleague_level is not None},
            )
        ),
        feedback_round_id=next(iter(colleagues.values())).round_id if colleagues else None,
        qualifications=check,
        max_level=(target[2] if target and target[2] else 5),
        evaluations=tuple(evaluations),
    )
