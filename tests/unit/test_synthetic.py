"""The shipped catalogue and the synthetic world with its documented ground truth."""

import json
import re

import numpy as np
import pytest

from competencies.services import read_default_framework_data
from training.evaluation import RELEVANT_GAIN
from training.evaluation_metrics import ranking_metrics, top_k
from training.features import FORMATS
from training.synthetic import (
    codes_from_framework,
    expand_catalogue,
    generate_world,
    read_catalogue_data,
    roles_from_framework,
    shipped_catalogue,
)

DATA = read_default_framework_data()
CODES = codes_from_framework(DATA)
ROLES = roles_from_framework(DATA, CODES)


def test_shipped_catalogue_has_forty_realistic_entries_covering_every_competency():
    entries = read_catalogue_data()
    assert len(entries) >= 40
    covered = {code for e in entries for code in e["competencies"]}
    assert covered == set(CODES)
    titles = " ".join(e["title"] for e in entries)
    for name in (
        "PRINCE2 Foundation",
        "PRINCE2 Practitioner",
        "PMP",
        "ITIL 4 Foundation",
        "IPMA Level D",
        "PSM I",
        "AWS",
        "Azure",
        "Linux Server Administration",
        "Negotiation",
        "Conflict Management",
        "Leadership",
        "Financial Management",
    ):
        assert name in titles, name
    assert {e["language"] for e in entries} == {"en", "de"}
    for e in entries:
        assert e["format"] in FORMATS
        assert e["currency"] == "EUR" and e["cost"] >= 0 and e["hours"] > 0
        assert 0 <= e["level_min"] <= e["level_max"] <= 5
        assert all(0 < w <= 1 for w in e["competencies"].values())
        assert not e["link"] or re.match(r"^https://", e["link"])
        assert len(e["description"]) > 60
    assert len({e["code"] for e in entries}) == len(entries)


def test_the_world_is_the_same_for_the_same_seed_and_labelled_synthetic():
    catalogue = shipped_catalogue(CODES)
    first = generate_world(catalogue, ROLES, n_people=40, seed=5)
    second = generate_world(catalogue, ROLES, n_people=40, seed=5)
    assert np.array_equal(first.history.training_keys, second.history.training_keys)
    assert np.array_equal(first.history.level_after, second.history.level_after)
    assert first.history.n_rows > 0
    import training.synthetic as synthetic

    assert synthetic.SYNTHETIC_SOURCE == "synthetic"


def test_true_rise_probability_follows_the_documented_level_fit():
    catalogue = shipped_catalogue(CODES)
    world = generate_world(catalogue, ROLES, n_people=5, seed=1)
    row = next(i for i in range(catalogue.size) if catalogue.level_max[i] == 2)
    column = int(np.argmax(catalogue.weights[row]))
    levels = np.zeros(len(CODES))

    def chance(level):
        levels[column] = level
        return world.truth.rise_probability(catalogue, levels.copy(), 0.0, 0.0)[row, column]

    in_range = chance(catalogue.level_min[row] - 1 if catalogue.level_min[row] else 0)
    below_person = chance(3)  # the training aims at ≤ 2
    assert 0 < below_person < in_range < 1
    probabilities = world.truth.rise_probability(catalogue, np.full(len(CODES), 5.0), 0.0, 0.0)
    assert probabilities.max() == 0.0  # nobody rises beyond the top level
    uncovered = ~catalogue.covered
    assert (
        world.truth.rise_probability(catalogue, np.ones(len(CODES)), 0.0, 0.0)[uncovered].max() == 0
    )


def test_true_gain_is_zero_without_gaps_and_counts_must_double():
    catalogue = shipped_catalogue(CODES)
    world = generate_world(catalogue, ROLES, n_people=30, seed=2)
    gains = world.true_gain(0, world.horizon_days)
    assert gains.shape == (catalogue.size,) and (gains >= 0).all()
    assert RELEVANT_GAIN > 0


def test_expanded_catalogue_keeps_the_originals_and_reaches_the_size():
    catalogue = shipped_catalogue(CODES)
    big = expand_catalogue(catalogue, 500, np.random.default_rng(0))
    assert big.size == 500 and len(set(big.keys.tolist())) == 500
    assert np.array_equal(big.weights[: catalogue.size], catalogue.weights)
    assert (big.level_min <= big.level_max).all() and (big.hours > 0).all()


def test_ranking_metrics_on_a_known_list():
    gains = np.array([3.0, 0.0, 2.0, 1.0, 0.0, 0.0])
    relevant = gains >= 1.0
    chosen = np.array([1, 0, 2, 4, 5])  # one miss first, then the best two
    precision, recall, ndcg = ranking_metrics(chosen, gains, relevant, k=5)
    assert precision == pytest.approx(2 / 5)
    assert recall == pytest.approx(2 / 3)
    dcg = 3 / np.log2(3) + 2 / np.log2(4)
    ideal = 3 / np.log2(2) + 2 / np.log2(3) + 1 / np.log2(4)
    assert ndcg == pytest.approx(dcg / ideal)


def test_top_k_skips_excluded_rows_and_breaks_ties_by_key():
    scores = np.array([1.0, 5.0, 5.0, 3.0])
    keys = np.array([10, 30, 20, 40])
    excluded = np.array([False, False, False, True])
    assert top_k(scores, keys, excluded, k=3).tolist() == [2, 1, 0]


def test_catalogue_file_is_valid_json_with_an_about_note():
    from importlib import resources

    text = resources.files("training.data").joinpath("catalogue.json").read_text("utf-8")
    assert "fictional" in json.loads(text)["about"]
