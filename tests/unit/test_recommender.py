"""The recommender on toy arrays: ranking order, level fit, learning, fallback, contract."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests.unit.toy import CODES, catalogue, history_where, person
from training.features import empty_history, reach_and_stretch
from training.pairs import FEATURE_NAMES, history_features
from training.recommender import (
    ColdStartScorer,
    GapClosingModel,
    PopularityRanker,
    PriorityBandRanker,
    TrainingRecommender,
)


def test_reach_counts_missing_levels_the_training_aims_at():
    # Person at 1 aiming for 4; trainings aimed at 2–3, 1–1 (below), 4–5 (needs level 3 first).
    reach, stretch = reach_and_stretch(
        np.array([1.0]), np.array([4.0]), np.array([2, 1, 4]), np.array([3, 1, 5])
    )
    assert reach[:, 0].tolist() == [2, 0, 1]
    assert stretch[:, 0].tolist() == [0, 0, 2]


def test_training_between_current_and_target_ranks_above_one_below_current():
    items = catalogue(
        [
            {"key": 1, "weights": {"PLAN": 1.0}, "lo": 1, "hi": 2},  # below: person is at 2
            {"key": 2, "weights": {"PLAN": 1.0}, "lo": 3, "hi": 4},  # between 2 and target 4
        ]
    )
    who = person([2, 0, 0], [4, None, None], [True, False, False])
    scores = ColdStartScorer().fit().score(who, items)
    assert scores[1] > scores[0] == 0.0


def test_cold_start_ranking_order_is_pinned():
    items = catalogue(
        [
            {"key": 1, "weights": {"LEAD": 1.0}},  # can-gap only
            {"key": 2, "weights": {"PLAN": 1.0}},  # must-gap, full weight
            {"key": 3, "weights": {"PLAN": 0.5}},  # must-gap, half weight
            {"key": 4, "weights": {"PLAN": 1.0}, "lo": 4, "hi": 5},  # must-gap, too advanced
            {"key": 5, "weights": {"TECH": 1.0}},  # no gap there
        ]
    )
    who = person([1, 1, 3], [4, 3, 3], [True, False, True])
    scorer = ColdStartScorer(must_weight=2.0, stretch_decay=0.5).fit()
    scores = scorer.score(who, items)
    order = items.keys[np.lexsort((items.keys, -scores))].tolist()
    assert order == [2, 1, 3, 4, 5]
    # PLAN: must (2) × weight × min(reach, 1) × 0.5 ** stretch; training 4 lacks 2 levels.
    assert scores.tolist() == pytest.approx([1.0, 2.0, 1.0, 2.0 * 0.5**2, 0.0])


def test_must_gap_weighs_more_than_an_equal_can_gap():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}, {"key": 2, "weights": {"LEAD": 1.0}}])
    who = person([1, 1, 0], [3, 3, None], [True, False, False])
    scores = ColdStartScorer().fit().score(who, items)
    assert scores[0] > scores[1] > 0


def test_learned_model_ranks_the_training_that_worked_for_others_first():
    # Two trainings that look identical in the catalogue; history shows only one works.
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}, {"key": 2, "weights": {"PLAN": 1.0}}])
    history = history_where(items, {1: 0.1, 2: 0.8})
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(history, items)
    assert recommender.method_ == "learned"
    who = person([1, 0, 0], [4, None, None], [True, False, False])
    scores = recommender.score(who, items)
    assert scores[1] > scores[0]
    cold = ColdStartScorer().fit().score(who, items)
    assert cold[0] == cold[1]


def test_learned_chances_are_probabilities_only_where_a_gap_is_covered():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0, "TECH": 0.5}}])
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(
        history_where(items, {1: 0.6}), items
    )
    chances = recommender.chances(person([1, 0, 3], [3, None, 3], [True, False, True]), items)
    assert 0.0 < chances[0, 0] < 1.0
    assert chances[0, 1] == 0.0  # not covered
    assert chances[0, 2] == 0.0  # covered, but no gap


def test_falls_back_to_cold_start_with_too_little_history():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}, {"key": 2, "weights": {"LEAD": 0.5}}])
    small = history_where(items, {1: 0.5, 2: 0.5}, people=3)
    recommender = TrainingRecommender(min_rows=300, min_people=30).fit(small, items)
    assert recommender.method_ == "cold_start" and not recommender.is_learned
    who = person([1, 1, 0], [3, 3, None], [True, False, False])
    expected = ColdStartScorer().fit().score(who, items)
    assert recommender.score(who, items).tolist() == expected.tolist()


def test_empty_history_is_cold_start():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}])
    recommender = TrainingRecommender().fit(empty_history(CODES), items)
    assert recommender.method_ == "cold_start" and recommender.n_rows_ == 0


def test_estimator_contract():
    recommender = TrainingRecommender(min_rows=5)
    assert recommender.get_params()["min_rows"] == 5
    assert clone(recommender).set_params(min_rows=7).min_rows == 7
    with pytest.raises(NotFittedError):
        recommender.score(person([0, 0, 0], [1, 1, 1], [True] * 3), catalogue([{"weights": {}}]))
    with pytest.raises(NotFittedError):
        GapClosingModel().predict_proba(np.zeros((1, len(FEATURE_NAMES))))
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}])
    features, labels, groups = history_features(history_where(items, {1: 0.5}), items)
    model = GapClosingModel(max_iter=20)
    assert model.fit(features, labels, groups) is model
    assert model.predict(features).shape == labels.shape
    assert set(model.classes_) == {0, 1}


def test_a_catalogue_with_other_competency_columns_is_refused():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}])
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(
        history_where(items, {1: 0.5}), items
    )
    other = items.take(np.arange(1))
    object.__setattr__(other, "codes", ("X", "Y", "Z"))
    with pytest.raises(ValueError, match="competency columns"):
        recommender.chances(person([0, 0, 0], [2, 2, 2], [True] * 3), other)


def test_popularity_ranks_by_count_for_everyone():
    items = catalogue([{"key": k, "weights": {"PLAN": 1.0}} for k in (1, 2, 3)])
    history = history_where(items, {1: 0.5, 2: 0.5, 3: 0.5}, people=4)
    keep = history.training_keys != 1  # nobody took training 1
    ranker = PopularityRanker(signal="enrollments").fit(history.select(keep), items)
    scores = ranker.score(person([0, 0, 0], [1, 1, 1], [True] * 3), items)
    assert scores.tolist() == [0.0, 4.0, 4.0]
    with pytest.raises(ValueError):
        PopularityRanker(signal="stars").fit(history, items)


def test_priority_bands_put_big_must_gaps_first():
    items = catalogue(
        [
            {"key": 1, "weights": {"LEAD": 1.0}},  # can gap of 2: band 3
            {"key": 2, "weights": {"PLAN": 0.3}},  # must gap of 2: band 1
            {"key": 3, "weights": {"TECH": 1.0}},  # must gap of 1: band 2
        ]
    )
    who = person([1, 1, 2], [3, 3, 3], [True, False, True])
    scores = PriorityBandRanker(min_weight=0.25).fit(empty_history(CODES), items).score(who, items)
    assert np.argsort(-scores).tolist() == [1, 2, 0]


@pytest.mark.parametrize("estimator", ["trees", "logistic", "blend"])
def test_every_estimator_keeps_the_contract_and_the_fast_path_matches_the_pipeline(estimator):
    items = catalogue([{"key": k, "weights": {"PLAN": 1.0}} for k in (1, 2, 3)])
    features, labels, groups = history_where(items, {1: 0.8, 2: 0.2, 3: 0.5}), None, None
    features, labels, groups = history_features(features, items)
    with pytest.raises(NotFittedError):
        GapClosingModel(estimator=estimator).predict_proba(features[:1])
    model = GapClosingModel(estimator=estimator, max_iter=20).fit(features, labels, groups)
    assert clone(model).get_params()["estimator"] == estimator
    fast = model.predict_proba(features)
    assert np.allclose(fast, model.pipeline_.predict_proba(features))
    # A training the model never saw gets the overall rate in its encoding, not an error.
    unseen = features[:1].copy()
    unseen[0, :3] = [999.0, 999.0 * 64, 999.0 * 64]
    assert np.allclose(model.predict_proba(unseen), model.pipeline_.predict_proba(unseen))


def test_calibrated_chances_stay_probabilities_and_keep_the_order_of_courses():
    items = catalogue([{"key": k, "weights": {"PLAN": 1.0}} for k in (1, 2, 3)])
    history = history_where(items, {1: 0.8, 2: 0.2, 3: 0.5}, people=90)
    recommender = TrainingRecommender(min_rows=50, min_people=10, calibrate=True).fit(
        history, items
    )
    assert recommender.calibrator_ is not None
    who = person([1, 0, 0], [3, None, None], [True, False, False])
    chances = recommender.chances(who, items)[:, 0]
    assert ((chances >= 0) & (chances <= 1)).all()
    assert chances[0] > chances[2] > chances[1]


@parametrize_with_checks(
    [GapClosingModel(max_iter=10), GapClosingModel(estimator="blend", max_iter=10)],
    expected_failed_checks=lambda estimator: {
        "check_classifiers_train": (
            "the leading columns are identities encoded by their outcome rate; on the check's "
            "continuous data every value is a new identity, so its accuracy bar cannot be met"
        )
    },
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
