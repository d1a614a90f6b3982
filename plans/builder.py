"""Pure plan logic: goals proposed from gaps, limits on input, budget totals, version diffs.

No session and no ORM objects: callers pass plain values and dataclasses, so every rule here
is tested on its own.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from plans.models import GoalPriority, GoalStatus
from training.formatting import format_hours, format_money
from training.models import CURRENCIES

# Length limits keep every plan renderable in well under a second and every page readable.
MAX_GOALS = 40
MAX_TRAININGS_PER_GOAL = 10
ACTIONS_MAX = 2000
SUMMARY_MAX = 2000
REASON_MAX = 1000
COMMENT_MAX = 1000
MAX_BUDGET = Decimal("1000000")
MAX_PERIOD_DAYS = 3 * 366
MIN_PERIOD_DAYS = 28


# ---------------------------------------------------------------- goals from gaps


@dataclass(frozen=True)
class GapItem:
    """One competency of a person against the plan's target role."""

    uuid: str
    code: str
    name: str
    requirement: str | None  # "must" | "can" | None when the role does not ask for it
    level: int | None
    target: int | None
    gap: int | None
    position: int = 0
    colleague_level: int | None = None  # colleagues' median in the latest closed round

    @property
    def is_must(self) -> bool:
        return self.requirement == "must"


@dataclass(frozen=True)
class GoalProposal:
    """A goal the builder suggests for one gap."""

    uuid: str
    code: str
    name: str
    requirement: str | None
    from_level: int
    to_level: int
    priority: GoalPriority
    due_on: date
    actions: str


def gap_order(items: Iterable[GapItem]) -> list[GapItem]:
    """Competencies with a gap: must first, then the biggest gap, then framework order."""
    return sorted(
        (i for i in items if i.gap and i.target is not None),
        key=lambda i: (not i.is_must, -(i.gap or 0), i.position, i.code),
    )


def priority_for(item: GapItem) -> GoalPriority:
    """Must-gaps are high; can-gaps of two levels or more medium; the rest low."""
    if item.is_must:
        return GoalPriority.HIGH
    return GoalPriority.MEDIUM if (item.gap or 0) >= 2 else GoalPriority.LOW


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date_for(priority: GoalPriority, period_start: date, period_end: date) -> date:
    """High priority at half the period, medium at three quarters, low at its end.

    Dates snap to a month's end (reviews happen monthly) but never leave the period.
    """
    share = {GoalPriority.HIGH: 0.5, GoalPriority.MEDIUM: 0.75, GoalPriority.LOW: 1.0}[priority]
    days = (period_end - period_start).days
    day = period_start + timedelta(days=math.ceil(days * share))
    return max(period_start, min(month_end(day), period_end))


def suggested_actions(item: GapItem, to_level: int, indicator: str | None) -> str:
    """A first wording of the actions for a goal; the person rewrites it in their own words."""
    head = f"Raise {item.name} from level {item.level or 0} to {to_level}"
    if indicator:
        return f"{head}. Level {to_level} looks like this: {indicator.strip()}"
    return f"{head}: agree on tasks on the job and a training, then ask for an evaluation."


def propose_goals(
    items: Sequence[GapItem],
    *,
    period_start: date,
    period_end: date,
    existing_uuids: Iterable[str] = (),
    indicators: Mapping[tuple[str, int], str] | None = None,
    room: int = MAX_GOALS,
) -> list[GoalProposal]:
    """Goals for the gaps the plan does not cover yet, must first, then by gap size.

    ``indicators`` maps (competency uuid, level) to the behavioural indicator of that level;
    ``room`` is how many more goals the plan may take.
    """
    existing = set(existing_uuids)
    indicators = indicators or {}
    proposals = []
    for item in gap_order(items):
        if item.uuid in existing:
            continue
        if len(proposals) >= max(room, 0):
            break
        target = int(item.target or 0)
        priority = priority_for(item)
        proposals.append(
            GoalProposal(
                uuid=item.uuid,
                code=item.code,
                name=item.name,
                requirement=item.requirement,
                from_level=item.level or 0,
                to_level=target,
                priority=priority,
                due_on=due_date_for(priority, period_start, period_end),
                actions=suggested_actions(item, target, indicators.get((item.uuid, target))),
            )
        )
    return proposals


# ---------------------------------------------------------------- input rules


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from user input, or None (NaN, infinity and words are refused)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text_problems(label: str, text: str, limit: int) -> list[str]:
    problems = []
    if "\x00" in text:
        problems.append(f"Remove the invisible NUL characters from the {label}.")
    if len(text) > limit:
        problems.append(f"Keep the {label} under {limit:,} characters (it has {len(text):,}).")
    return problems


def _flatten(problems: Mapping[str, list[str]]) -> list[str]:
    return [p for field_problems in problems.values() for p in field_problems]


