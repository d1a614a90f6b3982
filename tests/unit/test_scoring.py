"""Profile arithmetic without a database or Flask."""

import pytest

from assessments.scoring import (
    LevelSource,
    Perception,
    Requirement,
    TrendPoint,
    effective_level,
    evaluated_levels,
    fit_breakdown,
    gap_to_target,
    lower_median,
    perception_gaps,
    readiness,
    standings,
    trend_delta,
)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [([], None), ([3], 3), ([2, 4], 2), ([1, 5, 3], 3), ([4, 1, 2, 5], 2), ([0, 0, 5], 0)],
)
def test_lower_median(levels, expected):
    assert lower_median(levels) == expected


def test_effective_level_prefers_evaluated_and_marks_self_reported():
    assert effective_level(4, 2) == (2, LevelSource.EVALUATED)
    assert effective_level(4, None) == (4, LevelSource.SELF_REPORTED)
    assert effective_level(None, None) == (None, LevelSource.NONE)
    assert effective_level(0, None) == (0, LevelSource.SELF_REPORTED)


@pytest.mark.parametrize(
    ("level", "target", "gap"),
    [(None, 3, 3), (0, 3, 3), (2, 3, 1), (3, 3, 0), (5, 3, 0), (2, None, None), (None, None, None)],
)
def test_gap_to_target(level, target, gap):
    assert gap_to_target(level, target) == gap


REQS = [
    Requirement("PLAN", "must", 3),
    Requirement("LEAD", "must", 3),
    Requirement("COMM", "can", 2),
    Requirement("TEAM", "can", 4),
    Requirement("FLEX", "can", None),
]


def test_standings_put_must_first_then_biggest_gap():
    items = standings(REQS, {"PLAN": 3, "LEAD": 1, "COMM": 0, "TEAM": 1}, {"PLAN": 2})
    assert [s.code for s in items] == ["LEAD", "PLAN", "TEAM", "COMM", "FLEX"]
    plan = next(s for s in items if s.code == "PLAN")
    assert (plan.self_level, plan.evaluated_level, plan.level, plan.gap) == (3, 2, 2, 1)
    assert plan.source is LevelSource.EVALUATED


def test_readiness_gate_fails_on_any_must_below_target():
    result = readiness(standings(REQS, {"PLAN": 3, "LEAD": 2, "COMM": 2, "TEAM": 2}, {}))
    assert not result.gate_passed
    assert result.failing_musts == ("LEAD",)
    assert (result.musts_met, result.musts_total) == (1, 2)
    assert result.fit_score == 75.0  # COMM 2/2 = 1.0, TEAM 2/4 = 0.5


def test_readiness_with_no_ratings_at_all():
    result = readiness(standings(REQS, {}, {}))
    assert not result.gate_passed
    assert result.fit_score == 0.0


def test_exceeding_one_target_does_not_hide_another_gap():
    result = readiness(standings(REQS, {"PLAN": 5, "LEAD": 5, "COMM": 5, "TEAM": 0}, {}))
    assert result.gate_passed
    assert result.fit_score == 50.0


def test_a_role_without_must_competencies_passes_the_gate():
    result = readiness(standings([Requirement("COMM", "can", 2)], {"COMM": 1}, {}))
    assert result.gate_passed and result.musts_total == 0
    assert result.fit_score == 50.0


def test_blank_targets_are_met_and_left_out_of_the_fit_score():
    result = readiness(standings([Requirement("FLEX", "can", None)], {}, {}))
    assert result.gate_passed
    assert result.fit_score is None


def test_trend_delta():
    assert trend_delta([]) is None
    assert trend_delta([TrendPoint("R1", 2)]) is None
    assert trend_delta([TrendPoint("R1", 2), TrendPoint("R2", None), TrendPoint("R3", 4)]) == 2


def test_level_zero_is_a_rating_not_a_missing_one():
    """Level 0 ("not yet demonstrated") is an answer: self-reported, and the full gap remains."""
    (item,) = standings([Requirement("PLAN", "must", 2)], {"PLAN": 0}, {})
    assert (item.level, item.source, item.gap) == (0, LevelSource.SELF_REPORTED, 2)
    assert not readiness([item]).gate_passed


def test_a_target_of_zero_is_met_by_anyone_and_left_out_of_the_fit_score():
    items = standings([Requirement("COMM", "can", 0), Requirement("TEAM", "can", 2)], {}, {})
    assert all(s.gap is not None for s in items)
    assert readiness(items).fit_score == 0.0  # only TEAM counts: 0 of 2
    assert [p.code for p in fit_breakdown(items)] == ["TEAM"]


def test_fit_breakdown_explains_each_share():
    items = standings(REQS, {"COMM": 1, "TEAM": 5}, {})
    parts = {p.code: p for p in fit_breakdown(items)}
    assert parts["COMM"].share == 0.5 and parts["TEAM"].share == 1.0
    assert "FLEX" not in parts  # blank target: not part of the score
    assert readiness(items).fit_score == 75.0


def test_evaluated_levels_take_each_evaluators_latest_rating_and_the_lower_median():
    rows = [
        (1, "PLAN", 2, 1),
        (1, "PLAN", 4, 2),  # evaluator 1 changed their mind: 4 counts, not 2
        (2, "PLAN", 3, 1),
        (3, "PLAN", None, 1),  # not observed: no opinion
        (2, "LEAD", None, 1),
    ]
    assert evaluated_levels(rows) == {"PLAN": 3}  # lower median of [3, 4]


def test_evaluated_levels_of_nothing_is_empty():
    assert evaluated_levels([]) == {}


def test_perception_gaps_flag_blind_spots_and_hidden_strengths_from_two_levels():
    gaps = perception_gaps(
        {"PLAN": 4, "LEAD": 1, "COMM": 3, "TEAM": 2}, {"PLAN": 2, "LEAD": 4, "COMM": 2}
    )
    assert [(g.code, g.kind, g.difference) for g in gaps] == [
        ("LEAD", Perception.HIDDEN_STRENGTH, -3),
        ("PLAN", Perception.BLIND_SPOT, 2),
    ]
    assert perception_gaps({"PLAN": 3}, {}) == []
