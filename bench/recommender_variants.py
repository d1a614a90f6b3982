"""Which learned estimator to put forward: trees, logistic or their blend, on the same seeds.

Prints the evaluation headline for each variant (synthetic worlds; see training/evaluation.py).
Run: .venv/bin/python -m bench.recommender_variants [seeds] [world]
"""

from __future__ import annotations

import sys

from training import evaluation


def main() -> None:
    seeds = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "7,11").split(",")]
    world = sys.argv[2] if len(sys.argv) > 2 else "default"
    base = list(evaluation.GRIDS["learned"])
    for estimator, extra in (
        ("blend", [{"C": 0.1}, {"C": 1.0}]),
        ("trees", [{}]),
    ):
        evaluation.GRIDS["learned"] = [
            {**params, **more, "estimator": estimator} for params in base[::2] for more in extra
        ][:8]
        report = evaluation.evaluate(seeds=seeds, world=world, n_people=1000)
        methods = report["methods"]
        print(
            f"{world} seeds {seeds} learned={estimator}: "
            + ", ".join(
                f"{m} {methods[m]['ndcg@5']['mean']:.3f}"
                f"/{methods[m]['observed_ndcg@5']['mean']:.3f}"
                for m in ("learned", "logistic", "rise_rate", "cold_start")
            )
            + f"; vs best {report['learned_vs_best']}; served {report['served']}; "
            f"ece {report['calibration']['ece']}; p95 {report['latency_ms']['p95']} ms",
            flush=True,
        )
    evaluation.GRIDS["learned"] = base


if __name__ == "__main__":
    main()
