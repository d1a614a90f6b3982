"""Labels and track records are cut by the day the outcome was observed, not the day a
training ended (issue 17: about 12 % of labels used to come from after the cut-off)."""

import math

import numpy as np

from competencies.services import read_default_framework_data
from training.evaluation import known_history
from training.features import OutcomeHistory, track_record_of
from training.pairs import history_features
from training.synthetic import (
    codes_from_framework,
    generate_world,
    roles_from_framework,
    shipped_catalogue,
)

DATA = read_default_framework_data()
CODES = codes_from_framework(DATA)
ROLES = roles_from_framework(DATA, CODES)


def _history(observed: list[float]) -> OutcomeHistory:
    """Person 0 finishes three trainings on days 10, 20, 30; each raised its competency."""
    n = len(observed)
    return OutcomeHistory(
        codes=CODES,
        subjects=np.zeros(n, dtype=np.int64),
        training_keys=np.arange(n, dtype=np.int64),
        days=np.array([10.0, 20.0, 30.0][:n]),
        is_completed=np.ones(n, dtype=bool),
        ratings=np.full(n, math.nan),
        row_enrollment=np.arange(n, dtype=np.int64),
        row_competency=np.zeros(n, dtype=np.int64),
        level_before=np.ones(n),
        level_after=np.full(n, 2.0),
        targets=np.full(n, 3.0),
        is_must=np.ones(n, dtype=bool),
        observed_days=np.array(observed),
    )


def test_a_label_observed_after_the_cutoff_is_excluded():
    catalogue = shipped_catalogue(CODES)
    history = _history([15.0, 60.0, 40.0])  # the second training is assessed after day 50
    cut = history.as_of(50.0)
    assert len(cut.subjects) == 3  # all three ended before the cut-off…
    assert cut.n_rows == 2  # …but only two outcomes were known by then
    assert np.isnan(cut.observed_on[1])
    _, labels, _ = history_features(cut, catalogue)
    assert len(labels) == 2


def test_a_track_record_counts_only_outcomes_seen_before_the_day():
    history = _history([15.0, 60.0, 40.0])
    assert track_record_of(history, 0, before_day=50.0) == (2, 1.0)
    assert track_record_of(history, 0, before_day=35.0) == (1, 1.0)
    # The features of a row never see its own outcome nor one observed after it ended.
    prior, _ = history.track_record
    assert prior.tolist() == [0, 1, 1]


def test_the_evaluation_split_holds_no_label_observed_after_its_cutoff():
    catalogue = shipped_catalogue(CODES)
    world = generate_world(catalogue, ROLES, n_people=120, seed=3)
    history = world.history
    cutoff = 0.75 * world.horizon_days
    people = np.arange(120)
    assert ((history.days < cutoff) & (history.observed_on >= cutoff)).any(), "nothing to leak"
    known = known_history(history, people, cutoff)
    with_label = np.unique(known.row_enrollment)
    assert (known.observed_on[with_label] < cutoff).all()
    assert (known.days < cutoff).all()
    naive = history.select(history.days < cutoff)
    assert known.n_rows < naive.n_rows
