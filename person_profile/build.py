"""A person's profile against their target role, built over a session in a fixed number of
queries however many rounds, evaluations or people there are.

Derived, never stored. Per competency: the latest self level, the evaluated level (lower
median of the evaluators' latest submitted project ratings), the effective level (evaluated
where present, else self-reported), target and gap; then readiness, fit, trend across rounds
and the qualifications a role expects. Self ratings are shown next to evaluator ratings and
never averaged into them. Competencies are matched across framework versions by their uuid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments import scoring
from assessments.evaluation_models import EvaluationProject, ProjectMember, ProjectRole
from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Certification,
    Qualification,
    Rating,
    TargetRoleChoice,
)
from assessments.qualifications import (
    HeldCertification,
    HeldQualification,
    QualificationsCheck,
    check_qualifications,
)
from competencies.models import (
    Area,
    Competency,
    Framework,
    FrameworkStatus,
    RoleProfile,
    ScaleLevel,
)
from competencies.models import RoleRequirement as RequirementRow


@dataclass(frozen=True)
class RoundInfo:
    """A submitted self-assessment round."""

    assessment_id: int
    round_number: int
    submitted_at: datetime

    @property
    def label(self) -> str:
        return f"Round {self.round_number}"


@dataclass(frozen=True)
class SelfRating:
    """One answer of one submitted self round, as plain values."""

    assessment_id: int
    competency_uuid: str
    level: int | None
    confidence: int | None
    interest: int | None


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

    @property
    def is_must(self) -> bool:
        return self.requirement == "must"

    @property
    def meets_target(self) -> bool:
        return self.gap is None or self.gap == 0


@dataclass(frozen=True)
class EvaluationInfo:
    """A project evaluation of the person whose results have been released to them."""

    project_id: int
    title: str
    released_at: datetime


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
class Profile:
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

    def row(self, code: str) -> CompetencyRow:
        """The row of one competency by code."""
        return next(r for r in self.rows if r.code == code)


# ---------------------------------------------------------------- batch queries (one each)


def submitted_self_rounds(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[RoundInfo]]:
    """Submitted self rounds per person, oldest first (one query)."""
    rows = session.execute(
        sa.select(
            Assessment.subject_id, Assessment.id, Assessment.round_number, Assessment.submitted_at
        )
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
        )
        .order_by(Assessment.subject_id, Assessment.round_number)
    )
    result: dict[int, list[RoundInfo]] = {pid: [] for pid in person_ids}
    for subject_id, assessment_id, round_number, submitted_at in rows:
        result[subject_id].append(RoundInfo(assessment_id, round_number or 0, submitted_at))
    return result


def submitted_self_ratings(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[SelfRating]]:
    """The current answers of every submitted self round per person (one query)."""
    rows = session.execute(
        sa.select(
            Assessment.subject_id,
            Assessment.id,
            Competency.uuid,
            Rating.level,
            Rating.confidence,
            Rating.interest,
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Competency, Competency.id == Rating.competency_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
        )
    )
    result: dict[int, list[SelfRating]] = {pid: [] for pid in person_ids}
    for subject_id, assessment_id, uuid, level, confidence, interest in rows:
        result[subject_id].append(SelfRating(assessment_id, uuid, level, confidence, interest))
    return result


def _newest_only(query: sa.Select, *, partition_by: tuple, order_by: tuple) -> sa.Select:
    """``query``'s rows that come first in their partition (one row per partition, newest
    by ``order_by``), with the competency's uuid in place of its id. ``query`` selects
    ``Rating.competency_id`` among its columns."""
    newest_first = sa.func.row_number().over(partition_by=partition_by, order_by=order_by)
    ranked = query.add_columns(newest_first.label("newest_first")).subquery()
    columns = [
        Competency.uuid if column.name == "competency_id" else column
        for column in ranked.c
        if column.name != "newest_first"
    ]
    return (
        sa.select(*columns)
        .join(Competency, Competency.id == ranked.c.competency_id)
        .where(ranked.c.newest_first == 1)
    )


def latest_self_level_map(session: Session, person_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per person, per competency uuid, the level from the most recent submitted round that
    has one: what ``latest_self_levels`` gives, picked by the database (one query).

    For pages over many people, which need the levels only: one row per person and
    competency comes back instead of every answer of every round.
    """
    answers = (
        sa.select(Assessment.subject_id, Rating.competency_id, Rating.level)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
            Rating.level.is_not(None),
        )
    )
    rows = session.execute(
        _newest_only(
            answers,
            partition_by=(Assessment.subject_id, Rating.competency_id),
            order_by=(sa.func.coalesce(Assessment.round_number, 0).desc(), Assessment.id.desc()),
        )
    )
    result: dict[int, dict[str, int]] = {pid: {} for pid in person_ids}
    for subject_id, uuid, level in rows:
        result[subject_id][uuid] = level
    return result


