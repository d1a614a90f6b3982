"""The plan workflow: draft → proposed → approved → archived, returns, withdrawals, revisions.

Who may do what, from which status, and where it leads is one table (``RULES``); every
transition goes through ``_transition`` after checking the state on the server, the actor's
capacity and the version the actor saw. A wrong transition is a ConflictError that
says why; an action the actor's role does not allow is a PermissionDeniedError.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import User
from plans import builder
from plans.access import Capacity, Relation, capacities, sees_candidate
from plans.models import DevelopmentPlan, PlanStatus
from plans.services import (
    PLAN_NOT_FOUND,
    flush_versioned,
    plan_query,
    plan_snapshot_fields,
    plan_totals,
    stale_error,
    touch,
)
from plans.versions import copy_as_next_version


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


@dataclass(frozen=True)
class Rule:
    """One action: the statuses it starts from, who may take it there, and where it leads."""

    starts: dict[PlanStatus, frozenset[Capacity]]  # status it starts from → capacities allowed
    wrong_state: str  # why it cannot be taken from any other status
    leads_to: PlanStatus | None = None  # None: the version keeps its status (edit, revise, …)
    stamps: tuple[str, str] | None = None  # the (who, when) columns that remember it


RULES: dict[Action, Rule] = {
    Action.EDIT: Rule({PlanStatus.DRAFT: PEOPLE}, "Only a draft can be edited"),
    Action.PROPOSE: Rule(
        {PlanStatus.DRAFT: PEOPLE},
        "Only a draft can be proposed",
        PlanStatus.PROPOSED,
        ("proposed_by_id", "proposed_at"),
    ),
    Action.DISCARD: Rule({PlanStatus.DRAFT: PEOPLE}, "Only a draft can be discarded"),
    Action.WITHDRAW: Rule(
        {PlanStatus.PROPOSED: PEOPLE}, "Only a proposed plan can be withdrawn", PlanStatus.DRAFT
    ),
    Action.RETURN: Rule(
        {PlanStatus.PROPOSED: HR},
        "Only a proposed plan can be returned",
        PlanStatus.DRAFT,
        ("returned_by_id", "returned_at"),
    ),
    Action.APPROVE: Rule(
        {PlanStatus.PROPOSED: HR},
        "Only a proposed plan can be approved",
        PlanStatus.APPROVED,
        ("approved_by_id", "approved_at"),
    ),
    Action.ARCHIVE: Rule(
        {PlanStatus.APPROVED: HR},
        "Only an approved plan can be archived",
        PlanStatus.ARCHIVED,
        ("archived_by_id", "archived_at"),
    ),
    Action.REVISE: Rule(
        {PlanStatus.APPROVED: PEOPLE, PlanStatus.ARCHIVED: PEOPLE},
        "Only an approved or archived plan is revised",
    ),
}


def allowed_actions(status: str, held: frozenset[Capacity]) -> set[Action]:
    """The actions an actor with capacities ``held`` may take on a plan in ``status``."""
    state = PlanStatus(status)
    return {action for action, rule in RULES.items() if held & rule.starts.get(state, frozenset())}


def check_action(action: Action, status: str, held: frozenset[Capacity]) -> None:
    """Raise unless ``action`` is allowed in ``status`` for capacities ``held``."""
    state = PlanStatus(status)
    starts = RULES[action].starts
    # Who may ever take this action comes first, so nobody learns a plan's state by trying.
    if not held & frozenset().union(*starts.values()):
        who = "HR" if frozenset().union(*starts.values()) <= HR else "the person or their manager"
        raise PermissionDeniedError(f"Only {who} may {action.value} a plan.")
    if state not in starts:
        raise ConflictError(f"{RULES[action].wrong_state}; this version is {state.value}.")
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


def _stamp(plan: DevelopmentPlan, action: Action, actor: User, when: datetime) -> None:
    """Put ``plan`` in the status ``action`` leads to, remembering who took it and when."""
    rule = RULES[action]
    assert rule.leads_to is not None
    plan.status = rule.leads_to.value
    if rule.stamps is not None:
        who, at = rule.stamps
        setattr(plan, who, actor.id)
        setattr(plan, at, when)


def _transition(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    action: Action,
    *,
    when: datetime | None = None,
    audit_extra: dict[str, object] | None = None,
    **fields: object,
) -> DevelopmentPlan:
    """Take a checked ``action`` on ``plan``: new status, who and when, ``fields``; audited."""
    before = plan_snapshot_fields(plan)
    _stamp(plan, action, actor, when or utcnow())
    for name, value in fields.items():
        setattr(plan, name, value)
    touch(plan)
    flush_versioned(session)
    _record(session, actor, plan, action.value, before | (audit_extra or {}))
    return plan


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
    return _transition(session, actor, plan, Action.PROPOSE, over_budget_reason=reason)


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
    return _transition(session, actor, plan, Action.WITHDRAW)


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
    return _transition(
        session,
        actor,
        plan,
        Action.RETURN,
        audit_extra={"comment": comment},
        return_comment=comment,
    )


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
        _stamp(old, Action.ARCHIVE, actor, now)
        old.archive_note = f"Replaced by version {plan.version_number}."
        _record(session, actor, old, "archive", old_before)
    # The old version leaves "approved" before the new one enters it (one approved per person).
    flush_versioned(session)
    return _transition(
        session,
        actor,
        plan,
        Action.APPROVE,
        when=now,
        over_budget_reason=reason,
        approval_note=note,
        return_comment="",
    )


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
    note = _clean(note, "note", builder.COMMENT_MAX)
    return _transition(session, actor, plan, Action.ARCHIVE, archive_note=note)


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
    draft = copy_as_next_version(plan, actor)
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
