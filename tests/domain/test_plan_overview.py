"""HR's overview: heatmap cells, readiness per role, budget planned and spent, the CSV."""

import csv
import io
from decimal import Decimal

import pytest

from competencies.services import seed_default_framework
from core.users import Role
from plans import workflow
from plans.budget import budget_summary
from plans.goal_trainings import link_training
from plans.goals import add_goal
from plans.overview import heatmap_page, overview_csv, readiness_by_role
from tests.factories import (
    approved_plan,
    goal_input,
    make_plan,
    make_project_assessment,
    make_self_round,
    make_training,
    make_user,
    target,
)
from training.enrollments import change_enrollment_status


@pytest.fixture()
def hr(session):
    seed_default_framework(session)
    return make_user(session, role=Role.HR)


def test_cells_show_the_gap_against_each_persons_own_role(session, hr):
    junior = make_user(session, name="Ada Junior")
    senior = make_user(session, name="Bo Senior")
    target(session, junior, "JITPM")
    target(session, senior, "SITPM")
    make_self_round(session, junior, {"DEL-01": 1, "LEA-04": 4}, default_level=3)
    make_self_round(session, senior, {"DEL-01": 1}, default_level=3)
    page = heatmap_page(session)
    codes = [c.code for c in page.columns]
    rows = {r.name: r for r in page.rows}
    planning = codes.index("DEL-01")
    assert rows["Ada Junior"].cells[planning].gap == 2  # junior target 3
    assert rows["Bo Senior"].cells[planning].gap == 3  # senior target 4
    assert rows["Ada Junior"].cells[planning].text == "−2"
    assert rows["Ada Junior"].cells[planning].band == "gap2"
    # Conflict management is "can" without a target for the junior role.
    conflict = rows["Ada Junior"].cells[codes.index("LEA-04")]
    assert (conflict.requirement, conflict.text, conflict.band) == ("can", "any", "na")
    assert rows["Bo Senior"].readiness.gate_passed is False


def test_evaluated_levels_win_over_self_levels_in_the_heatmap(session, hr):
    person = make_user(session, name="Cy Evaluated")
    target(session, person, "ITPM")
    make_self_round(session, person, {"DEL-01": 1}, default_level=3)
    make_project_assessment(session, person, make_user(session, role=Role.MANAGER), {"DEL-01": 3})
    row = heatmap_page(session).rows[0]
    planning = [c.code for c in heatmap_page(session).columns].index("DEL-01")
    assert row.cells[planning].text == "met" and row.readiness.gate_passed


def test_the_heatmap_pages_and_filters_people(session, hr):
    for i in range(7):
        person = make_user(session, name=f"Person {i:02d}")
        target(session, person, "ITPM" if i % 2 else "JITPM")
    first = heatmap_page(session, per_page=3)
    assert (first.total, first.pages, len(first.rows)) == (7, 3, 3)
    last = heatmap_page(session, per_page=3, page=3)
    assert [r.name for r in last.rows] == ["Person 06"]
    beyond = heatmap_page(session, per_page=3, page=99)
    assert beyond.page == 1 and beyond.rows[0].name == "Person 00"
    juniors = heatmap_page(session, role_code="JITPM")
    assert juniors.total == 4 and {r.role_name for r in juniors.rows} == {
        "Junior IT Project Manager"
    }
    assert heatmap_page(session, text="person 03").total == 1


def test_readiness_counts_per_role(session, hr):
    ready = make_user(session)
    not_ready = make_user(session)
    fresh = make_user(session)
    for person in (ready, not_ready, fresh):
        target(session, person, "JITPM")
    make_self_round(session, ready, default_level=3)
    make_self_round(session, not_ready, default_level=1)
    (line,) = readiness_by_role(session)
    assert (line.role_name, line.role_code) == ("Junior IT Project Manager", "JITPM")
    assert (line.people, line.ready, line.not_ready, line.not_assessed) == (3, 1, 1, 1)


def test_readiness_scores_again_only_the_people_whose_inputs_changed(session, hr, monkeypatch):
    from plans import overview

    scored: list[list[int]] = []
    score = overview._standings_for

    def spy(session, people, *args, **kwargs):
        scored.append([p.person_id for p in people])
        return score(session, people, *args, **kwargs)

    monkeypatch.setattr(overview, "_standings_for", spy)
    people = [make_user(session) for _ in range(3)]
    for person in people:
        target(session, person, "JITPM")
    make_self_round(session, people[0], default_level=1)

    def counts():
        (line,) = readiness_by_role(session)
        return line.ready, line.not_ready, line.not_assessed

    assert counts() == (0, 1, 2) and scored == [[p.id for p in people]]
    assert counts() == (0, 1, 2) and len(scored) == 1  # nothing changed: nobody scored again
    make_self_round(session, people[0], default_level=3)
    assert counts() == (1, 0, 2) and scored[-1] == [people[0].id]
    target(session, people[1], "ITPM")
    lines = {line.role_code: line for line in readiness_by_role(session)}
    assert lines["ITPM"].not_assessed == 1 and lines["JITPM"].people == 2
    assert scored[-1] == [people[1].id]


def test_budget_planned_and_spent_counts_each_training_once(session, hr):
    person = make_user(session)
    other = make_user(session)
    target(session, person)
    target(session, other)
    started = make_training(session, cost=1000)
    planned = make_training(session, cost=500, weights={"LEA-01": 1.0})
    plan = approved_plan(session, person, hr, trainings=[started], budget="4000")
    change_enrollment_status(session, plan.goals[0].trainings[0].enrollment, "in_progress", person)
    proposal = make_plan(session, other, budget="800")
    goal = add_goal(
        session, other, proposal, goal_input(proposal), expected_version=proposal.lock_version
    )
    second = add_goal(
        session,
        other,
        proposal,
        goal_input(proposal, "LEA-01"),
        expected_version=proposal.lock_version,
    )
    for g in (goal, second):
        link_training(
            session,
            other,
            proposal,
            g.id,
            planned.id,
            source="catalogue",
            expected_version=proposal.lock_version,
        )
    workflow.propose_plan(session, other, proposal, expected_version=proposal.lock_version)
    lines = {line.status: line for line in budget_summary(session)}
    assert (lines["approved"].plans, lines["approved"].budget) == (1, Decimal(4000))
    assert (lines["approved"].planned, lines["approved"].spent) == (Decimal(1000), Decimal(1000))
    assert (lines["proposed"].planned, lines["proposed"].spent) == (Decimal(500), Decimal(0))


def test_the_csv_neutralises_formulas_and_holds_every_person(session, hr):
    sneaky = make_user(session, name='=HYPERLINK("http://evil")', email="a@example.test")
    plain = make_user(session, name="Plain Person", email="b@example.test")
    target(session, sneaky)
    make_self_round(session, plain, default_level=2)
    text = "".join(overview_csv(session, chunk=1))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Name", "Email", "Target role"] and "DEL-01 Planning (gap)" in rows[0]
    names = [r[0] for r in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil")', "Plain Person"]
    assert rows[1][2] == "IT Project Manager" and rows[2][2] == ""
