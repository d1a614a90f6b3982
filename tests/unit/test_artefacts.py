"""The model artefact: round trip, and every way it can be unusable falls back with a warning."""

import json
import logging
import os

import numpy as np
import pytest

from tests.unit.toy import catalogue, history_where, person
from training.artefacts import (
    METADATA_FILE,
    MODEL_FILE,
    ArtefactCache,
    ArtefactError,
    load_artefact,
    save_artefact,
)
from training.recommender import TrainingRecommender

KEY = b"test-key"


@pytest.fixture()
def fitted():
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}}, {"key": 2, "weights": {"PLAN": 0.6}}])
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(
        history_where(items, {1: 0.3, 2: 0.7}), items
    )
    return recommender, items


def test_save_and_load_round_trip_gives_the_same_scores(tmp_path, fitted):
    recommender, items = fitted
    metadata = save_artefact(tmp_path, recommender, key=KEY, metrics={"roc_auc": 0.7})
    loaded, read_back = load_artefact(tmp_path, key=KEY)
    who = person([1, 0, 0], [4, None, None], [True, False, False])
    assert np.allclose(loaded.score(who, items), recommender.score(who, items))
    assert read_back == metadata
    for field in (
        "features",
        "sklearn_version",
        "training_rows",
        "metrics",
        "trained_at",
        "sha256",
        "competency_codes",
    ):
        assert field in metadata
    assert metadata["training_rows"] == recommender.n_rows_
    assert metadata["method"] == "learned"


def test_missing_artefact_is_reported(tmp_path):
    with pytest.raises(ArtefactError, match="no model metadata"):
        load_artefact(tmp_path, key=KEY)


def test_a_tampered_file_is_never_unpickled(tmp_path, fitted, monkeypatch):
    save_artefact(tmp_path, fitted[0], key=KEY)
    with (tmp_path / MODEL_FILE).open("ab") as handle:
        handle.write(b"extra")
    import joblib

    def must_not_load(*args, **kwargs):
        raise AssertionError("joblib.load was called on an unchecked file")

    monkeypatch.setattr(joblib, "load", must_not_load)
    with pytest.raises(ArtefactError, match="SHA-256"):
        load_artefact(tmp_path, key=KEY)


def test_an_artefact_signed_with_another_key_is_refused(tmp_path, fitted):
    save_artefact(tmp_path, fitted[0], key=b"someone-else")
    with pytest.raises(ArtefactError, match="not signed"):
        load_artefact(tmp_path, key=KEY)


def test_a_forged_hash_without_the_key_is_refused(tmp_path, fitted):
    save_artefact(tmp_path, fitted[0], key=KEY)
    (tmp_path / MODEL_FILE).write_bytes(b"not a pickle at all")
    metadata = json.loads((tmp_path / METADATA_FILE).read_text())
    import hashlib

    metadata["sha256"] = hashlib.sha256(b"not a pickle at all").hexdigest()
    (tmp_path / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ArtefactError, match="not signed"):
        load_artefact(tmp_path, key=KEY)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("format", 0, "format"), ("sklearn_version", "0.24.2", "scikit-learn 0.24.2")],
)
def test_an_old_artefact_is_refused(tmp_path, fitted, field, value, message):
    save_artefact(tmp_path, fitted[0], key=KEY)
    metadata = json.loads((tmp_path / METADATA_FILE).read_text())
    metadata[field] = value
    (tmp_path / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ArtefactError, match=message):
        load_artefact(tmp_path, key=KEY)


def test_corrupt_metadata_is_reported(tmp_path, fitted):
    save_artefact(tmp_path, fitted[0], key=KEY)
    (tmp_path / METADATA_FILE).write_text("{not json")
    with pytest.raises(ArtefactError, match="unreadable"):
        load_artefact(tmp_path, key=KEY)


def test_cache_warns_once_and_falls_back_then_picks_up_a_new_model(tmp_path, fitted, caplog):
    cache = ArtefactCache(tmp_path, KEY)
    with caplog.at_level(logging.WARNING, logger="training.artefacts"):
        assert cache.get() is None
        assert cache.get() is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cold-start" in warnings[0].getMessage()
    save_artefact(tmp_path, fitted[0], key=KEY)
    loaded = cache.get()
    assert loaded is not None and loaded.recommender.is_learned
    assert cache.get() is loaded  # not reloaded while nothing changed


def test_cache_falls_back_when_the_file_is_corrupted_later(tmp_path, fitted, caplog):
    save_artefact(tmp_path, fitted[0], key=KEY)
    cache = ArtefactCache(tmp_path, KEY)
    assert cache.get() is not None
    (tmp_path / MODEL_FILE).write_bytes(b"garbage")
    stat = (tmp_path / MODEL_FILE).stat()
    os.utime(tmp_path / MODEL_FILE, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    with caplog.at_level(logging.WARNING, logger="training.artefacts"):
        assert cache.get() is None
    assert "SHA-256" in caplog.text and cache.problem


def test_the_bytes_checked_are_the_bytes_loaded(tmp_path, fitted, monkeypatch):
    """A file swapped on disk after its signature was checked is never unpickled."""
    import training.artefacts

    original = fitted[0]
    save_artefact(tmp_path, original, key=KEY)
    impostor = TrainingRecommender(min_rows=1, min_people=1)
    impostor.method_ = "impostor"
    other = tmp_path / "other"
    save_artefact(other, fitted[0], key=KEY)
    import joblib

    joblib.dump(impostor, other / MODEL_FILE)
    checked = training.artefacts._signature

    def check_then_swap(sha256: str, key: bytes) -> str:
        signature = checked(sha256, key)
        os.replace(other / MODEL_FILE, tmp_path / MODEL_FILE)
        return signature

    monkeypatch.setattr(training.artefacts, "_signature", check_then_swap)
    loaded, _ = load_artefact(tmp_path, key=KEY)
    assert loaded.method_ == original.method_ != "impostor"
