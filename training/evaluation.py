"""Offline evaluation of the recommender against strong baselines on synthetic people.

Protocol (``recommender evaluate``), repeated for every seed:

1. Generate a synthetic world (training/synthetic.py, ``--world``) on the shipped catalogue.
2. Split by person: 30 % of the people are held out and never seen in training; of the rest,
   a quarter are validation people. Split by time: every method learns only from what was
   *known* before the cut-off (75 % of the horizon) — trainings that ended before it, and
   only those outcomes whose next assessment also came before it (`known_history`).
3. Tune every method with the same effort — a grid of 8 settings each — fitted on the
   training people as known at an earlier cut-off (60 %) and scored by NDCG@5 on the
   validation people against what they completed and saw rise between the two cut-offs:
   observed data only, no ground truth. The best setting is refitted on all training people.
4. Rank the whole catalogue for every held-out person (trainings they already completed are
   left out for every method) and compare the top 5 with (a) the synthetic truth — the graded
   gain of a training is its true expected must-weighted gap levels closed; relevant when at
   least ``RELEVANT_GAIN`` — and (b) what a deployment could observe: what they went on to
   complete and saw rise, judged only on assessments made before the end of the horizon.
5. Across seeds: the mean of the per-seed means and a paired-bootstrap 95 % interval
   (people resampled within each seed, the same draw for every method), also for the
   difference learned − best baseline.
6. The gate (`gate`): among the trainings validation people completed between the two
   cut-offs, how well each method's scores separate those after which a level rose from
   those after which none did (outcome AUC) — validation people only, never the held-out
   ones. The rise-rate count is served unless another method beats it with the lower end of
   a paired-bootstrap 95 % interval above 0. (Observed NDCG@5 makes a poor gate: it rewards
   predicting what people choose, and they choose by the catalogue text.)
7. Calibration of the learned chances (isotonic on person-grouped folds): expected
   calibration error (10 equal-width bins) and Brier score on the held-out people's rows
   observed after the cut-off.
8. Latency: one person's recommendations (score, filter, rank, explain) from the learned
   model over a 500-training catalogue, p50 and p95.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn

from competencies.services import read_default_framework_data
from training.evaluation_gate import gate, outcome_pairs, pair_scores
from training.evaluation_metrics import (
    BOOTSTRAP_DRAWS,
    K,
    auc,
    calibration_error,
    interval,
    paired_bootstrap,
    ranking_metrics,
    reliability,
    top_k,
)
from training.features import CatalogueArrays, OutcomeHistory, PersonVector
from training.pairs import history_features
from training.ranking import recommend
from training.recommender import (
    ColdStartScorer,
    PopularityRanker,
    PriorityBandRanker,
    RandomRanker,
    RiseRateRanker,
    TrainingRecommender,
)
from training.synthetic import (
    WORLDS,
    SyntheticWorld,
    codes_from_framework,
    expand_catalogue,
    generate_world,
    roles_from_framework,
    shipped_catalogue,
)

RELEVANT_GAIN = 1.0  # ≈ one must level with a 50 % chance, or one can level for sure
DEFAULT_SEEDS: tuple[int, ...] = (7, 11, 1, 2, 3)
BASELINES = ("random", "popularity", "priority_bands", "cold_start", "rise_rate", "logistic")
METHODS = ("learned", *BASELINES)
RANKING_METRICS = ("precision@5", "recall@5", "ndcg@5")

GRIDS: dict[str, list[dict[str, Any]]] = {
    # The learned model is the blend of boosted trees and a logistic regression on the same
    # target-encoded features (bench/recommender_variants.py compares it with trees alone).
    "learned": [
        {"estimator": "blend", "learning_rate": lr, "max_leaf_nodes": leaves, "C": c}
        for lr, leaves, c in itertools.product((0.05, 0.1), (15, 31), (0.1, 1.0))
    ],
    "random": [{"seed": seed} for seed in range(8)],
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
    "rise_rate": [
        {"prior_strength": strength, "stretch_decay": decay, "level_cap": cap}
        for strength, decay, cap in itertools.product((2.0, 10.0), (0.3, 0.7), (1, 2))
    ],
    "logistic": [{"C": c} for c in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)],
}


def make_ranker(method: str, params: dict[str, Any]):
    """An unfitted ranker of ``method`` with ``params``."""
    if method == "learned":
        return TrainingRecommender(min_rows=1, min_people=1, **params)
    if method == "logistic":
        return TrainingRecommender(min_rows=1, min_people=1, estimator="logistic", **params)
    if method == "random":
        return RandomRanker(**params)
    if method == "popularity":
        return PopularityRanker(**params)
    if method == "priority_bands":
        return PriorityBandRanker(**params)
    if method == "cold_start":
        return ColdStartScorer(**params)
    if method == "rise_rate":
        return RiseRateRanker(**params)
    raise ValueError(f"unknown method {method!r}")


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
    """Cases judged by what people completed in [start, end) and saw rise before ``end``."""
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


@dataclass
class CaseScores:
    """Per-person metrics of one method: (cases, 3) precision, recall, NDCG; coverage."""

    per_case: np.ndarray
    coverage: float

    def mean(self, metric: str) -> float:
        return (
            float(self.per_case[:, RANKING_METRICS.index(metric)].mean())
            if len(self.per_case)
            else 0.0
        )


def case_scores(ranker: Any, catalogue: CatalogueArrays, cases: list[Case]) -> CaseScores:
    """Every case's precision@5, recall@5 and NDCG@5, and the share of the catalogue shown."""
    rows = np.zeros((len(cases), 3))
    shown: set[int] = set()
    for i, case in enumerate(cases):
        scores = ranker.score(case.person, catalogue)
        chosen = top_k(scores, catalogue.keys, case.excluded)
        shown.update(chosen.tolist())
        rows[i] = ranking_metrics(chosen, case.gains, case.relevant)
    return CaseScores(rows, len(shown) / catalogue.size)


