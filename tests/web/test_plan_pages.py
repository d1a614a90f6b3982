"""The plan pages: starting, editing, goals, trainings, the workflow, access, versions, PDF."""

import re

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.users import get_user_by_email
from plans import workflow
from plans.builder import MAX_GOALS
from plans.goal_trainings import link_training
from plans.goals import add_goal
from plans.models import DevelopmentPlan, PlanGoal
from tests.factories import approved_plan, goal_input, make_plan, make_training, target
from training.models import Enrollment


def person(db_session, key="candidate"):
    return get_user_by_email(db_session, f"{key}@example.com")


@pytest.fixture()
def alex_plan(client_for, db_session):
    """A draft of candidate@example.com with one Planning goal, committed."""
    alex = person(db_session)
    target(db_session, alex)
    plan = make_plan(db_session, alex)
    add_goal(db_session, alex, plan, goal_input(plan), expected_version=plan.lock_version)
    db_session.commit()
    return plan


def reload(db_session, plan_id):
    db_session.expire_all()
    return db_session.get(DevelopmentPlan, plan_id)


def plan_form(**overrides):
    data = {
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "budget_limit": "2500",
        "currency": "EUR",
        "summary": "Grow into the role.",
    }
    data.update(overrides)
    return data


def test_a_candidate_starts_a_plan_and_adds_goals_from_gaps_in_one_click(
    candidate_client, db_session
):
    target(db_session, person(db_session))
    db_session.commit()
    assert "Start my plan" in candidate_client.get("/plans/").get_data(as_text=True)
    response = candidate_client.post("/plans/new", data=plan_form())
    assert response.status_code == 303
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = candidate_client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Add goals from my gaps (17)" in page
    response = candidate_client.post(f"/plans/{plan_id}/goals/from-gaps", data={"version": "1"})
    assert response.status_code == 303
    plan = reload(db_session, plan_id)
    assert len(plan.goals) == 17 and plan.goals[0].requirement == "must"
    assert candidate_client.get("/plans/").headers["Location"].endswith(f"/plans/{plan_id}")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("budget_limit", "-5", "cannot be negative"),
        ("budget_limit", "NaN", "as a number"),
        ("budget_limit", "99999999999", "at or below"),
        ("period_end", "2026-02-30", "real calendar date"),
        ("period_end", "2026-12-01", "end after it starts"),
        ("currency", "XXX", "Currency must be one of"),
    ],
)
def test_the_plan_form_refuses_bad_values_next_to_the_field(
    candidate_client, db_session, field, value, message
):
    response = candidate_client.post("/plans/new", data=plan_form(**{field: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field}-error"' in html
    assert db_session.scalar(sa.select(sa.func.count(DevelopmentPlan.id))) == 0


def goal_form(plan, **overrides):
    data = {
        "version": str(plan.lock_version),
        "competency": goal_input(plan, "LEA-01").competency_uuid,
        "from_level": "1",
        "to_level": "3",
        "priority": "2",
        "due_on": plan.period_end.isoformat(),
        "status": "open",
        "actions": "Lead the weekly stand-up.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"from_level": "3", "to_level": "2"}, "to_level", "above the from-level"),
        ({"to_level": "6"}, "to_level", "top of the scale"),
        ({"to_level": "99999999999999999999"}, "to_level", "top of the scale"),
        ({"from_level": "two"}, "from_level", "whole number"),
        ({"due_on": "2026-02-30"}, "due_on", "real calendar date"),
        ({"due_on": "2099-01-01"}, "due_on", "within the plan's period"),
        ({"priority": "9"}, "priority", "high, medium or low"),
        ({"competency": "nope"}, "competency", "listed competencies"),
        ({"actions": "x" * 2001}, "actions", "2000"),
    ],
)
def test_the_goal_form_refuses_bad_values_next_to_the_field(
    candidate_client, db_session, alex_plan, overrides, field, message
):
    response = candidate_client.post(
        f"/plans/{alex_plan.id}/goals/new", data=goal_form(alex_plan, **overrides)
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field}-error"' in html
    assert len(reload(db_session, alex_plan.id).goals) == 1


def test_a_goal_is_added_and_edited_through_the_forms(candidate_client, db_session, alex_plan):
    response = candidate_client.post(f"/plans/{alex_plan.id}/goals/new", data=goal_form(alex_plan))
    assert response.status_code == 303
    plan = reload(db_session, alex_plan.id)
    goal = plan.goals[-1]
    assert (goal.competency_code, goal.from_level, goal.to_level) == ("LEA-01", 1, 3)
    response = candidate_client.post(
        f"/plans/{plan.id}/goals/{goal.id}/edit",
        data=goal_form(plan, to_level="4", status="in_progress"),
    )
    assert response.status_code == 303
    goal = reload(db_session, plan.id).goals[-1]
    assert (goal.to_level, goal.status) == (4, "in_progress")


@pytest.mark.both_databases
def test_a_stale_form_gets_a_conflict_and_changes_nothing(candidate_client, db_session, alex_plan):
    stale = goal_form(alex_plan, version=str(alex_plan.lock_version - 1))
    response = candidate_client.post(f"/plans/{alex_plan.id}/goals/new", data=stale)
    assert response.status_code == 409
    assert "Someone else changed this plan" in response.get_data(as_text=True)
    assert len(reload(db_session, alex_plan.id).goals) == 1


def test_a_full_plan_refuses_another_goal_so_10000_goals_never_happen(
    candidate_client, db_session, alex_plan
):
    for i in range(MAX_GOALS - 1):
        db_session.add(
            PlanGoal(
                plan_id=alex_plan.id,
                competency_uuid=f"filler-{i}",
                competency_code=f"F-{i}",
                competency_name=f"Filler {i}",
                from_level=0,
                to_level=1,
                due_on=alex_plan.period_end,
            )
        )
    db_session.commit()
    plan = reload(db_session, alex_plan.id)
    response = candidate_client.post(f"/plans/{plan.id}/goals/new", data=goal_form(plan))
    assert response.status_code == 422
    assert f"at most {MAX_GOALS} goals" in response.get_data(as_text=True)


def test_the_whole_workflow_runs_through_the_pages(client_for, db_session, alex_plan):
    alex, hr = client_for("candidate"), client_for("hr")
    response = alex.post(f"/plans/{alex_plan.id}/propose", data={"version": alex_plan.lock_version})
    assert response.status_code == 303
    plan = reload(db_session, alex_plan.id)
    assert plan.status == "proposed"
    assert "Waiting for your approval" in hr.get("/hr/plans/").get_data(as_text=True)
    response = hr.post(
        f"/plans/{plan.id}/return", data={"version": plan.lock_version, "comment": "Add dates."}
    )
    plan = reload(db_session, plan.id)
    assert response.status_code == 303 and plan.status == "draft"
    assert "Add dates." in alex.get(f"/plans/{plan.id}").get_data(as_text=True)
    alex.post(f"/plans/{plan.id}/propose", data={"version": plan.lock_version})
    plan = reload(db_session, plan.id)
    response = hr.post(
        f"/plans/{plan.id}/approve", data={"version": plan.lock_version, "note": "Fine."}
    )
    plan = reload(db_session, plan.id)
    assert response.status_code == 303
    assert plan.status == "approved" and plan.approved_by.email == "hr@example.com"
    assert plan.approved_at is not None
    # An approved plan never changes: every editing request is a conflict.
    response = alex.post(f"/plans/{plan.id}/goals/new", data=goal_form(plan))
    assert response.status_code == 409
    response = alex.post(f"/plans/{plan.id}/edit", data=plan_form(version=plan.lock_version))
    assert response.status_code == 409
    response = alex.post(f"/plans/{plan.id}/revise", data={"version": plan.lock_version})
    assert response.status_code == 303
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert reload(db_session, draft_id).version_number == 2
    assert "Compare with version 1" in alex.get(f"/plans/{draft_id}").get_data(as_text=True)
    compare = alex.get(f"/plans/{draft_id}/compare").get_data(as_text=True)
    assert "hold the same goals" in compare
    versions = alex.get(f"/plans/{draft_id}/versions").get_data(as_text=True)
    assert "Version 1" in versions and "Version 2" in versions


def test_a_candidate_cannot_approve_their_own_proposal(candidate_client, db_session, alex_plan):
    candidate_client.post(
        f"/plans/{alex_plan.id}/propose", data={"version": alex_plan.lock_version}
    )
    plan = reload(db_session, alex_plan.id)
    response = candidate_client.post(
        f"/plans/{plan.id}/approve", data={"version": plan.lock_version}
    )
    assert response.status_code == 403
    assert reload(db_session, plan.id).status == "proposed"


def test_hr_approving_a_draft_is_a_conflict(hr_client, db_session, alex_plan):
    response = hr_client.post(
        f"/plans/{alex_plan.id}/approve", data={"version": alex_plan.lock_version}
    )
    assert response.status_code == 409
    assert "Only a proposed plan can be approved" in response.get_data(as_text=True)


def test_over_budget_needs_a_reason_to_propose(candidate_client, db_session, alex_plan):
    training = make_training(db_session, cost=5000)
    alex = person(db_session)
    link_training(
        db_session,
        alex,
        alex_plan,
        alex_plan.goals[0].id,
        training.id,
        source="catalogue",
        expected_version=alex_plan.lock_version,
    )
    db_session.commit()
    page = candidate_client.get(f"/plans/{alex_plan.id}").get_data(as_text=True)
    assert "Over budget by €2,000." in page and "Reason for going over budget" in page
    plan = reload(db_session, alex_plan.id)
    response = candidate_client.post(
        f"/plans/{plan.id}/propose", data={"version": plan.lock_version}
    )
    assert response.status_code == 422 and reload(db_session, plan.id).status == "draft"
    response = candidate_client.post(
        f"/plans/{plan.id}/propose",
        data={"version": plan.lock_version, "over_budget_reason": "Agreed with my lead."},
    )
    assert response.status_code == 303 and reload(db_session, plan.id).status == "proposed"


@pytest.mark.parametrize(
    "url", ["", "/pdf", "/versions", "/compare", "/edit", "/goals/new"], ids=lambda u: u or "page"
)
# manager2 is not Alex's line manager (manager is), whatever projects they share.
@pytest.mark.parametrize("who", ["candidate2", "manager2"])
def test_someone_elses_plan_answers_404(client_for, alex_plan, url, who):
    assert client_for(who).get(f"/plans/{alex_plan.id}{url}").status_code == 404


@pytest.mark.parametrize("who", ["candidate2", "manager2"])
def test_someone_else_cannot_change_a_plan(client_for, db_session, alex_plan, who):
    client = client_for(who)
    version = {"version": alex_plan.lock_version}
    for url in ("/propose", "/discard", f"/goals/{alex_plan.goals[0].id}/delete"):
        assert client.post(f"/plans/{alex_plan.id}{url}", data=version).status_code == 404
    assert reload(db_session, alex_plan.id).status == "draft"
    assert len(reload(db_session, alex_plan.id).goals) == 1


def test_hr_and_the_line_manager_read_a_plan_and_admins_do_not(client_for, alex_plan):
    assert client_for("hr").get(f"/plans/{alex_plan.id}").status_code == 200
    assert client_for("manager").get(f"/plans/{alex_plan.id}").status_code == 200
    assert client_for("admin").get(f"/plans/{alex_plan.id}").status_code == 404


def test_state_changes_need_the_csrf_token(app, client_for, db_session, alex_plan):
    client = client_for("candidate")
    app.config["WTF_CSRF_ENABLED"] = True
    for url in ("/propose", "/goals/from-gaps", "/discard"):
        response = client.post(
            f"/plans/{alex_plan.id}{url}", data={"version": alex_plan.lock_version}
        )
        assert response.status_code == 400
    plan = reload(db_session, alex_plan.id)
    assert plan.status == "draft" and len(plan.goals) == 1


@pytest.mark.slow
def test_the_pdf_downloads_as_an_attachment_and_hr_downloads_are_audited(
    client_for, db_session, alex_plan
):
    own = client_for("candidate").get(f"/plans/{alex_plan.id}/pdf")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert own.headers["Content-Disposition"].startswith("attachment;")
    assert own.data.startswith(b"%PDF")
    audited = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "plan.export")
    assert db_session.scalar(audited) == 0
    assert client_for("hr").get(f"/plans/{alex_plan.id}/pdf").status_code == 200
    assert db_session.scalar(audited) == 1


