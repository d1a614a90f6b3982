"""Readiness per role this quarter against last: only what existed when the quarter ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from assessments.models import Assessment, Rating, TargetRoleChoice
from competencies.services import seed_default_framework
from core.cache import forget_everything_derived
from core.users import Role, update_user
from evaluations.release import release_results
from plans.overview import readiness_by_role
from plans.readiness_trend import quarter_label, quarter_start, readiness_trend
from tests.factories import (
    competencies_by_code,
    make_project,
    make_project_assessment,
    make_self_round,
    make_user,
    target,
)
from tests.helpers import counting

TODAY = date.today()
SINCE = quarter_start(TODAY)
LAST_QUARTER = SINCE - timedelta(days=20)


@pytest.fixture()
def framework(session):
    framework, _ = seed_default_framework(session)
    return framework


def _in_last_quarter(session, *, rounds=(), choices=(), projects=(), when=LAST_QUARTER):
    """Move rounds or sheets (with their ratings), target-role choices and releases back to
    ``when``, as if they had happened in the previous quarter."""
    for assessment in rounds:
        session.execute(
            sa.update(Assessment)
            .where(Assessment.id == assessment.id)
            .values(created_at=when, updated_at=when, submitted_at=when)
        )
        session.execute(
            sa.update(Rating).where(Rating.assessment_id == assessment.id).values(created_at=when)
        )
    for choice in choices:
        session.execute(
            sa.update(TargetRoleChoice)
            .where(TargetRoleChoice.id == choice.id)
            .values(chosen_at=when)
        )
    for project in projects:
        project.released_at = when
    session.flush()
    session.expire_all()


def _choice(session, person) -> TargetRoleChoice:
    return session.scalar(
        sa.select(TargetRoleChoice)
        .where(TargetRoleChoice.person_id == person.id)
        .order_by(TargetRoleChoice.id.desc())
        .limit(1)
    )


def _by_code(session, today=TODAY):
    return {r.code: r for r in readiness_trend(session, today).roles}


def _counts(line):
    return (line.people_now, line.ready_now, line.people_then, line.ready_then)


def test_the_quarter_ends_at_midnight_utc_before_its_first_day():
    assert quarter_start(date(2026, 12, 2)) == datetime(2026, 10, 1, tzinfo=UTC)
    assert quarter_start(date(2026, 3, 31)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert quarter_start(date(2026, 4, 1)) == datetime(2026, 4, 1, tzinfo=UTC)
    assert quarter_label(datetime(2026, 10, 1, tzinfo=UTC)) == "Q4 2026"


def test_quarters_are_named_across_the_turn_of_the_year(session, framework):
    result = readiness_trend(session, date(2027, 1, 15))
    assert (result.this_quarter, result.last_quarter) == ("Q1 2027", "Q4 2026")
    assert result.roles == ()  # nobody aims at anything yet


def test_a_round_submitted_this_quarter_counts_now_and_not_last_quarter(session, framework):
    """Ready only after a round of this quarter: ready now, not ready when last quarter ended."""
    person = make_user(session)
    target(session, person, "JITPM")
    first = make_self_round(session, person, default_level=1)
    _in_last_quarter(session, rounds=[first], choices=[_choice(session, person)])
    make_self_round(session, person, default_level=3)
    line = _by_code(session)["JITPM"]
    assert _counts(line) == (1, 1, 1, 0)
    assert (line.share_now, line.share_then, line.change) == (100, 0, 100)


def test_a_draft_round_started_last_quarter_counts_only_once_submitted(session, framework):
    person = make_user(session)
    target(session, person, "JITPM")
    draft = make_self_round(session, person, default_level=3, submit=False)
    _in_last_quarter(session, choices=[_choice(session, person)])
    session.execute(
        sa.update(Rating).where(Rating.assessment_id == draft.id).values(created_at=LAST_QUARTER)
    )
    assert _counts(_by_code(session)["JITPM"]) == (1, 0, 1, 0)


def test_a_target_role_chosen_this_quarter_counts_only_now(session, framework):
    switched = make_user(session)
    target(session, switched, "JITPM")
    _in_last_quarter(session, choices=[_choice(session, switched)])
    target(session, switched, "ITPM")  # this quarter: ends the junior choice now
    newcomer = make_user(session)
    target(session, newcomer, "SITPM")
    for person in (switched, newcomer):
        _in_last_quarter(session, rounds=[make_self_round(session, person, default_level=5)])
    lines = _by_code(session)
    assert _counts(lines["JITPM"]) == (0, 0, 1, 1)
    assert _counts(lines["ITPM"]) == (1, 1, 0, 0)
    assert _counts(lines["SITPM"]) == (1, 1, 0, 0)
    # Nobody aimed at it then: no share, not 0 %; nobody aims at it now: likewise.
    assert lines["ITPM"].share_then is None and lines["ITPM"].change is None
    assert lines["JITPM"].share_now is None and lines["JITPM"].share_then == 100
    assert "ITPGM" not in lines  # a role nobody aims at is not listed


def test_a_later_not_assessed_keeps_the_earlier_level(session, framework):
    person = make_user(session)
    target(session, person, "JITPM")
    first = make_self_round(session, person, default_level=3)
    _in_last_quarter(session, rounds=[first], choices=[_choice(session, person)])
    make_self_round(session, person, {"TEC-01": None}, default_level=3)
    assert _counts(_by_code(session)["JITPM"]) == (1, 1, 1, 1)


def test_both_moments_use_the_current_version_of_each_role(session, framework):
    """A role chosen on an older version is the same role in the current one, with its
    current targets at both moments; a retired role is aimed at by nobody."""
    from competencies.drafts import create_draft, publish_draft

    junior, senior = make_user(session), make_user(session)
    target(session, junior, "JITPM")
    target(session, senior, "SITPM")
    rounds = [make_self_round(session, p, default_level=3) for p in (junior, senior)]
    _in_last_quarter(
        session, rounds=rounds, choices=[_choice(session, junior), _choice(session, senior)]
    )
    assert _counts(_by_code(session)["JITPM"]) == (1, 1, 1, 1)
    hr = make_user(session, role=Role.HR)
    draft = create_draft(session, framework, hr)
    for role in draft.role_profiles:
        if role.code == "JITPM":
            for requirement in role.requirements:
                if requirement.competency.code == "TEC-01":
                    requirement.target_level = 4
        role.is_retired = role.code == "SITPM"
    publish_draft(session, draft, hr, "A harder junior role; the senior role retired.")
    lines = _by_code(session)
    assert _counts(lines["JITPM"]) == (1, 0, 1, 0)
    assert "SITPM" not in lines


def test_evaluations_count_last_quarter_only_if_released_by_then(session, framework):
    """Sheets submitted last quarter of a project released this quarter count only now; a
    rating corrected this quarter counts with its old level then."""
    late, corrected = make_user(session), make_user(session)
    manager = make_user(session, role=Role.MANAGER)
    musts = {"TEC-01", "TEC-02"}  # not all: the self levels below keep the rest at target
    for person in (late, corrected):
        target(session, person, "JITPM")
        low = {code: 1 for code in musts}
        _in_last_quarter(
            session,
            rounds=[make_self_round(session, person, low, default_level=3)],
            choices=[_choice(session, person)],
        )
    released_late = make_project(session, manager, candidates=[late], released=True)
    sheet = make_project_assessment(
        session, late, manager, dict.fromkeys(musts, 3), project=released_late
    )
    _in_last_quarter(session, rounds=[sheet])  # rated last quarter, released this quarter
    released_then = make_project(session, manager, candidates=[corrected], released=True)
    sheet = make_project_assessment(
        session, corrected, manager, dict.fromkeys(musts, 1), project=released_then
    )
    _in_last_quarter(session, rounds=[sheet], projects=[released_then])
    from assessments.submission import correct_submitted_rating

    sheet = session.get(Assessment, sheet.id)
    for code in musts:
        correct_submitted_rating(
            session,
            sheet,
            manager,
            competency_id=competencies_by_code(session, sheet.framework_id)[code].id,
            level=3,
            reason="Saw the final plan after submitting.",
            expected_version=sheet.version,
        )
    assert _counts(_by_code(session)["JITPM"]) == (2, 2, 2, 0)


def test_now_agrees_with_the_organisation_overview(session, framework):
    for i, (role, level) in enumerate([("JITPM", 3), ("JITPM", 1), ("ITPM", 4), ("ITPM", 2)]):
        person = make_user(session)
        target(session, person, role)
        if i < 3:
            make_self_round(session, person, default_level=level)
    target(session, make_user(session), "SITPM")  # not assessed: not ready
    trend = _by_code(session)
    overview = {line.role_code: line for line in readiness_by_role(session)}
    assert {code: (t.people_now, t.ready_now) for code, t in trend.items()} == {
        code: (o.people, o.ready) for code, o in overview.items()
    }


def test_a_change_is_seen_at_once_and_scores_only_that_person(session, framework, monkeypatch):
    from plans import readiness_trend as module

    people = [make_user(session) for _ in range(3)]
    for person in people:
        target(session, person, "JITPM")
    scored: list[list[int]] = []
    levels = module._levels

    def spy(session, person_ids, *args):
        scored.append(list(person_ids))
        return levels(session, person_ids, *args)

    monkeypatch.setattr(module, "_levels", spy)
    assert _counts(_by_code(session)["JITPM"]) == (3, 0, 0, 0)
    assert _counts(_by_code(session)["JITPM"]) == (3, 0, 0, 0) and len(scored) == 1
    make_self_round(session, people[1], default_level=3)
    assert _counts(_by_code(session)["JITPM"]) == (3, 1, 0, 0)
    assert scored[-1] == [people[1].id]
    admin = make_user(session, role=Role.ADMIN)
    update_user(session, people[2], role=Role.CANDIDATE, is_active=False, actor=admin)
    assert _counts(_by_code(session)["JITPM"]) == (2, 1, 0, 0)  # counted at neither moment
    manager = make_user(session, role=Role.MANAGER)
    project = make_project(session, manager, candidates=[people[0]])
    make_project_assessment(session, people[0], manager, {"TEC-01": 3}, project=project)
    _by_code(session)
    scored.clear()
    release_results(session, project, manager)
    assert _counts(_by_code(session)["JITPM"]) == (2, 1, 0, 0)
    assert scored == [[people[0].id]]  # a release scores again only the people it rates


def _fill(session, people: int) -> None:
    manager = make_user(session, role=Role.MANAGER)
    for i in range(people):
        person = make_user(session)
        target(session, person, ("JITPM", "ITPM", "SITPM")[i % 3])
        first = make_self_round(session, person, default_level=1 + i % 4)
        _in_last_quarter(session, rounds=[first], choices=[_choice(session, person)])
        make_self_round(session, person, default_level=2 + i % 3)
        if i % 2:
            make_project_assessment(session, person, manager, {"TEC-01": 3, "TEC-02": None})


def _queries(session, engine) -> tuple[int, int]:
    forget_everything_derived()
    with counting(engine) as cold:
        readiness_trend(session, TODAY)
    with counting(engine) as warm:
        readiness_trend(session, TODAY)
    return len(cold), len(warm)


def test_queries_stay_the_same_with_more_people(session, engine, framework):
    _fill(session, 3)
    session.flush()
    few = _queries(session, engine)
    _fill(session, 30)
    session.flush()
    many = _queries(session, engine)
    assert few == many == (3, 1)
