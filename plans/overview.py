"""HR's organisation overview: a heatmap of people × competencies against each person's target
role, readiness per role, and the CSV of it all (the training budget: plans/budget.py).

Everything is read in a fixed number of queries per page, whatever the number of people,
ratings or plans: the people of a page first, then one batch query per kind of data for them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments import scoring
from assessments.levels import latest_self_level_map
from assessments.models import Assessment, Rating, TargetRoleChoice
from competencies.models import (
    Area,
    Competency,
    Framework,
    FrameworkStatus,
    RoleProfile,
    RoleRequirement,
)
from core.audit import AuditEvent
from core.cache import LRUCache, Stamp, cached_many, side_by_side
from core.csv_export import neutralise_cell
from core.users import Role, User
from evaluations.levels import latest_evaluator_ratings
from evaluations.models import EvaluationProject
from plans.models import DevelopmentPlan
from plans.services import current_plans

PER_PAGE = 25
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class HeatColumn:
    """A competency column of the heatmap (identified by uuid across framework versions)."""

    uuid: str
    code: str
    name: str


@dataclass(frozen=True)
class HeatCell:
    """One person × competency: what the role asks and where the person stands."""

    requirement: str | None
    level: int | None
    target: int | None
    gap: int | None

    @property
    def band(self) -> str:
        """Colour band of the cell: na, met, gap1, gap2, gap3 (three levels or more)."""
        if self.requirement is None or self.gap is None:
            return "na"
        if self.gap == 0:
            return "met"
        return f"gap{min(self.gap, 3)}"

    @property
    def text(self) -> str:
        """What the cell says in words (colour is never the only signal)."""
        if self.requirement is None:
            return "–"
        if self.gap is None:
            return "any"
        if self.gap == 0:
            return "met"
        return f"−{self.gap}"


@dataclass(frozen=True)
class HeatRow:
    """One person of the heatmap."""

    person_id: int
    name: str
    email: str
    role_name: str | None
    cells: tuple[HeatCell, ...]
    readiness: scoring.Readiness | None
    has_ratings: bool
    plan_status: str | None
    plan_id: int | None


@dataclass(frozen=True)
class Heatmap:
    """One page of the heatmap."""

    columns: tuple[HeatColumn, ...]
    rows: tuple[HeatRow, ...]
    total: int
    page: int
    pages: int
    per_page: int


def _columns(session: Session) -> tuple[HeatColumn, ...]:
    """The current framework's top-level competencies in framework order (one query)."""
    newest = (
        sa.select(Framework.id)
        .where(Framework.status == FrameworkStatus.PUBLISHED.value)
        .order_by(Framework.published_at.desc(), Framework.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Competency.uuid, Competency.code, Competency.name)
        .join(Area, Area.id == Competency.area_id)
        .where(Competency.framework_id == newest, Competency.parent_id.is_(None))
        .order_by(Area.position, Competency.position)
    )
    return tuple(HeatColumn(*row) for row in rows)


def _people_query(role_code: str | None, text: str | None) -> sa.Select:
    """Active candidates with their current target role: rows of person_id, name, email,
    role_id, role_name and role_code."""
    query = (
        sa.select(
            User.id.label("person_id"),
            User.name,
            User.email,
            RoleProfile.id.label("role_id"),
            RoleProfile.name.label("role_name"),
            RoleProfile.code.label("role_code"),
        )
        .outerjoin(
            TargetRoleChoice,
            TargetRoleChoice.current_of(User.id),
        )
        .outerjoin(RoleProfile, RoleProfile.id == TargetRoleChoice.role_profile_id)
        .where(User.is_active.is_(True), User.role == Role.CANDIDATE.value)
    )
    if role_code:
        query = query.where(RoleProfile.code == role_code)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
    return query


def _requirements(
    session: Session, role_ids: Sequence[int]
) -> dict[int, list[tuple[str, str, int | None]]]:
    """(competency uuid, must|can, target) per role profile (one query)."""
    result: dict[int, list[tuple[str, str, int | None]]] = {rid: [] for rid in role_ids}
    if not role_ids:
        return result
    rows = session.execute(
        sa.select(
            RoleRequirement.role_profile_id,
            Competency.uuid,
            RoleRequirement.requirement,
            RoleRequirement.target_level,
        )
        .join(Competency, Competency.id == RoleRequirement.competency_id)
        .where(RoleRequirement.role_profile_id.in_(role_ids))
    )
    for role_id, uuid, requirement, target in rows:
        result[role_id].append((uuid, requirement, target))
    return result


