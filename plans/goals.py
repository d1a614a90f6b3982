"""Goals of a draft plan and the trainings linked to them: from the gaps, by hand, checked.

Services add and flush and never commit; every change is audited and bumps the plan's lock
version, so a stale save elsewhere is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.models import Area, Competency, LevelDescriptor, RoleRequirement, ScaleLevel
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from person_profile.build import PersonProfile, build_person_profile
from plans import builder
from plans.access import Relation, sees_candidate
from plans.models import DevelopmentPlan, GoalStatus, PlanGoal, PlanGoalTraining
from plans.services import check_editable, flush_versioned, touch
from training.catalogue import get_training
from training.enrollments import plan_training
from training.models import Enrollment, EnrollmentStatus

TRAINING_SOURCES = ("recommendation", "catalogue", "enrollment")

# ---------------------------------------------------------------- competencies and gaps


@dataclass(frozen=True)
class RoleCompetency:
    """A competency a goal may aim at, with what the plan's role asks of it."""

    uuid: str
    code: str
    name: str
    area: str
    requirement: str | None
    target: int | None


def role_competencies(session: Session, plan: DevelopmentPlan) -> list[RoleCompetency]:
    """Every competency of the plan role's framework, required ones first (one query)."""
    rows = session.execute(
        sa.select(Competency, Area.name, RoleRequirement)
        .join(Area, Area.id == Competency.area_id)
        .outerjoin(
            RoleRequirement,
            sa.and_(
                RoleRequirement.competency_id == Competency.id,
                RoleRequirement.role_profile_id == plan.role_profile_id,
            ),
        )
        .where(Competency.framework_id == plan.role_profile.framework_id)
        .order_by(Area.position, Competency.position)
    ).all()
    result = [
        RoleCompetency(
            c.uuid,
            c.code,
            c.name,
            area,
            req.requirement if req else None,
            req.target_level if req else None,
        )
        for c, area, req in rows
    ]
    return sorted(result, key=lambda r: {"must": 0, "can": 1}.get(r.requirement or "", 2))


def max_level_of(session: Session, plan: DevelopmentPlan) -> int:
    """The top level of the scale of the plan role's framework (5 by default)."""
    top = session.scalar(
        sa.select(sa.func.max(ScaleLevel.value)).where(
            ScaleLevel.framework_id == plan.role_profile.framework_id
        )
    )
    return int(top) if top else 5


def profile_for(session: Session, plan: DevelopmentPlan) -> PersonProfile:
    """The person's profile against the plan's target role (live, as of today)."""
    return build_person_profile(session, plan.person_id, role_profile_id=plan.role_profile_id)


def gap_items(profile: PersonProfile) -> list[builder.GapItem]:
    """The profile's rows as the builder's plain gap items."""
    return [
        builder.GapItem(
            uuid=row.uuid,
            code=row.code,
            name=row.name,
            requirement=row.requirement,
            level=row.level,
            target=row.target,
            gap=row.gap,
            position=row.position,
        )
        for row in profile.rows
    ]


def level_indicators(session: Session, framework_id: int) -> dict[tuple[str, int], str]:
    """The behavioural indicator per (competency uuid, level) of a framework (one query)."""
    rows = session.execute(
        sa.select(Competency.uuid, LevelDescriptor.level, LevelDescriptor.description)
        .join(LevelDescriptor, LevelDescriptor.competency_id == Competency.id)
        .where(Competency.framework_id == framework_id)
    )
    return {(uuid, level): text for uuid, level, text in rows}


# ---------------------------------------------------------------- goals


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


def _goal(plan: DevelopmentPlan, goal_id: int) -> PlanGoal:
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
    goal = _goal(plan, goal_id)
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
    goal = _goal(plan, goal_id)
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


# ---------------------------------------------------------------- trainings


def link_fields(link: PlanGoalTraining) -> dict[str, object]:
    """A training link as audit values."""
    return {
        "goal_id": link.goal_id,
        "training_id": link.training_id,
        "enrollment_id": link.enrollment_id,
        "title": link.title,
        "hours": str(link.hours),
        "cost": str(link.cost),
        "currency": link.currency,
        "source": link.source,
    }


def _enrollment_for(
    session: Session, actor: User, plan: DevelopmentPlan, training_id: int
) -> Enrollment:
    """The person's enrollment to link: an open or completed one, else a new planned one."""
    existing = session.scalar(
        sa.select(Enrollment)
        .where(
            Enrollment.person_id == plan.person_id,
            Enrollment.training_id == training_id,
            Enrollment.status != EnrollmentStatus.DROPPED.value,
        )
        .order_by(Enrollment.planned_at.desc(), Enrollment.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    training = get_training(session, training_id)
    return plan_training(session, plan.person, training, planned_for=None, actor=actor)


def link_training(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    training_id: int,
    *,
    source: str,
    reason: str = "",
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoalTraining:
    """Link a training to a goal of a draft through the person's enrollment (made if needed)."""
    check_editable(session, actor, plan, expected_version, related)
    goal = _goal(plan, goal_id)
    if source not in TRAINING_SOURCES:
        raise ValidationError("Unknown source of the training.")
    if any(t.training_id == training_id for t in goal.trainings):
        raise ConflictError(f"This training is already linked to the goal {goal.competency_name}.")
    if len(goal.trainings) >= builder.MAX_TRAININGS_PER_GOAL:
        raise ValidationError(
            f"A goal takes at most {builder.MAX_TRAININGS_PER_GOAL} trainings; remove one first."
        )
    training = get_training(session, training_id, include_inactive=True)
    enrollment = _enrollment_for(session, actor, plan, training.id)
    link = PlanGoalTraining(
        enrollment_id=enrollment.id,
        training_id=training.id,
        title=training.title,
        provider=training.provider,
        hours=training.hours,
        cost=training.cost,
        currency=training.currency,
        source=source,
        reason=reason.replace("\x00", "")[: builder.REASON_MAX],
    )
    link.enrollment = enrollment
    goal.trainings.append(link)
    touch(plan)
    flush_versioned(session)
    record_event(
        session, actor=actor, action="plan.training.link", entity=link, after=link_fields(link)
    )
    return link


def unlink_training(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    link_id: int,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoalTraining:
    """Take a training off a goal; the person's enrollment itself stays as it is."""
    check_editable(session, actor, plan, expected_version, related)
    goal = _goal(plan, goal_id)
    link = next((t for t in goal.trainings if t.id == link_id), None)
    if link is None:
        raise NotFoundError("This training is not linked to the goal.")
    record_event(
        session, actor=actor, action="plan.training.unlink", entity=link, before=link_fields(link)
    )
    goal.trainings.remove(link)
    touch(plan)
    flush_versioned(session)
    return link
