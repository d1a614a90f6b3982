"""Offline evaluation of the recommender against its baselines on synthetic people.

Protocol (``recommender evaluate``):

1. Generate a synthetic world (training/synthetic.py) on the shipped catalogue.
2. Split by person: 30 % of the people are held out and never seen in training. Split by
   time: every method learns only from enrollments that ended before the cut-off (75 % of
   the horizon); held-out people are judged on their state at the cut-off.
3. Tune every method with the same effort: a grid of 8 settings each, fitted on the training
   people before an earlier cut-off (60 %) and scored by NDCG@5 on separate validation people
   against what they actually completed, and saw rise, between the two cut-offs — observed
   data only, no ground truth. The best setting is refitted on all training people.
4. Rank the whole catalogue for every held-out person (trainings they already completed are
   left out for every method) and compare the top 5 with the truth: the graded gain of a
   training is its true expected must-weighted gap levels closed (GroundTruth); it is
   relevant when that gain is at least ``RELEVANT_GAIN``. Also reported: the same metrics
   against what held-out people went on to complete and see rise after the cut-off.
5. Latency: one person's recommendations (score, filter, rank, explain) from the learned
   model over a 500-training catalogue, p50 and p95.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn

from competencies.services import read_default_framework_data
from training.features import CatalogueArrays, OutcomeHistory, PersonVector
from training.ranking import recommend
from training.recommender import (
    ColdStartScorer,
    PopularityRanker,
    PriorityBandRanker,
    TrainingRecommender,
)
from training.synthetic import (
    SyntheticWorld,
    codes_from_framework,
    expand_catalogue,
    generate_world,
    roles_from_framework,
    shipped_catalogue,
)

K = 5
RELEVANT_GAIN = 1.0  # ≈ one must level with a 50 % chance, or one can level for sure
METHODS = ("learned", "popularity", "priority_bands", "cold_start")

GRIDS: dict[str, list[dict[str, Any]]] = {
    "learned": [
        {"learning_rate": lr, "max_leaf_nodes": leaves, "l2_regularization": l2}
        for lr, leaves, l2 in itertools.product((0.05, 0.1), (15, 31), (0.0, 1.0))
    ],
    "popularity": [
        {"signal": signal, "window_days": window}
        for signal, window in itertools.product(
            ("enrollments", "completions", "successes", "rating"), (None, 365.0)
        )
    ],
    "priority_bands": [
        {"min_weight": weight, "tiebreak": tiebreak}
        for weight, tiebreak in itertools.product(
            (0.25, 0.5), ("weight", "popularity", "short", "level_fit")
        )
    ],
    "cold_start": [
        {"must_weight": must, "stretch_decay": decay, "level_cap": cap}
        for must, decay, cap in itertools.product((1.5, 3.0), (0.3, 0.7), (1, 2))
    ],
}


def make_ranker(method: str, params: dict[str, Any]):
    """An unfitted ranker of ``method`` with ``params``."""
    if method == "learned":
        return TrainingRecommender(min_rows=1, min_people=1, **params)
    if method == "popularity":
        return PopularityRanker(**params)
    if method == "priority_bands":
        return PriorityBandRanker(**params)
    if method == "cold_start":
        return ColdStartScorer(**params)
    raise ValueError(f"unknown method {method!r}")


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


@dataclass
class Case:
    """One person to rank for: what the app knows, what counts as relevant, what to skip."""

    person: PersonVector
    gains: np.ndarray
    relevant: np.ndarray
    excluded: np.ndarray


def known_history(history: OutcomeHistory, people: np.ndarray, day: float) -> OutcomeHistory:
    """What a deployment would have known about ``people`` just before ``day``.

    Cut by the day each outcome was *observed* (the next assessment), not the day the
    training ended: a training finished before the cut-off but assessed after it has no
    label yet, and does not count in anyone's track record.
    """
    return history.select(np.isin(history.subjects, people)).as_of(day)


def _completed_before(world: SyntheticWorld, person: int, day: float) -> np.ndarray:
    history = world.history
    mine = (history.subjects == person) & history.is_completed & (history.days < day)
    return np.isin(world.catalogue.keys, history.training_keys[mine])


def truth_cases(world: SyntheticWorld, people: np.ndarray, day: float) -> list[Case]:
    """Cases judged by the ground truth: every training's true gain for the person."""
    cases = []
    for p in people:
        if world.people.joined_day[p] >= day:
            continue
        excluded = _completed_before(world, p, day)
        gains = np.where(excluded, 0.0, world.true_gain(p, day))
        relevant = gains >= RELEVANT_GAIN
        if not relevant.any():
            continue
        person = world.person_vector(p, day, world.history)
        cases.append(Case(person, gains, relevant, excluded))
    return cases


