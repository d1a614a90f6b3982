"""The pure plan logic: goals from gaps, input rules, budget totals and version diffs."""

from datetime import date
from decimal import Decimal

import pytest

from plans import builder
from plans.builder import (
    CostItem,
    GapItem,
    budget_totals,
    check_goal_values,
    check_plan_values,
    due_date_for,
    goal_value_problems,
    plan_value_problems,
    propose_goals,
)
from plans.diff import GoalSnap, PlanSnap, TrainingSnap, diff_plans
from plans.models import GoalPriority

START, END = date(2027, 1, 1), date(2027, 12, 31)


def gap(code, requirement, level, target, position=0):
    return GapItem(
        uuid=f"u-{code}",
        code=code,
        name=f"Name {code}",
        requirement=requirement,
        level=level,
        target=target,
        gap=None if target is None else max(0, target - (level or 0)),
        position=position,
    )


def test_goals_come_from_gaps_must_first_then_by_gap_size():
    items = [
        gap("CAN-BIG", "can", 0, 3, 1),
        gap("MUST-1", "must", 2, 3, 2),
        gap("MUST-2", "must", 1, 3, 3),
        gap("MET", "must", 3, 3, 4),
        gap("NO-TARGET", "can", 1, None, 5),
    ]
    proposals = propose_goals(items, period_start=START, period_end=END)
    assert [p.code for p in proposals] == ["MUST-2", "MUST-1", "CAN-BIG"]
    assert [p.priority for p in proposals] == [
        GoalPriority.HIGH,
        GoalPriority.HIGH,
        GoalPriority.MEDIUM,
    ]
    assert (proposals[0].from_level, proposals[0].to_level) == (1, 3)


def test_goals_skip_competencies_the_plan_covers_and_respect_the_room_left():
    items = [gap("A", "must", 0, 3), gap("B", "must", 0, 2), gap("C", "can", 0, 1)]
    proposals = propose_goals(
        items, period_start=START, period_end=END, existing_uuids=["u-A"], room=1
    )
    assert [p.code for p in proposals] == ["B"]
    assert propose_goals(items, period_start=START, period_end=END, room=0) == []


def test_a_rating_missing_counts_as_level_zero_in_the_proposal():
    proposals = propose_goals([gap("A", "must", None, 2)], period_start=START, period_end=END)
    assert proposals[0].from_level == 0 and "from level 0 to 2" in proposals[0].actions


def test_proposed_actions_quote_the_indicator_of_the_target_level():
    proposals = propose_goals(
        [gap("A", "must", 1, 3)],
        period_start=START,
        period_end=END,
        indicators={("u-A", 3): "Plans medium-sized projects end to end."},
    )
    assert proposals[0].actions.endswith("Plans medium-sized projects end to end.")


@pytest.mark.parametrize(
    "priority, expected",
    [
        (GoalPriority.HIGH, date(2027, 7, 31)),
        (GoalPriority.MEDIUM, date(2027, 10, 31)),
        (GoalPriority.LOW, date(2027, 12, 31)),
    ],
)
def test_due_dates_spread_by_priority_and_snap_to_month_ends(priority, expected):
    assert due_date_for(priority, START, END) == expected


def test_due_dates_never_leave_a_short_period():
    start, end = date(2027, 1, 10), date(2027, 2, 10)
    for priority in GoalPriority:
        assert start <= due_date_for(priority, start, end) <= end


@pytest.mark.parametrize(
    "budget, message",
    [
        ("-1", "cannot be negative"),
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("1e400", "at or below"),
        ("99999999", "at or below"),
        ("12.345", "whole cents"),
        ("abc", "as a number"),
        ("", "as a number"),
    ],
)
def test_budget_limits_outside_the_rules_are_refused(budget, message):
    problems = plan_value_problems(
        period_start=START, period_end=END, budget=budget, currency="EUR"
    )
    assert message in " ".join(problems["budget_limit"])


def test_plan_periods_must_run_forward_and_stay_sensible():
    def problems(start, end):
        return plan_value_problems(period_start=start, period_end=end, budget="1", currency="EUR")

    assert "end after it starts" in problems(END, START)["period_end"][0]
    assert "at least" in problems(START, date(2027, 1, 5))["period_end"][0]
    assert "three years" in problems(START, date(2031, 1, 1))["period_end"][0]
    assert set(problems(None, None)) == {"period_start", "period_end"}
    assert problems(START, END) == {}


def test_plan_texts_refuse_nul_characters_and_overlong_input():
    problems = check_plan_values(
        period_start=START,
        period_end=END,
        budget="10",
        currency="XYZ",
        summary="a\x00b",
        over_budget_reason="x" * (builder.REASON_MAX + 1),
    )
    assert any("Currency" in p for p in problems)
    assert any("NUL" in p for p in problems)
    assert any("reason for going over budget" in p for p in problems)


def goal_problems(**overrides):
    values = dict(
        from_level=1,
        to_level=3,
        due_on=date(2027, 6, 30),
        period_start=START,
        period_end=END,
        max_level=5,
    )
    values.update(overrides)
    return goal_value_problems(**values)


def test_a_valid_goal_has_no_problems():
    assert goal_problems() == {}
    assert check_goal_values(from_level=0, to_level=5, **_period()) == []


