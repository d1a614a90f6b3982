"""The learning history in the database: synthetic rows, arrays, training and the artefact."""

import numpy as np
import pytest
import sqlalchemy as sa

from competencies.services import read_default_framework_data, seed_default_framework
from tests.factories import make_user
from training.artefacts import load_artefact
from training.catalogue import seed_catalogue
from training.history import (
    TooLittleHistoryError,
    catalogue_arrays,
    framework_columns,
    history_summary,
    load_history,
    person_vector,
    store_synthetic_history,
    track_record,
    train_and_save,
)
from training.models import HistoryEnrollment, HistoryOutcome
from training.synthetic import generate_world, roles_from_framework


@pytest.fixture()
def stored(session):
    seed_default_framework(session)
    seed_catalogue(session)
    columns = framework_columns(session)
    catalogue = catalogue_arrays(session, columns)
    roles = roles_from_framework(read_default_framework_data(), columns.codes)
    world = generate_world(catalogue, roles, n_people=60, seed=4)
    store_synthetic_history(session, world, {int(k): int(k) for k in catalogue.keys})
    return columns, catalogue, world


def test_synthetic_history_is_stored_labelled_and_reads_back_the_same(session, stored):
    columns, catalogue, world = stored
    assert (
        session.scalar(sa.select(sa.func.count()).where(HistoryEnrollment.is_synthetic.is_(False)))
        == 0
    )
    keys = set(session.scalars(sa.select(HistoryEnrollment.subject_key)))
    assert all(key.startswith("synthetic:") for key in keys)
    assert session.scalar(sa.select(sa.func.count(HistoryOutcome.id))) == world.history.n_rows
    history = load_history(session, columns.codes)
    assert history.n_rows == world.history.n_rows
    assert np.array_equal(history.training_keys, world.history.training_keys)
    assert np.array_equal(history.rose, world.history.rose)
    assert np.array_equal(history.is_must, world.history.is_must)
    assert history_summary(session) == {"real": 0, "synthetic": len(world.history.subjects)}


def test_train_and_save_writes_a_loadable_artefact(session, stored, tmp_path):
    metadata = train_and_save(
        session, tmp_path, key=b"k", min_rows=100, min_people=20, include_synthetic=True
    )
    recommender, read_back = load_artefact(tmp_path, key=b"k")
    assert recommender.is_learned and read_back["sha256"] == metadata["sha256"]
    assert recommender.synthetic_share_ == 1.0 and read_back["synthetic_share"] == 1.0
    assert metadata["history"]["synthetic"] > 0 and metadata["metrics"]["roc_auc"] > 0.5


def test_too_little_history_keeps_the_cold_start(session, stored, tmp_path):
    with pytest.raises(TooLittleHistoryError, match="cold-start score stays in use"):
        train_and_save(session, tmp_path, key=b"k", min_rows=10**6)
    assert not (tmp_path / "recommender.joblib").exists()


def test_a_person_without_history_has_no_track_record(session, stored):
    columns, _, _ = stored
    person = make_user(session)
    assert track_record(session, person.id) == (0, pytest.approx(float("nan"), nan_ok=True))
    profile, standings, vector = person_vector(session, person, columns)
    assert profile.code == "ITPM" and vector.prior_completions == 0
    assert vector.has_gaps  # no assessment: every level counts as 0


def test_the_weekly_retrain_never_learns_from_synthetic_rows(session, stored, tmp_path):
    from training.history import retrain_with_gate

    result = retrain_with_gate(session, tmp_path, key=b"k", min_rows=100, min_people=20)
    assert not result["promoted"] and "recent outcomes" in result["reason"]
    assert not (tmp_path / "recommender.joblib").exists()


def test_the_weekly_retrain_promotes_only_through_the_gate(session, stored, tmp_path):
    from training.history import retrain_with_gate

    # Pretend the generated rows are real outcomes, so the gate has something to judge.
    session.execute(sa.update(HistoryEnrollment).values(is_synthetic=False, source="enrollment"))
    result = retrain_with_gate(session, tmp_path, key=b"k", min_rows=100, min_people=20)
    assert set(result["scores"]) == {"challenger", "rise_rate"}
    assert result["holdout_rows"] >= 50
    written = (tmp_path / "recommender.joblib").exists()
    assert written == result["promoted"]
    if written:
        _, metadata = load_artefact(tmp_path, key=b"k")
        assert metadata["synthetic_share"] == 0.0 and metadata["gate"]["reason"]
