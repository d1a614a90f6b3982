"""The evaluation's baselines, bootstrap, calibration error and stress worlds."""

import math

import numpy as np
import pytest

from competencies.services import read_default_framework_data
from tests.unit.toy import CODES, catalogue, history_where
from training.evaluation_metrics import calibration_error, paired_bootstrap
from training.features import PersonVector
from training.recommender import PriorityBandRanker, RandomRanker, RiseRateRanker
from training.synthetic import (
    WORLDS,
    codes_from_framework,
    generate_world,
    roles_from_framework,
    shipped_catalogue,
)

DATA = read_default_framework_data()
FRAMEWORK_CODES = codes_from_framework(DATA)
ROLES = roles_from_framework(DATA, FRAMEWORK_CODES)


def _person(level: float, target: float = 4.0) -> PersonVector:
    levels = np.zeros(len(CODES))
    targets = np.full(len(CODES), math.nan)
    levels[0], targets[0] = level, target
    must = np.zeros(len(CODES), dtype=bool)
    must[0] = True
    return PersonVector(levels=levels, targets=targets, is_must=must)


def test_priority_bands_never_put_a_course_below_the_level_above_one_at_it():
    items = catalogue(
        [
            # aimed at levels 1–2, below a person at level 3, and weighted more
            {"key": 1, "weights": {"PLAN": 1.0}, "lo": 1, "hi": 2},
            {"key": 2, "weights": {"PLAN": 0.3}, "lo": 4, "hi": 4},
        ]
    )
    for tiebreak in ("weight", "popularity", "short", "level_fit"):
        ranker = PriorityBandRanker(min_weight=0.25, tiebreak=tiebreak)
        ranker.fit(history_where(items, {1: 0.5, 2: 0.5}, people=3), items)
        scores = ranker.score(_person(3.0), items)
        assert scores[1] > scores[0], tiebreak


def test_priority_bands_count_covered_must_gaps_first():
    items = catalogue(
        [
            {"key": 1, "weights": {"PLAN": 1.0}},
            {"key": 2, "weights": {"PLAN": 0.3, "LEAD": 0.3}},
        ]
    )
    person = PersonVector(
        levels=np.zeros(3),
        targets=np.array([2.0, 2.0, math.nan]),
        is_must=np.array([True, True, False]),
    )
    ranker = PriorityBandRanker(tiebreak="weight").fit(
        history_where(items, {1: 0.5, 2: 0.5}, 3), items
    )
    scores = ranker.score(person, items)
    assert scores[1] > scores[0]


def test_rise_rate_prefers_the_course_that_raised_levels_and_shrinks_small_counts():
    items = catalogue([{"key": k, "weights": {"PLAN": 0.8}} for k in (1, 2, 3)])
    history = history_where(items, {1: 0.9, 2: 0.2, 3: 0.2}, people=80)
    rates = RiseRateRanker(prior_strength=5.0).fit(history, items).rates(items)[:, 0]
    assert rates[0] > rates[1] + 0.4 and rates[0] > rates[2] + 0.4
    assert RiseRateRanker().fit(history, items).score(_person(1.0), items).argmax() == 0
    shrunk = RiseRateRanker(prior_strength=1e5).fit(history, items).rates(items)[:, 0]
    assert shrunk.max() - shrunk.min() < 0.01  # a strong prior pulls every pair to the mean


def test_random_ranker_is_stable_per_seed_and_differs_between_seeds():
    items = catalogue([{"key": k, "weights": {"PLAN": 0.5}} for k in range(1, 9)])
    person = _person(1.0)
    first = RandomRanker(seed=1).fit().score(person, items)
    assert np.array_equal(first, RandomRanker(seed=1).fit().score(person, items))
    assert not np.array_equal(first, RandomRanker(seed=2).fit().score(person, items))


def test_paired_bootstrap_interval_of_a_constant_difference_is_that_constant():
    values = np.linspace(0.0, 1.0, 50)
    draws = paired_bootstrap([{"a": values, "b": values - 0.1}], draws=200)
    difference = draws["a"] - draws["b"]
    assert np.allclose(difference, 0.1)
    assert draws["a"].std() > 0


def test_calibration_error_is_zero_when_chances_match_rates_and_large_when_not():
    outcome = np.array([0, 1] * 50, dtype=float)
    assert calibration_error(np.full(100, 0.5), outcome) == pytest.approx(0.0)
    assert calibration_error(np.full(100, 0.95), outcome) == pytest.approx(0.45)


def test_stress_worlds_change_the_documented_terms():
    items = shipped_catalogue(FRAMEWORK_CODES)
    plain = generate_world(items, ROLES, n_people=10, seed=4, world="no_hidden_quality")
    assert not plain.truth.quality.any() and not plain.truth.band_shift.any()
    default = generate_world(items, ROLES, n_people=10, seed=4)
    assert default.truth.quality.std() > 0.5
    odd = generate_world(items, ROLES, n_people=10, seed=4, world="misspecified")
    levels = np.full(len(FRAMEWORK_CODES), 1.0)
    calm = odd.truth.rise_probability(items, levels, 0.0, 0.0, n_gaps=2)
    busy = odd.truth.rise_probability(items, levels, 0.0, 0.0, n_gaps=9)
    assert (busy <= calm).all() and (busy < calm).any()
    assert set(WORLDS) == {"default", "no_hidden_quality", "misspecified"}
    with pytest.raises(ValueError):
        generate_world(items, ROLES, n_people=5, seed=1, world="utopia")


def test_outcome_auc_rewards_telling_courses_that_worked_from_those_that_did_not():
    from training.evaluation_gate import outcome_auc

    items = catalogue([{"key": k, "weights": {"PLAN": 0.5}} for k in (1, 2)])
    who = _person(1.0)

    class Fixed:
        def __init__(self, scores):
            self.scores = np.array(scores)

        def score(self, person, catalogue_):
            return self.scores

    pairs = [(who, 0, True), (who, 1, False), (who, 0, True), (who, 1, False)]
    assert outcome_auc(Fixed([0.9, 0.1]), items, pairs) == 1.0
    assert outcome_auc(Fixed([0.1, 0.9]), items, pairs) == 0.0
    assert outcome_auc(Fixed([0.5, 0.5]), items, pairs) == 0.5


def test_the_gate_keeps_rise_rate_unless_a_method_beats_it_beyond_noise():
    from training.evaluation_gate import gate

    rng = np.random.default_rng(0)
    worked = rng.random(400) < 0.5
    signal = worked + rng.normal(0, 0.6, 400)
    noise = rng.normal(0, 1.0, 400)
    clear = gate(
        [({"rise_rate": noise, "learned": signal}, worked)], ["rise_rate", "learned"], draws=100
    )
    assert clear["served"] == "learned" and clear["auc_diff_vs_incumbent_ci95"]["learned"][0] > 0
    close = gate(
        [({"rise_rate": signal, "learned": signal + rng.normal(0, 0.01, 400)}, worked)],
        ["rise_rate", "learned"],
        draws=100,
    )
    assert close["served"] == "rise_rate" and "beyond noise" in close["reason"]
