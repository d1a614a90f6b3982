"""Development plans on a plain session: drafts, goals, trainings, the workflow and versions."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import Role
from plans import builder, workflow
from plans.diff import compare_versions
from plans.goal_trainings import link_training, unlink_training
from plans.goals import GoalInput, add_goal, add_goals_from_gaps, remove_goal, update_goal
from plans.models import DevelopmentPlan, PlanStatus
from plans.services import PlanInput, get_plan_for, plan_totals, start_plan, update_plan
from tests.factories import (
    approved_plan,
    goal_input,
    make_plan,
    make_self_round,
    make_training,
    make_user,
    target,
)
from training.enrollments import change_enrollment_status, plan_training
from training.models import Enrollment, EnrollmentStatus


@pytest.fixture()
def people(session):
    seed_default_framework(session)
    person = make_user(session, name="Pat Person")
    hr = make_user(session, role=Role.HR, name="Hana HR")
    target(session, person, "ITPM")
    return person, hr


def test_a_plan_starts_as_version_1_against_the_persons_target_role(session, people):
    person, _ = people
    plan = make_plan(session, person)
    assert (plan.version_number, plan.status) == (1, "draft")
    assert plan.role_profile.code == "ITPM"
    assert session.scalar(sa.select(AuditEvent.action).where(AuditEvent.entity_id == str(plan.id)))


def test_a_second_plan_is_refused_while_one_exists(session, people):
    person, hr = people
    make_plan(session, person)
    with pytest.raises(ConflictError, match="already a plan in the works"):
        make_plan(session, person)


def test_a_plan_after_an_approved_one_is_a_revision_not_a_new_start(session, people):
    person, hr = people
    approved_plan(session, person, hr)
    with pytest.raises(ConflictError, match="revise it"):
        make_plan(session, person)


def test_the_database_refuses_two_drafts_for_one_person(session, people):
    person, _ = people
    plan = make_plan(session, person)
    twin = DevelopmentPlan(
        person_id=person.id,
        version_number=2,
        role_profile_id=plan.role_profile_id,
        period_start=plan.period_start,
        period_end=plan.period_end,
        budget_limit=Decimal(1),
        currency="EUR",
        status="draft",
    )
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_plan_input_is_checked(session, people):
    person, _ = people
    with pytest.raises(ValidationError) as error:
        make_plan(session, person, budget="NaN")
    assert "Enter the budget limit as a number, for example 2500." in error.value.problems


def test_goals_from_gaps_put_must_competencies_first(session, people):
    person, _ = people
    make_self_round(session, person, {"DEL-01": 1, "LEA-02": 0}, default_level=5)
    plan = make_plan(session, person)
    added = add_goals_from_gaps(session, person, plan, expected_version=plan.lock_version)
    assert [g.competency_code for g in added] == ["DEL-01", "LEA-02"]
    planning = added[0]
    assert (planning.from_level, planning.to_level, planning.requirement) == (1, 3, "must")
    assert planning.priority == 1 and plan.period_start <= planning.due_on <= plan.period_end
    assert "Level 3 looks like this:" in planning.actions
    again = add_goals_from_gaps(session, person, plan, expected_version=plan.lock_version)
    assert again == []


def test_a_person_without_ratings_gets_a_goal_for_every_required_competency(session, people):
    person, _ = people
    plan = make_plan(session, person)
    added = add_goals_from_gaps(session, person, plan, expected_version=plan.lock_version)
    assert len(added) == 17 and all(g.from_level == 0 for g in added)


def test_a_plan_holds_at_most_the_maximum_number_of_goals(session, people, monkeypatch):
    person, _ = people
    monkeypatch.setattr(builder, "MAX_GOALS", 2)
    plan = make_plan(session, person)
    added = add_goals_from_gaps(session, person, plan, expected_version=plan.lock_version)
    assert len(added) == 2
    with pytest.raises(ValidationError, match="at most 2 goals"):
        add_goal(
            session, person, plan, goal_input(plan, "PER-01"), expected_version=plan.lock_version
        )


def test_goal_rules_are_enforced_by_the_service(session, people):
    person, _ = people
    plan = make_plan(session, person)
    bad = goal_input(plan, from_level=3, to_level=2, due_on=plan.period_end + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        add_goal(session, person, plan, bad, expected_version=plan.lock_version)
    assert any("above the from-level" in p for p in error.value.problems)
    assert any("within the plan's period" in p for p in error.value.problems)
    add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    with pytest.raises(ValidationError, match="already has a goal for Planning"):
        add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    unknown = GoalInput("not-a-uuid", 1, 2, plan.period_end, 1)
    with pytest.raises(ValidationError, match="listed competencies"):
        add_goal(session, person, plan, unknown, expected_version=plan.lock_version)


def test_a_stale_save_is_a_conflict_and_changes_nothing(session, people):
    person, _ = people
    plan = make_plan(session, person)
    seen = plan.lock_version
    goal = add_goal(session, person, plan, goal_input(plan), expected_version=seen)
    with pytest.raises(ConflictError, match="Someone else changed this plan"):
        update_goal(
            session, person, plan, goal.id, goal_input(plan, to_level=4), expected_version=seen
        )
    assert goal.to_level == 3


def test_linking_a_training_plans_it_once_and_reuses_the_enrollment(session, people):
    person, _ = people
    training = make_training(session, cost=900, hours=16)
    plan = make_plan(session, person)
    planning = add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    leading = add_goal(
        session, person, plan, goal_input(plan, "LEA-01"), expected_version=plan.lock_version
    )
    first = link_training(
        session,
        person,
        plan,
        planning.id,
        training.id,
        source="catalogue",
        expected_version=plan.lock_version,
    )
    second = link_training(
        session,
        person,
        plan,
        leading.id,
        training.id,
        source="recommendation",
        reason="closes 2 levels",
        expected_version=plan.lock_version,
    )
    assert first.enrollment_id == second.enrollment_id
    assert session.scalar(sa.select(sa.func.count(Enrollment.id))) == 1
    totals = plan_totals(plan)
    assert (totals.cost, totals.hours, totals.count) == (Decimal(900), Decimal(16), 1)
    with pytest.raises(ConflictError, match="already linked"):
        link_training(
            session,
            person,
            plan,
            planning.id,
            training.id,
            source="catalogue",
            expected_version=plan.lock_version,
        )
    unlink_training(
        session, person, plan, planning.id, first.id, expected_version=plan.lock_version
    )
    assert session.get(Enrollment, second.enrollment_id) is not None


def test_an_existing_enrollment_is_linked_instead_of_a_new_one(session, people):
    person, _ = people
    training = make_training(session)
    enrollment = plan_training(session, person, training)
    change_enrollment_status(session, enrollment, "in_progress", person)
    plan = make_plan(session, person)
    goal = add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    link = link_training(
        session,
        person,
        plan,
        goal.id,
        training.id,
        source="catalogue",
        expected_version=plan.lock_version,
    )
    assert link.enrollment_id == enrollment.id


def test_proposing_needs_a_goal_and_a_reason_when_over_budget(session, people):
    person, _ = people
    plan = make_plan(session, person, budget="500")
    with pytest.raises(ValidationError, match="at least one goal"):
        workflow.propose_plan(session, person, plan, expected_version=plan.lock_version)
    goal = add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    link_training(
        session,
        person,
        plan,
        goal.id,
        make_training(session, cost=900).id,
        source="catalogue",
        expected_version=plan.lock_version,
    )
    with pytest.raises(ValidationError) as error:
        workflow.propose_plan(session, person, plan, expected_version=plan.lock_version)
    assert "€400 over budget" in error.value.problems[0]
    workflow.propose_plan(
        session,
        person,
        plan,
        over_budget_reason="Agreed with my lead.",
        expected_version=plan.lock_version,
    )
    assert plan.status == "proposed" and plan.proposed_by_id == person.id


def test_hr_approves_and_who_and_when_are_recorded(session, people):
    person, hr = people
    plan = approved_plan(session, person, hr)
    assert plan.status == "approved"
    assert plan.approved_by_id == hr.id and plan.approved_at is not None
    actions = session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.entity_type == "DevelopmentPlan", AuditEvent.entity_id == str(plan.id)
        )
    ).all()
    assert {"plan.create", "plan.propose", "plan.approve"} <= set(actions)


def test_an_approved_plan_never_changes(session, people):
    person, hr = people
    plan = approved_plan(session, person, hr)
    goal = plan.goals[0]
    data = PlanInput(plan.period_start, plan.period_end, "1", "EUR")
    version = plan.lock_version
    for change in (
        lambda: update_plan(session, person, plan, data, expected_version=version),
        lambda: add_goal(
            session, person, plan, goal_input(plan, "LEA-01"), expected_version=version
        ),
        lambda: update_goal(
            session, person, plan, goal.id, goal_input(plan), expected_version=version
        ),
        lambda: remove_goal(session, person, plan, goal.id, expected_version=version),
        lambda: add_goals_from_gaps(session, person, plan, expected_version=version),
        lambda: workflow.propose_plan(session, person, plan, expected_version=version),
        lambda: workflow.discard_draft(session, person, plan, expected_version=version),
    ):
        with pytest.raises(ConflictError):
            change()
    session.refresh(plan)
    assert plan.status == "approved" and plan.lock_version == version


@pytest.mark.parametrize(
    "step",
    [
        lambda s, p, hr, plan: workflow.approve_plan(
            s, p, plan, expected_version=plan.lock_version
        ),
        lambda s, p, hr, plan: workflow.return_plan(
            s, p, plan, "no", expected_version=plan.lock_version
        ),
        lambda s, p, hr, plan: workflow.withdraw_plan(
            s, hr, plan, expected_version=plan.lock_version
        ),
    ],
    ids=["candidate approves", "candidate returns", "hr withdraws"],
)
def test_steps_of_another_role_are_refused(session, people, step):
    person, hr = people
    plan = make_plan(session, person)
    add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    workflow.propose_plan(session, person, plan, expected_version=plan.lock_version)
    with pytest.raises(PermissionDeniedError):
        step(session, person, hr, plan)
    assert plan.status == "proposed"


def test_steps_from_the_wrong_state_are_conflicts(session, people):
    person, hr = people
    plan = make_plan(session, person)
    add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    with pytest.raises(ConflictError, match="Only a proposed plan can be approved"):
        workflow.approve_plan(session, hr, plan, expected_version=plan.lock_version)
    with pytest.raises(ConflictError, match="Only an approved plan can be archived"):
        workflow.archive_plan(session, hr, plan, expected_version=plan.lock_version)
    with pytest.raises(ConflictError, match="approved or archived"):
        workflow.revise_plan(session, person, plan)


def test_hr_cannot_approve_their_own_plan(session, people):
    _, hr = people
    other_hr = make_user(session, role=Role.HR)
    plan = make_plan(session, hr)
    add_goal(session, hr, plan, goal_input(plan), expected_version=plan.lock_version)
    workflow.propose_plan(session, hr, plan, expected_version=plan.lock_version)
    with pytest.raises(PermissionDeniedError, match="own plan"):
        workflow.approve_plan(session, hr, plan, expected_version=plan.lock_version)
    workflow.approve_plan(session, other_hr, plan, expected_version=plan.lock_version)


def test_returning_needs_a_comment_and_makes_a_draft_again(session, people):
    person, hr = people
    plan = make_plan(session, person)
    add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    workflow.propose_plan(session, person, plan, expected_version=plan.lock_version)
    with pytest.raises(ValidationError, match="Say what should change"):
        workflow.return_plan(session, hr, plan, "  ", expected_version=plan.lock_version)
    workflow.return_plan(session, hr, plan, "Add dates.", expected_version=plan.lock_version)
    assert (plan.status, plan.return_comment, plan.returned_by_id) == ("draft", "Add dates.", hr.id)


def test_revising_copies_the_plan_and_approving_it_archives_the_old_version(session, people):
    person, hr = people
    training = make_training(session)
    first = approved_plan(session, person, hr, trainings=[training])
    second = workflow.revise_plan(session, person, first)
    assert (second.version_number, second.status, second.previous_version_id) == (
        2,
        "draft",
        first.id,
    )
    assert [g.competency_code for g in second.goals] == ["DEL-01"]
    assert second.goals[0].trainings[0].training_id == training.id
    with pytest.raises(ConflictError, match="newer version is already in the works"):
        workflow.revise_plan(session, person, first)
    goal = second.goals[0]
    update_goal(
        session,
        person,
        second,
        goal.id,
        goal_input(second, to_level=4),
        expected_version=second.lock_version,
    )
    workflow.propose_plan(session, person, second, expected_version=second.lock_version)
    workflow.approve_plan(session, hr, second, expected_version=second.lock_version)
    session.refresh(first)
    assert first.status == "archived" and first.archive_note == "Replaced by version 2."
    assert first.goals[0].to_level == 3  # the old version kept its content
    old, new, diff = compare_versions(session, person, second.id, first.id)
    assert (old.id, new.id) == (first.id, second.id)
    assert diff.goals[0].changes[0].after == "1 → 4"
    with pytest.raises(ConflictError, match="latest version"):
        workflow.revise_plan(session, person, first)


def test_a_discarded_revision_leaves_the_approved_version_in_force(session, people):
    person, hr = people
    first = approved_plan(session, person, hr)
    draft = workflow.revise_plan(session, person, first)
    workflow.discard_draft(session, person, draft, expected_version=draft.lock_version)
    statuses = session.scalars(
        sa.select(DevelopmentPlan.status).where(DevelopmentPlan.person_id == person.id)
    ).all()
    assert statuses == ["approved"]


def test_someone_elses_plan_is_not_found_and_unrelated_managers_see_nothing(session, people):
    person, hr = people
    plan = make_plan(session, person)
    stranger = make_user(session)
    manager = make_user(session, role=Role.MANAGER)
    admin = make_user(session, role=Role.ADMIN)
    for outsider in (stranger, manager):
        with pytest.raises(NotFoundError):
            get_plan_for(session, outsider, plan.id)
        with pytest.raises(NotFoundError):
            update_plan(
                session,
                outsider,
                plan,
                PlanInput(plan.period_start, plan.period_end, "1", "EUR"),
                expected_version=plan.lock_version,
            )
    assert get_plan_for(session, hr, plan.id) is plan
    with pytest.raises(NotFoundError):  # administrators keep accounts, not plans
        get_plan_for(session, admin, plan.id)
    with pytest.raises(NotFoundError):
        start_plan(
            session, manager, person, PlanInput(plan.period_start, plan.period_end, "1", "EUR")
        )


def test_a_related_manager_may_build_and_propose_a_candidates_plan(session, people):
    """The relation predicate is where evaluations will plug in; here a test stands in."""
    person, hr = people
    manager = make_user(session, role=Role.MANAGER)

    def manages(s, actor, person_id):
        return actor.id in (manager.id, person_id) or actor.has_role(Role.HR, Role.ADMIN)

    plan = start_plan(
        session,
        manager,
        person,
        PlanInput(*_period(), "2000", "EUR"),
        related=manages,
    )
    add_goal(
        session,
        manager,
        plan,
        goal_input(plan),
        expected_version=plan.lock_version,
        related=manages,
    )
    workflow.propose_plan(
        session, manager, plan, expected_version=plan.lock_version, related=manages
    )
    assert plan.proposed_by_id == manager.id and plan.created_by_id == manager.id
    with pytest.raises(PermissionDeniedError):
        workflow.approve_plan(
            session, manager, plan, expected_version=plan.lock_version, related=manages
        )


def _period():
    from datetime import date

    start = date.today().replace(day=1)
    return start, start + timedelta(days=364)


def test_dropped_trainings_leave_the_totals(session, people):
    person, _ = people
    training = make_training(session, cost=700)
    plan = make_plan(session, person)
    goal = add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    link = link_training(
        session,
        person,
        plan,
        goal.id,
        training.id,
        source="catalogue",
        expected_version=plan.lock_version,
    )
    change_enrollment_status(session, link.enrollment, "in_progress", person)
    change_enrollment_status(session, link.enrollment, EnrollmentStatus.DROPPED, person)
    assert plan_totals(plan).cost == 0


def test_plan_statuses_are_the_four_of_the_design():
    assert [s.value for s in PlanStatus] == ["draft", "proposed", "approved", "archived"]


def test_evaluating_the_candidate_grants_no_plan_and_the_line_manager_sees_it(session, people):
    """The default relation is the line manager HR sets; owning or co-evaluating a project
    the person is on grants nothing (issue 24)."""
    from core.line_managers import set_line_manager
    from evaluations.models import EvaluationProject, ProjectMember

    person, hr = people
    plan = make_plan(session, person)
    owner = make_user(session, role=Role.MANAGER)
    co_evaluator = make_user(session, role=Role.MANAGER)
    line_manager = make_user(session, role=Role.MANAGER)
    project = EvaluationProject(
        title="Server migration case",
        kind="case",
        start_on=plan.period_start,
        deadline_on=plan.period_end,
        owner_id=owner.id,
        role_profile_id=plan.role_profile_id,
    )
    session.add(project)
    session.flush()
    session.add_all(
        [
            ProjectMember(project_id=project.id, user_id=person.id, role="candidate"),
            ProjectMember(project_id=project.id, user_id=co_evaluator.id, role="co_evaluator"),
        ]
    )
    session.flush()
    for evaluator in (owner, co_evaluator, line_manager):
        with pytest.raises(NotFoundError):
            get_plan_for(session, evaluator, plan.id)
    set_line_manager(session, person, line_manager, actor=hr)
    assert get_plan_for(session, line_manager, plan.id) is plan
    with pytest.raises(NotFoundError):
        get_plan_for(session, owner, plan.id)
