"""The plan workflow: draft → proposed → approved → archived, returns, withdrawals, revisions.

Who may do what is one table (``RULES``); every transition checks the state on the server, the
actor's capacity and the version the actor saw. A wrong transition is a ConflictError that
says why; an action the actor's role does not allow is a PermissionDeniedError.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import User
from plans import builder
from plans.access import Capacity, Relation, capacities, sees_candidate
from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining, PlanStatus
from plans.services import (
    PLAN_NOT_FOUND,
    flush_versioned,
    plan_query,
    plan_snapshot_fields,
    plan_totals,
    stale_error,
    touch,
)


class Action(enum.StrEnum):
    """What can happen to a plan version."""

    EDIT = "edit"
    PROPOSE = "propose"
    WITHDRAW = "withdraw"
    RETURN = "return"
    APPROVE = "approve"
    ARCHIVE = "archive"
    REVISE = "revise"
    DISCARD = "discard"


PEOPLE = frozenset({Capacity.OWNER, Capacity.MANAGER})
HR = frozenset({Capacity.HR})

# action → {status it starts from: capacities allowed to take it}
RULES: dict[Action, dict[PlanStatus, frozenset[Capacity]]] = {
    Action.EDIT: {PlanStatus.DRAFT: PEOPLE},
    Action.PROPOSE: {PlanStatus.DRAFT: PEOPLE},
    Action.DISCARD: {PlanStatus.DRAFT: PEOPLE},
    Action.WITHDRAW: {PlanStatus.PROPOSED: PEOPLE},
    Action.RETURN: {PlanStatus.PROPOSED: HR},
    Action.APPROVE: {PlanStatus.PROPOSED: HR},
    Action.ARCHIVE: {PlanStatus.APPROVED: HR},
    Action.REVISE: {PlanStatus.APPROVED: PEOPLE, PlanStatus.ARCHIVED: PEOPLE},
}

WRONG_STATE = {
    Action.EDIT: "Only a draft can be edited",
    Action.PROPOSE: "Only a draft can be proposed",
    Action.DISCARD: "Only a draft can be discarded",
    Action.WITHDRAW: "Only a proposed plan can be withdrawn",
    Action.RETURN: "Only a proposed plan can be returned",
    Action.APPROVE: "Only a proposed plan can be approved",
    Action.ARCHIVE: "Only an approved plan can be archived",
    Action.REVISE: "Only an approved or archived plan is revised",
}


def allowed_actions(status: str, held: frozenset[Capacity]) -> set[Action]:
    """The actions an actor with capacities ``held`` may take on a plan in ``status``."""
    state = PlanStatus(status)
    return {action for action, by in RULES.items() if held & by.get(state, frozenset())}


def check_action(action: Action, status: str, held: frozenset[Capacity]) -> None:
    """Raise unless ``action`` is allowed in ``status`` for capacities ``held``."""
    state = PlanStatus(status)
    starts = RULES[action]
    # Who may ever take this action comes first, so nobody learns a plan's state by trying.
    if not held & frozenset().union(*starts.values()):
        who = "HR" if frozenset().union(*starts.values()) <= HR else "the person or their manager"
        raise PermissionDeniedError(f"Only {who} may {action.value} a plan.")
    if state not in starts:
        raise ConflictError(f"{WRONG_STATE[action]}; this version is {state.value}.")
    if not held & starts[state]:
        who = "HR" if starts[state] == HR else "the person or their manager"
        raise PermissionDeniedError(f"Only {who} may {action.value} a {state.value} plan.")


def _prepare(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    action: Action,
    expected_version: int | None,
    related: Relation,
) -> frozenset[Capacity]:
    held = capacities(session, actor, plan.person_id, related)
    if not held:
        raise NotFoundError(PLAN_NOT_FOUND)
    check_action(action, plan.status, held)
    if expected_version is not None and expected_version != plan.lock_version:
        raise stale_error()
    return held


def _record(session: Session, actor: User, plan: DevelopmentPlan, action: str, before) -> None:
    record_event(
        session,
        actor=actor,
        action=f"plan.{action}",
        entity=plan,
        before=before,
        after=plan_snapshot_fields(plan),
    )


def _clean(text: str, label: str, limit: int) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise ValidationError(f"Remove the invisible NUL characters from the {label}.")
    if len(text) > limit:
        raise ValidationError(f"Keep the {label} under {limit:,} characters.")
    return text


def _check_budget_reason(plan: DevelopmentPlan, reason: str) -> str:
    reason = _clean(reason, "reason for going over budget", builder.REASON_MAX)
    totals = plan_totals(plan)
    if totals.is_over and not reason:
        raise ValidationError(
            "The trainings cost more than the budget limit.",
            problems=[
                f"They are {totals.text}. Give a reason for going over budget, "
                "lower the costs or raise the limit."
            ],
        )
    return reason


def propose_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    over_budget_reason: str | None = None,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """Send a draft to HR; it needs a goal, and a reason when the trainings exceed the budget."""
    _prepare(session, actor, plan, Action.PROPOSE, expected_version, related)
    if not plan.goals:
        raise ValidationError("Add at least one goal before you propose the plan.")
    if len(plan.goals) > builder.MAX_GOALS:
        raise ValidationError(f"A plan holds at most {builder.MAX_GOALS} goals.")
    reason = _check_budget_reason(
        plan, plan.over_budget_reason if over_budget_reason is None else over_budget_reason
    )
    before = plan_snapshot_fields(plan)
    plan.over_budget_reason = reason
    plan.status = PlanStatus.PROPOSED.value
    plan.proposed_by_id = actor.id
    plan.proposed_at = utcnow()
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, "propose", before)
    return plan


def withdraw_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """Take a proposal back to draft before HR decides."""
    _prepare(session, actor, plan, Action.WITHDRAW, expected_version, related)
    before = plan_snapshot_fields(plan)
    plan.status = PlanStatus.DRAFT.value
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, "withdraw", before)
    return plan


def return_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    comment: str,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """HR sends a proposal back to draft with a comment saying what to change."""
    _prepare(session, actor, plan, Action.RETURN, expected_version, related)
    comment = _clean(comment, "comment", builder.COMMENT_MAX)
    if not comment:
        raise ValidationError("Say what should change: the comment goes to the person.")
    before = plan_snapshot_fields(plan)
    plan.status = PlanStatus.DRAFT.value
    plan.return_comment = comment
    plan.returned_by_id = actor.id
    plan.returned_at = utcnow()
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, "return", before | {"comment": comment})
    return plan


def approve_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    over_budget_reason: str | None = None,
    note: str = "",
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """HR approves a proposal (who and when recorded); the version it replaces is archived."""
    _prepare(session, actor, plan, Action.APPROVE, expected_version, related)
    if actor.id == plan.person_id:
        raise PermissionDeniedError("You cannot approve your own plan; another HR person does.")
    reason = _check_budget_reason(
        plan, plan.over_budget_reason if over_budget_reason is None else over_budget_reason
    )
    note = _clean(note, "approval note", builder.COMMENT_MAX)
    now = utcnow()
    in_force = session.scalars(
        sa.select(DevelopmentPlan).where(
            DevelopmentPlan.person_id == plan.person_id,
            DevelopmentPlan.status == PlanStatus.APPROVED.value,
            DevelopmentPlan.id != plan.id,
        )
    ).all()
    for old in in_force:
        old_before = plan_snapshot_fields(old)
        old.status = PlanStatus.ARCHIVED.value
        old.archived_at = now
        old.archived_by_id = actor.id
        old.archive_note = f"Replaced by version {plan.version_number}."
        _record(session, actor, old, "archive", old_before)
    # The old version leaves "approved" before the new one enters it (one approved per person).
    flush_versioned(session)
    before = plan_snapshot_fields(plan)
    plan.over_budget_reason = reason
    plan.approval_note = note
    plan.status = PlanStatus.APPROVED.value
    plan.approved_by_id = actor.id
    plan.approved_at = now
    plan.return_comment = ""
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, "approve", before)
    return plan


def archive_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    note: str = "",
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """HR closes an approved plan (its period ended, or the person moved on)."""
    _prepare(session, actor, plan, Action.ARCHIVE, expected_version, related)
    before = plan_snapshot_fields(plan)
    plan.status = PlanStatus.ARCHIVED.value
    plan.archived_at = utcnow()
    plan.archived_by_id = actor.id
    plan.archive_note = _clean(note, "note", builder.COMMENT_MAX)
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, "archive", before)
    return plan


def revise_plan(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    related: Relation = sees_candidate,
) -> DevelopmentPlan:
    """A new draft version copied from the latest approved or archived one (which stays)."""
    _prepare(session, actor, plan, Action.REVISE, None, related)
    latest = session.execute(
        sa.select(
            sa.func.max(DevelopmentPlan.version_number),
            sa.func.count(DevelopmentPlan.id).filter(
                DevelopmentPlan.status.in_([PlanStatus.DRAFT, PlanStatus.PROPOSED])
            ),
        ).where(DevelopmentPlan.person_id == plan.person_id)
    ).one()
    if latest[1]:
        raise ConflictError("A newer version is already in the works: continue with that one.")
    if plan.version_number != latest[0]:
        raise ConflictError("Revise the latest version of the plan, not an older one.")
    draft = DevelopmentPlan(
        person_id=plan.person_id,
        version_number=plan.version_number + 1,
        previous_version_id=plan.id,
        role_profile_id=plan.role_profile_id,
        period_start=plan.period_start,
        period_end=plan.period_end,
        budget_limit=plan.budget_limit,
        currency=plan.currency,
        summary=plan.summary,
        over_budget_reason=plan.over_budget_reason,
        status=PlanStatus.DRAFT.value,
        created_by_id=actor.id,
        is_demo=plan.is_demo,
    )
    for goal in plan.goals:
        copy = PlanGoal(
            competency_uuid=goal.competency_uuid,
            competency_code=goal.competency_code,
            competency_name=goal.competency_name,
            requirement=goal.requirement,
            from_level=goal.from_level,
            to_level=goal.to_level,
            priority=goal.priority,
            due_on=goal.due_on,
            actions=goal.actions,
            status=goal.status,
            position=goal.position,
        )
        for link in goal.trainings:
            copy.trainings.append(
                PlanGoalTraining(
                    enrollment_id=link.enrollment_id,
                    training_id=link.training_id,
                    title=link.title,
                    provider=link.provider,
                    hours=link.hours,
                    cost=link.cost,
                    currency=link.currency,
                    source=link.source,
                    reason=link.reason,
                )
            )
        draft.goals.append(copy)
    session.add(draft)
    flush_versioned(session)
    record_event(
        session,
        actor=actor,
        action="plan.revise",
        entity=draft,
        before={"revises": plan.id, "version_number": plan.version_number},
        after=plan_snapshot_fields(draft),
    )
    return draft


def discard_draft(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> None:
    """Delete a draft nobody agreed to yet; the versions before it stay as they were."""
    _prepare(session, actor, plan, Action.DISCARD, expected_version, related)
    record_event(
        session,
        actor=actor,
        action="plan.discard",
        entity=plan,
        before=plan_snapshot_fields(plan) | {"goals": len(plan.goals)},
    )
    session.delete(plan)
    flush_versioned(session)


@dataclass(frozen=True)
class QueueItem:
    """A proposal waiting for HR, with what HR needs to decide at a glance."""

    plan: DevelopmentPlan
    totals: builder.BudgetTotals


def approval_queue(session: Session) -> list[QueueItem]:
    """Every proposed plan, oldest proposal first, with goals and trainings loaded."""
    plans = (
        session.scalars(
            plan_query()
            .where(DevelopmentPlan.status == PlanStatus.PROPOSED.value)
            .order_by(DevelopmentPlan.proposed_at, DevelopmentPlan.id)
        )
        .unique()
        .all()
    )
    return [QueueItem(plan, plan_totals(plan)) for plan in plans]