def test_add_to_my_plan_from_the_recommendations(candidate_client, db_session, alex_plan):
    training = make_training(db_session, weights={"DEL-01": 1.0}, title="Planning Deep Dive")
    db_session.commit()
    page = candidate_client.get("/training/recommendations").get_data(as_text=True)
    assert "Add to my plan" in page
    goal_id = alex_plan.goals[0].id
    response = candidate_client.post(
        "/plans/add-training",
        data={
            "training_id": training.id,
            "goal_id": goal_id,
            "source": "recommendation",
            "next": "/training/recommendations",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/training/recommendations"
    )
    plan = reload(db_session, alex_plan.id)
    link = plan.goals[0].trainings[0]
    assert (link.training_id, link.source) == (training.id, "recommendation")
    assert "Planning" in link.reason  # the recommender's own explanation, computed on the server
    assert db_session.scalar(sa.select(sa.func.count(Enrollment.id))) == 1


def test_add_to_my_plan_from_the_training_page_picks_the_matching_goal(
    candidate_client, db_session, alex_plan
):
    training = make_training(db_session, weights={"LEA-01": 0.4, "DEL-01": 1.0})
    db_session.commit()
    page = candidate_client.get(f"/training/{training.id}").get_data(as_text=True)
    assert "Add to my plan" in page
    response = candidate_client.post(
        "/plans/add-training",
        data={"training_id": training.id, "source": "catalogue", "next": "//evil.example"},
    )
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    link = reload(db_session, alex_plan.id).goals[0].trainings[0]
    assert (link.training_id, link.source, link.reason) == (training.id, "catalogue", "")


def test_add_to_my_plan_without_a_draft_says_to_start_one(candidate_client, db_session):
    training = make_training(db_session)
    db_session.commit()
    response = candidate_client.post("/plans/add-training", data={"training_id": training.id})
    assert response.status_code == 303 and response.headers["Location"].endswith("/plans/")


def test_the_training_chooser_lists_recommended_and_catalogue_trainings(
    candidate_client, db_session, alex_plan
):
    make_training(db_session, title="Planning For Real", weights={"DEL-01": 1.0})
    make_training(db_session, title="Only Leadership", weights={"LEA-01": 1.0})
    db_session.commit()
    goal = alex_plan.goals[0]
    html = candidate_client.get(f"/plans/{alex_plan.id}/goals/{goal.id}/trainings").get_data(
        as_text=True
    )
    assert "Planning For Real" in html and "Only Leadership" not in html
    assert "Recommended for this goal" in html


def test_user_text_is_escaped_on_the_plan_page(candidate_client, db_session, alex_plan):
    alex = person(db_session)
    plan = reload(db_session, alex_plan.id)
    from plans.services import PlanInput, update_plan

    update_plan(
        db_session,
        alex,
        plan,
        PlanInput(
            plan.period_start, plan.period_end, "10", "EUR", summary="<script>alert(1)</script>"
        ),
        expected_version=plan.lock_version,
    )
    db_session.commit()
    html = candidate_client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_hr_plan_list_filters_by_role_and_status(client_for, db_session):
    hr_person = person(db_session, "hr")
    alex, sam = person(db_session), person(db_session, "candidate2")
    target(db_session, alex, "ITPM")
    target(db_session, sam, "JITPM")
    approved_plan(db_session, alex, hr_person)
    make_plan(db_session, sam)
    db_session.commit()
    hr = client_for("hr")
    html = hr.get("/hr/plans/?status=approved").get_data(as_text=True)
    assert "Alex Demo-Candidate" in html and "Sam Demo-Candidate" not in html
    html = hr.get("/hr/plans/?role=JITPM").get_data(as_text=True)
    assert "Sam Demo-Candidate" in html and re.search(r">\s*Alex Demo-Candidate", html) is None
    assert hr.get("/hr/plans/?status=bogus&role=%00").status_code == 400
    assert client_for("candidate").get("/hr/plans/").status_code == 403


def test_other_managers_see_no_candidate_and_hr_starts_no_plan(client_for, db_session, alex_plan):
    alex = person(db_session)
    manager = client_for("manager2")
    assert manager.get(f"/plans/new?person={alex.id}").status_code == 404
    assert manager.get("/plans/new?person=abc").status_code == 404
    assert client_for("hr").get(f"/plans/new?person={alex.id}").status_code == 403


def test_a_proposal_waits_in_the_queue_with_its_budget(client_for, db_session, alex_plan):
    alex = person(db_session)
    workflow.propose_plan(db_session, alex, alex_plan, expected_version=alex_plan.lock_version)
    db_session.commit()
    html = client_for("hr").get("/hr/plans/").get_data(as_text=True)
    assert "Waiting for your approval" in html and "€0 of €3,000" in html


def test_line_breaks_from_the_browser_are_stored_plain(client_for, db_session, alex_plan):
    alex, hr = client_for("candidate"), client_for("hr")
    alex.post(f"/plans/{alex_plan.id}/propose", data={"version": alex_plan.lock_version})
    plan = reload(db_session, alex_plan.id)
    response = hr.post(
        f"/plans/{plan.id}/return",
        data={"version": plan.lock_version, "comment": "Add dates.\r\nAnd a budget."},
    )
    assert response.status_code == 303
    assert reload(db_session, plan.id).return_comment == "Add dates.\nAnd a budget."
