"""Measures the offline evaluation uses: top-k lists and their precision, recall and NDCG,
the AUC of scores against outcomes, calibration by bins, and the paired bootstrap across
seeds. Pure functions on arrays (see ``training.evaluation`` for the protocol)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

K = 5
BOOTSTRAP_DRAWS = 1000


def top_k(scores: np.ndarray, keys: np.ndarray, excluded: np.ndarray, k: int = K) -> np.ndarray:
    """Row indices of the best ``k`` scores (ties: lower key first), skipping ``excluded``."""
    scores = np.where(excluded, -np.inf, scores)
    order = np.lexsort((keys, -scores))
    order = order[~excluded[order]]
    return order[:k]


def ranking_metrics(
    chosen: np.ndarray, gains: np.ndarray, relevant: np.ndarray, k: int = K
) -> tuple[float, float, float]:
    """(precision@k, recall@k, NDCG@k) of one ranked list; gains are graded relevance."""
    hits = relevant[chosen]
    precision = float(hits.sum()) / k
    recall = float(hits.sum()) / float(relevant.sum())
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((gains[chosen] * discounts[: len(chosen)]).sum())
    ideal = np.sort(gains)[::-1][:k]
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    return precision, recall, dcg / idcg if idcg > 0 else 0.0


def auc(scores: np.ndarray, worked: np.ndarray) -> float:
    """Chance that a course which worked scores above one which did not (ties count half)."""
    worked = np.asarray(worked, dtype=bool)
    if len(worked) == 0 or worked.all() or not worked.any():
        return 0.5
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n_pos, n_neg = int(worked.sum()), int((~worked).sum())
    return float((ranks[worked].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _bins(chance: np.ndarray, outcome: np.ndarray, bins: int) -> list[tuple[float, float, int]]:
    """Per non-empty equal-width bin of the chance: (mean chance, observed rate, rows)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(chance, edges[1:-1]), 0, bins - 1)
    found = []
    for b in range(bins):
        mine = which == b
        if mine.any():
            found.append((float(chance[mine].mean()), float(outcome[mine].mean()), int(mine.sum())))
    return found


def calibration_error(chance: np.ndarray, outcome: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: Σ_bins share × |mean chance − observed rate|."""
    if len(chance) == 0:
        return float("nan")
    return float(
        sum(rows / len(chance) * abs(p - o) for p, o, rows in _bins(chance, outcome, bins))
    )


def reliability(chance: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per bin: mean predicted chance, observed rate and row count (for a calibration chart)."""
    return [
        {"predicted": round(p, 4), "observed": round(o, 4), "rows": rows}
        for p, o, rows in _bins(chance, outcome, bins)
    ]


def paired_bootstrap(
    per_seed: Sequence[dict[str, np.ndarray]], draws: int = BOOTSTRAP_DRAWS, seed: int = 0
) -> dict[str, np.ndarray]:
    """Bootstrap means of each method: people resampled within each seed, one draw shared by
    every method (paired); the statistic is the mean over seeds of the per-seed means.

    ``per_seed``: for each seed, method → (cases,) values on the same cases.
    Returns method → (draws,) resampled statistics.
    """
    rng = np.random.default_rng(seed)
    names = list(per_seed[0])
    out = {name: np.zeros(draws) for name in names}
    for values in per_seed:
        n = len(next(iter(values.values())))
        if n == 0:
            continue
        picks = rng.integers(0, n, size=(draws, n))
        for name in names:
            out[name] += values[name][picks].mean(axis=1) / len(per_seed)
    return out


def interval(samples: np.ndarray) -> list[float]:
    return [
        round(float(np.percentile(samples, 2.5)), 4),
        round(float(np.percentile(samples, 97.5)), 4),
    ]