def evaluated_rating_rows(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, int | None, tuple[datetime, int]]]]:
    """Evaluators' current ratings from submitted project assessments per person (one query).

    Each row is ``(assessor_id, competency_uuid, level, order_key)`` as
    ``scoring.evaluated_levels`` takes them. Only projects whose owner has released the
    results count: until then the evaluation is the evaluators' work in progress.
    """
    rows = session.execute(
        sa.select(
            Assessment.subject_id,
            Assessment.assessor_id,
            Competency.uuid,
            Rating.level,
            Assessment.submitted_at,
            Rating.id,
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Competency, Competency.id == Rating.competency_id)
        .join(EvaluationProject, EvaluationProject.id == Assessment.evaluation_project_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.PROJECT.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
            EvaluationProject.is_results_released.is_(True),
        )
    )
    result: dict[int, list[tuple[int, str, int | None, tuple[datetime, int]]]] = {
        pid: [] for pid in person_ids
    }
    for subject_id, assessor_id, uuid, level, submitted_at, rating_id in rows:
        result[subject_id].append((assessor_id, uuid, level, (submitted_at, rating_id)))
    return result


def latest_evaluator_ratings(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, int | None, int]]]:
    """Per person, each evaluator's latest current rating per competency from submitted
    sheets of released projects, picked by the database (one query).

    Rows are ``(assessor_id, competency_uuid, level, 0)``, ready for
    ``scoring.evaluated_levels``: what ``evaluated_rating_rows`` gives once each evaluator's
    older ratings are dropped, for pages over many people.
    """
    ratings = (
        sa.select(Assessment.subject_id, Assessment.assessor_id, Rating.competency_id, Rating.level)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(EvaluationProject, EvaluationProject.id == Assessment.evaluation_project_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.PROJECT.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
            EvaluationProject.is_results_released.is_(True),
        )
    )
    rows = session.execute(
        _newest_only(
            ratings,
            partition_by=(Assessment.subject_id, Assessment.assessor_id, Rating.competency_id),
            order_by=(Assessment.submitted_at.desc(), Rating.id.desc()),
        )
    )
    result: dict[int, list[tuple[int, str, int | None, int]]] = {pid: [] for pid in person_ids}
    for subject_id, assessor_id, uuid, level in rows:
        result[subject_id].append((assessor_id, uuid, level, 0))
    return result


def released_evaluations(
    session: Session, person_ids: Sequence[int]
) -> dict[int, list[EvaluationInfo]]:
    """Per person, the projects they are a candidate in whose results are released (one query)."""
    rows = session.execute(
        sa.select(
            ProjectMember.user_id,
            EvaluationProject.id,
            EvaluationProject.title,
            EvaluationProject.released_at,
        )
        .join(EvaluationProject, EvaluationProject.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id.in_(person_ids),
            ProjectMember.role == ProjectRole.CANDIDATE.value,
            EvaluationProject.is_results_released.is_(True),
        )
        .order_by(EvaluationProject.released_at, EvaluationProject.id)
    )
    result: dict[int, list[EvaluationInfo]] = {pid: [] for pid in person_ids}
    for user_id, project_id, title, released_at in rows:
        result[user_id].append(EvaluationInfo(project_id, title, released_at))
    return result