def plan_value_problems(
    *,
    period_start: date | None,
    period_end: date | None,
    budget: object,
    currency: str,
    summary: str = "",
    over_budget_reason: str = "",
) -> dict[str, list[str]]:
    """The rules the plan's details break, per form field (fields without problems left out)."""
    problems: dict[str, list[str]] = {}
    if period_start is None:
        problems["period_start"] = ["Enter the start of the period as a calendar date."]
    if period_end is None:
        problems["period_end"] = ["Enter the end of the period as a calendar date."]
    if period_start is not None and period_end is not None:
        days = (period_end - period_start).days
        if days <= 0:
            problems["period_end"] = ["The period must end after it starts."]
        elif days < MIN_PERIOD_DAYS:
            problems["period_end"] = [f"Make the period at least {MIN_PERIOD_DAYS} days long."]
        elif days > MAX_PERIOD_DAYS:
            problems["period_end"] = [
                "Keep the period to three years at most; plan further ahead in a revision."
            ]
    amount = to_decimal(budget)
    if amount is None:
        problems["budget_limit"] = ["Enter the budget limit as a number, for example 2500."]
    elif amount < 0:
        problems["budget_limit"] = ["The budget limit cannot be negative."]
    elif amount > MAX_BUDGET:
        problems["budget_limit"] = [f"Keep the budget limit at or below {MAX_BUDGET:,.0f}."]
    elif amount != amount.quantize(Decimal("0.01")):
        problems["budget_limit"] = ["Give the budget limit in whole cents at most."]
    if currency not in CURRENCIES:
        problems["currency"] = [f"Currency must be one of {', '.join(CURRENCIES)}."]
    for name, label, text, limit in (
        ("summary", "summary", summary, SUMMARY_MAX),
        ("over_budget_reason", "reason for going over budget", over_budget_reason, REASON_MAX),
    ):
        found = _text_problems(label, text, limit)
        if found:
            problems[name] = found
    return problems


def check_plan_values(**values: object) -> list[str]:
    """Every rule the plan's details break, as sentences (empty when they are fine)."""
    return _flatten(plan_value_problems(**values))  # type: ignore[arg-type]


def _is_level(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def goal_value_problems(
    *,
    from_level: object,
    to_level: object,
    due_on: date | None,
    period_start: date,
    period_end: date,
    max_level: int,
    actions: str = "",
    priority: object = GoalPriority.MEDIUM.value,
    status: str = GoalStatus.OPEN.value,
) -> dict[str, list[str]]:
    """The rules a goal breaks, per form field (fields without problems left out)."""
    problems: dict[str, list[str]] = {}
    if not _is_level(from_level, 0, max_level):
        problems["from_level"] = [f"The from-level must be a whole number from 0 to {max_level}."]
    if not _is_level(to_level, 1, max_level):
        problems["to_level"] = [
            f"The to-level must be a whole number from 1 to {max_level}, the top of the scale."
        ]
    elif _is_level(from_level, 0, max_level) and to_level <= from_level:  # type: ignore[operator]
        problems["to_level"] = ["The to-level must be above the from-level: a goal raises a level."]
    if due_on is None:
        problems["due_on"] = ["Enter the due date as a calendar date."]
    elif not period_start <= due_on <= period_end:
        problems["due_on"] = [
            f"The due date must lie within the plan's period "
            f"({period_start:%d %b %Y} – {period_end:%d %b %Y})."
        ]
    if priority not in {p.value for p in GoalPriority}:
        problems["priority"] = ["Choose a priority: high, medium or low."]
    if status not in {s.value for s in GoalStatus}:
        problems["status"] = ["Choose one of the listed goal statuses."]
    found = _text_problems("actions", actions, ACTIONS_MAX)
    if found:
        problems["actions"] = found
    return problems


def check_goal_values(**values: object) -> list[str]:
    """Every rule a goal breaks, as sentences (empty when it is fine)."""
    return _flatten(goal_value_problems(**values))  # type: ignore[arg-type]


# ---------------------------------------------------------------- budget


@dataclass(frozen=True)
class CostItem:
    """One linked training as the totals see it (``key`` is the enrollment, counted once)."""

    key: int
    hours: Decimal
    cost: Decimal
    currency: str
    is_dropped: bool = False


@dataclass(frozen=True)
class BudgetTotals:
    """Hours and cost of a plan's trainings against its budget limit."""

    budget: Decimal
    currency: str
    hours: Decimal
    cost: Decimal  # in the plan's currency
    count: int
    other_currencies: tuple[tuple[str, Decimal], ...] = field(default=())

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.cost

    @property
    def is_over(self) -> bool:
        return self.cost > self.budget

    @property
    def over_by(self) -> Decimal:
        return max(self.cost - self.budget, Decimal(0))

    @property
    def used_percent(self) -> int:
        """Share of the budget used, 0–100 (capped), for a progress bar."""
        if self.budget <= 0:
            return 100 if self.cost > 0 else 0
        return min(100, int(self.cost * 100 / self.budget))

    @property
    def text(self) -> str:
        """E.g. "48 h; €2,350 of €3,000 (€650 left)"."""
        money = (
            f"{format_money(float(self.cost), self.currency)} of "
            f"{format_money(float(self.budget), self.currency)}"
        )
        if self.is_over:
            money += f" ({format_money(float(self.over_by), self.currency)} over budget)"
        else:
            money += f" ({format_money(float(self.remaining), self.currency)} left)"
        return f"{format_hours(float(self.hours))}; {money}"


def budget_totals(items: Iterable[CostItem], budget: Decimal, currency: str) -> BudgetTotals:
    """Totals over distinct enrollments, leaving out dropped ones.

    A training linked to two goals is paid once. Costs in another currency are not converted:
    they are listed apart and do not count against the limit.
    """
    seen: dict[int, CostItem] = {}
    for item in items:
        if not item.is_dropped:
            seen.setdefault(item.key, item)
    hours = sum((i.hours for i in seen.values()), Decimal(0))
    cost = sum((i.cost for i in seen.values() if i.currency == currency), Decimal(0))
    others: dict[str, Decimal] = {}
    for item in seen.values():
        if item.currency != currency:
            others[item.currency] = others.get(item.currency, Decimal(0)) + item.cost
    return BudgetTotals(
        budget=budget,
        currency=currency,
        hours=hours,
        cost=cost,
        count=len(seen),
        other_currencies=tuple(sorted(others.items())),
    )