def score_cases(ranker: Any, catalogue: CatalogueArrays, cases: list[Case]) -> dict[str, float]:
    """Mean precision@5, recall@5, NDCG@5 over ``cases`` and the catalogue coverage."""
    result = case_scores(ranker, catalogue, cases)
    out = {metric: round(result.mean(metric), 4) for metric in RANKING_METRICS}
    out["coverage"] = round(result.coverage, 4)
    return out


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


@dataclass
class SeedRun:
    """Everything one seed contributes to the report."""

    seed: int
    truth: dict[str, CaseScores]
    observed: dict[str, CaseScores]
    validation_ndcg: dict[str, float]
    validation_auc: dict[str, float]
    validation_scores: dict[str, np.ndarray]
    validation_worked: np.ndarray
    chosen_params: dict[str, dict[str, Any]]
    chances: np.ndarray
    outcomes: np.ndarray
    train_seconds: float
    training_rows: int
    held_out_people: int
    fitted: dict[str, Any] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)


def run_seed(
    catalogue: CatalogueArrays,
    roles: Sequence[Any],
    *,
    seed: int,
    n_people: int,
    world_name: str,
    methods: Sequence[str] = METHODS,
    say: Callable[[str], None] = lambda message: None,
) -> SeedRun:
    """Steps 1–4 and 7 of the protocol for one seed."""
    world = generate_world(catalogue, roles, n_people=n_people, seed=seed, world=world_name)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(n_people)
    n_test = int(round(0.3 * n_people))
    test_people, train_people = order[:n_test], order[n_test:]
    n_val = int(round(0.25 * len(train_people)))
    val_people, fit_people = train_people[:n_val], train_people[n_val:]
    cutoff = 0.75 * world.horizon_days
    val_cutoff = 0.6 * world.horizon_days
    history = world.history

    tuning_history = known_history(history, fit_people, val_cutoff)
    val_cases = observed_cases(world, val_people, val_cutoff, cutoff)
    val_pairs = outcome_pairs(world, val_people, val_cutoff, cutoff)
    chosen: dict[str, dict[str, Any]] = {}
    validation: dict[str, float] = {}
    validation_auc: dict[str, float] = {}
    val_scores: dict[str, np.ndarray] = {}
    val_worked = np.array([ok for _, _, ok in val_pairs], dtype=bool)
    for method in methods:
        say(f"seed {seed}: tuning {method} on {len(GRIDS[method])} settings")
        chosen[method], results = tune(method, tuning_history, catalogue, val_cases)
        validation[method] = max(r["ndcg@5"] for r in results)
        tuned = _fit(method, chosen[method], tuning_history, catalogue)
        val_scores[method] = pair_scores(tuned, catalogue, val_pairs)
        validation_auc[method] = auc(val_scores[method], val_worked)

    train_history = known_history(history, train_people, cutoff)
    test_truth = truth_cases(world, test_people, cutoff)
    test_observed = observed_cases(world, test_people, cutoff, world.horizon_days)
    truth: dict[str, CaseScores] = {}
    observed: dict[str, CaseScores] = {}
    fitted: dict[str, Any] = {}
    train_seconds = float("nan")
    for method in methods:
        params = dict(chosen[method])
        if method == "learned":
            params["calibrate"] = True
        started = time.perf_counter()
        ranker = _fit(method, params, train_history, catalogue)
        if method == "learned":
            train_seconds = time.perf_counter() - started
        fitted[method] = ranker
        truth[method] = case_scores(ranker, catalogue, test_truth)
        observed[method] = case_scores(ranker, catalogue, test_observed)

    # Calibration: the held-out people's outcomes observed after the cut-off, with the
    # track record as known when each training ended.
    chances = outcomes = np.zeros(0)
    learned = fitted.get("learned")
    if learned is not None and learned.is_learned:
        seen = known_history(history, test_people, world.horizon_days)
        later = seen.select(seen.days >= cutoff)
        # Track records need the earlier enrollments too: build features on the full view,
        # then keep the rows of trainings that ended after the cut-off.
        features, labels, _ = history_features(seen, catalogue)
        after = _rows_after(seen, catalogue, cutoff)
        if later.n_rows and after.any():
            chances = learned.predict_chance(features[after])
            outcomes = labels[after].astype(float)
    return SeedRun(
        seed=seed,
        truth=truth,
        observed=observed,
        validation_ndcg=validation,
        validation_auc=validation_auc,
        validation_scores=val_scores,
        validation_worked=val_worked,
        chosen_params=chosen,
        chances=chances,
        outcomes=outcomes,
        train_seconds=train_seconds,
        training_rows=int(getattr(learned, "n_rows_", 0)),
        held_out_people=len(test_truth),
        fitted=fitted,
        cases=test_truth,
    )


