"""What the home page tells each role to do next: exact counts from a fixed number of queries."""

from datetime import date, timedelta

import pytest

from competencies.services import seed_default_framework
from core.audit import notable_events, record_event
from core.db import utcnow
from core.login_throttle import MAX_FAILURES_PER_ACCOUNT, locked_account_count, record_failed_login
from core.users import Role, account_summary, update_user
from plans.goals import add_goal
from plans.next_steps import candidate_steps, plans_waiting_for_hr, team_steps
from plans.workflow import propose_plan
from tests.factories import goal_input, make_plan, make_training, make_user, target
from training.enrollments import change_enrollment_status, plan_training


@pytest.fixture()
def people(session):
    seed_default_framework(session)
    return {
        "ann": make_user(session, name="Ann"),
        "ben": make_user(session, name="Ben"),
        "cem": make_user(session, name="Cem"),
        "lead": make_user(session, role=Role.MANAGER, name="Lee Lead"),
        "hr": make_user(session, role=Role.HR),
        "admin": make_user(session, role=Role.ADMIN),
    }


def _goal(session, person, plan, code, due_on):
    return add_goal(
        session,
        person,
        plan,
        goal_input(plan, code, due_on=due_on),
        expected_version=plan.lock_version,
    )


def test_a_candidate_sees_the_goals_due_soon_of_the_plan_in_force(session, people):
    ann, today = people["ann"], date.today()
    target(session, ann)
    plan = make_plan(session, ann, period_start=today - timedelta(days=60))
    _goal(session, ann, plan, "DEL-01", today - timedelta(days=2))  # overdue
    _goal(session, ann, plan, "DEL-02", today + timedelta(days=29))
    _goal(session, ann, plan, "LEA-01", today + timedelta(days=31))  # not yet
    steps = candidate_steps(session, ann, today)
    assert [g.competency_code for g in steps.goals_due] == ["DEL-01", "DEL-02"]
    assert steps.goals_due_total == 2 and steps.goals_due[0].is_overdue(today)
    assert (steps.trainings_in_progress, steps.trainings_planned) == (0, 0)


def test_only_the_first_five_goals_are_listed_but_all_are_counted(session, people):
    ann, today = people["ann"], date.today()
    target(session, ann)
    plan = make_plan(session, ann, period_start=today - timedelta(days=60))
    codes = ["DEL-01", "DEL-02", "LEA-01", "LEA-02", "LEA-03", "LEA-04", "PER-01"]
    for days, code in enumerate(codes):
        _goal(session, ann, plan, code, today + timedelta(days=days))
    steps = candidate_steps(session, ann, today)
    assert len(steps.goals_due) == 5 and steps.goals_due_total == 7


def test_trainings_under_way_are_counted_by_status(session, people):
    ann = people["ann"]
    first, second = make_training(session), make_training(session)
    plan_training(session, ann, first)
    started = plan_training(session, ann, second)
    change_enrollment_status(session, started, "in_progress", ann)
    steps = candidate_steps(session, ann, date.today())
    assert (steps.trainings_in_progress, steps.trainings_planned) == (1, 1)


def test_a_line_manager_sees_the_team_by_plan_status_and_hr_the_queue(session, people):
    lead, hr = people["lead"], people["hr"]
    for name in ("ann", "ben", "cem"):
        people[name].line_manager_id = lead.id
        target(session, people[name])
    make_plan(session, people["ann"])
    proposed = make_plan(session, people["ben"])
    _goal(session, people["ben"], proposed, "DEL-01", proposed.period_end)
    propose_plan(session, people["ben"], proposed, expected_version=proposed.lock_version)
    session.flush()
    steps = team_steps(session, lead)
    assert (steps.people, steps.drafts, steps.proposed, steps.without_plan) == (3, 1, 1, 1)
    assert team_steps(session, hr).people == 0
    assert plans_waiting_for_hr(session) == 1


def test_an_admin_sees_locked_invited_and_blocked_accounts_and_notable_events(session, people):
    admin = people["admin"]
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        record_failed_login(session, people["ann"].email, "192.0.2.1")
    record_failed_login(session, people["ben"].email, "192.0.2.1")
    assert locked_account_count(session) == 1
    assert locked_account_count(session, utcnow() + timedelta(minutes=16)) == 0
    invited = make_user(session, name="Ivy Invited")
    invited.is_active = False
    update_user(session, people["cem"], role="candidate", is_active=False, actor=admin)
    summary = account_summary(session)
    assert (summary.invited_unused, summary.blocked) == (1, 1)
    record_event(session, actor=admin, action="user.login", entity=admin)
    events = notable_events(session)
    assert events[0].action == "user.update" and "user.login" not in {e.action for e in events}
