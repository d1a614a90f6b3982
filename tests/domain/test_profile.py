"""A person's profile over a session: levels, evaluations, trend, qualifications, query count."""

from datetime import date

import pytest
import sqlalchemy as sa

from assessments.credentials import add_certification, add_qualification
from assessments.scoring import LevelSource, Perception
from assessments.target_roles import choose_target_role
from competencies.models import Requirement, RoleProfile, RoleRequirement
from competencies.services import seed_default_framework
from core.users import Role
from person_profile.build import build_person_profile
from tests.factories import (
    make_closed_feedback_round,
    make_project_assessment,
    make_self_round,
    make_user,
)


@pytest.fixture()
def framework(session):
    framework, _ = seed_default_framework(session)
    return framework


@pytest.fixture()
def person(session, framework):
    person = make_user(session)
    choose_target_role(session, person, _role(session, "ITPM").id)
    return person


def _role(session, code):
    return session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))


def test_no_rounds_yet_gives_every_gap_in_full(session, person):
    profile = build_person_profile(session, person.id)
    assert profile.role.code == "ITPM" and profile.rounds == ()
    plan = profile.row("DEL-01")
    assert (plan.self_level, plan.level, plan.source, plan.gap) == (None, None, "none", 3)
    assert not profile.readiness.gate_passed
    assert profile.readiness.fit_score == 0.0


def test_must_competencies_come_first_and_the_gate_names_what_fails(session, person):
    make_self_round(session, person, {"DEL-01": 1, "TEC-02": 0}, default_level=3)
    profile = build_person_profile(session, person.id)
    musts = [r.code for r in profile.rows if r.is_must]
    assert [r.code for r in profile.rows[: len(musts)]] == musts
    assert profile.rows[0].code == "TEC-02" and profile.rows[0].gap == 3  # level 0: full gap
    assert set(profile.readiness.failing_musts) == {"TEC-02", "DEL-01"}
    assert profile.readiness.fit_score == 100.0


def test_latest_round_counts_and_the_trend_shows_the_change(session, person):
    make_self_round(session, person, {"DEL-01": 1, "LEA-01": 2})
    make_self_round(session, person, {"DEL-01": 3, "LEA-01": None})
    profile = build_person_profile(session, person.id)
    plan, lead = profile.row("DEL-01"), profile.row("LEA-01")
    assert [r.label for r in profile.rounds] == ["Round 1", "Round 2"]
    assert (plan.self_level, plan.trend, plan.trend_delta) == (3, (1, 3), 2)
    # Not assessed in round 2: round 1's level still stands, and says where it is from.
    assert (lead.self_level, lead.self_round, lead.trend) == (2, "Round 1", (2, None))
    assert lead.trend_delta is None


def test_a_draft_round_does_not_count(session, person):
    make_self_round(session, person, {"DEL-01": 1})
    make_self_round(session, person, {"DEL-01": 5}, submit=False)
    assert build_person_profile(session, person.id).row("DEL-01").self_level == 1


def test_evaluated_level_is_the_lower_median_and_wins_over_self_without_averaging(session, person):
    make_self_round(session, person, {"DEL-01": 5, "LEA-01": 1})
    for level in (2, 4):
        evaluator = make_user(session, role=Role.MANAGER)
        make_project_assessment(session, person, evaluator, {"DEL-01": level, "LEA-01": 4})
    profile = build_person_profile(session, person.id)
    plan = profile.row("DEL-01")
    assert (plan.self_level, plan.evaluated_level, plan.level) == (5, 2, 2)
    assert plan.source == LevelSource.EVALUATED and plan.evaluator_count == 2
    kinds = {p.code: p.kind for p in profile.perception}
    assert kinds == {"DEL-01": Perception.BLIND_SPOT, "LEA-01": Perception.HIDDEN_STRENGTH}


def test_without_a_target_role_every_competency_is_listed_without_gaps(session, framework):
    person = make_user(session)
    make_self_round(session, person)
    profile = build_person_profile(session, person.id)
    assert profile.role is None and profile.readiness is None
    assert len(profile.rows) == 17 and all(r.gap is None for r in profile.rows)
    assert [r.position for r in profile.rows] == sorted(r.position for r in profile.rows)


def test_a_role_with_no_must_and_a_blank_target(session, framework):
    role = _role(session, "JITPM")
    for requirement in role.requirements:
        requirement.requirement = Requirement.CAN.value
    session.flush()
    person = make_user(session)
    choose_target_role(session, person, role.id)
    make_self_round(session, person, default_level=0)
    profile = build_person_profile(session, person.id)
    assert profile.readiness.gate_passed and profile.readiness.musts_total == 0
    blank = [r for r in profile.rows if r.target is None]
    assert blank and all(r.gap is None and r.meets_target for r in blank)
    assert profile.readiness.fit_score == 0.0
    assert len(profile.fit_parts) == len(profile.rows) - len(blank)


def test_qualifications_expected_by_the_role_are_checked(session, framework):
    person = make_user(session)
    choose_target_role(session, person, _role(session, "SITPM").id)
    assert not build_person_profile(session, person.id).qualifications.route_met
    add_qualification(session, person, kind="electrical_engineering", title="Dipl.-Ing.")
    check = build_person_profile(session, person.id).qualifications
    assert check.route_met and not check.is_met  # the PM certification is still missing
    add_certification(
        session,
        person,
        name="PMP",
        issuer="PMI",
        category="project_management",
        obtained_on=date(2020, 1, 1),
        expires_on=date(2023, 1, 1),
    )
    assert not build_person_profile(
        session, person.id, today=date(2026, 1, 1)
    ).qualifications.is_met
    assert build_person_profile(session, person.id, today=date(2022, 1, 1)).qualifications.is_met


def test_competencies_are_matched_by_uuid_when_the_role_moves_to_a_new_version(session, person):
    """A self round on one version still feeds a role profile from another version."""
    make_self_round(session, person, {"DEL-01": 4})
    role = _role(session, "ITPM")
    assert (
        build_person_profile(session, person.id, role_profile_id=role.id).row("DEL-01").self_level
        == 4
    )


def _count_queries(session, fn):
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_profile_takes_the_same_number_of_queries_however_much_data(session, person):
    person_id = person.id
    make_self_round(session, person)
    session.flush()
    session.expire_all()
    small = _count_queries(session, lambda: build_person_profile(session, person_id))
    for _ in range(4):
        make_self_round(session, person, default_level=3)
    for _ in range(3):
        evaluator = make_user(session, role=Role.MANAGER)
        make_project_assessment(session, person, evaluator, {"DEL-01": 2})
    add_qualification(session, person, kind="comparable", title="Bootcamp")
    make_closed_feedback_round(session, person, [{"LEA-02": 2}, {"LEA-02": 3}, {"LEA-02": 4}])
    session.flush()
    session.expire_all()
    large = _count_queries(session, lambda: build_person_profile(session, person_id))
    assert small == large == 9  # see build_person_profile: one query per kind of data


def test_requirements_rows_use_the_role_not_the_competency(session, framework):
    """Must/can lives on the role: the same competency is a must for one role, a can for another."""
    comm = {
        r.role_profile.code: r.requirement
        for r in session.scalars(sa.select(RoleRequirement)).all()
        if r.competency.code == "LEA-02"
    }
    person = make_user(session)
    for code, expected in comm.items():
        choose_target_role(session, person, _role(session, code).id)
        assert build_person_profile(session, person.id).row("LEA-02").requirement == expected
