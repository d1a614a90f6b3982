"""Ranking candidates for a role: gate first, then fit, musts met and total gap; ties named."""

from assessments.scoring import (
    RankCriterion,
    RankEntry,
    Readiness,
    Requirement,
    rank_candidates,
    readiness,
    standings,
    total_gap,
)


def _entry(name, *, gate, fit, musts=3, total=3, gap=0):
    failing = () if gate else ("M1",)
    return RankEntry(name, name, Readiness(gate, musts, total, failing, fit), gap)


def test_passing_the_gate_beats_a_higher_fit_score():
    ranked = rank_candidates(
        [_entry("Ann", gate=False, fit=100.0, musts=2), _entry("Bo", gate=True, fit=40.0)]
    )
    assert [(r.position, r.entry.name) for r in ranked] == [(1, "Bo"), (2, "Ann")]
    assert ranked[1].decided_by is RankCriterion.GATE
    assert ranked[1].explanation() == "Below Bo, who passes the must-gate; Ann does not."
    assert ranked[0].explanation().startswith("First: passes the must-gate, fit score 40 %")


def test_then_fit_score_then_musts_met_then_total_gap():
    ranked = rank_candidates(
        [
            _entry("Dee", gate=False, fit=50.0, musts=1, gap=7),
            _entry("Cy", gate=False, fit=50.0, musts=2, gap=9),
            _entry("Eve", gate=False, fit=50.0, musts=2, gap=4),
            _entry("Al", gate=False, fit=75.0, musts=0, gap=12),
        ]
    )
    assert [r.entry.name for r in ranked] == ["Al", "Eve", "Cy", "Dee"]
    assert [r.decided_by for r in ranked] == [
        None,
        RankCriterion.FIT,
        RankCriterion.GAP,
        RankCriterion.MUSTS,
    ]
    assert "higher fit score (75 % against 50 %)" in ranked[1].explanation()
    assert "smaller total gap (4 against 9 levels)" in ranked[2].explanation()
    assert "meets more must competencies (2 against 1 of 3)" in ranked[3].explanation()


def test_equal_candidates_share_a_position_and_the_next_one_skips():
    """Standard competition ranking: 1, 1, 3 — and both tied candidates name each other."""
    ranked = rank_candidates(
        [
            _entry("Zoe", gate=True, fit=80.0, gap=1),
            _entry("Max", gate=True, fit=80.0, gap=1),
            _entry("Kim", gate=True, fit=60.0, gap=1),
        ]
    )
    assert [(r.position, r.entry.name) for r in ranked] == [(1, "Max"), (1, "Zoe"), (3, "Kim")]
    assert ranked[0].tied_with == ("Zoe",) and ranked[1].tied_with == ("Max",)
    assert ranked[0].explanation() == (
        "Tied with Zoe: the same must-gate result, fit score, musts met and total gap. "
        "Listed by name only."
    )
    assert ranked[2].explanation().startswith("Below Zoe: both pass the must-gate")


def test_a_tie_below_someone_explains_both():
    ranked = rank_candidates(
        [
            _entry("A", gate=True, fit=90.0),
            _entry("B", gate=False, fit=90.0, musts=2),
            _entry("C", gate=False, fit=90.0, musts=2),
        ]
    )
    assert [r.position for r in ranked] == [1, 2, 2]
    text = ranked[2].explanation()
    assert text.startswith("Below A, who passes the must-gate; C does not.")
    assert "Tied with B" in text


def test_roles_without_a_fit_score_rank_on_the_remaining_criteria():
    ranked = rank_candidates(
        [_entry("A", gate=True, fit=None, gap=3), _entry("B", gate=True, fit=None, gap=1)]
    )
    assert [r.entry.name for r in ranked] == ["B", "A"]
    assert ranked[1].decided_by is RankCriterion.GAP
    assert "fit score n/a" in ranked[0].explanation()


def test_nobody_to_rank_gives_an_empty_list_and_one_candidate_is_first():
    assert rank_candidates([]) == []
    only = rank_candidates([_entry("Solo", gate=False, fit=10.0, musts=0)])
    assert only[0].position == 1 and only[0].tied_with == ()
    assert only[0].explanation().startswith("First: does not pass the must-gate")


def test_gates_and_total_gap_from_standings():
    """Must M1 target 3 at level 2 fails the gate; total gap = 1 (M1) + 2 (C1) + 0 (C2)."""
    reqs = [
        Requirement("M1", "must", 3),
        Requirement("M2", "must", 2),
        Requirement("C1", "can", 4),
        Requirement("C2", "can", 1),
    ]
    items = standings(reqs, {}, {"M1": 2, "M2": 4, "C1": 2, "C2": 3})
    result = readiness(items)
    assert not result.gate_passed and result.failing_musts == ("M1",)
    assert (result.musts_met, result.musts_total) == (1, 2)
    assert result.fit_score == 75.0  # C1 2/4 = 50 %, C2 capped at 100 % → mean 75 %
    assert total_gap(items) == 3
    passed = readiness(standings(reqs, {}, {"M1": 3, "M2": 2}))
    assert passed.gate_passed and passed.musts_met == 2