def _rows_after(history: OutcomeHistory, catalogue: CatalogueArrays, day: float) -> np.ndarray:
    """Mask over `history_features` rows: those of enrollments that ended on or after ``day``."""
    completed = history.is_completed[history.row_enrollment]
    known = np.array([int(k) in catalogue.index_of_key for k in history.training_keys], dtype=bool)
    keep = completed & known[history.row_enrollment] & (history.level_before < 5)
    return history.days[history.row_enrollment[keep]] >= day


def evaluate(
    *,
    n_people: int = 1000,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    world: str = "default",
    latency_catalogue_size: int = 500,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the whole protocol over ``seeds`` and return the report (``--json`` prints it)."""
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}")
    say = progress or (lambda message: None)
    data = read_default_framework_data()
    codes = codes_from_framework(data)
    roles = roles_from_framework(data, codes)
    catalogue = shipped_catalogue(codes)
    runs = []
    for seed in seeds:
        say(
            f"seed {seed}: a synthetic {world} world of {n_people} people "
            f"on {catalogue.size} trainings"
        )
        runs.append(
            run_seed(catalogue, roles, seed=seed, n_people=n_people, world_name=world, say=say)
        )

    methods: dict[str, dict[str, Any]] = {m: {} for m in METHODS}
    boot: dict[str, dict[str, np.ndarray]] = {}
    for metric in RANKING_METRICS:
        column = RANKING_METRICS.index(metric)
        for source, key in (("truth", metric), ("observed", f"observed_{metric}")):
            if source == "observed" and metric != "ndcg@5":
                continue
            per_seed = [
                {m: getattr(run, source)[m].per_case[:, column] for m in METHODS} for run in runs
            ]
            draws = paired_bootstrap(per_seed)
            boot[key] = draws
            for m in METHODS:
                mean = float(
                    np.mean([values[m].mean() if len(values[m]) else 0.0 for values in per_seed])
                )
                methods[m][key] = {"mean": round(mean, 4), "ci95": interval(draws[m])}
    for m in METHODS:
        methods[m]["coverage"] = round(float(np.mean([run.truth[m].coverage for run in runs])), 4)

    best = max(BASELINES, key=lambda m: methods[m]["ndcg@5"]["mean"])
    learned_mean = methods["learned"]["ndcg@5"]["mean"]
    best_mean = methods[best]["ndcg@5"]["mean"]
    difference = boot["ndcg@5"]["learned"] - boot["ndcg@5"][best]
    observed_best = max(BASELINES, key=lambda m: methods[m]["observed_ndcg@5"]["mean"])
    observed_difference = (
        boot["observed_ndcg@5"]["learned"] - boot["observed_ndcg@5"][observed_best]
    )

    # The gate, on validation people only: the method that best tells the courses that worked
    # from those that did not among what they took (outcome AUC). The observed NDCG@5 is
    # reported too, but it rewards guessing what people pick, not what helps them.
    candidates = [m for m in METHODS if m != "random"]
    validation = {
        m: round(float(np.mean([run.validation_ndcg[m] for run in runs])), 4) for m in candidates
    }
    say("gating on validation outcomes")
    decision = gate(
        [(run.validation_scores, run.validation_worked) for run in runs],
        candidates,
    )
    served = decision["served"]

    chances = np.concatenate([run.chances for run in runs])
    outcomes = np.concatenate([run.outcomes for run in runs])
    brier = float(np.mean((chances - outcomes) ** 2)) if len(chances) else float("nan")

    say("measuring latency")
    first = runs[0]
    big = expand_catalogue(catalogue, latency_catalogue_size, np.random.default_rng(seeds[0] + 2))
    latency = measure_latency(first.fitted["learned"], big, [case.person for case in first.cases])
    return {
        "synthetic": True,
        "world": world,
        "seeds": [int(s) for s in seeds],
        "people": int(n_people),
        "catalogue_size": int(latency_catalogue_size),
        "evaluation_catalogue_size": int(catalogue.size),
        "methods": methods,
        "best_baseline": best,
        "learned_vs_best": {
            "ratio": round(learned_mean / best_mean, 4) if best_mean else None,
            "diff_ci95": interval(difference),
        },
        "observed_best_baseline": observed_best,
        "observed_learned_vs_best": {
            "ratio": round(
                methods["learned"]["observed_ndcg@5"]["mean"]
                / methods[observed_best]["observed_ndcg@5"]["mean"],
                4,
            )
            if methods[observed_best]["observed_ndcg@5"]["mean"]
            else None,
            "diff_ci95": interval(observed_difference),
        },
        "served": served,
        "served_ndcg@5": methods[served]["ndcg@5"]["mean"],
        "validation_ndcg@5": validation,
        "gate": decision,
        "calibration": {
            "ece": round(calibration_error(chances, outcomes), 4),
            "brier": round(brier, 4),
            "rows": int(len(chances)),
            "bins": reliability(chances, outcomes),
        },
        "train_seconds": round(float(np.mean([run.train_seconds for run in runs])), 3),
        "latency_ms": latency,
        "held_out_people": int(sum(run.held_out_people for run in runs)),
        "training_rows": int(np.mean([run.training_rows for run in runs])),
        "chosen_params": {str(run.seed): run.chosen_params for run in runs},
        "protocol": {
            "held_out_fraction": 0.3,
            "cutoff_share": 0.75,
            "validation_cutoff_share": 0.6,
            "relevant_gain": RELEVANT_GAIN,
            "k": K,
            "bootstrap_draws": BOOTSTRAP_DRAWS,
            "grid_size_per_method": {m: len(GRIDS[m]) for m in METHODS},
        },
        "sklearn_version": sklearn.__version__,
    }


def _cell(block: dict[str, Any]) -> str:
    lo, hi = block["ci95"]
    return f"{block['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def format_report(report: dict[str, Any]) -> str:
    """The evaluation as a table for people; the headline names both metrics."""
    methods = report["methods"]
    best = report["best_baseline"]
    vs = report["learned_vs_best"]
    obs = report["observed_learned_vs_best"]
    latency = report["latency_ms"]
    calibration = report["calibration"]
    lines = [
        f"Recommender evaluation on SYNTHETIC people — world {report['world']!r}, "
        f"seeds {', '.join(map(str, report['seeds']))}, {report['people']} people each",
        "",
        "Headline (mean over seeds, paired-bootstrap 95 % interval of learned − best baseline):",
        f"  truth NDCG@5:    learned {methods['learned']['ndcg@5']['mean']:.3f} vs "
        f"{best} {methods[best]['ndcg@5']['mean']:.3f} = {vs['ratio']} ×, "
        f"difference in [{vs['diff_ci95'][0]:+.3f}, {vs['diff_ci95'][1]:+.3f}]",
        f"  observed NDCG@5: learned {methods['learned']['observed_ndcg@5']['mean']:.3f} vs "
        f"{report['observed_best_baseline']} "
        f"{methods[report['observed_best_baseline']]['observed_ndcg@5']['mean']:.3f} = "
        f"{obs['ratio']} ×, difference in [{obs['diff_ci95'][0]:+.3f}, {obs['diff_ci95'][1]:+.3f}]",
        f"  served by the gate (validation people only): {report['served']} "
        f"(truth NDCG@5 {report['served_ndcg@5']:.3f}) — {report['gate']['reason']}",
        "",
        f"  {'method':<16}{'NDCG@5 (truth)':>24}{'observed NDCG@5':>24}"
        f"{'precision@5':>13}{'recall@5':>10}{'coverage':>10}",
    ]
    for m in METHODS:
        block = methods[m]
        lines.append(
            f"  {m:<16}{_cell(block['ndcg@5']):>24}{_cell(block['observed_ndcg@5']):>24}"
            f"{block['precision@5']['mean']:>13.3f}{block['recall@5']['mean']:>10.3f}"
            f"{block['coverage']:>10.3f}"
        )
    lines += [
        "",
        f"Calibration of the learned chances on {calibration['rows']} held-out rows: "
        f"ECE {calibration['ece']:.3f}, Brier {calibration['brier']:.3f}.",
        f"Training time: {report['train_seconds']:.2f} s on about {report['training_rows']} rows.",
        f"Latency of one person's explained top 5 over {report['catalogue_size']} trainings: "
        f"p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms ({latency['samples']} runs).",
        "Every method was tuned on a grid of 8 settings against validation people's observed "
        "outcomes; the truth metric exists only because the world is synthetic.",
    ]
    return "\n".join(lines)