def observed_cases(
    world: SyntheticWorld, people: np.ndarray, start: float, end: float
) -> list[Case]:
    """Cases judged by what people completed in [start, end) and saw a level rise after."""
    history = world.history
    cases = []
    for p in people:
        if world.people.joined_day[p] >= start:
            continue
        window = (
            (history.subjects == p)
            & (history.days >= start)
            & (history.days < end)
            & (history.observed_on < end)
            & history.enrollment_success
        )
        if not window.any():
            continue
        excluded = _completed_before(world, p, start)
        relevant = np.isin(world.catalogue.keys, history.training_keys[window]) & ~excluded
        if not relevant.any():
            continue
        person = world.person_vector(p, start, history)
        cases.append(Case(person, relevant.astype(float), relevant, excluded))
    return cases


def score_cases(ranker: Any, catalogue: CatalogueArrays, cases: list[Case]) -> dict[str, float]:
    """Mean precision@5, recall@5, NDCG@5 over ``cases`` and the catalogue coverage."""
    totals = np.zeros(3)
    shown: set[int] = set()
    for case in cases:
        scores = ranker.score(case.person, catalogue)
        chosen = top_k(scores, catalogue.keys, case.excluded)
        shown.update(chosen.tolist())
        totals += ranking_metrics(chosen, case.gains, case.relevant)
    n = max(len(cases), 1)
    return {
        "precision@5": round(totals[0] / n, 4),
        "recall@5": round(totals[1] / n, 4),
        "ndcg@5": round(totals[2] / n, 4),
        "coverage": round(len(shown) / catalogue.size, 4),
    }


def _fit(method: str, params: dict[str, Any], history: OutcomeHistory, catalogue: CatalogueArrays):
    return make_ranker(method, params).fit(history, catalogue)


