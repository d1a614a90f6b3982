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
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
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
        estimator: str = "trees",
        C: float = 1.0,  # noqa: N803 — scikit-learn's name for the inverse regularisation
    ) -> None:
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.max_iter = max_iter
        self.random_state = random_state
        self.estimator = estimator
        self.C = C

    def _final_step(self):
        if self.estimator == "logistic":
            return Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("logistic", LogisticRegression(C=self.C, max_iter=2000)),
                ]
            )
        trees = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization,
            max_iter=self.max_iter,
            early_stopping=False,
            random_state=self.random_state,
        )
        if self.estimator == "blend":
            # The mean of both chances: the logistic's additive shape with the trees'
            # interactions (format × level band, track record × format).
            linear = Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("logistic", LogisticRegression(C=self.C, max_iter=2000)),
                ]
            )
            return VotingClassifier([("trees", trees), ("linear", linear)], voting="soft")
        if self.estimator != "trees":
            raise ValueError(f"unknown estimator {self.estimator!r}")
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization,
            max_iter=self.max_iter,
            early_stopping=False,
            random_state=self.random_state,
        )

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None):  # noqa: N803
        """Fit the pipeline; ``groups`` (the person of each row) drives the cross-fitting."""
        features, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        if len(np.unique(y)) > 2:
            raise ValueError(
                "Only binary classification is supported: GapClosingModel predicts a rise or none"
            )
        # The identities lead the feature layout (training.pairs); narrower inputs (the generic
        # estimator checks) encode as many leading columns as there are.
        n_categorical = min(len(CATEGORICAL_FEATURES), features.shape[1])
        self.n_categorical_ = n_categorical
        folds = min(5, len(np.unique(groups))) if groups is not None else 5
        splits = (
            list(GroupKFold(n_splits=folds).split(features, y, groups))
            if groups is not None and folds >= 2
            # Seeded, so that the same rows always give the same model.
            else list(
                StratifiedKFold(5, shuffle=True, random_state=self.random_state).split(features, y)
            )
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
                ("trees", self._final_step()),
            ]
        )
        with single_threaded():
            self.pipeline_.fit(features, y)
        # The fold index lists were only needed for cross-fitting; keep the artefact small.
        self.pipeline_.named_steps["encode"].transformers_[0][1].cv = 5
        self.classes_ = self.pipeline_.classes_
        self.n_features_in_ = features.shape[1]
        final = self.pipeline_.named_steps["trees"]
        self.n_iter_ = int(getattr(final, "n_iter_", self.max_iter))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Probabilities of [no rise, rise] per row.

        Same numbers as ``pipeline_.predict_proba``, but the target encoding is a table
        look-up in numpy: the ColumnTransformer's per-call overhead was most of a request's
        time over a 500-training catalogue.
        """
        check_is_fitted(self, "pipeline_")
        features = validate_data(self, X, reset=False, dtype=np.float64)
        encoder = self.pipeline_.named_steps["encode"].transformers_[0][1]
        n_categorical = getattr(self, "n_categorical_", len(CATEGORICAL_FEATURES))
        encoded = np.empty((len(features), n_categorical))
        for j in range(n_categorical):
            categories = np.asarray(encoder.categories_[j], dtype=np.float64)
            values = features[:, j]
            at = np.clip(np.searchsorted(categories, values), 0, len(categories) - 1)
            found = categories[at] == values
            encoded[:, j] = np.where(found, encoder.encodings_[j][at], encoder.target_mean_)
        final = self.pipeline_.named_steps["trees"]
        with single_threaded():
            return final.predict_proba(np.hstack([encoded, features[:, n_categorical:]]))

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """1 where a rise is more likely than not."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


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
        estimator: str = "trees",
        C: float = 1.0,  # noqa: N803
        calibrate: bool = False,
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
        self.estimator = estimator
        self.C = C
        self.calibrate = calibrate

    def _model(self) -> GapClosingModel:
        return GapClosingModel(
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization,
            max_iter=self.max_iter,
            random_state=self.random_state,
            estimator=self.estimator,
            C=self.C,
        )

    def _fit_calibrator(self, features: np.ndarray, y: np.ndarray, groups: np.ndarray):
        """Isotonic map from out-of-fold chances to observed rise rates, folds by person."""
        from sklearn.isotonic import IsotonicRegression

        folds = min(3, len(np.unique(groups)))
        if folds < 2:
            return None
        raw = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=folds).split(features, y, groups):
            if len(np.unique(y[train])) < 2:
                return None
            model = self._model().fit(features[train], y[train], groups[train])
            raw[test] = model.predict_proba(features[test])[:, 1]
        return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)

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
        self.calibrator_ = None
        # People who finished each training, for "(K finished it)" next to a chance.
        done = history.is_completed
        self.finished_ = {
            int(key): int(len(np.unique(history.subjects[done & (history.training_keys == key)])))
            for key in np.unique(history.training_keys[done])
        }
        # Share of synthetic rows in what the model learned from; the caller that knows the
        # rows' origin sets it (`mark_synthetic_share`), and reasons say "synthetic" when > 0.
        self.synthetic_share_ = 0.0
        if enough:
            self.model_ = self._model().fit(features, y, groups)
            if self.calibrate:
                self.calibrator_ = self._fit_calibrator(features, y, groups)
            self.method_ = "learned"
        else:
            self.model_ = None
            self.method_ = "cold_start"
        return self

    @property
    def is_learned(self) -> bool:
        check_is_fitted(self, "method_")
        return self.model_ is not None

    def mark_synthetic_share(self, share: float) -> TrainingRecommender:
        """Record which share of the learned rows was synthetic (0 = only real outcomes)."""
        check_is_fitted(self, "method_")
        if not 0.0 <= share <= 1.0:
            raise ValueError("the synthetic share is a fraction between 0 and 1")
        self.synthetic_share_ = float(share)
        return self

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
        chances[rows, cols] = self.predict_chance(features)
        return chances

    def predict_chance(self, features: np.ndarray) -> np.ndarray:
        """(P,) chance of a rise for feature rows, calibrated when a calibrator was fitted."""
        check_is_fitted(self, "method_")
        if self.model_ is None:
            raise ValueError("the cold-start recommender predicts no chances")
        raw = self.model_.predict_proba(features)[:, 1]
        calibrator = getattr(self, "calibrator_", None)
        return raw if calibrator is None else calibrator.predict(raw)

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
    "Covers" means a weight of at least ``min_weight`` and a level range that reaches one of
    the missing levels (a course aimed below the person's level covers nothing). Inside a
    band, the number of must gaps covered comes first; then ``tiebreak``: the weight on the
    gap, popularity in the history, shorter trainings first, or level fit.
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
        reach, _ = reach_and_stretch(
            person.levels, person.targets, catalogue.level_min, catalogue.level_max
        )
        # A course covers a gap only when it aims at one of the missing levels: one aimed
        # below the person's level never outranks one aimed at it.
        covers = (catalogue.weights >= self.min_weight) & (reach > 0)
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
            tie = np.where(relevant, np.minimum(reach, 2) / 2.0, 0).max(axis=1).astype(float)
        # Inside a band, more must gaps covered come first, then the tie-break.
        must_gaps = (covers & (person.is_must & (gaps > 0))[None, :]).sum(axis=1)
        return (5 - bands) * 1000.0 + np.minimum(must_gaps, 99) * 10.0 + np.clip(tie, 0.0, 1.0)


class RandomRanker(BaseEstimator):
    """Baseline: a fixed random order of the catalogue (per ``seed``), the same for everyone."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, history: OutcomeHistory | None = None, catalogue: CatalogueArrays | None = None):
        """Nothing is learned."""
        self.is_fitted_ = True
        return self

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) a pseudo-random number per training key, stable for one seed."""
        check_is_fitted(self, "is_fitted_")
        mixed = (catalogue.keys.astype(np.uint64) + np.uint64(self.seed) * np.uint64(7919)) * (
            np.uint64(2654435761)
        )
        return ((mixed >> np.uint64(7)) % np.uint64(1_000_003)).astype(float) / 1_000_003.0


def shrunk_rise_rates(
    history: OutcomeHistory, catalogue: CatalogueArrays, prior_strength: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Beta-Binomial rise rates per (training, competency), shrunk twice.

    The overall rate g of completed, observed rows is the prior of each training's rate
    p_t = (rises_t + a·g) / (n_t + a), which is the prior of each pair's rate
    p_tc = (rises_tc + a·p_t) / (n_tc + a). Returns (p_tc (N, K), n_tc (N, K), g).
    """
    keep = history.is_completed[history.row_enrollment] & (history.level_before < 5)
    rows = np.array(
        [
            catalogue.index_of_key.get(int(k), -1)
            for k in history.training_keys[history.row_enrollment[keep]]
        ],
        dtype=np.int64,
    )
    cols = history.row_competency[keep]
    rose = history.rose[keep].astype(float)
    known = rows >= 0
    rows, cols, rose = rows[known], cols[known], rose[known]
    shape = catalogue.weights.shape
    n_tc = np.zeros(shape)
    r_tc = np.zeros(shape)
    np.add.at(n_tc, (rows, cols), 1.0)
    np.add.at(r_tc, (rows, cols), rose)
    overall = float(rose.mean()) if len(rose) else 0.3
    a = float(prior_strength)
    p_t = (r_tc.sum(axis=1) + a * overall) / (n_tc.sum(axis=1) + a)
    p_tc = (r_tc + a * p_t[:, None]) / (n_tc + a)
    return p_tc, n_tc, overall


class RiseRateRanker(BaseEstimator):
    """Baseline without machine learning: how often a course raised a competency, by counting.

    contribution[t, c] = importance_c × p_tc × min(reach[t, c], level_cap) × stretch_decay **
    stretch[t, c], with p_tc the shrunk rise rate of `shrunk_rise_rates`. Trainings the
    history has not seen get the overall rate.
    """

    def __init__(
        self,
        prior_strength: float = 5.0,
        level_cap: int = 1,
        stretch_decay: float = 0.5,
        must_weight: float = 2.0,
    ) -> None:
        self.prior_strength = prior_strength
        self.level_cap = level_cap
        self.stretch_decay = stretch_decay
        self.must_weight = must_weight

    def fit(self, history: OutcomeHistory, catalogue: CatalogueArrays):
        """Count rises per training and competency."""
        rates, counts, overall = shrunk_rise_rates(history, catalogue, self.prior_strength)
        self.keys_ = catalogue.keys.copy()
        self.rates_ = rates
        self.counts_ = counts
        self.overall_ = overall
        return self

    def rates(self, catalogue: CatalogueArrays) -> np.ndarray:
        """(N, K) shrunk rise rates for ``catalogue`` (the overall rate for unseen trainings)."""
        check_is_fitted(self, "rates_")
        index = {int(k): i for i, k in enumerate(self.keys_)}
        out = np.full(catalogue.weights.shape, self.overall_)
        for row, key in enumerate(catalogue.keys):
            i = index.get(int(key))
            if i is not None:
                out[row] = self.rates_[i]
        return np.where(catalogue.covered, out, 0.0)

    def contributions(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N, K) expected must-weighted levels each training closes per competency."""
        reach, stretch = reach_and_stretch(
            person.levels, person.targets, catalogue.level_min, catalogue.level_max
        )
        importance = np.where(person.is_must, self.must_weight, 1.0)
        fit = np.minimum(reach, self.level_cap) * self.stretch_decay**stretch
        return self.rates(catalogue) * fit * importance[None, :]

    def score(self, person: PersonVector, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) score per training."""
        return self.contributions(person, catalogue).sum(axis=1)
