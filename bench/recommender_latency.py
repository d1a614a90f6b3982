"""Latency of one person's explained top 5 from the learned recommender over 500 trainings.

Prints p50/p95 in milliseconds (synthetic people and catalogue; same code path as the page's
ranking, without the database). Run on a quiet machine:
    .venv/bin/python -m bench.recommender_latency [catalogue_size] [repeat]
"""

from __future__ import annotations

import sys

import numpy as np

from competencies.services import read_default_framework_data
from training.evaluation import known_history, make_ranker, measure_latency, truth_cases
from training.synthetic import (
    codes_from_framework,
    expand_catalogue,
    generate_world,
    roles_from_framework,
    shipped_catalogue,
)


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    data = read_default_framework_data()
    codes = codes_from_framework(data)
    roles = roles_from_framework(data, codes)
    catalogue = shipped_catalogue(codes)
    world = generate_world(catalogue, roles, n_people=1000, seed=7)
    cutoff = 0.75 * world.horizon_days
    history = known_history(world.history, np.arange(700), cutoff)
    people = [case.person for case in truth_cases(world, np.arange(700, 1000), cutoff)]
    big = expand_catalogue(catalogue, size, np.random.default_rng(9))
    for name, params in (
        ("learned (blend, calibrated)", {"estimator": "blend", "C": 1.0, "calibrate": True}),
        ("trees only", {"calibrate": True}),
        ("logistic only", {"estimator": "logistic", "calibrate": True}),
    ):
        ranker = make_ranker("learned", params).fit(history, catalogue)
        latency = measure_latency(ranker, big, people, repeat=repeat)
        print(
            f"{name}: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms over {size} "
            f"trainings ({latency['samples']} runs)",
            flush=True,
        )


if __name__ == "__main__":
    main()
