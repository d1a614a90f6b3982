"""The serving gate of the offline evaluation: which method to put in front of users, judged
by which taken courses worked for validation people (outcome AUC), never by guessing what
people pick. The weekly retrain sets a challenger the same bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from training.evaluation_metrics import auc, interval
from training.features import CatalogueArrays, PersonVector
from training.synthetic import SyntheticWorld


def outcome_pairs(
    world: SyntheticWorld, people: np.ndarray, start: float, end: float
) -> list[tuple[PersonVector, int, bool]]:
    """(person as known at ``start``, catalogue row, did a covered gap level rise) for every
    training ``people`` completed in [start, end) whose next assessment came before ``end``.

    What a deployment sees of its own recommendations: which courses worked for the people
    who took them. Unlike the observed NDCG it does not reward guessing what people pick.
    """
    history = world.history
    pairs = []
    for p in people:
        if world.people.joined_day[p] >= start:
            continue
        window = np.flatnonzero(
            (history.subjects == p)
            & history.is_completed
            & (history.days >= start)
            & (history.days < end)
            & (history.observed_on < end)
        )
        if not len(window):
            continue
        person = world.person_vector(p, start, history)
        for e in window:
            row = world.catalogue.index_of_key.get(int(history.training_keys[e]))
            if row is not None:
                pairs.append((person, row, bool(history.enrollment_success[e])))
    return pairs


def pair_scores(
    ranker: Any, catalogue: CatalogueArrays, pairs: list[tuple[PersonVector, int, bool]]
) -> np.ndarray:
    """The ranker's score of each (person, training) pair."""
    return np.array([ranker.score(person, catalogue)[row] for person, row, _ in pairs])


def outcome_auc(
    ranker: Any, catalogue: CatalogueArrays, pairs: list[tuple[PersonVector, int, bool]]
) -> float:
    """`auc` of the ranker's scores over ``pairs`` (0.5 when there is nothing to tell apart)."""
    if not pairs:
        return 0.5
    return auc(pair_scores(ranker, catalogue, pairs), np.array([ok for _, _, ok in pairs]))


GATE_INCUMBENT = "rise_rate"
GATE_DRAWS = 300


def gate(
    per_seed: Sequence[tuple[dict[str, np.ndarray], np.ndarray]],
    candidates: Sequence[str],
    *,
    incumbent: str = GATE_INCUMBENT,
    draws: int = GATE_DRAWS,
    seed: int = 0,
) -> dict[str, Any]:
    """Which method to serve, from validation outcomes only.

    ``per_seed``: for each seed, (method → score of each validation pair, did it work). The
    incumbent is the rise-rate count; another method replaces it only when its outcome AUC is
    higher with the lower end of a paired-bootstrap 95 % interval of the difference above 0 —
    the same bar the weekly retrain sets a challenger.
    """
    rng = np.random.default_rng(seed)
    mean = {
        m: float(np.mean([auc(scores[m], worked) for scores, worked in per_seed]))
        for m in candidates
    }
    sampled = {m: np.zeros(draws) for m in candidates}
    for scores, worked in per_seed:
        n = len(worked)
        if n == 0:
            continue
        for b in range(draws):
            pick = rng.integers(0, n, size=n)
            for m in candidates:
                sampled[m][b] += auc(scores[m][pick], worked[pick]) / len(per_seed)
    intervals = {m: interval(sampled[m] - sampled[incumbent]) for m in candidates if m != incumbent}
    winners = [m for m, (lo, _) in intervals.items() if lo > 0]
    served = max(winners, key=lambda m: mean[m]) if winners else incumbent
    reason = (
        f"{served} beats {incumbent} on validation outcome AUC "
        f"(difference {intervals[served][0]:+.3f} to {intervals[served][1]:+.3f})"
        if served != incumbent
        else f"no method beats {incumbent} on validation outcome AUC beyond noise"
    )
    return {
        "served": served,
        "incumbent": incumbent,
        "reason": reason,
        "validation_outcome_auc": {m: round(v, 4) for m, v in mean.items()},
        "auc_diff_vs_incumbent_ci95": intervals,
    }
