"""Agreement statistics against values computed by hand (the working is in each docstring)."""

import pytest

from evaluations.agreement import (
    NO_PAIRS,
    NO_VARIATION,
    Statistic,
    Weighting,
    calibration_flags,
    chance_corrected,
    evaluated_level,
    items_of,
    krippendorff_alpha_ordinal,
    share_within,
    weighted_kappa,
)

N = None
# Two raters, five competencies: the worked example of the kappa tests.
A = {"c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 2}
B = {"c1": 1, "c2": 3, "c3": 3, "c4": 2, "c5": 2}


def test_quadratic_weighted_kappa_matches_the_hand_computation():
    """A = 1 2 3 4 2, B = 1 3 3 2 2.

    Observed: squared differences 0, 1, 0, 4, 0 → D_o = 5 / 5 = 1.
    Expected: Σ_i Σ_j (a_i − b_j)² / n² = (n·Σa² + n·Σb² − 2·Σa·Σb) / n²
              = (5·34 + 5·27 − 2·12·11) / 25 = (170 + 135 − 264) / 25 = 41 / 25 = 1.64.
    kappa = 1 − 1 / 1.64 = 0.390244 (Landis & Koch: fair).
    """
    result = weighted_kappa(A, B)
    assert result.value == pytest.approx(1 - 1 / 1.64)
    assert result.value == pytest.approx(0.390244, abs=1e-6)
    assert result.units == 5 and result.reading == "fair"
    assert result.name == "Weighted Cohen's kappa (quadratic)"


def test_linear_weighted_kappa_matches_the_hand_computation():
    """|differences| 0, 1, 0, 2, 0 → D_o = 3 / 5 = 0.6.

    Expected, row by row over a_i against b = (1, 3, 3, 2, 2):
    a=1: 0+2+2+1+1 = 6; a=2: 1+1+1+0+0 = 3; a=3: 2+0+0+1+1 = 4; a=4: 3+1+1+2+2 = 9;
    a=2: 3. Total 25 → D_e = 25 / 25 = 1. kappa = 1 − 0.6 / 1 = 0.4.
    """
    assert weighted_kappa(A, B, Weighting.LINEAR).value == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_with_spread_and_symmetric():
    same = {"a": 0, "b": 3, "c": 5}
    assert weighted_kappa(same, dict(same)).value == pytest.approx(1.0)
    assert weighted_kappa(A, B).value == pytest.approx(weighted_kappa(B, A).value)


def test_kappa_of_a_constant_offset_is_no_better_than_chance():
    """A always 3, B always 4: D_o = 1, D_e = 1 → kappa 0 (agreement only by chance)."""
    result = weighted_kappa({"a": 3, "b": 3}, {"a": 4, "b": 4})
    assert result.value == pytest.approx(0.0) and result.reading == "slight"


def test_kappa_below_zero_reads_worse_than_chance():
    """A = 1 3, B = 3 1: D_o = (4 + 4) / 2 = 4; D_e = (0 + 4 + 4 + 0) / 4 = 2 → kappa = −1."""
    result = weighted_kappa({"a": 1, "b": 3}, {"a": 3, "b": 1})
    assert result.value == pytest.approx(-1.0) and result.reading == "worse than chance"


def test_kappa_skips_items_not_observed_by_either_rater():
    first = {**A, "c6": None, "c7": 5}
    second = {**B, "c6": 4, "c7": None}
    assert weighted_kappa(first, second).value == pytest.approx(weighted_kappa(A, B).value)
    assert weighted_kappa(first, second).units == 5


def test_kappa_is_undefined_when_every_rating_is_the_same_level():
    """All 3s: D_o = 0 and D_e = 0 — 0/0. Reported as None with the reason, not as 1 or 0."""
    result = weighted_kappa({"a": 3, "b": 3}, {"a": 3, "b": 3})
    assert result.value is None and result.reason == NO_VARIATION
    assert result.reading == "not defined"


def test_kappa_without_a_common_item_is_undefined():
    result = weighted_kappa({"a": 1, "b": None}, {"a": None, "b": 2})
    assert (result.value, result.units, result.reason) == (None, 0, NO_PAIRS)


def test_krippendorff_alpha_ordinal_matches_the_hand_computation():
    """Three raters, four items (C did not observe items 3 and 4):

        item 1: A 1, B 1, C 2   item 2: A 2, B 3, C 3   item 3: A 3, B 3   item 4: A 1, B 2

    Coincidences (ordered pairs within an item, each item weighted 1/(m − 1)):
      item 1 (m=3): (1,1)×2, (1,2)×2, (2,1)×2, /2 → o11 += 1, o12 += 1, o21 += 1
      item 2 (m=3): (3,3)×2, (2,3)×2, (3,2)×2, /2 → o33 += 1, o23 += 1, o32 += 1
      item 3 (m=2): (3,3)×2                     → o33 += 2
      item 4 (m=2): (1,2), (2,1)                → o12 += 1, o21 += 1
    o12 = 2, o23 = 1, o13 = 0; margins n1 = 3, n2 = 3, n3 = 4, n = 10.
    Ordinal δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²:
      δ²(1,2) = (6 − 3)² = 9; δ²(2,3) = (7 − 3.5)² = 12.25; δ²(1,3) = (10 − 3.5)² = 42.25.
    Observed Σ_{c<k} o·δ² = 2·9 + 1·12.25 = 30.25.
    Expected Σ_{c<k} n_c·n_k·δ² = 9·9 + 12·42.25 + 12·12.25 = 81 + 507 + 147 = 735.
    alpha = 1 − (n − 1)·30.25 / 735 = 1 − 272.25 / 735 = 0.629592.
    """
    ratings = {
        "A": {1: 1, 2: 2, 3: 3, 4: 1},
        "B": {1: 1, 2: 3, 3: 3, 4: 2},
        "C": {1: 2, 2: 3, 3: N, 4: N},
    }
    result = krippendorff_alpha_ordinal(ratings)
    assert result.value == pytest.approx(1 - 272.25 / 735)
    assert result.value == pytest.approx(0.629592, abs=1e-6)
    assert result.units == 4 and result.reading == "too low to rely on"


def test_krippendorff_alpha_ordinal_reproduces_the_published_example():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": four observers,
    twelve units with gaps; the paper gives alpha_ordinal = 0.815."""
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        "C": [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    }
    ratings = {rater: dict(enumerate(values)) for rater, values in rows.items()}
    result = krippendorff_alpha_ordinal(ratings)
    assert result.value == pytest.approx(0.815, abs=5e-4)
    assert result.units == 11  # unit 12 has a single value and cannot be paired
    assert result.reading == "reliable"


def test_alpha_is_undefined_when_all_ratings_agree_on_one_level():
    result = krippendorff_alpha_ordinal({"A": {1: 2, 2: 2}, "B": {1: 2, 2: 2}, "C": {1: 2}})
    assert result.value is None and result.reason == NO_VARIATION


def test_alpha_needs_an_item_with_two_ratings():
    """A single rater (or raters who never rated the same item) gives nothing to compare."""
    assert krippendorff_alpha_ordinal({"A": {1: 3, 2: 4}}).reason == NO_PAIRS
    assert krippendorff_alpha_ordinal({"A": {1: 3}, "B": {2: 4}}).value is None


def test_alpha_is_one_for_perfect_agreement_with_spread():
    ratings = {r: {1: 1, 2: 4, 3: 2} for r in "ABC"}
    assert krippendorff_alpha_ordinal(ratings).value == pytest.approx(1.0)


def test_chance_corrected_uses_kappa_for_two_raters_and_alpha_for_more():
    assert chance_corrected({"A": A, "B": B}).name.startswith("Weighted Cohen's kappa")
    three = {"A": A, "B": B, "C": {"c1": 2, "c2": 2}}
    assert chance_corrected(three).name == "Krippendorff's alpha (ordinal)"
    # A rater who observed nothing does not count as a rater.
    assert chance_corrected({"A": A, "B": B, "C": {"c1": None}}).name.startswith("Weighted")
    single = chance_corrected({"A": A})
    assert single.value is None and single.reason == NO_PAIRS


def test_share_within_one_level_counts_rater_pairs_per_item():
    """A/B differ by 0, 1, 0, 2, 0 → 4 of 5 pairs within one level.

    With a third rater C = (c1: 3, c4: 3): item c1 adds pairs A–C (|1−3| = 2) and B–C (2),
    item c4 adds A–C (1) and B–C (1) → 4 + 2 = 6 of 9 pairs.
    """
    two = share_within({"A": A, "B": B})
    assert (two.pairs, two.within, two.share) == (5, 4, pytest.approx(0.8))
    three = share_within({"A": A, "B": B, "C": {"c1": 3, "c4": 3, "c5": None}})
    assert (three.pairs, three.within) == (9, 6)
    assert three.share == pytest.approx(6 / 9)


def test_share_within_of_a_single_rater_is_undefined_and_identical_ratings_are_full():
    assert share_within({"A": A}).share is None
    assert share_within({"A": {1: 3}, "B": {1: 3}}).share == 1.0


def test_calibration_flags_mark_a_spread_of_two_or_more_with_each_raters_level():
    ratings = {"A": A, "B": B, "C": {"c2": 0, "c3": 3}}
    flags = calibration_flags(ratings)
    # c2: A 2, B 3, C 0 → spread 3; c4: A 4, B 2 → spread 2; others stay within one.
    assert [(f.item, f.lowest, f.highest, f.spread) for f in flags] == [
        ("c2", 0, 3, 3),
        ("c4", 2, 4, 2),
    ]
    assert flags[1].levels == {"A": 4, "B": 2}


def test_not_observed_never_makes_a_calibration_flag():
    assert calibration_flags({"A": {"x": 5}, "B": {"x": None}}) == []


def test_evaluated_level_is_the_lower_median_ignoring_not_observed():
    """2, 4 → lower median 2 (no mean of 3); 1, 3, 5 → 3; nothing observed → None."""
    assert evaluated_level([4, 2]) == 2
    assert evaluated_level([5, None, 1, 3]) == 3
    assert evaluated_level([None, None]) is None


def test_items_of_keeps_items_nobody_observed_as_empty():
    assert items_of({"A": {"x": None, "y": 2}, "B": {"y": 3}}) == {"x": [], "y": [2, 3]}


def test_statistic_readings_follow_the_published_bands():
    kappa = "Weighted Cohen's kappa (quadratic)"
    alpha = "Krippendorff's alpha (ordinal)"
    readings = [Statistic(kappa, v, 5).reading for v in (0.9, 0.7, 0.5, 0.3, 0.1)]
    assert readings == ["almost perfect", "substantial", "moderate", "fair", "slight"]
    assert [Statistic(alpha, v, 5).reading for v in (0.8, 0.7, 0.2)] == [
        "reliable",
        "tentative",
        "too low to rely on",
    ]
