"""The plan pages run a fixed number of SQL queries, with 5 people or with 50."""

import pytest

from core.cache import forget_everything_derived
from core.users import get_user_by_email
from plans.goal_trainings import link_training
from plans.goals import add_goal, add_goals_from_gaps
from tests.factories import (
    approved_plan,
    make_plan,
    make_self_round,
    make_training,
    make_user,
    target,
)
from tests.helpers import counting

# Query counts can differ by database.
pytestmark = pytest.mark.both_databases

MAX_QUERIES = 10
# HR's reads of the organisation are audited: one INSERT of the audit event on top of the
# page's own queries (issue 24), counted apart so the bound on reads stays what it was.
AUDIT_WRITE = "INSERT INTO audit_events"


def add_people(db_session, hr, count, start):
    training = make_training(db_session, weights={"DEL-01": 1.0})
    for i in range(start, start + count):
        person = make_user(db_session, name=f"Person {i:03d}")
        target(db_session, person, ("ITPM", "JITPM", "SITPM")[i % 3])
        make_self_round(db_session, person, {"DEL-01": i % 4}, default_level=2)
        if i % 2:
            approved_plan(db_session, person, hr, trainings=[training])
        else:
            make_plan(db_session, person)
    db_session.commit()


@pytest.mark.parametrize(
    "url", ["/hr/plans/heatmap", "/hr/plans/overview", "/hr/plans/", "/hr/plans/exports"]
)
def test_hr_pages_issue_the_same_queries_for_5_and_50_people(
    client_for, db_session, app_engine, url
):
    hr = get_user_by_email(db_session, "hr@example.com")
    client = client_for("hr")

    def reads(statements: list[str]) -> int:
        return sum(1 for s in statements if not s.lstrip().startswith(AUDIT_WRITE))

    def cold_and_warm() -> tuple[int, int]:
        # Cold: what is built from the data is built again (the first visit after a change).
        forget_everything_derived()
        with counting(app_engine) as cold:
            assert client.get(url).status_code == 200
        with counting(app_engine) as warm:
            assert client.get(url).status_code == 200
        assert len(cold) - reads(cold) == len(warm) - reads(warm) <= 1  # the audit, if any
        return reads(cold), reads(warm)

    add_people(db_session, hr, 5, 0)
    client.get(url)
    few = cold_and_warm()
    add_people(db_session, hr, 45, 5)
    many = cold_and_warm()
    assert many == few, url
    assert max(few) <= MAX_QUERIES, (url, few)


def test_the_plan_page_issues_the_same_queries_with_1_or_17_goals(
    candidate_client, db_session, app_engine
):
    alex = get_user_by_email(db_session, "candidate@example.com")
    target(db_session, alex)
    plan = make_plan(db_session, alex)
    from tests.factories import goal_input

    goal = add_goal(db_session, alex, plan, goal_input(plan), expected_version=plan.lock_version)
    link_training(
        db_session,
        alex,
        plan,
        goal.id,
        make_training(db_session).id,
        source="catalogue",
        expected_version=plan.lock_version,
    )
    db_session.commit()
    url = f"/plans/{plan.id}"
    with counting(app_engine) as few:
        assert candidate_client.get(url).status_code == 200
    add_goals_from_gaps(db_session, alex, plan, expected_version=plan.lock_version)
    for g in plan.goals[1:6]:
        link_training(
            db_session,
            alex,
            plan,
            g.id,
            make_training(db_session).id,
            source="catalogue",
            expected_version=plan.lock_version,
        )
    db_session.commit()
    with counting(app_engine) as many:
        assert candidate_client.get(url).status_code == 200
    assert len(plan.goals) == 17
    assert len(many) == len(few)
