"""Profile arithmetic without a database or Flask."""

import pytest

from assessments.scoring import (
    LevelSource,
    Requirement,
    TrendPoint,
    effective_level,
    gap_to_target,
    lower_median,
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
