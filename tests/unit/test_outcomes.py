"""Deriving whether a completed training helped, from levels before and after."""

from datetime import UTC, datetime

from training.outcomes import Outcome, derive_outcome, levels_around


def test_a_covered_competency_that_rose_means_improved():
    result = derive_outcome({"PLAN": 1, "LEAD": 2}, {"PLAN": 2, "LEAD": 2}, ["PLAN", "LEAD"])
    assert result.outcome == Outcome.IMPROVED
    assert result.risen == ("PLAN",)
    assert result.compared == {"PLAN": (1, 2), "LEAD": (2, 2)}


def test_assessed_again_without_a_rise_means_no_change():
    result = derive_outcome({"PLAN": 3}, {"PLAN": 2}, ["PLAN"])
    assert result.outcome == Outcome.NO_CHANGE and result.risen == ()


def test_without_a_later_assessment_it_stays_pending():
    result = derive_outcome({"PLAN": 1}, {}, ["PLAN", "LEAD"])
    assert result.outcome == Outcome.PENDING
    assert result.not_assessed == ("PLAN", "LEAD")


def test_competencies_the_training_does_not_cover_are_ignored():
    result = derive_outcome({"TECH": 1}, {"TECH": 3}, ["PLAN"])
    assert result.outcome == Outcome.PENDING
    assert result.as_dict() == {"compared": {}, "risen": [], "not_assessed": ["PLAN"]}


def test_levels_around_takes_the_latest_before_and_the_first_after():
    def at(day):
        return datetime(2026, 1, day, tzinfo=UTC)

    rows = [
        ("PLAN", 1, at(1), "self"),
        ("PLAN", 2, at(3), "self"),
        ("PLAN", 1, at(3), "evaluated"),  # same moment: the evaluated level wins
        ("PLAN", 3, at(20), "self"),
        ("PLAN", 4, at(25), "self"),
        ("LEAD", 2, at(8), "self"),  # during the training: neither side
    ]
    before, after = levels_around(rows, start=at(5), end=at(10))
    assert before == {"PLAN": 1}
    assert after == {"PLAN": 3}
