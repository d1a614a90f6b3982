"""The app's recommender: the trained artefact when usable, else the cold-start score.

One artefact cache and one catalogue cache per app; both notice changes cheaply, so a
retrained model or an edited catalogue is picked up without a restart.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from core.cache import Stamp
from person_profile.cache import person_id_parameter, person_profile_stamp_parts
from plans.services import plans_stamp_parts
from training.artefacts import ArtefactCache, LoadedModel
from training.features import CatalogueArrays, empty_catalogue, empty_history
from training.history import CatalogueCache, FrameworkColumns
from training.observations import subject_key_for
from training.standings import recommendation_stamp_parts

if TYPE_CHECKING:
    from training.recommender import TrainingRecommender

log = logging.getLogger(__name__)
EXTENSION = "proficio_recommender"


def recommender_dir(app: Flask) -> Path:
    """Directory of the model artefact: RECOMMENDER_DIR, else <instance folder>/recommender."""
    configured = app.config.get("RECOMMENDER_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "recommender"


def artefact_key(app: Flask) -> bytes:
    """The key artefacts are signed with: derived from the app's secret key."""
    return ("proficio-recommender:" + app.config["SECRET_KEY"]).encode("utf-8")


class RecommenderState:
    """Per-app caches of the model artefact and the catalogue arrays."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.catalogue = CatalogueCache()
        self._artefacts: ArtefactCache | None = None
        self._cold: dict[tuple[str, ...], TrainingRecommender] = {}
        self._mismatch_logged: set[str] = set()

    @property
    def artefacts(self) -> ArtefactCache:
        directory = recommender_dir(self.app)
        if self._artefacts is None or self._artefacts.directory != directory:
            self._artefacts = ArtefactCache(directory, artefact_key(self.app))
        return self._artefacts

    def cold_start(self, codes: tuple[str, ...]) -> TrainingRecommender:
        """A recommender with no history: it ranks by the cold-start score."""
        if codes not in self._cold:
            # Deferred: scikit-learn takes about a second to import; the first ranking pays it.
            from training.recommender import TrainingRecommender

            self._cold[codes] = TrainingRecommender().fit(
                empty_history(codes), empty_catalogue(codes)
            )
        return self._cold[codes]

    def ranker(
        self, session: Session
    ) -> tuple[FrameworkColumns, CatalogueArrays, TrainingRecommender, LoadedModel | None]:
        """(columns, catalogue, recommender to use, the loaded artefact or None)."""
        columns, catalogue = self.catalogue.get(session)
        loaded = self.artefacts.get()
        if loaded is not None and tuple(loaded.recommender.codes_) != columns.codes:
            stamp = loaded.metadata.get("sha256", "")
            if stamp not in self._mismatch_logged:
                self._mismatch_logged.add(stamp)
                log.warning(
                    "recommender falls back to the cold-start score: the model was trained on "
                    "other competencies than the current framework's; retrain it"
                )
            loaded = None
        if loaded is None:
            return columns, catalogue, self.cold_start(columns.codes), None
        return columns, catalogue, loaded.recommender, loaded


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = RecommenderState(app)


def state() -> RecommenderState:
    """The current app's recommender state."""
    return current_app.extensions[EXTENSION]


def _recommendation_stamp_parts() -> list[sa.Select]:
    person = person_id_parameter()
    subject = sa.bindparam("subject_key", type_=sa.String)
    return [
        *person_profile_stamp_parts(person),
        *recommendation_stamp_parts(person, subject),
        *plans_stamp_parts(person),
    ]


_RECOMMENDATION_STAMP = Stamp(_recommendation_stamp_parts)


def recommendation_stamp(session: Session, person_id: int) -> tuple[Any, ...]:
    """One query: a value that changes whenever anything the person's recommendations page
    shows may change (profile, catalogue, enrollments, track record, plans)."""
    return _RECOMMENDATION_STAMP.read(
        session, person_id=person_id, subject_key=subject_key_for(person_id)
    )
