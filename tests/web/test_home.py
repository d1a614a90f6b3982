"""The home page of each role says what to do next, with exact counts and links."""

from datetime import date, timedelta

from core.users import get_user_by_email
from plans.goals import add_goal
from tests.factories import goal_input, make_plan, target


def _user(db_session, email):
    return get_user_by_email(db_session, email)


def test_a_candidate_without_a_target_role_is_asked_to_choose_one(client_for):
    html = client_for("candidate").get("/").get_data(as_text=True)
    assert "Choose the role you aim at" in html and "/profile/target-role" in html
    assert "No goal is due in the next 30 days." in html
    assert "Trainings: 0 in progress, 0 planned." in html


def test_a_candidate_sees_readiness_and_the_goals_due(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    target(db_session, alex)
    plan = make_plan(db_session, alex, period_start=date.today() - timedelta(days=30))
    add_goal(
        db_session,
        alex,
        plan,
        goal_input(plan, "DEL-01", due_on=date.today() - timedelta(days=1)),
        expected_version=plan.lock_version,
    )
    db_session.commit()
    html = client_for("candidate").get("/").get_data(as_text=True)
    assert "Your readiness for IT Project Manager" in html
    assert "Assess yourself first" in html  # no levels yet
    assert "1 goal due within 30 days or overdue" in html and "overdue since" in html
    assert f'href="/plans/{plan.id}"' in html


def test_a_line_manager_sees_the_team_and_hr_the_approval_queue(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    alex.line_manager_id = _user(db_session, "manager@example.com").id
    make_plan(db_session, alex)
    db_session.commit()
    manager = client_for("manager").get("/").get_data(as_text=True)
    assert "1 person reports to you: 1 plan being written" in manager
    # The demo people: Sam reports to manager2, with no plan yet.
    other = client_for("manager2").get("/").get_data(as_text=True)
    assert "1 person reports to you: 0 plans being written" in other
    assert "1 without an open plan" in other
    hr = client_for("hr").get("/").get_data(as_text=True)
    assert "No plan waits for approval." in hr and "Organisation overview" in hr


def test_an_admin_sees_accounts_and_recent_changes(client_for):
    html = client_for("admin").get("/").get_data(as_text=True)
    assert "0 accounts locked right now" in html and "invited and never signed in" in html
    assert "Recent changes to accounts and personal data" in html and "Audit trail" in html
