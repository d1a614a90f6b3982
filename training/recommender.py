"""Ranking trainings for a person: a cold-start content score, a learned model, two baselines.

Everything here follows scikit-learn's estimator contract — ``__init__`` only stores
parameters, ``fit`` returns ``self``, learned state ends in ``_``, ``check_is_fitted`` guards
use — and works on the plain arrays of `training.features` and `training.pairs`, never on
ORM rows. Importing this module imports scikit-learn (about a second): import it where a
model is fitted, loaded or scored, not at module level of the app.

Every ranker answers ``score(person, catalogue)`` with one number per
training (higher is better). The cold-start scorer and the learned recommender also answer
``contributions``: per training and competency, the expected must-weighted levels it closes,
which is what the explanations are built from.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import TargetEncoder
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from training.features import (
    CatalogueArrays,
    OutcomeHistory,
    PersonVector,
    reach_and_stretch,
)
from training.pairs import CATEGORICAL_FEATURES, history_features, pair_features


@functools.cache
def _threads() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded():
    """Run OpenMP code on one thread.

    The arrays here are small: on a busy machine, OpenMP threads waiting for a shared core
    made fitting ten times slower, and app servers already run one request per worker.
    """
    return _threads().limit(limits=1, user_api="openmp")


class GapClosingModel(ClassifierMixin, BaseEstimator):
    """Predicts whether a training raises one covered competency of one person.

    A Pipeline: a target encoding of the training identities (cross-fitted by person, so a
    row never sees its own outcome) followed by gradient-boosted trees, which can pick up
    interactions such as level band × training or format × track record.
    """

    def __init__(
        self,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        l2_regularization: float = 0.0,
        max_iter: int = 200,
        random_state: int = 0,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None):  # noqa: N803
        """Fit the pipeline; ``groups`` (the person of each row) drives the cross-fitting."""
        features = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        n_categorical = len(CATEGORICAL_FEATURES)
        folds = min(5, len(np.unique(groups))) if groups is not None else 5
        splits = (
            list(GroupKFold(n_splits=folds).split(features, y, groups))
            if groups is not None and folds >= 2
            else 5
        )
        encoder = TargetEncoder(target_type="binary", cv=splits)
        self.pipeline_ = Pipeline(
            [
                (
                    "encode",
                    ColumnTransformer(
                        [("history", encoder, list(range(n_categorical)))],
                        remainder="passthrough",
                    ),
                ),
                (
                    "trees",
                    HistGradientBoostingClassifier(
                        learning_rate=self.learning_rate,
                        max_leaf_nodes=self.max_leaf_nodes,
                        l2_regularization=self.l2_regularization,
                        max_iter=self.max_iter,
                        early_stopping=False,
                        random_state=self.random_state,
                    ),
                ),
            ]
        )
        with single_threaded():
            self.pipeline_.fit(features, y)
        # The fold index lists were only needed for cross-fitting; keep the artefact small.
        self.pipeline_.named_steps["encode"].transformers_[0][1].cv = 5
        self.classes_ = self.pipeline_.classes_
        self.n_features_in_ = features.shape[1]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Probabilities of [no rise, rise] per row."""
        check_is_fitted(self, "pipeline_")
        with single_threaded():
            return self.pipeline_.predict_proba(np.asarray(X, dtype=np.float64))

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """1 where a rise is more likely than not."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class ColdStartScorer(BaseEstimator):
    """Content score: the gap vector against the training's weights, with level fit.

    contribution[t, c] = importance_c × weight[t, c] × min(reach[t, c], level_cap)
                         × stretch_decay ** stretch[t, c]
    where importance is ``must_weight`` for must competencies and 1 for can, ``reach`` is how
    many missing levels the training aims at (0 for a training below the current level) and
    ``stretch`` the prerequisite levels still missing. No history is needed.
    """

    def __init__(
        self, must_weight: float = 2.0, level_cap: int = 1, stretch_decay: float = 0.5
    ) -> None:
        self.must_weight = must_weight
        self.level_cap = level_cap
        self.stretch_decay = stretch_decay

    def fit(self, history: OutcomeHistory | None = None, catalogue: CatalogueArrays | None = None):
        """Nothing is learned; kept so every ranker is fitted and used the same way."""
        self.is_fitted_ = True
        return self

    def contributions(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N, K) expected must-weighted levels each training closes per competency."""
        check_is_fitted(self, "is_fitted_")
        reach, stretch = reach_and_stretch(
            person.levels, person.targets, catalogue.level_min, catalogue.level_max
        )
        importance = np.where(person.is_must, self.must_weight, 1.0)
        fit = np.minimum(reach, self.level_cap) * self.stretch_decay**stretch
        return catalogue.weights * fit * importance[None, :]

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) score per training."""
        return self.contributions(person, catalogue).sum(axis=1)


class TrainingRecommender(BaseEstimator):
    """The recommender the app uses: learned when history allows, cold-start otherwise.

    ``fit`` trains a `GapClosingModel` on the completed history when it holds at least
    ``min_rows`` outcome rows from ``min_people`` people; with less it keeps the cold-start
    score (``method_`` says which). The learned score of a training is the sum over the
    person's gap competencies of importance × predicted chance that the level rises.
    """

    def __init__(
        self,
        must_weight: float = 2.0,
        level_cap: int = 1,
        stretch_decay: float = 0.5,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        l2_regularization: float = 0.0,
        max_iter: int = 200,
        min_rows: int = 300,
        min_people: int = 30,
        random_state: int = 0,
    ) -> None:
        self.must_weight = must_weight
        self.level_cap = level_cap
        self.stretch_decay = stretch_decay
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.max_iter = max_iter
        self.min_rows = min_rows
        self.min_people = min_people
        self.random_state = random_state

    def fit(self, history: OutcomeHistory, catalogue: CatalogueArrays):
        """Fit the cold-start scorer and, given enough history, the learned model."""
        self.cold_start_ = ColdStartScorer(
            must_weight=self.must_weight,
            level_cap=self.level_cap,
            stretch_decay=self.stretch_decay,
        ).fit()
        features, y, groups = history_features(history, catalogue)
        self.n_rows_ = len(y)
        self.n_people_ = len(np.unique(groups))
        self.codes_ = tuple(catalogue.codes)
        enough = (
            self.n_rows_ >= self.min_rows
            and self.n_people_ >= self.min_people
            and len(np.unique(y)) == 2
        )
        if enough:
            self.model_ = GapClosingModel(
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                l2_regularization=self.l2_regularization,
                max_iter=self.max_iter,
                random_state=self.random_state,
            ).fit(features, y, groups)
            self.method_ = "learned"
        else:
            self.model_ = None
            self.method_ = "cold_start"
        return self

    @property
    def is_learned(self) -> bool:
        check_is_fitted(self, "method_")
        return self.model_ is not None

    def chances(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N, K) predicted chance that each training raises each gap competency (0 elsewhere)."""
        check_is_fitted(self, "method_")
        if tuple(catalogue.codes) != self.codes_:
            raise ValueError("the catalogue's competency columns differ from the fitted ones")
        chances = np.zeros(catalogue.weights.shape)
        if self.model_ is None:
            return chances
        rows, cols = np.nonzero(catalogue.covered & (person.gaps > 0)[None, :])
        if len(rows) == 0:
            return chances
        pairs = len(rows)
        features = pair_features(
            catalogue,
            rows,
            cols,
            person.levels[cols],
            person.targets[cols],
            person.is_must[cols],
            np.full(pairs, person.prior_completions, dtype=np.float64),
            np.full(pairs, person.prior_success_rate, dtype=np.float64),
        )
        chances[rows, cols] = self.model_.predict_proba(features)[:, 1]
        return chances

    def explain_scores(
        self, person: PersonVector, catalogue: CatalogueArrays
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(contributions (N, K), chances (N, K) or None with the cold start), computed once."""
        check_is_fitted(self, "method_")
        if self.model_ is None:
            return self.cold_start_.contributions(person, catalogue), None
        chances = self.chances(person, catalogue)
        return chances * person.importance[None, :], chances

    def contributions(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N, K) expected must-weighted levels closed: learned chances, else the cold start."""
        return self.explain_scores(person, catalogue)[0]

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) score per training."""
        return self.contributions(person, catalogue).sum(axis=1)


def _decayed_counts(
    history: OutcomeHistory, catalogue: CatalogueArrays, signal: str, window_days: float | None
) -> np.ndarray:
    keep = np.ones(len(history.subjects), dtype=bool)
    if window_days is not None and len(history.days):
        keep &= history.days >= history.days.max() - window_days
    if signal == "completions":
        keep &= history.is_completed
    elif signal == "successes":
        keep &= history.enrollment_success
    values = np.ones(len(history.subjects))
    if signal == "rating":
        # A rating counts for how far it sits above the middle of the scale.
        values = np.where(np.isnan(history.ratings), 0.0, history.ratings - 3.0)
    counts = np.zeros(catalogue.size)
    for key, value in zip(history.training_keys[keep], values[keep], strict=True):
        index = catalogue.index_of_key.get(int(key))
        if index is not None:
            counts[index] += value
    return counts


class PopularityRanker(BaseEstimator):
    """Baseline: the same list for everyone, by how often a training was taken (or worked)."""

    def __init__(self, signal: str = "enrollments", window_days: float | None = None) -> None:
        self.signal = signal
        self.window_days = window_days

    def fit(self, history: OutcomeHistory, catalogue: CatalogueArrays):
        """Count the chosen signal per training."""
        if self.signal not in {"enrollments", "completions", "successes", "rating"}:
            raise ValueError(f"unknown popularity signal {self.signal!r}")
        self.counts_ = _decayed_counts(history, catalogue, self.signal, self.window_days)
        self.keys_ = catalogue.keys.copy()
        return self

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) popularity of each training (0 for trainings unseen at fit time)."""
        check_is_fitted(self, "counts_")
        lookup = dict(zip(self.keys_.tolist(), self.counts_.tolist(), strict=True))
        return np.array([lookup.get(int(k), 0.0) for k in catalogue.keys])


