"""Champion / challenger: the live model stays unless the new one wins on recent outcomes."""

import numpy as np

from tests.unit.toy import catalogue, history_where
from training.champion import MARGIN, challenge, decide, holdout_cut, roc_auc
from training.recommender import TrainingRecommender


def test_the_gate_keeps_the_champion_when_the_challenger_is_worse():
    decision = decide(challenger=0.61, champion=0.66, rise_rate=0.58)
    assert not decision.promote and "live model" in decision.reason
    assert decision.scores == {"challenger": 0.61, "rise_rate": 0.58, "champion": 0.66}


def test_the_gate_refuses_a_challenger_that_does_not_beat_rise_rate():
    decision = decide(challenger=0.64, champion=None, rise_rate=0.64 - MARGIN / 2)
    assert not decision.promote and "rise-rate" in decision.reason


def test_the_gate_promotes_a_challenger_that_beats_both():
    decision = decide(challenger=0.70, champion=0.66, rise_rate=0.62)
    assert decision.promote and "beats" in decision.reason


def test_roc_auc_counts_ties_half():
    assert roc_auc(np.array([0.9, 0.1]), np.array([1, 0])) == 1.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5
    assert roc_auc(np.array([0.1, 0.9]), np.array([1, 0])) == 0.0


def test_a_challenge_scores_only_outcomes_newer_than_what_the_challenger_learned():
    items = catalogue([{"key": k, "weights": {"PLAN": 1.0}} for k in (1, 2, 3)])
    history = history_where(items, {1: 0.85, 2: 0.15, 3: 0.5}, people=120)
    cut = holdout_cut(history)
    assert (history.observed_on >= cut).mean() < 0.25
    params = {"min_rows": 50, "min_people": 10}
    decision = challenge(history, items, None, params=params)
    assert decision.holdout_rows >= 50
    assert set(decision.scores) == {"challenger", "rise_rate"}
    # A champion trained after every outcome has nothing left to be tested on: it stays.
    champion = TrainingRecommender(**params).fit(history, items)
    kept = challenge(
        history, items, champion, params=params, champion_since=float(history.days.max()) + 1
    )
    assert not kept.promote and "recent outcomes" in kept.reason