def _standings_for(
    session: Session,
    people: Sequence[sa.Row],
    columns: Sequence[HeatColumn],
    *,
    with_plans: bool = True,
) -> list[HeatRow]:
    """Heat rows for ``people`` (rows of ``_people_query``) in four batch queries
    (requirements, latest self levels, evaluator ratings and, unless left out, plans)."""
    ids = [p.person_id for p in people]
    requirements = _requirements(
        session, sorted({p.role_id for p in people if p.role_id is not None})
    )
    own_levels = latest_self_level_map(session, ids)
    evaluated_rows = latest_evaluator_ratings(session, ids)
    plans = current_plans(session, ids) if with_plans else {}
    rows = []
    for person in people:
        person_id, role_id = person.person_id, person.role_id
        own = own_levels[person_id]
        evaluated = scoring.evaluated_levels(evaluated_rows[person_id])
        asks = {uuid: (req, target) for uuid, req, target in requirements.get(role_id, [])}
        standings = {
            s.code: s
            for s in scoring.standings(
                [scoring.Requirement(u, r, t) for u, (r, t) in asks.items()], own, evaluated
            )
        }
        cells = []
        for column in columns:
            standing = standings.get(column.uuid)
            if standing is None:
                level, _ = scoring.effective_level(own.get(column.uuid), evaluated.get(column.uuid))
                cells.append(HeatCell(None, level, None, None))
            else:
                cells.append(
                    HeatCell(standing.requirement, standing.level, standing.target, standing.gap)
                )
        plan = plans.get(person_id)
        rows.append(
            HeatRow(
                person_id=person_id,
                name=person.name,
                email=person.email,
                role_name=person.role_name,
                cells=tuple(cells),
                readiness=scoring.readiness(list(standings.values())) if role_id else None,
                has_ratings=bool(own or evaluated),
                plan_status=plan[1] if plan else None,
                plan_id=plan[0] if plan else None,
            )
        )
    return rows


# Audited actions that read rather than change what the overview shows.
READ_ONLY_ACTIONS = ("user.login", "user.logout", "privacy.export", "plan.export")


def overview_stamp_parts() -> list[sa.Select]:
    """The parts of ``overview_stamp``, for a query that reads them beside rows of its own
    (``plans.readiness_trend`` reads them with the role profiles, in one round trip)."""
    changes = sa.select(sa.func.max(AuditEvent.id)).where(
        AuditEvent.action.not_in(READ_ONLY_ACTIONS),
        AuditEvent.action.not_like("%.view"),
        AuditEvent.action.not_like("plan.export%"),
    )
    return [
        # Every change to people, ratings, roles, plans and frameworks is audited; the
        # newest ids of the rows the overview is built from back that up directly.
        changes,
        sa.select(sa.func.max(Rating.id)),
        sa.select(sa.func.max(Assessment.id)),
        sa.select(sa.func.max(TargetRoleChoice.id)),
        sa.select(sa.func.max(User.id)),
        sa.select(sa.func.max(DevelopmentPlan.id)),
        sa.select(sa.func.max(Framework.published_at)),
    ]


_OVERVIEW_STAMP = Stamp(overview_stamp_parts)


def overview_stamp(session: Session) -> tuple[object, ...]:
    """One query of newest ids (each an index lookup): a value that changes whenever the
    organisation's heatmap, readiness or budget may change."""
    return _OVERVIEW_STAMP.read(session)


