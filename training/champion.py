"""Champion / challenger: a retrained model replaces the live one only when it has earned it.

The test is a time hold-out of real outcomes: the newest ``HOLDOUT_SHARE`` of the observed
outcome rows are kept back, the challenger and the ``rise_rate`` counting baseline are fitted
on the rows observed before them, and every contender — the live champion too — is scored by
how well it ranks the held-back rows that rose above those that did not (row-level ROC AUC of
its chance for "this covered level rose"). The challenger is promoted only when it beats both
the champion and ``rise_rate`` by at least ``MARGIN``; otherwise the live model stays, and the
decision says why. Pure: arrays in, a decision out; no session and no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from training.features import CatalogueArrays, OutcomeHistory, reach_and_stretch
from training.pairs import history_features

HOLDOUT_SHARE = 0.2
MARGIN = 0.005
MIN_HOLDOUT_ROWS = 50


@dataclass(frozen=True)
class Decision:
    """Whether to promote the challenger, why, and the scores behind it."""

    promote: bool
    reason: str
    scores: dict[str, float] = field(default_factory=dict)
    holdout_rows: int = 0


def decide(
    challenger: float, champion: float | None, rise_rate: float, *, margin: float = MARGIN
) -> Decision:
    """Promote only a challenger that beats the live model and ``rise_rate`` by ``margin``."""
    scores = {"challenger": challenger, "rise_rate": rise_rate}
    if champion is not None:
        scores["champion"] = champion
    if challenger < rise_rate + margin:
        return Decision(
            False,
            f"the challenger's hold-out AUC {challenger:.3f} does not beat the rise-rate "
            f"baseline's {rise_rate:.3f} by {margin}",
            scores,
        )
    if champion is not None and challenger < champion + margin:
        return Decision(
            False,
            f"the challenger's hold-out AUC {challenger:.3f} does not beat the live model's "
            f"{champion:.3f} by {margin}",
            scores,
        )
    against = "" if champion is None else f", the live model {champion:.3f}"
    return Decision(
        True,
        f"the challenger's hold-out AUC {challenger:.3f} beats rise-rate {rise_rate:.3f}{against}",
        scores,
    )


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive row scores above a negative one (ties count half)."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return 0.5
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def holdout_cut(history: OutcomeHistory, share: float = HOLDOUT_SHARE) -> float:
    """The day from which the newest ``share`` of observed completed outcomes are held back."""
    observed = history.observed_on[history.is_completed & ~np.isnan(history.observed_on)]
    if not len(observed):
        return float("inf")
    return float(np.quantile(observed, 1.0 - share))


def _rows_from(history: OutcomeHistory, catalogue: CatalogueArrays, day: float) -> np.ndarray:
    """Mask over `history_features` rows: outcomes observed on or after ``day``."""
    completed = history.is_completed[history.row_enrollment]
    known = np.array([int(k) in catalogue.index_of_key for k in history.training_keys], dtype=bool)
    keep = completed & known[history.row_enrollment] & (history.level_before < 5)
    return history.observed_on[history.row_enrollment[keep]] >= day


def rise_rate_chances(
    ranker: Any, history: OutcomeHistory, catalogue: CatalogueArrays
) -> np.ndarray:
    """The rise-rate baseline's score for each `history_features` row: shrunk rate × level fit."""
    completed = history.is_completed[history.row_enrollment]
    known = np.array([int(k) in catalogue.index_of_key for k in history.training_keys], dtype=bool)
    keep = completed & known[history.row_enrollment] & (history.level_before < 5)
    rows = np.array(
        [
            catalogue.index_of_key[int(k)]
            for k in history.training_keys[history.row_enrollment[keep]]
        ],
        dtype=np.int64,
    )
    cols = history.row_competency[keep]
    rates = ranker.rates(catalogue)[rows, cols]
    levels = history.level_before[keep]
    targets = history.targets[keep]
    fit = np.empty(len(rows))
    for i, (row, level, target) in enumerate(zip(rows, levels, targets, strict=True)):
        reach, stretch = reach_and_stretch(
            np.array([level]),
            np.array([target]),
            catalogue.level_min[row : row + 1],
            catalogue.level_max[row : row + 1],
        )
        fit[i] = min(int(reach[0, 0]), ranker.level_cap) * ranker.stretch_decay ** int(
            stretch[0, 0]
        ) + 1e-3 * (level < catalogue.level_max[row])
    return rates * fit


def challenge(
    history: OutcomeHistory,
    catalogue: CatalogueArrays,
    champion: Any | None,
    *,
    params: dict[str, Any] | None = None,
    share: float = HOLDOUT_SHARE,
    margin: float = MARGIN,
    champion_since: float | None = None,
) -> Decision:
    """Fit a challenger on all but the newest outcomes and compare it on them (see module).

    ``champion_since``: the day the live model was trained; the hold-out never starts before
    it, so the champion is never scored on outcomes it learned from.
    """
    from training.recommender import RiseRateRanker, TrainingRecommender

    cut = holdout_cut(history, share)
    if champion is not None and champion_since is not None:
        cut = max(cut, champion_since)
    features, labels, _ = history_features(history, catalogue)
    held = _rows_from(history, catalogue, cut)
    if held.sum() < MIN_HOLDOUT_ROWS or len(np.unique(labels[held])) < 2:
        return Decision(
            False,
            f"only {int(held.sum())} recent outcomes to test on (at least {MIN_HOLDOUT_ROWS} "
            "with both rises and no rises are needed); the live model stays",
            {},
            int(held.sum()),
        )
    before = history.as_of(cut)
    challenger = TrainingRecommender(**(params or {})).fit(before, catalogue)
    if not challenger.is_learned:
        return Decision(
            False, "too little history before the hold-out to learn from", {}, int(held.sum())
        )
    baseline = RiseRateRanker().fit(before, catalogue)
    y = labels[held]
    challenger_auc = roc_auc(challenger.predict_chance(features[held]), y)
    baseline_auc = roc_auc(rise_rate_chances(baseline, history, catalogue)[held], y)
    champion_auc = None
    if champion is not None and getattr(champion, "model_", None) is not None:
        champion_auc = roc_auc(champion.predict_chance(features[held]), y)
    decision = decide(challenger_auc, champion_auc, baseline_auc, margin=margin)
    return Decision(decision.promote, decision.reason, decision.scores, int(held.sum()))
