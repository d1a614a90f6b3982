"""Development plans: loading with access checks, starting, editing drafts, goals and trainings.

Services add and flush and never commit; the view or command that calls them commits once.
Every change is audited. Only drafts change; the workflow lives in plans/workflow.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from assessments.profile import Profile, build_profile
from assessments.services import current_target_choice
from competencies.models import (
    Competency,
    LevelDescriptor,
    RoleProfile,
    RoleRequirement,
    ScaleLevel,
)
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import User
from plans import builder
from plans.access import Relation, can_edit_plan, can_start_plan, can_view_plan, sees_candidate
from plans.models import DevelopmentPlan, GoalStatus, PlanGoal, PlanGoalTraining, PlanStatus
from training.models import Enrollment, EnrollmentStatus
from training.services import DEFAULT_TARGET_ROLE, get_training, plan_training

PLAN_NOT_FOUND = "This plan does not exist, or you do not have access to it."
TRAINING_SOURCES = ("recommendation", "catalogue", "enrollment")


# ---------------------------------------------------------------- loading


def plan_query() -> sa.Select:
    """A select of plans with everything a plan page or PDF shows, in four queries."""
    return sa.select(DevelopmentPlan).options(
        joinedload(DevelopmentPlan.person),
        joinedload(DevelopmentPlan.role_profile),
        joinedload(DevelopmentPlan.created_by),
        joinedload(DevelopmentPlan.proposed_by),
        joinedload(DevelopmentPlan.returned_by),
        joinedload(DevelopmentPlan.approved_by),
        joinedload(DevelopmentPlan.archived_by),
        selectinload(DevelopmentPlan.goals)
        .selectinload(PlanGoal.trainings)
        .joinedload(PlanGoalTraining.enrollment),
    )


def load_plan(session: Session, plan_id: int) -> DevelopmentPlan | None:
    """The plan with its goals, trainings and people loaded, without any access check."""
    return session.scalars(plan_query().where(DevelopmentPlan.id == plan_id)).unique().first()


def get_plan_for(
    session: Session, actor: User, plan_id: int, related: Relation = sees_candidate
) -> DevelopmentPlan:
    """The plan if ``actor`` may see it; someone else's plan is NotFoundError, as if absent."""
    plan = load_plan(session, plan_id)
    if plan is None or not can_view_plan(session, actor, plan, related):
        raise NotFoundError(PLAN_NOT_FOUND)
    return plan


def plan_versions(session: Session, person_id: int) -> list[DevelopmentPlan]:
    """Every version of the person's plan, newest first (approvers loaded, goals not)."""
    return list(
        session.scalars(
            sa.select(DevelopmentPlan)
            .where(DevelopmentPlan.person_id == person_id)
            .options(
                joinedload(DevelopmentPlan.approved_by),
                joinedload(DevelopmentPlan.proposed_by),
                joinedload(DevelopmentPlan.role_profile),
            )
            .order_by(DevelopmentPlan.version_number.desc())
        )
    )


def current_plan_id(session: Session, person_id: int) -> int | None:
    """The version a person works with: the one in the works, else the one in force, else the
    latest."""
    rank = sa.case(
        (DevelopmentPlan.status.in_([PlanStatus.DRAFT, PlanStatus.PROPOSED]), 0),
        (DevelopmentPlan.status == PlanStatus.APPROVED, 1),
        else_=2,
    )
    return session.scalar(
        sa.select(DevelopmentPlan.id)
        .where(DevelopmentPlan.person_id == person_id)
        .order_by(rank, DevelopmentPlan.version_number.desc())
        .limit(1)
    )


def draft_of(session: Session, person_id: int) -> DevelopmentPlan | None:
    """The person's draft, with its goals, or None."""
    return (
        session.scalars(
            plan_query().where(
                DevelopmentPlan.person_id == person_id,
                DevelopmentPlan.status == PlanStatus.DRAFT.value,
            )
        )
        .unique()
        .first()
    )


# ---------------------------------------------------------------- checks


def stale_error() -> ConflictError:
    """The conflict a stale save gets: someone else saved the plan in between."""
    return ConflictError(
        "Someone else changed this plan while you were editing it. "
        "Reload the page to see their changes, then make yours again."
    )


def locked_error(plan: DevelopmentPlan) -> ConflictError:
    """The conflict for changing a plan that is no longer a draft."""
    hints = {
        PlanStatus.PROPOSED: "It waits for HR's decision: withdraw it to change it.",
        PlanStatus.APPROVED: "An approved plan never changes: revise it to make a new version.",
        PlanStatus.ARCHIVED: "An archived plan never changes: revise it to make a new version.",
    }
    return ConflictError(
        f"{plan.label} of this plan is {plan.status} and cannot be edited. "
        + hints.get(plan.status_enum, "")
    )


