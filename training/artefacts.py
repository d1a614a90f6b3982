"""The trained recommender on disk: a joblib file plus JSON metadata, checked before loading.

Only our own artefact is ever unpickled: the metadata records the file's SHA-256 and an
HMAC of it keyed with the installation's secret. The model file is read once, into memory;
both are checked on those bytes, and those same bytes are what `joblib.load` unpickles, so
whoever can write the folder cannot swap the file between the check and the load.
A missing, corrupt, tampered or old-format artefact is reported with one logged warning and
the caller falls back to the cold-start score.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from training.pairs import FEATURE_NAMES

if TYPE_CHECKING:
    from training.recommender import TrainingRecommender

log = logging.getLogger(__name__)

# 2: records the synthetic share and a calibrated model; format-1 files are retrained.
ARTEFACT_FORMAT = 2
MODEL_FILE = "recommender.joblib"
METADATA_FILE = "recommender.json"


class ArtefactError(Exception):
    """The artefact cannot be used; the message says why, for the log."""


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _signature(sha256: str, key: bytes) -> str:
    return hmac.new(key, sha256.encode("ascii"), hashlib.sha256).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_artefact(
    directory: Path,
    recommender: TrainingRecommender,
    *,
    key: bytes,
    metrics: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the fitted recommender and its metadata atomically; returns the metadata."""
    # Deferred: joblib and scikit-learn cost about a second to import; saving is offline work.
    import joblib
    import sklearn

    directory = Path(directory)
    model_path = directory / MODEL_FILE
    fd, temporary = tempfile.mkstemp(dir=_ensure(directory), prefix=f".{MODEL_FILE}.")
    os.close(fd)
    try:
        joblib.dump(recommender, temporary, compress=3)
        os.replace(temporary, model_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sha256 = file_sha256(model_path)
    metadata = {
        "format": ARTEFACT_FORMAT,
        "method": recommender.method_,
        "features": list(FEATURE_NAMES),
        "competency_codes": list(recommender.codes_),
        "params": recommender.get_params(),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "training_rows": int(recommender.n_rows_),
        "training_people": int(recommender.n_people_),
        "synthetic_share": round(float(getattr(recommender, "synthetic_share_", 0.0)), 4),
        "metrics": metrics or {},
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sha256": sha256,
        "signature": _signature(sha256, key),
        **(extra or {}),
    }
    _atomic_write(directory / METADATA_FILE, json.dumps(metadata, indent=2).encode("utf-8"))
    return metadata


def _ensure(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def read_metadata(directory: Path) -> dict[str, Any]:
    """The metadata of the artefact in ``directory``; ArtefactError when absent or unreadable."""
    path = Path(directory) / METADATA_FILE
    if not path.exists():
        raise ArtefactError(f"no model metadata at {path}")
    try:
        metadata = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise ArtefactError(f"model metadata at {path} is unreadable: {error}") from error
    if not isinstance(metadata, dict):
        raise ArtefactError(f"model metadata at {path} is not an object")
    return metadata


def load_artefact(directory: Path, *, key: bytes) -> tuple[TrainingRecommender, dict[str, Any]]:
    """Check and load the artefact; raises ArtefactError with the reason when it cannot be used."""
    # Deferred: joblib and scikit-learn cost about a second to import, paid on the first load.
    import joblib
    import sklearn

    from training.recommender import TrainingRecommender

    directory = Path(directory)
    metadata = read_metadata(directory)
    if metadata.get("format") != ARTEFACT_FORMAT:
        raise ArtefactError(
            f"model artefact format {metadata.get('format')!r} is not {ARTEFACT_FORMAT}; retrain"
        )
    if metadata.get("sklearn_version") != sklearn.__version__:
        raise ArtefactError(
            f"model was trained with scikit-learn {metadata.get('sklearn_version')}, this is "
            f"{sklearn.__version__}; retrain"
        )
    if str(metadata.get("numpy_version", "")).split(".")[:1] != np.__version__.split(".")[:1]:
        raise ArtefactError(
            f"model was saved with numpy {metadata.get('numpy_version')}, this is "
            f"{np.__version__}; retrain"
        )
    if metadata.get("features") != list(FEATURE_NAMES):
        raise ArtefactError("model was trained on other features than this version builds; retrain")
    model_path = directory / MODEL_FILE
    try:
        data = model_path.read_bytes()
    except FileNotFoundError:
        raise ArtefactError(f"no model file at {model_path}") from None
    except OSError as error:
        raise ArtefactError(f"model file {model_path} is unreadable: {error}") from error
    recorded = str(metadata.get("sha256", ""))
    actual = _sha256(data)
    if not hmac.compare_digest(recorded, actual):
        raise ArtefactError(f"model file {model_path} does not match its recorded SHA-256")
    if not hmac.compare_digest(str(metadata.get("signature", "")), _signature(actual, key)):
        raise ArtefactError(f"model file {model_path} is not signed by this installation")
    try:
        # The bytes just checked, never the file again: it may have changed since.
        recommender = joblib.load(io.BytesIO(data))
    except Exception as error:  # a broken pickle can raise nearly anything
        raise ArtefactError(f"model file {model_path} cannot be loaded: {error}") from error
    if not isinstance(recommender, TrainingRecommender) or not hasattr(recommender, "method_"):
        raise ArtefactError(f"model file {model_path} does not hold a fitted recommender")
    # The signed model carries its synthetic share; the unsigned metadata must agree with it.
    share = float(getattr(recommender, "synthetic_share_", -1.0))
    if share < 0 or abs(share - float(metadata.get("synthetic_share", -2.0))) > 1e-3:
        raise ArtefactError(f"model file {model_path} does not say how much of it is synthetic")
    return recommender, metadata


@dataclass(frozen=True)
class LoadedModel:
    """A loaded recommender with its metadata."""

    recommender: TrainingRecommender
    metadata: dict[str, Any]


class ArtefactCache:
    """Loads the artefact once per process and again whenever its files change.

    ``get`` costs two ``stat`` calls when nothing changed. A problem is logged once per
    change of the files, not on every request.
    """

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = Path(directory)
        self._key = key
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._loaded: LoadedModel | None = None
        self.problem: str | None = None

    def _current_stamp(self) -> tuple[Any, ...]:
        stamp: list[Any] = []
        for name in (MODEL_FILE, METADATA_FILE):
            try:
                info = (self.directory / name).stat()
            except OSError:
                stamp.append(None)
            else:
                stamp.append((info.st_mtime_ns, info.st_size, info.st_ino))
        return tuple(stamp)

    def get(self) -> LoadedModel | None:
        """The current model, or None (cold start) when there is no usable artefact."""
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return self._loaded
        with self._lock:
            if stamp == self._stamp:
                return self._loaded
            try:
                recommender, metadata = load_artefact(self.directory, key=self._key)
            except ArtefactError as error:
                self._loaded = None
                self.problem = str(error)
                log.warning("recommender falls back to the cold-start score: %s", error)
            else:
                self._loaded = LoadedModel(recommender, metadata)
                self.problem = None
                log.info("recommender model loaded from %s", self.directory)
            self._stamp = stamp
            return self._loaded
