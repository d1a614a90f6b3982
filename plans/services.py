"""Development plans: loading with access checks, starting a plan, editing a draft's details,
optimistic locking, and budget totals. Goals: plans/goals.py (from plans/gaps.py); their
trainings: plans/goal_trainings.py; versions and their diff: plans/versions.py, plans/diff.py;
the workflow: plans/workflow.py.

Services add and flush and never commit; the view or command that calls them commits once.
Every change is audited. Only drafts change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from competencies.models import (
    RoleProfile,
)
from competencies.services import current_framework
from core.audit import record_event
from core.cache import side_by_side
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import User
from person_profile.target import aimed_role
from plans import builder
from plans.access import Relation, can_edit_plan, can_start_plan, can_view_plan, sees_candidate
from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining, PlanStatus
from training.models import EnrollmentStatus

PLAN_NOT_FOUND = "This plan does not exist, or you do not have access to it."


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


def current_plans(session: Session, person_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """Per person the version they work with: open, else approved, else the latest (one query)."""
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(
            DevelopmentPlan.person_id,
            DevelopmentPlan.id,
            DevelopmentPlan.status,
            DevelopmentPlan.version_number,
        ).where(DevelopmentPlan.person_id.in_(person_ids))
    ).all()
    rank = {PlanStatus.DRAFT: 0, PlanStatus.PROPOSED: 0, PlanStatus.APPROVED: 1}
    best: dict[int, tuple[tuple[int, int], int, str]] = {}
    for person_id, plan_id, status, version in rows:
        key = (rank.get(PlanStatus(status), 2), -version)
        if person_id not in best or key < best[person_id][0]:
            best[person_id] = (key, plan_id, status)
    return {pid: (plan_id, status) for pid, (_, plan_id, status) in best.items()}


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
    aimed = aimed_role(session, person_id)
    if aimed is None:
        raise ValidationError("Choose a target role for the plan.")
    return aimed.role


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


def plans_stamp_parts(person_id: sa.BindParameter) -> list[sa.Select]:
    """Scalar selects that change whenever any plan of the person or one of its goals does
    (a goal change touches its plan, which moves the plan's lock version)."""
    mine = DevelopmentPlan.person_id == person_id
    return [
        sa.select(
            side_by_side(
                sa.func.count(DevelopmentPlan.id),
                sa.func.max(DevelopmentPlan.id),
                sa.func.sum(DevelopmentPlan.lock_version),
            )
        ).where(mine)
    ]
