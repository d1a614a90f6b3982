"""The learned model's rows: one per (training, competency) pair, built with numpy alone.

Kept apart from `training.recommender` so that the app can turn history and catalogue into
feature arrays (and name the columns) without importing scikit-learn.
"""

from __future__ import annotations

import numpy as np

from training.features import FORMATS, CatalogueArrays, OutcomeHistory, level_band

# The first three columns are identities (training, training×competency, training×level band)
# whose success rate in the history the model learns through a cross-fitted target encoding.
CATEGORICAL_FEATURES: tuple[str, ...] = ("training", "training_competency", "training_band")
NUMERIC_FEATURES: tuple[str, ...] = (
    "level",
    "gap",
    "has_target",
    "is_must",
    "weight",
    "weight_rank",
    "n_covered",
    "reach",
    "stretch",
    "above_range",
    "level_min",
    "level_max",
    "log_hours",
    *(f"format_{name}" for name in FORMATS),
    "prior_completions",
    "prior_success_rate",
)
FEATURE_NAMES: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES
_KEY_STRIDE = 64  # room for competency indices and level bands inside one categorical code


def pair_features(
    catalogue: CatalogueArrays,
    rows: np.ndarray,
    cols: np.ndarray,
    levels: np.ndarray,
    targets: np.ndarray,
    is_must: np.ndarray,
    prior_completions: np.ndarray,
    prior_success_rate: np.ndarray,
) -> np.ndarray:
    """Feature matrix (P, len(FEATURE_NAMES)) for P (training row, competency column) pairs.

    The person-side arrays have one entry per pair, so history rows of many people and the
    pairs of one person share this code.
    """
    keys = catalogue.keys[rows].astype(np.float64)
    level_min = catalogue.level_min[rows].astype(np.float64)
    level_max = catalogue.level_max[rows].astype(np.float64)
    has_target = ~np.isnan(targets)
    gap = np.where(has_target, np.maximum(np.nan_to_num(targets) - levels, 0.0), 0.0)
    reach = np.where(
        has_target,
        np.clip(
            np.minimum(level_max, np.nan_to_num(targets)) - np.maximum(levels, level_min - 1),
            0,
            None,
        ),
        0.0,
    )
    stretch = np.clip(level_min - 1 - levels, 0, None)
    above = np.clip(levels + 1 - level_max, 0, None)
    band = level_band(levels)
    return np.column_stack(
        [
            keys,
            keys * _KEY_STRIDE + cols,
            keys * _KEY_STRIDE + band,
            levels,
            gap,
            has_target,
            is_must,
            catalogue.weights[rows, cols],
            catalogue.weight_rank[rows, cols],
            catalogue.n_covered[rows],
            reach,
            stretch,
            above,
            level_min,
            level_max,
            catalogue.log_hours[rows],
            catalogue.format_onehot[rows],
            prior_completions,
            # −1 marks "no track record yet"; an all-NaN column trips the trees' binning.
            np.where(np.isnan(prior_success_rate), -1.0, prior_success_rate),
        ]
    ).astype(np.float64)


def history_features(
    history: OutcomeHistory, catalogue: CatalogueArrays
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, groups) from completed history rows whose training is still in the catalogue.

    ``y`` is 1 when the competency's level rose after the training; ``groups`` is the person,
    so cross-fitting and validation never mix one person's rows across folds.
    """
    completed = history.is_completed[history.row_enrollment]
    known = np.array([int(k) in catalogue.index_of_key for k in history.training_keys], dtype=bool)
    keep = completed & known[history.row_enrollment] & (history.level_before < 5)
    enrollment = history.row_enrollment[keep]
    rows = np.array(
        [catalogue.index_of_key[int(k)] for k in history.training_keys[enrollment]],
        dtype=np.int64,
    )
    prior, rate = history.track_record
    features = pair_features(
        catalogue,
        rows,
        history.row_competency[keep],
        history.level_before[keep],
        history.targets[keep],
        history.is_must[keep],
        prior[enrollment],
        rate[enrollment],
    )
    return features, history.rose[keep].astype(np.int64), history.subjects[enrollment]
