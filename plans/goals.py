"""Goals of a draft plan: added from the gaps or by hand, changed, removed, all checked.

Services add and flush and never commit; every change is audited and bumps the plan's lock
version, so a stale save elsewhere is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.audit import record_event
from core.errors import NotFoundError, ValidationError
from core.users import User
from plans import builder
from plans.access import Relation, sees_candidate
from plans.gaps import gap_items, level_indicators, max_level_of, profile_for, role_competencies
from plans.models import DevelopmentPlan, GoalStatus, PlanGoal
from plans.services import check_editable, flush_versioned, touch


@dataclass
class GoalInput:
    """What the goal form holds."""

    competency_uuid: str
    from_level: object
    to_level: object
    due_on: date | None
    priority: object
    actions: str = ""
    status: str = GoalStatus.OPEN.value


def goal_fields(goal: PlanGoal) -> dict[str, object]:
    """A goal's fields as audit values."""
    return {
        "competency": goal.competency_code,
        "from_level": goal.from_level,
        "to_level": goal.to_level,
        "priority": goal.priority,
        "due_on": goal.due_on.isoformat() if goal.due_on else None,
        "actions": goal.actions,
        "status": goal.status,
    }


def _check_goal_input(session: Session, plan: DevelopmentPlan, data: GoalInput) -> None:
    problems = builder.check_goal_values(
        from_level=data.from_level,
        to_level=data.to_level,
        due_on=data.due_on,
        period_start=plan.period_start,
        period_end=plan.period_end,
        max_level=max_level_of(session, plan),
        actions=data.actions,
        priority=data.priority,
        status=data.status,
    )
    if problems:
        raise ValidationError("The goal could not be saved.", problems=problems)


def goal_of(plan: DevelopmentPlan, goal_id: int) -> PlanGoal:
    """The plan's goal with that id; NotFoundError when the goal is not part of it."""
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFoundError("This goal is not part of the plan.")
    return goal


def add_goal(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    data: GoalInput,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoal:
    """Add a goal for one competency of the plan role's framework to a draft."""
    check_editable(session, actor, plan, expected_version, related)
    if len(plan.goals) >= builder.MAX_GOALS:
        raise ValidationError(
            f"A plan holds at most {builder.MAX_GOALS} goals. Merge or remove some first."
        )
    competency = next(
        (c for c in role_competencies(session, plan) if c.uuid == data.competency_uuid), None
    )
    if competency is None:
        raise ValidationError("Choose one of the listed competencies.")
    if any(g.competency_uuid == competency.uuid for g in plan.goals):
        raise ValidationError(f"The plan already has a goal for {competency.name}: edit that one.")
    _check_goal_input(session, plan, data)
    goal = PlanGoal(
        competency_uuid=competency.uuid,
        competency_code=competency.code,
        competency_name=competency.name,
        requirement=competency.requirement,
        from_level=data.from_level,
        to_level=data.to_level,
        priority=data.priority,
        due_on=data.due_on,
        actions=data.actions.strip(),
        status=data.status,
        position=max((g.position for g in plan.goals), default=0) + 1,
    )
    plan.goals.append(goal)
    touch(plan)
    flush_versioned(session)
    record_event(session, actor=actor, action="plan.goal.add", entity=goal, after=goal_fields(goal))
    return goal


def update_goal(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    data: GoalInput,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoal:
    """Change a goal's levels, priority, due date, actions or status (not its competency)."""
    check_editable(session, actor, plan, expected_version, related)
    goal = goal_of(plan, goal_id)
    _check_goal_input(session, plan, data)
    before = goal_fields(goal)
    goal.from_level = data.from_level
    goal.to_level = data.to_level
    goal.priority = data.priority
    goal.due_on = data.due_on
    goal.actions = data.actions.strip()
    goal.status = data.status
    touch(plan)
    flush_versioned(session)
    record_event(
        session,
        actor=actor,
        action="plan.goal.update",
        entity=goal,
        before=before,
        after=goal_fields(goal),
    )
    return goal


def remove_goal(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> None:
    """Remove a goal and its training links from a draft (the enrollments stay the person's)."""
    check_editable(session, actor, plan, expected_version, related)
    goal = goal_of(plan, goal_id)
    before = goal_fields(goal) | {"trainings": [t.title for t in goal.trainings]}
    record_event(session, actor=actor, action="plan.goal.remove", entity=goal, before=before)
    plan.goals.remove(goal)
    touch(plan)
    flush_versioned(session)


def add_goals_from_gaps(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> list[PlanGoal]:
    """Add a goal for every gap the draft does not cover yet: must first, then by gap size."""
    check_editable(session, actor, plan, expected_version, related)
    profile = profile_for(session, plan)
    proposals = builder.propose_goals(
        gap_items(profile),
        period_start=plan.period_start,
        period_end=plan.period_end,
        existing_uuids=[g.competency_uuid for g in plan.goals],
        indicators=level_indicators(session, plan.role_profile.framework_id),
        room=builder.MAX_GOALS - len(plan.goals),
    )
    position = max((g.position for g in plan.goals), default=0)
    added = []
    for proposal in proposals:
        position += 1
        goal = PlanGoal(
            competency_uuid=proposal.uuid,
            competency_code=proposal.code,
            competency_name=proposal.name,
            requirement=proposal.requirement,
            from_level=proposal.from_level,
            to_level=proposal.to_level,
            priority=int(proposal.priority),
            due_on=proposal.due_on,
            actions=proposal.actions[: builder.ACTIONS_MAX],
            status=GoalStatus.OPEN.value,
            position=position,
        )
        plan.goals.append(goal)
        added.append(goal)
    if added:
        touch(plan)
        flush_versioned(session)
        record_event(
            session,
            actor=actor,
            action="plan.goals.from_gaps",
            entity=plan,
            after={"goals": [goal_fields(g) for g in added]},
        )
    return added
