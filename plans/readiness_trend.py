"""Readiness per role this quarter against last: how many of the people aiming at each role
pass its must-gate now, and how many passed it when the previous calendar quarter ended.

"When the previous quarter ended" counts only what existed at that moment: the target role
chosen by then, the self-assessment rounds submitted by then, and the evaluator ratings of
sheets submitted by then in projects whose results were released by then (a rating corrected
later counts with the level it had then). Both moments are measured against the same
yardstick, the role as the current framework version defines it (matched by its uuid, as
``person_profile.target`` does), so the change between them is the people's progress and
not an edited target. A role nobody aimed at then has no share then (None, not 0 %).

People are the active candidates of today; the app keeps no history of deactivation, so
someone who left this quarter is missing from both moments alike.

Three queries at most whatever the number of people: the roles with their requirements and
the organisation's stamp; when that stamp moved since the last call, the people with both
choices and the stamp of each one's inputs; and, for the people whose own stamp moved, their
levels at both moments in one pass. Each person's two answers are cached under their own
stamp, as ``plans.overview`` does for readiness now, so a change to one person scores only
that person again; the whole answer is cached under the organisation's stamp, so a visit
when nothing changed costs one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from assessments import scoring
from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Rating,
    TargetRoleChoice,
)
from competencies.models import Competency, Framework, RoleProfile, RoleRequirement
from competencies.services import current_framework_id_query
from core.cache import LRUCache, cached, cached_many, side_by_side
from core.users import Role, User
from evaluations.models import EvaluationProject
from plans.overview import overview_stamp_parts


def quarter_start(today: date) -> datetime:
    """The first instant (UTC) of ``today``'s calendar quarter: the end of the previous one."""
    return datetime(today.year, 3 * ((today.month - 1) // 3) + 1, 1, tzinfo=UTC)


def quarter_label(moment: datetime) -> str:
    """The quarter of ``moment`` as people write it, such as Q3 2026."""
    return f"Q{(moment.month - 1) // 3 + 1} {moment.year}"


@dataclass(frozen=True)
class RoleTrend:
    """People aiming at one role and how many pass its must-gate, now and at the end of the
    previous quarter."""

    code: str
    name: str
    people_now: int
    ready_now: int
    people_then: int
    ready_then: int

    @property
    def share_now(self) -> float | None:
        """Percent of the people aiming at the role now who pass its gate (None: nobody aims)."""
        return _share(self.ready_now, self.people_now)

    @property
    def share_then(self) -> float | None:
        """Likewise at the end of the previous quarter."""
        return _share(self.ready_then, self.people_then)

    @property
    def change(self) -> float | None:
        """Percentage points gained since then; None unless both moments have people."""
        if self.share_now is None or self.share_then is None:
            return None
        return self.share_now - self.share_then


def _share(ready: int, people: int) -> float | None:
    return 100 * ready / people if people else None


@dataclass(frozen=True)
class QuarterReadiness:
    """Readiness per role now against the end of the quarter before ``since``."""

    since: datetime  # the first instant of this quarter
    roles: tuple[RoleTrend, ...]

    @property
    def this_quarter(self) -> str:
        return quarter_label(self.since)

    @property
    def last_quarter(self) -> str:
        return quarter_label(self.since - timedelta(days=1))


@dataclass(frozen=True)
class _Role:
    code: str
    name: str
    # What the must-gate looks at, keyed by competency uuid: the must competencies (a role
    # without any passes its gate once anything it asks for is assessed).
    gate: tuple[scoring.Requirement, ...]


def _roles(session: Session) -> tuple[dict[str, _Role], tuple[object, ...]]:
    """The current framework's offered roles by uuid, in framework order, with what their
    must-gates ask; and beside them, read in the same query, the organisation's stamp
    (``plans.overview.overview_stamp``), which moves whenever anybody's readiness may."""
    stamp = [part.scalar_subquery() for part in overview_stamp_parts()]
    rows = session.execute(
        sa.select(
            RoleProfile.uuid,
            RoleProfile.code,
            RoleProfile.name,
            Competency.uuid,
            RoleRequirement.requirement,
            RoleRequirement.target_level,
            *stamp,
        )
        .outerjoin(RoleRequirement, RoleRequirement.role_profile_id == RoleProfile.id)
        .outerjoin(Competency, Competency.id == RoleRequirement.competency_id)
        .where(
            RoleProfile.framework_id == current_framework_id_query(),
            RoleProfile.is_retired.is_(False),
        )
        .order_by(RoleProfile.position, RoleProfile.name, RoleProfile.id)
    ).all()
    found: dict[str, tuple[str, str, list[scoring.Requirement]]] = {}
    for role_uuid, code, name, competency_uuid, requirement, target, *_ in rows:
        asks = found.setdefault(role_uuid, (code, name, []))[2]
        if competency_uuid is not None:
            asks.append(scoring.Requirement(competency_uuid, requirement, target))
    roles = {
        uuid: _Role(code, name, tuple([r for r in asks if r.requirement == "must"] or asks))
        for uuid, (code, name, asks) in found.items()
    }
    return roles, tuple(rows[0][6:]) if rows else ()


@dataclass(frozen=True)
class _Person:
    person_id: int
    role_now: str | None  # role uuid in the current framework
    role_then: str | None
    stamp: tuple[object, ...]


def _people(session: Session, since: datetime) -> list[_Person]:
    """Active candidates aiming at an offered role now or at ``since``, with a stamp of
    what their readiness follows from (one query)."""
    chosen_now, chosen_then = aliased(TargetRoleChoice), aliased(TargetRoleChoice)
    picked_now, picked_then = aliased(RoleProfile), aliased(RoleProfile)
    role_now, role_then = aliased(RoleProfile), aliased(RoleProfile)
    current = current_framework_id_query()

    def offered(role: type[RoleProfile], picked: type[RoleProfile]) -> sa.ColumnElement[bool]:
        # A choice names the role row of the version it was made on: the same role (uuid)
        # in the current version counts, unless it has been retired.
        return sa.and_(
            role.uuid == picked.uuid, role.framework_id == current, role.is_retired.is_(False)
        )

    # What the person's readiness follows from: their self rounds and the sheets rating
    # them (a submission, a saved answer and a correction each move the version; a
    # release, the number of released sheets)...
    own = (
        sa.select(
            side_by_side(
                sa.func.count(Assessment.id),
                sa.func.sum(Assessment.version),
                sa.func.count(EvaluationProject.released_at),
            )
        )
        .outerjoin(EvaluationProject, EvaluationProject.id == Assessment.evaluation_project_id)
        .where(Assessment.subject_id == User.id)
        .scalar_subquery()
    )
    # ...and the roles' targets, which change only when a version is published.
    published = sa.select(sa.func.max(Framework.published_at)).scalar_subquery()
    rows = session.execute(
        sa.select(User.id, role_now.uuid, role_then.uuid, own, published)
        .outerjoin(
            chosen_now, sa.and_(chosen_now.person_id == User.id, chosen_now.ended_at.is_(None))
        )
        .outerjoin(picked_now, picked_now.id == chosen_now.role_profile_id)
        .outerjoin(role_now, offered(role_now, picked_now))
        .outerjoin(
            chosen_then,
            sa.and_(
                chosen_then.person_id == User.id,
                chosen_then.chosen_at < since,
                sa.or_(chosen_then.ended_at.is_(None), chosen_then.ended_at >= since),
            ),
        )
        .outerjoin(picked_then, picked_then.id == chosen_then.role_profile_id)
        .outerjoin(role_then, offered(role_then, picked_then))
        .where(
            User.is_active.is_(True),
            User.role == Role.CANDIDATE.value,
            sa.or_(role_now.id.is_not(None), role_then.id.is_not(None)),
        )
        .order_by(User.id)
    )
    return [
        _Person(person_id, now, then, (since, now, then, *stamp))
        for person_id, now, then, *stamp in rows
    ]


NOW, THEN = 0, 1


@dataclass
class _Levels:
    """One person's levels at one moment: self-reported by competency uuid, and each
    evaluator's latest rating as ``scoring.evaluated_levels`` takes them."""

    own: dict[str, int] = field(default_factory=dict)
    evaluator_rows: list[tuple[int, str, int | None, int]] = field(default_factory=list)


def _ranked(
    query: sa.Select,
    source: tuple[sa.ColumnElement, ...],
    newest_first: tuple[sa.ColumnElement, ...],
    counts_now: sa.ColumnElement[bool],
    counts_then: sa.ColumnElement[bool],
) -> sa.Select:
    """``query``'s rows that count at either moment, each with whether it counts now and
    then and its rank among the rows of its ``source`` that count at that moment."""
    flag_now = sa.case((counts_now, 1), else_=0)
    flag_then = sa.case((counts_then, 1), else_=0)
    return query.add_columns(
        flag_now.label("counts_now"),
        flag_then.label("counts_then"),
        sa.func.row_number()
        .over(partition_by=(*source, flag_now), order_by=newest_first)
        .label("rank_now"),
        sa.func.row_number()
        .over(partition_by=(*source, flag_then), order_by=newest_first)
        .label("rank_then"),
    ).where(sa.or_(counts_now, counts_then))


def _levels(
    session: Session, person_ids: Sequence[int], uuids: Sequence[str], since: datetime
) -> dict[tuple[int, int], _Levels]:
    """Per (moment, person): the levels of competencies ``uuids`` that counted now and at
    ``since`` (one query).

    Per person, source (self, or one evaluator) and competency, the newest row that counts
    at each moment wins, as in ``assessments.levels`` and ``evaluations.levels``: the level
    of the latest submitted round that has one (a later "not assessed" does not erase it),
    and each evaluator's latest rating on a submitted sheet of a released project ("not
    observed" included: that evaluator has no opinion). Self rounds are locked when
    submitted, so their current answers are what they said then. A sheet may be corrected
    after it was submitted: at ``since``, of the sheets submitted and released by then, the
    newest rating made before ``since`` counts (ratings are appended: the one current then).
    """
    own = _ranked(
        sa.select(
            Assessment.subject_id.label("person_id"),
            sa.cast(sa.null(), sa.Integer).label("assessor_id"),
            Competency.uuid.label("uuid"),
            Rating.level.label("level"),
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Competency, Competency.id == Rating.competency_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Rating.is_current.is_(True),
            Rating.level.is_not(None),
            Competency.uuid.in_(uuids),
        ),
        source=(Assessment.subject_id, Competency.uuid),
        newest_first=(sa.func.coalesce(Assessment.round_number, 0).desc(), Assessment.id.desc()),
        counts_now=sa.true(),
        counts_then=Assessment.submitted_at < since,
    )
    evaluated = _ranked(
        sa.select(Assessment.subject_id, Assessment.assessor_id, Competency.uuid, Rating.level)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Competency, Competency.id == Rating.competency_id)
        .join(EvaluationProject, EvaluationProject.id == Assessment.evaluation_project_id)
        .where(
            Assessment.subject_id.in_(person_ids),
            Assessment.kind == AssessmentKind.PROJECT.value,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Competency.uuid.in_(uuids),
        ),
        source=(Assessment.subject_id, Assessment.assessor_id, Competency.uuid),
        newest_first=(Assessment.submitted_at.desc(), Rating.id.desc()),
        counts_now=sa.and_(
            Rating.is_current.is_(True), EvaluationProject.is_results_released.is_(True)
        ),
        counts_then=sa.and_(
            Assessment.submitted_at < since,
            EvaluationProject.released_at < since,
            Rating.created_at < since,
        ),
    )
    rows = sa.union_all(own, evaluated).subquery()
    now = sa.and_(rows.c.counts_now == 1, rows.c.rank_now == 1)
    then = sa.and_(rows.c.counts_then == 1, rows.c.rank_then == 1)
    result: dict[tuple[int, int], _Levels] = {}
    for person_id, assessor_id, uuid, level, is_now, is_then in session.execute(
        sa.select(rows.c.person_id, rows.c.assessor_id, rows.c.uuid, rows.c.level, now, then).where(
            sa.or_(now, then)
        )
    ):
        for moment, counts in ((NOW, is_now), (THEN, is_then)):
            if not counts:
                continue
            levels = result.setdefault((moment, person_id), _Levels())
            if assessor_id is None:
                levels.own[uuid] = level
            else:
                levels.evaluator_rows.append((assessor_id, uuid, level, 0))
    return result


def _passes_gate(role: _Role | None, levels: _Levels | None) -> bool:
    """True when every must of the role is at or above its target (``scoring.readiness``)
    and the person has a level on at least one of them: nobody passes unassessed."""
    if role is None or levels is None:
        return False
    evaluated = scoring.evaluated_levels(levels.evaluator_rows)
    if not {r.code for r in role.gate} & (levels.own.keys() | evaluated.keys()):
        return False
    return scoring.readiness(scoring.standings(role.gate, levels.own, evaluated)).gate_passed


# Each person's (ready now, ready then), kept under the stamp of their own inputs.
RESCORE_SLICE = 5000
READY_NOW_AND_THEN: LRUCache[tuple[bool, bool]] = LRUCache(200_000)
# The whole answer per day, kept under the organisation's stamp.
TRENDS: LRUCache[QuarterReadiness] = LRUCache(16)


def readiness_trend(session: Session, today: date) -> QuarterReadiness:
    """Per role people aim at (now or at the end of the previous quarter, ``today`` deciding
    which quarter is this one): people aiming at it and how many pass its must-gate, at
    both moments.

    One query when nothing changed in the organisation since the last call (the roles and
    the organisation's stamp); after a change, one more for the people and the stamps of
    their inputs, and a third for the levels of those whose inputs changed.
    """
    since = quarter_start(today)
    roles, stamp = _roles(session)
    if not roles:
        return QuarterReadiness(since, ())
    # The day is part of the key, as on HR's overview: a change made behind the audit
    # trail's back shows the next day at the latest.
    return cached(TRENDS, today, stamp, lambda: _trend(session, roles, since))


def _trend(session: Session, roles: dict[str, _Role], since: datetime) -> QuarterReadiness:
    people = _people(session, since)
    by_id = {p.person_id: p for p in people}

    def score(stale: list[int]) -> dict[int, tuple[bool, bool]]:
        uuids = sorted({r.code for role in roles.values() for r in role.gate})
        levels: dict[tuple[int, int], _Levels] = {}
        # The query lists the people twice: in slices, a recomputation of a large
        # organisation stays under SQLite's limit of bound parameters per statement.
        for start in range(0, len(stale), RESCORE_SLICE):
            levels.update(_levels(session, stale[start : start + RESCORE_SLICE], uuids, since))
        return {
            person_id: (
                _passes_gate(roles.get(by_id[person_id].role_now), levels.get((NOW, person_id))),
                _passes_gate(roles.get(by_id[person_id].role_then), levels.get((THEN, person_id))),
            )
            for person_id in stale
        }

    ready = cached_many(READY_NOW_AND_THEN, {p.person_id: p.stamp for p in people}, score)
    counts = {uuid: [0, 0, 0, 0] for uuid in roles}
    for person in people:
        now, then = ready[person.person_id]
        if person.role_now in counts:
            counts[person.role_now][0] += 1
            counts[person.role_now][1] += now
        if person.role_then in counts:
            counts[person.role_then][2] += 1
            counts[person.role_then][3] += then
    return QuarterReadiness(
        since=since,
        roles=tuple(
            RoleTrend(roles[uuid].code, roles[uuid].name, *c)
            for uuid, c in counts.items()
            if c[0] or c[2]
        ),
    )