class PriorityBandRanker(BaseEstimator):
    """Baseline: rule-based priority bands, as an HR person would sort by hand.

    Band 1: covers a must competency with a gap of 2 or more; band 2: a must gap of 1;
    band 3: a can gap of 2 or more; band 4: a can gap of 1; band 5: everything else.
    "Covers" means a weight of at least ``min_weight``. Ties break by ``tiebreak``: the weight
    on the gap, popularity in the history, shorter trainings first, or level fit.
    """

    def __init__(self, min_weight: float = 0.25, tiebreak: str = "weight") -> None:
        self.min_weight = min_weight
        self.tiebreak = tiebreak

    def fit(self, history: OutcomeHistory, catalogue: CatalogueArrays):
        """Remember popularity for the popularity tie-break."""
        if self.tiebreak not in {"weight", "popularity", "short", "level_fit"}:
            raise ValueError(f"unknown tie-break {self.tiebreak!r}")
        self.popularity_ = PopularityRanker().fit(history, catalogue)
        return self

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) score: band first (lower band, higher score), tie-break inside the band."""
        check_is_fitted(self, "popularity_")
        gaps = person.gaps
        covers = catalogue.weights >= self.min_weight
        band_of_competency = np.where(
            gaps >= 2, np.where(person.is_must, 1, 3), np.where(person.is_must, 2, 4)
        )
        band_of_competency = np.where(gaps > 0, band_of_competency, 5)
        bands = np.where(covers, band_of_competency[None, :], 5).min(axis=1)
        relevant = covers & (band_of_competency[None, :] == bands[:, None]) & (gaps > 0)[None, :]
        if self.tiebreak == "weight":
            tie = np.where(relevant, catalogue.weights, 0.0).max(axis=1)
        elif self.tiebreak == "popularity":
            popularity = self.popularity_.score(person, catalogue)
            tie = popularity / (popularity.max() + 1.0)
        elif self.tiebreak == "short":
            tie = 1.0 / (1.0 + catalogue.hours)
        else:
            reach, _ = reach_and_stretch(
                person.levels, person.targets, catalogue.level_min, catalogue.level_max
            )
            tie = np.where(relevant, np.minimum(reach, 1), 0).max(axis=1).astype(float)
        return (5 - bands) * 10.0 + np.clip(tie, 0.0, 1.0)