def latest_self_levels(
    rounds: Sequence[RoundInfo], ratings: Sequence[SelfRating]
) -> dict[str, tuple[SelfRating, RoundInfo]]:
    """Per competency uuid, the answer with a level from the most recent round that has one.

    A later "not assessed" does not erase an earlier level: the person chose not to judge.
    """
    order = {r.assessment_id: i for i, r in enumerate(rounds)}
    by_id = {r.assessment_id: r for r in rounds}
    latest: dict[str, tuple[SelfRating, RoundInfo]] = {}
    for rating in sorted(ratings, key=lambda r: order.get(r.assessment_id, -1)):
        if rating.level is None or rating.assessment_id not in by_id:
            continue
        latest[rating.competency_uuid] = (rating, by_id[rating.assessment_id])
    return latest


# ---------------------------------------------------------------- building the profile


@dataclass(frozen=True)
class RoleAxis:
    """One competency as a role (or, without a role, the framework) presents it."""

    uuid: str
    code: str
    name: str
    area: str
    position: int
    requirement: str | None
    target: int | None


def role_axes(session: Session, role_profile_id: int) -> list[RoleAxis]:
    """The competencies a role profile asks for, with requirement and target (one query)."""
    rows = session.execute(
        sa.select(RequirementRow, Competency, Area)
        .join(Competency, Competency.id == RequirementRow.competency_id)
        .join(Area, Area.id == Competency.area_id)
        .where(RequirementRow.role_profile_id == role_profile_id)
    )
    return [
        RoleAxis(
            c.uuid,
            c.code,
            c.name,
            a.name,
            a.position * 1000 + c.position,
            req.requirement,
            req.target_level,
        )
        for req, c, a in rows
    ]


def _framework_axes(session: Session) -> list[RoleAxis]:
    """Without a target role: every competency of the current framework, no requirement."""
    newest = (
        sa.select(Framework.id)
        .where(Framework.status == FrameworkStatus.PUBLISHED.value)
        .order_by(Framework.published_at.desc(), Framework.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Competency, Area)
        .join(Area, Area.id == Competency.area_id)
        .where(Competency.framework_id == newest)
    )
    return [
        RoleAxis(c.uuid, c.code, c.name, a.name, a.position * 1000 + c.position, None, None)
        for c, a in rows
    ]


def _target_role(
    session: Session, person_id: int, role_profile_id: int | None
) -> tuple[RoleProfile, Framework, int | None] | None:
    top_level = (
        sa.select(sa.func.max(ScaleLevel.value))
        .where(ScaleLevel.framework_id == Framework.id)
        .scalar_subquery()
    )
    query = sa.select(RoleProfile, Framework, top_level).join(
        Framework, Framework.id == RoleProfile.framework_id
    )
    if role_profile_id is not None:
        query = query.where(RoleProfile.id == role_profile_id)
    else:
        query = query.join(
            TargetRoleChoice, TargetRoleChoice.role_profile_id == RoleProfile.id
        ).where(TargetRoleChoice.current_of(person_id))
    row = session.execute(query).first()
    return (row[0], row[1], row[2]) if row else None


def build_profile(
    session: Session,
    person_id: int,
    *,
    role_profile_id: int | None = None,
    today: date | None = None,
) -> Profile:
    """The person's profile against ``role_profile_id`` (default: their current target role).

    Eight queries whatever the data: role, requirements, rounds, self ratings, evaluator
    ratings, released evaluations, qualifications, certifications.
    """
    today = today or date.today()
    target = _target_role(session, person_id, role_profile_id)
    axes = role_axes(session, target[0].id) if target else _framework_axes(session)
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
    return Profile(
        person_id=person_id,
        role=role,
        rows=tuple(rows),
        rounds=tuple(rounds),
        readiness=readiness,
        fit_parts=fit_parts,
        perception=tuple(scoring.perception_gaps(self_by_code, evaluated_by_code)),
        qualifications=check,
        max_level=(target[2] if target and target[2] else 5),
        evaluations=tuple(evaluations),
    )
