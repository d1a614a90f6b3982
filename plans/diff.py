"""Plan versions as plain values and what changed between two of them.

``diff_plans`` is pure; ``snapshot`` and ``compare_versions`` turn loaded plans into its input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from core.errors import NotFoundError
from core.users import User
from plans.access import Relation, sees_candidate
from plans.builder import BudgetTotals, CostItem, budget_totals
from plans.models import DevelopmentPlan, GoalPriority, GoalStatus
from plans.services import get_plan_for
from training.formatting import format_money


@dataclass(frozen=True)
class TrainingSnap:
    """A linked training as a version holds it."""

    training_id: int
    enrollment_id: int
    title: str
    hours: Decimal
    cost: Decimal
    currency: str


@dataclass(frozen=True)
class GoalSnap:
    """A goal as a version holds it."""

    uuid: str
    code: str
    name: str
    from_level: int
    to_level: int
    priority: int
    due_on: date
    actions: str
    status: str
    trainings: tuple[TrainingSnap, ...] = ()


@dataclass(frozen=True)
class PlanSnap:
    """One plan version as plain values, the input of ``diff_plans``."""

    version_number: int
    status: str
    role_name: str
    period_start: date
    period_end: date
    budget: Decimal
    currency: str
    summary: str
    over_budget_reason: str
    goals: tuple[GoalSnap, ...] = ()

    def totals(self) -> BudgetTotals:
        """The version's budget totals (linked trainings counted once each)."""
        return budget_totals(
            (
                CostItem(t.enrollment_id, t.hours, t.cost, t.currency)
                for g in self.goals
                for t in g.trainings
            ),
            self.budget,
            self.currency,
        )


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions, as text a person reads."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class GoalDiff:
    """What happened to one goal between two versions."""

    kind: str  # "added" | "removed" | "changed"
    code: str
    name: str
    changes: tuple[Change, ...] = ()
    trainings_added: tuple[str, ...] = ()
    trainings_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanDiff:
    """Everything that differs between an older and a newer version."""

    old_version: int
    new_version: int
    changes: tuple[Change, ...]
    goals: tuple[GoalDiff, ...]
    old_totals: BudgetTotals
    new_totals: BudgetTotals

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.goals


def _day(value: date) -> str:
    return value.strftime("%d %b %Y")


def _money(amount: Decimal, currency: str) -> str:
    return format_money(float(amount), currency)


def _changes(pairs: Iterable[tuple[str, str, str]]) -> tuple[Change, ...]:
    return tuple(Change(label, a, b) for label, a, b in pairs if a != b)


def _goal_changes(old: GoalSnap, new: GoalSnap) -> GoalDiff | None:
    changes = _changes(
        (
            ("Levels", f"{old.from_level} → {old.to_level}", f"{new.from_level} → {new.to_level}"),
            (
                "Priority",
                GoalPriority(old.priority).label,
                GoalPriority(new.priority).label,
            ),
            ("Due date", _day(old.due_on), _day(new.due_on)),
            ("Status", GoalStatus(old.status).label, GoalStatus(new.status).label),
            ("Actions", old.actions, new.actions),
        )
    )
    old_trainings = {t.training_id: t.title for t in old.trainings}
    new_trainings = {t.training_id: t.title for t in new.trainings}
    added = tuple(new_trainings[k] for k in new_trainings if k not in old_trainings)
    removed = tuple(old_trainings[k] for k in old_trainings if k not in new_trainings)
    if not changes and not added and not removed:
        return None
    return GoalDiff("changed", new.code, new.name, changes, added, removed)


def diff_plans(old: PlanSnap, new: PlanSnap) -> PlanDiff:
    """What changed from ``old`` to ``new``: plan fields, then goals matched by competency."""
    changes = _changes(
        (
            ("Target role", old.role_name, new.role_name),
            (
                "Period",
                f"{_day(old.period_start)} – {_day(old.period_end)}",
                f"{_day(new.period_start)} – {_day(new.period_end)}",
            ),
            ("Budget limit", _money(old.budget, old.currency), _money(new.budget, new.currency)),
            ("Summary", old.summary, new.summary),
            ("Reason for going over budget", old.over_budget_reason, new.over_budget_reason),
        )
    )
    old_goals = {g.uuid: g for g in old.goals}
    new_goals = {g.uuid: g for g in new.goals}
    goals: list[GoalDiff] = []
    for uuid, goal in new_goals.items():
        if uuid not in old_goals:
            goals.append(
                GoalDiff(
                    "added",
                    goal.code,
                    goal.name,
                    trainings_added=tuple(t.title for t in goal.trainings),
                )
            )
        else:
            changed = _goal_changes(old_goals[uuid], goal)
            if changed is not None:
                goals.append(changed)
    for uuid, goal in old_goals.items():
        if uuid not in new_goals:
            goals.append(
                GoalDiff(
                    "removed",
                    goal.code,
                    goal.name,
                    trainings_removed=tuple(t.title for t in goal.trainings),
                )
            )
    return PlanDiff(
        old_version=old.version_number,
        new_version=new.version_number,
        changes=changes,
        goals=tuple(goals),
        old_totals=old.totals(),
        new_totals=new.totals(),
    )


def snapshot(plan: DevelopmentPlan) -> PlanSnap:
    """The plan version as plain values, for comparing versions."""
    return PlanSnap(
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
            GoalSnap(
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
                    TrainingSnap(
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
) -> tuple[DevelopmentPlan, DevelopmentPlan, PlanDiff]:
    """Two versions of one person's plan and what changed from the older to the newer."""
    first = get_plan_for(session, actor, old_id, related)
    second = get_plan_for(session, actor, new_id, related)
    if first.person_id != second.person_id:
        raise NotFoundError("These two plans are not versions of the same person's plan.")
    old, new = sorted((first, second), key=lambda p: p.version_number)
    return old, new, diff_plans(snapshot(old), snapshot(new))