def _period():
    return dict(due_on=END, period_start=START, period_end=END, max_level=5)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"from_level": 3, "to_level": 2}, "to_level", "above the from-level"),
        ({"from_level": 3, "to_level": 3}, "to_level", "above the from-level"),
        ({"to_level": 6}, "to_level", "top of the scale"),
        ({"from_level": -1}, "from_level", "from 0 to 5"),
        ({"from_level": "2"}, "from_level", "whole number"),
        ({"to_level": True}, "to_level", "whole number"),
        ({"due_on": date(2028, 1, 1)}, "due_on", "within the plan's period"),
        ({"due_on": date(2026, 12, 31)}, "due_on", "within the plan's period"),
        ({"due_on": None}, "due_on", "calendar date"),
        ({"priority": 7}, "priority", "high, medium or low"),
        ({"status": "done"}, "status", "listed goal statuses"),
        ({"actions": "x" * (builder.ACTIONS_MAX + 1)}, "actions", "under 2,000"),
    ],
)
def test_goal_rules(overrides, field, message):
    problems = goal_problems(**overrides)
    assert message in " ".join(problems[field])


def test_a_training_linked_to_two_goals_is_paid_once_and_dropped_ones_cost_nothing():
    totals = budget_totals(
        [
            CostItem(1, Decimal("16"), Decimal("900"), "EUR"),
            CostItem(1, Decimal("16"), Decimal("900"), "EUR"),
            CostItem(2, Decimal("8"), Decimal("400"), "EUR", is_dropped=True),
            CostItem(3, Decimal("4.5"), Decimal("200"), "CHF"),
        ],
        Decimal("1000"),
        "EUR",
    )
    assert totals.cost == Decimal("900") and totals.hours == Decimal("20.5")
    assert totals.count == 2
    assert totals.other_currencies == (("CHF", Decimal("200")),)
    assert totals.remaining == Decimal("100") and not totals.is_over
    assert totals.used_percent == 90
    assert totals.text == "20.5 h; €900 of €1,000 (€100 left)"


def test_costs_above_the_limit_are_over_budget_by_the_difference():
    totals = budget_totals([CostItem(1, Decimal(8), Decimal("1290"), "EUR")], Decimal(1000), "EUR")
    assert totals.is_over and totals.over_by == Decimal("290")
    assert totals.used_percent == 100
    assert "€290 over budget" in totals.text


def test_a_zero_budget_is_fully_used_by_any_cost():
    none = budget_totals([], Decimal(0), "EUR")
    some = budget_totals([CostItem(1, Decimal(1), Decimal(1), "EUR")], Decimal(0), "EUR")
    assert (none.used_percent, none.is_over) == (0, False)
    assert (some.used_percent, some.is_over) == (100, True)


def snap(version, goals, **overrides):
    values = dict(
        version_number=version,
        status="approved",
        role_name="IT Project Manager",
        period_start=START,
        period_end=END,
        budget=Decimal(3000),
        currency="EUR",
        summary="Grow.",
        over_budget_reason="",
        goals=tuple(goals),
    )
    values.update(overrides)
    return PlanSnap(**values)


def goal_snap(uuid, trainings=(), **overrides):
    values = dict(
        uuid=uuid,
        code=uuid.upper(),
        name=f"Goal {uuid}",
        from_level=1,
        to_level=3,
        priority=1,
        due_on=date(2027, 6, 30),
        actions="Do things.",
        status="open",
        trainings=tuple(trainings),
    )
    values.update(overrides)
    return GoalSnap(**values)


PRINCE2 = TrainingSnap(7, 70, "PRINCE2", Decimal(21), Decimal(1290), "EUR")
LINUX = TrainingSnap(8, 80, "Linux", Decimal(40), Decimal(2390), "EUR")


def test_identical_versions_have_an_empty_diff():
    old = snap(1, [goal_snap("a", [PRINCE2])])
    assert diff_plans(old, snap(2, [goal_snap("a", [PRINCE2])])).is_empty


def test_the_diff_names_changed_fields_goals_and_trainings():
    old = snap(1, [goal_snap("a", [PRINCE2]), goal_snap("b")])
    new = snap(
        2,
        [goal_snap("a", [LINUX], status="achieved", to_level=4), goal_snap("c", [PRINCE2])],
        budget=Decimal(4000),
        period_end=date(2028, 3, 31),
    )
    diff = diff_plans(old, new)
    assert {c.label for c in diff.changes} == {"Budget limit", "Period"}
    budget = next(c for c in diff.changes if c.label == "Budget limit")
    assert (budget.before, budget.after) == ("€3,000", "€4,000")
    kinds = {g.code: g for g in diff.goals}
    assert kinds["A"].kind == "changed"
    assert {c.label for c in kinds["A"].changes} == {"Levels", "Status"}
    assert kinds["A"].trainings_added == ("Linux",)
    assert kinds["A"].trainings_removed == ("PRINCE2",)
    assert kinds["B"].kind == "removed" and kinds["C"].kind == "added"
    assert kinds["C"].trainings_added == ("PRINCE2",)
    assert diff.old_totals.cost == Decimal(1290) and diff.new_totals.cost == Decimal(3680)