def heatmap_page(
    session: Session,
    *,
    role_code: str | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Heatmap:
    """One page of people (by name) × the current framework's competencies, in seven queries
    whatever the number of people, ratings or plans."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    query = _people_query(role_code, text).add_columns(sa.func.count().over().label("total"))
    page = max(1, page)
    people = session.execute(
        query.order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if not people and page > 1:
        # Past the last page (a stale link): show the first page instead.
        page = 1
        people = session.execute(query.order_by(User.name, User.id).limit(per_page)).all()
    total = people[0].total if people else 0
    pages = max(1, math.ceil(total / per_page))
    columns = _columns(session)
    rows = _standings_for(session, people, columns)
    return Heatmap(columns, tuple(rows), total, page, pages, per_page)


# ---------------------------------------------------------------- readiness per role


@dataclass(frozen=True)
class RoleReadiness:
    """How many people aiming at one role pass its must-gate."""

    role_name: str
    role_code: str
    people: int
    ready: int
    not_ready: int
    not_assessed: int


READY, NOT_READY, NOT_ASSESSED = 0, 1, 2


# Each person's readiness bucket, kept under a stamp of that person's inputs.
READINESS: LRUCache[int] = LRUCache(200_000)


def _readiness_stamps(session: Session, people: Sequence[sa.Row]) -> dict[int, Hashable]:
    """Per person of ``people`` a stamp of what their readiness follows from: their
    assessments (self rounds and the project sheets rating them; one grouped query for
    everyone), their target role, which projects have released results and the published
    framework (one query, shared by everyone)."""
    own = dict(
        session.execute(
            sa.select(
                Assessment.subject_id,
                side_by_side(sa.func.count(Assessment.id), sa.func.sum(Assessment.version)),
            ).group_by(Assessment.subject_id)
        ).all()
    )
    shared = _SHARED_READINESS_STAMP.read(session)
    return {p.person_id: (p.role_id, own.get(p.person_id), shared) for p in people}


# What every person's readiness shares: which projects count (released results) and the
# published framework, whose role targets it is measured against.
_SHARED_READINESS_STAMP = Stamp(
    lambda: [
        sa.select(
            side_by_side(
                sa.func.count().filter(EvaluationProject.is_results_released),
                sa.func.max(EvaluationProject.updated_at),
            )
        ),
        sa.select(sa.func.max(Framework.published_at)),
    ]
)


def _buckets(session: Session, people: Sequence[sa.Row]) -> dict[int, int]:
    """Per person id of ``people``, their readiness bucket (ready, not ready, not assessed)."""
    by_id = {p.person_id: p for p in people}

    def score(stale: list[int]) -> dict[int, int]:
        result = {}
        for row in _standings_for(session, [by_id[i] for i in stale], (), with_plans=False):
            if not row.has_ratings:
                result[row.person_id] = NOT_ASSESSED
            elif row.readiness is not None and row.readiness.gate_passed:
                result[row.person_id] = READY
            else:
                result[row.person_id] = NOT_READY
        return result

    return cached_many(READINESS, _readiness_stamps(session, people), score)


def readiness_by_role(session: Session) -> list[RoleReadiness]:
    """Per target role: people ready (gate passed), not ready, and not assessed yet.

    Each person's readiness is cached under a stamp of their own, so after one change in an
    organisation of 10,000 only that person is scored again, not everyone: three queries
    when nobody's inputs changed since last time; two to five more to score those whose did.
    """
    people = session.execute(
        _people_query(None, None).where(RoleProfile.id.is_not(None)).order_by(User.id)
    ).all()
    buckets = _buckets(session, people)
    codes = {p.role_name: p.role_code for p in people}
    counts: dict[str, list[int]] = {}
    for person in people:
        counts.setdefault(person.role_name or "", [0, 0, 0])[buckets[person.person_id]] += 1
    return [
        RoleReadiness(name, codes.get(name, ""), sum(c), c[READY], c[NOT_READY], c[NOT_ASSESSED])
        for name, c in sorted(counts.items())
    ]


# ---------------------------------------------------------------- CSV


def overview_csv(
    session: Session, *, role_code: str | None = None, text: str | None = None, chunk: int = 500
) -> Iterator[str]:
    """The heatmap of everyone matching the filters as CSV lines, formula-injection safe."""
    columns = _columns(session)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    header = [
        "Name",
        "Email",
        "Target role",
        "Must-gate",
        "Musts met",
        "Fit score (%)",
        "Plan status",
        *[f"{c.code} {c.name} (gap)" for c in columns],
    ]
    # Headers carry competency codes and names that HR typed: neutralised like every cell.
    writer.writerow([neutralise_cell(cell) for cell in header])
    yield flush()
    query = _people_query(role_code, text).order_by(User.name, User.id)
    offset = 0
    while True:
        people = session.execute(query.limit(chunk).offset(offset)).all()
        if not people:
            break
        for row in _standings_for(session, people, columns):
            readiness = row.readiness
            gate = ""
            if readiness is not None:
                gate = "passed" if readiness.gate_passed else "not passed"
            cells = [
                row.name,
                row.email,
                row.role_name or "",
                gate,
                f"{readiness.musts_met}/{readiness.musts_total}" if readiness else "",
                ""
                if readiness is None or readiness.fit_score is None
                else f"{readiness.fit_score:.0f}",
                row.plan_status or "",
                *["" if c.requirement is None or c.gap is None else str(c.gap) for c in row.cells],
            ]
            writer.writerow([neutralise_cell(cell) for cell in cells])
        yield flush()
        offset += chunk