def check_editable(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> None:
    """Refuse a change unless ``plan`` is a draft ``actor`` may edit, at the version they saw."""
    if not can_view_plan(session, actor, plan, related):
        raise NotFoundError(PLAN_NOT_FOUND)
    if plan.status != PlanStatus.DRAFT:
        raise locked_error(plan)
    if not can_edit_plan(session, actor, plan, related):
        raise PermissionDeniedError(
            "Only the person and their manager change a draft plan; HR approves or returns it."
        )
    if expected_version != plan.lock_version:
        raise stale_error()


def flush_versioned(session: Session) -> None:
    """Flush; a concurrent writer that saved first turns into a conflict (409)."""
    try:
        session.flush()
    except StaleDataError as error:
        raise stale_error() from error


def touch(plan: DevelopmentPlan) -> None:
    """Mark the plan changed so its lock version moves, even when only a goal changed."""
    plan.updated_at = utcnow()


# ---------------------------------------------------------------- the plan itself


@dataclass
class PlanInput:
    """What the plan form holds."""

    period_start: date | None
    period_end: date | None
    budget: object
    currency: str
    summary: str = ""
    over_budget_reason: str = ""


def _check_plan_input(data: PlanInput) -> Decimal:
    problems = builder.check_plan_values(
        period_start=data.period_start,
        period_end=data.period_end,
        budget=data.budget,
        currency=data.currency,
        summary=data.summary,
        over_budget_reason=data.over_budget_reason,
    )
    if problems:
        raise ValidationError("The plan could not be saved.", problems=problems)
    return builder.to_decimal(data.budget) or Decimal(0)


def plan_snapshot_fields(plan: DevelopmentPlan) -> dict[str, object]:
    """The plan's own fields as audit values."""
    return {
        "status": plan.status,
        "version_number": plan.version_number,
        "role_profile_id": plan.role_profile_id,
        "period_start": plan.period_start.isoformat() if plan.period_start else None,
        "period_end": plan.period_end.isoformat() if plan.period_end else None,
        "budget_limit": str(plan.budget_limit),
        "currency": plan.currency,
        "summary": plan.summary,
        "over_budget_reason": plan.over_budget_reason,
    }


def _target_role(session: Session, person_id: int, role_profile_id: int | None) -> RoleProfile:
    framework = current_framework(session)
    if framework is None:
        raise ValidationError("No competency framework is published yet.")
    query = sa.select(RoleProfile).where(
        RoleProfile.framework_id == framework.id, RoleProfile.is_retired.is_(False)
    )
    if role_profile_id is not None:
        role = session.scalar(query.where(RoleProfile.id == role_profile_id))
        if role is None:
            raise ValidationError("Choose one of the current role profiles.")
        return role
    choice = current_target_choice(session, person_id)
    if choice is not None and choice.role_profile.framework_id == framework.id:
        return choice.role_profile
    if choice is not None:
        # A target chosen on an older framework version: the same role in the current one.
        same = session.scalar(query.where(RoleProfile.uuid == choice.role_profile.uuid))
        if same is not None:
            return same
    role = session.scalar(query.where(RoleProfile.code == DEFAULT_TARGET_ROLE))
    if role is None:
        raise ValidationError("Choose a target role for the plan.")
    return role


def default_role_id(session: Session, person_id: int) -> int | None:
    """The role profile a new plan aims at unless told otherwise (None without a framework)."""
    try:
        return _target_role(session, person_id, None).id
    except ValidationError:
        return None


def start_plan(
    session: Session,
    actor: User,
    person: User,
    data: PlanInput,
    *,
    role_profile_id: int | None = None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """Start version 1 of ``person``'s plan as a draft (target role: their chosen one)."""
    if not can_start_plan(session, actor, person.id, related):
        if can_view_plan_of(session, actor, person.id, related):
            raise PermissionDeniedError("Only the person and their manager start a plan.")
        raise NotFoundError("This person does not exist, or you do not have access to them.")
    existing = session.scalar(
        sa.select(DevelopmentPlan)
        .where(DevelopmentPlan.person_id == person.id)
        .order_by(DevelopmentPlan.version_number.desc())
        .limit(1)
    )
    if existing is not None:
        if existing.is_open:
            raise ConflictError(
                f"There is already a plan in the works ({existing.label}, {existing.status}). "
                "Continue with that one."
            )
        raise ConflictError(
            f"{person.name} already has a plan ({existing.label}, {existing.status}): "
            "revise it to make a new version instead of starting over."
        )
    budget = _check_plan_input(data)
    role = _target_role(session, person.id, role_profile_id)
    plan = DevelopmentPlan(
        person_id=person.id,
        version_number=1,
        role_profile_id=role.id,
        period_start=data.period_start,
        period_end=data.period_end,
        budget_limit=budget,
        currency=data.currency,
        summary=data.summary.strip(),
        over_budget_reason=data.over_budget_reason.strip(),
        status=PlanStatus.DRAFT.value,
        created_by_id=actor.id,
    )
    session.add(plan)
    session.flush()
    record_event(
        session, actor=actor, action="plan.create", entity=plan, after=plan_snapshot_fields(plan)
    )
    return plan


def can_view_plan_of(
    session: Session, actor: User, person_id: int, related: Relation = sees_candidate
) -> bool:
    """Whether ``actor`` may see the plans of ``person_id`` at all."""
    return related(session, actor, person_id)


def update_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    data: PlanInput,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """Change a draft's period, budget, summary or over-budget reason; goals must still fit."""
    check_editable(session, actor, plan, expected_version, related)
    budget = _check_plan_input(data)
    outside = [
        g.competency_name
        for g in plan.goals
        if data.period_start
        and data.period_end
        and not data.period_start <= g.due_on <= data.period_end
    ]
    if outside:
        raise ValidationError(
            "The new period leaves goals outside it.",
            problems=[f"Move the due date of {', '.join(outside)} into the new period first."],
        )
    before = plan_snapshot_fields(plan)
    plan.period_start = data.period_start
    plan.period_end = data.period_end
    plan.budget_limit = budget
    plan.currency = data.currency
    plan.summary = data.summary.strip()
    plan.over_budget_reason = data.over_budget_reason.strip()
    touch(plan)
    flush_versioned(session)
    record_event(
        session,
        actor=actor,
        action="plan.update",
        entity=plan,
        before=before,
        after=plan_snapshot_fields(plan),
    )
    return plan


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
    from competencies.models import Area

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


def profile_for(session: Session, plan: DevelopmentPlan) -> Profile:
    """The person's profile against the plan's target role (live, as of today)."""
    return build_profile(session, plan.person_id, role_profile_id=plan.role_profile_id)


def gap_items(profile: Profile) -> list[builder.GapItem]:
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


# ---------------------------------------------------------------- totals and snapshots


def cost_items(plan: DevelopmentPlan) -> list[builder.CostItem]:
    """The plan's linked trainings as the builder's cost items."""
    return [
        builder.CostItem(
            key=link.enrollment_id,
            hours=Decimal(link.hours),
            cost=Decimal(link.cost),
            currency=link.currency,
            is_dropped=link.enrollment is not None
            and link.enrollment.status == EnrollmentStatus.DROPPED.value,
        )
        for goal in plan.goals
        for link in goal.trainings
    ]


def plan_totals(plan: DevelopmentPlan) -> builder.BudgetTotals:
    """Hours and cost of the plan's trainings against its budget limit."""
    return builder.budget_totals(cost_items(plan), Decimal(plan.budget_limit), plan.currency)


def snapshot(plan: DevelopmentPlan) -> builder.PlanSnap:
    """The plan version as plain values, for comparing versions."""
    return builder.PlanSnap(
        version_number=plan.version_number,
        status=plan.status,
        role_name=plan.role_profile.name,
        period_start=plan.period_start,
        period_end=plan.period_end,
        budget=Decimal(plan.budget_limit),
        currency=plan.currency,
        summary=plan.summary,
        over_budget_reason=plan.over_budget_reason,
        goals=tuple(
            builder.GoalSnap(
                uuid=g.competency_uuid,
                code=g.competency_code,
                name=g.competency_name,
                from_level=g.from_level,
                to_level=g.to_level,
                priority=g.priority,
                due_on=g.due_on,
                actions=g.actions,
                status=g.status,
                trainings=tuple(
                    builder.TrainingSnap(
                        t.training_id,
                        t.enrollment_id,
                        t.title,
                        Decimal(t.hours),
                        Decimal(t.cost),
                        t.currency,
                    )
                    for t in g.trainings
                ),
            )
            for g in plan.goals
        ),
    )


def compare_versions(
    session: Session,
    actor: User,
    old_id: int,
    new_id: int,
    related: Relation = sees_candidate,
) -> tuple[DevelopmentPlan, DevelopmentPlan, builder.PlanDiff]:
    """Two versions of one person's plan and what changed from the older to the newer."""
    first = get_plan_for(session, actor, old_id, related)
    second = get_plan_for(session, actor, new_id, related)
    if first.person_id != second.person_id:
        raise NotFoundError("These two plans are not versions of the same person's plan.")
    old, new = sorted((first, second), key=lambda p: p.version_number)
    return old, new, builder.diff_plans(snapshot(old), snapshot(new))


def goals_by_competency(plans: Sequence[DevelopmentPlan]) -> dict[str, list[PlanGoal]]:
    """Goals of several plans keyed by competency uuid (for "add to my plan" choices)."""
    result: dict[str, list[PlanGoal]] = {}
    for plan in plans:
        for goal in plan.goals:
            result.setdefault(goal.competency_uuid, []).append(goal)
    return result