def tune(
    method: str,
    history: OutcomeHistory,
    catalogue: CatalogueArrays,
    cases: list[Case],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The grid setting with the best validation NDCG@5, and every setting's result."""
    results = []
    for params in GRIDS[method]:
        ranker = _fit(method, params, history, catalogue)
        results.append({"params": params, **score_cases(ranker, catalogue, cases)})
    best = max(results, key=lambda r: r["ndcg@5"])
    return best["params"], results


def measure_latency(
    ranker: TrainingRecommender,
    catalogue: CatalogueArrays,
    people: list[PersonVector],
    repeat: int = 1,
) -> dict[str, float]:
    """p50/p95 milliseconds of one person's explained top-5 over ``catalogue``."""
    for person in people[:5]:
        recommend(ranker, person, catalogue, k=K)
    timings = []
    for _ in range(repeat):
        for person in people:
            started = time.perf_counter()
            recommend(ranker, person, catalogue, k=K)
            timings.append((time.perf_counter() - started) * 1000.0)
    return {
        "p50": round(float(np.percentile(timings, 50)), 3),
        "p95": round(float(np.percentile(timings, 95)), 3),
        "samples": len(timings),
    }


def evaluate(
    *,
    n_people: int = 800,
    seed: int = 7,
    latency_catalogue_size: int = 500,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the whole protocol and return the report (the JSON that ``--json`` prints)."""
    say = progress or (lambda message: None)
    data = read_default_framework_data()
    codes = codes_from_framework(data)
    roles = roles_from_framework(data, codes)
    catalogue = shipped_catalogue(codes)
    say(f"generating a synthetic world of {n_people} people on {catalogue.size} trainings")
    world = generate_world(catalogue, roles, n_people=n_people, seed=seed)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(n_people)
    n_test = int(round(0.3 * n_people))
    test_people, train_people = order[:n_test], order[n_test:]
    n_val = int(round(0.25 * len(train_people)))
    val_people, fit_people = train_people[:n_val], train_people[n_val:]
    cutoff = 0.75 * world.horizon_days
    val_cutoff = 0.6 * world.horizon_days
    history = world.history

    def history_of(people: np.ndarray, before: float) -> OutcomeHistory:
        return known_history(history, people, before)

    tuning_history = history_of(fit_people, val_cutoff)
    val_cases = observed_cases(world, val_people, val_cutoff, cutoff)
    chosen_params: dict[str, dict[str, Any]] = {}
    grids: dict[str, list[dict[str, Any]]] = {}
    for method in METHODS:
        say(f"tuning {method} on {len(GRIDS[method])} settings")
        chosen_params[method], grids[method] = tune(method, tuning_history, catalogue, val_cases)

    train_history = history_of(train_people, cutoff)
    test_truth = truth_cases(world, test_people, cutoff)
    test_observed = observed_cases(world, test_people, cutoff, world.horizon_days)
    methods: dict[str, dict[str, float]] = {}
    observed: dict[str, dict[str, float]] = {}
    train_seconds = math.nan
    fitted: dict[str, Any] = {}
    for method in METHODS:
        started = time.perf_counter()
        ranker = _fit(method, chosen_params[method], train_history, catalogue)
        if method == "learned":
            train_seconds = time.perf_counter() - started
        fitted[method] = ranker
        methods[method] = score_cases(ranker, catalogue, test_truth)
        observed[method] = score_cases(ranker, catalogue, test_observed)
    say("measuring latency")
    big = expand_catalogue(catalogue, latency_catalogue_size, np.random.default_rng(seed + 2))
    latency = measure_latency(fitted["learned"], big, [case.person for case in test_truth])
    baselines = [methods[m]["ndcg@5"] for m in METHODS if m != "learned"]
    best_baseline = max(baselines)
    return {
        "synthetic": True,
        "methods": methods,
        "observed_methods": observed,
        "train_seconds": round(train_seconds, 3),
        "latency_ms": latency,
        "catalogue_size": int(latency_catalogue_size),
        "evaluation_catalogue_size": int(catalogue.size),
        "held_out_people": len(test_truth),
        "held_out_people_observed": len(test_observed),
        "validation_people": len(val_cases),
        "training_rows": int(fitted["learned"].n_rows_),
        "training_people": int(fitted["learned"].n_people_),
        "ndcg_ratio_vs_best_baseline": round(methods["learned"]["ndcg@5"] / best_baseline, 3)
        if best_baseline
        else None,
        "chosen_params": chosen_params,
        "tuning": grids,
        "protocol": {
            "people": n_people,
            "seed": seed,
            "held_out_fraction": 0.3,
            "cutoff_day": cutoff,
            "validation_cutoff_day": val_cutoff,
            "horizon_days": world.horizon_days,
            "relevant_gain": RELEVANT_GAIN,
            "k": K,
            "grid_size_per_method": {m: len(GRIDS[m]) for m in METHODS},
        },
        "sklearn_version": sklearn.__version__,
    }


def format_report(report: dict[str, Any]) -> str:
    """The evaluation as a table for people."""
    protocol = report["protocol"]
    lines = [
        "Recommender evaluation on SYNTHETIC people (generated history, known ground truth)",
        f"{report['held_out_people']} held-out people never seen in training; models learn "
        f"from enrollments before day {protocol['cutoff_day']:.0f} of "
        f"{protocol['horizon_days']:.0f}; ranked over all {report['evaluation_catalogue_size']} "
        "trainings.",
        "",
        "Against the ground truth (true gain of every training):",
        f"  {'method':<16}{'precision@5':>12}{'recall@5':>10}{'NDCG@5':>9}{'coverage':>10}",
    ]
    for title, block in (("", report["methods"]), ("observed", report["observed_methods"])):
        if title:
            lines += [
                "",
                f"Against what {report['held_out_people_observed']} held-out people completed "
                "later and saw a level rise:",
                f"  {'method':<16}{'precision@5':>12}{'recall@5':>10}{'NDCG@5':>9}{'coverage':>10}",
            ]
        for method in METHODS:
            m = block[method]
            lines.append(
                f"  {method:<16}{m['precision@5']:>12.3f}{m['recall@5']:>10.3f}"
                f"{m['ndcg@5']:>9.3f}{m['coverage']:>10.3f}"
            )
    baselines = {m: report["methods"][m]["ndcg@5"] for m in METHODS if m != "learned"}
    best = max(baselines, key=baselines.get)
    latency = report["latency_ms"]
    lines += [
        "",
        f"Learned NDCG@5 = {report['ndcg_ratio_vs_best_baseline']} × best baseline ({best}).",
        f"Training time: {report['train_seconds']:.2f} s on {report['training_rows']} outcome "
        f"rows of {report['training_people']} people.",
        f"Latency of one person's explained top 5 over {report['catalogue_size']} trainings: "
        f"p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms ({latency['samples']} runs).",
        "Each method was tuned on a grid of "
        f"{protocol['grid_size_per_method']['learned']} settings against validation people.",
    ]
    return "\n".join(lines)
