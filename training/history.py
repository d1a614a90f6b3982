"""Between the database and the recommender's arrays: catalogue, history, synthetic rows."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from competencies.models import Competency, Framework
from competencies.services import current_framework, current_framework_id_query
from core.users import User
from training.features import (
    CatalogueArrays,
    OutcomeHistory,
    PersonVector,
    catalogue_from_records,
    empty_history,
    person_from_standings,
)
from training.models import HistoryEnrollment, HistoryOutcome, Training
from training.observations import subject_key_for
from training.pairs import history_features
from training.standings import person_standings
from training.synthetic import SYNTHETIC_SOURCE, SyntheticWorld

if TYPE_CHECKING:
    from training.recommender import TrainingRecommender

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _day(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds() / 86400.0


@dataclass(frozen=True)
class FrameworkColumns:
    """The competency columns of the current framework: codes in order, names, uuid → code."""

    framework_id: int
    codes: tuple[str, ...]
    names: dict[str, str]
    code_of_uuid: dict[str, str]


def framework_columns(session: Session, framework: Framework | None = None) -> FrameworkColumns:
    """Columns of the current framework (empty when none is published)."""
    framework = framework or current_framework(session)
    if framework is None:
        return FrameworkColumns(0, (), {}, {})
    rows = session.scalars(
        sa.select(Competency)
        .where(Competency.framework_id == framework.id)
        .order_by(Competency.position)
    ).all()
    return FrameworkColumns(
        framework_id=framework.id,
        codes=tuple(c.code for c in rows),
        names={c.code: c.name for c in rows},
        code_of_uuid={c.uuid: c.code for c in rows},
    )


def catalogue_arrays(session: Session, columns: FrameworkColumns) -> CatalogueArrays:
    """Every active training as arrays keyed by training id (two queries)."""
    trainings = session.scalars(
        sa.select(Training)
        .where(Training.is_active.is_(True))
        .options(selectinload(Training.competencies))
        .order_by(Training.id)
    ).all()
    records = [
        {
            "key": t.id,
            "weights": {
                columns.code_of_uuid[tc.competency_uuid]: tc.weight
                for tc in t.competencies
                if tc.competency_uuid in columns.code_of_uuid
            },
            "level_min": t.level_min,
            "level_max": t.level_max,
            "hours": float(t.hours),
            "cost": float(t.cost),
            "currency": t.currency,
            "format": t.format,
            "language": t.language,
        }
        for t in trainings
    ]
    return catalogue_from_records(records, columns.codes)


class CatalogueCache:
    """Catalogue arrays built once and rebuilt only when the catalogue or framework changes.

    The check is one aggregate query (count, latest change, sum of row versions).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._value: tuple[FrameworkColumns, CatalogueArrays] | None = None

    def get(self, session: Session) -> tuple[FrameworkColumns, CatalogueArrays]:
        """The current columns and catalogue arrays."""
        framework_id, count, changed, versions = session.execute(
            sa.select(
                current_framework_id_query(),
                sa.func.count(Training.id),
                sa.func.max(Training.updated_at),
                sa.func.coalesce(sa.func.sum(Training.version), 0),
            )
        ).one()
        stamp = (framework_id, count, changed, int(versions))
        with self._lock:
            if stamp != self._stamp or self._value is None:
                columns = framework_columns(session, current_framework(session))
                self._value = (columns, catalogue_arrays(session, columns))
                self._stamp = stamp
            return self._value


def load_history(
    session: Session, codes: tuple[str, ...], *, include_synthetic: bool = True
) -> OutcomeHistory:
    """The learning history as arrays over ``codes``: real rows, plus synthetic ones when
    ``include_synthetic``.

    Rows are copied into the history only once their outcome is known, so every label here
    is observed; the observed day is taken as the day the training ended.
    """
    query = sa.select(
        HistoryEnrollment.id,
        HistoryEnrollment.subject_key,
        HistoryEnrollment.training_id,
        HistoryEnrollment.ended_at,
        HistoryEnrollment.is_completed,
        HistoryEnrollment.rating,
    ).order_by(HistoryEnrollment.id)
    if not include_synthetic:
        query = query.where(HistoryEnrollment.is_synthetic.is_(False))
    enrollments = session.execute(query).all()
    if not enrollments:
        return empty_history(codes)
    index_of = {row.id: i for i, row in enumerate(enrollments)}
    subjects: dict[str, int] = {}
    subject_ids = [subjects.setdefault(row.subject_key, len(subjects)) for row in enrollments]
    position = {code: i for i, code in enumerate(codes)}
    outcome_query = sa.select(
        HistoryOutcome.history_enrollment_id,
        HistoryOutcome.competency_code,
        HistoryOutcome.requirement,
        HistoryOutcome.target_level,
        HistoryOutcome.level_before,
        HistoryOutcome.level_after,
    ).order_by(HistoryOutcome.id)
    if not include_synthetic:
        # A join, not a list of ids: a long history would pass SQLite's parameter limit.
        outcome_query = outcome_query.join(
            HistoryEnrollment, HistoryOutcome.history_enrollment
        ).where(HistoryEnrollment.is_synthetic.is_(False))
    outcomes = [
        row
        for row in session.execute(outcome_query).all()
        if row.competency_code in position and row.history_enrollment_id in index_of
    ]
    return OutcomeHistory(
        codes=codes,
        subjects=np.array(subject_ids, dtype=np.int64),
        training_keys=np.array([row.training_id for row in enrollments], dtype=np.int64),
        days=np.array([_day(row.ended_at) for row in enrollments]),
        is_completed=np.array([row.is_completed for row in enrollments], dtype=bool),
        ratings=np.array([math.nan if row.rating is None else row.rating for row in enrollments]),
        row_enrollment=np.array(
            [index_of[row.history_enrollment_id] for row in outcomes], dtype=np.int64
        ),
        row_competency=np.array(
            [position[row.competency_code] for row in outcomes], dtype=np.int64
        ),
        level_before=np.array([row.level_before for row in outcomes], dtype=float),
        level_after=np.array([row.level_after for row in outcomes], dtype=float),
        targets=np.array(
            [math.nan if row.target_level is None else row.target_level for row in outcomes]
        ),
        is_must=np.array([row.requirement == "must" for row in outcomes], dtype=bool),
    )


def track_record(session: Session, person_id: int) -> tuple[int, float]:
    """(completed trainings, share after which a covered level rose) of a person's history."""
    rows = session.execute(
        sa.select(
            HistoryEnrollment.id,
            sa.func.max(
                sa.case((HistoryOutcome.level_after > HistoryOutcome.level_before, 1), else_=0)
            ),
        )
        .outerjoin(HistoryOutcome)
        .where(
            HistoryEnrollment.subject_key == subject_key_for(person_id),
            HistoryEnrollment.is_completed.is_(True),
        )
        .group_by(HistoryEnrollment.id)
    ).all()
    if not rows:
        return 0, math.nan
    return len(rows), sum(int(rose or 0) for _, rose in rows) / len(rows)


def person_vector(
    session: Session, user: User, columns: FrameworkColumns, role_code: str | None = None
) -> tuple[Any, list[Any], PersonVector]:
    """(role profile, standings, PersonVector) for ``user`` against a target role."""
    profile, items = person_standings(session, user, role_code)
    done, rate = track_record(session, user.id)
    vector = person_from_standings(
        items, columns.codes, prior_completions=done, prior_success_rate=rate
    )
    return profile, items, vector


def fit_recommender(
    history: OutcomeHistory,
    catalogue: CatalogueArrays,
    *,
    params: dict[str, Any] | None = None,
    validation_share: float = 0.2,
    seed: int = 0,
) -> tuple[TrainingRecommender, dict[str, Any]]:
    """Fit on all history, after measuring the model on people held out from a first fit.

    The metrics (ROC AUC, log loss, Brier score of "the level rose") come from a fit on the
    other people, so they describe people the model has not seen.
    """
    # scikit-learn takes about a second to import: only fitting pays for it, not app start-up.
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    from training.recommender import TrainingRecommender

    params = params or {}
    metrics: dict[str, Any] = {}
    features, labels, groups = history_features(history, catalogue)
    people = np.unique(groups)
    rng = np.random.default_rng(seed)
    held_out = rng.choice(people, size=int(len(people) * validation_share), replace=False)
    test = np.isin(groups, held_out)
    trial = TrainingRecommender(**params).fit(
        history.select(~np.isin(history.subjects, held_out)), catalogue
    )
    if trial.is_learned and test.any() and len(np.unique(labels[test])) == 2:
        chance = trial.model_.predict_proba(features[test])[:, 1]
        metrics = {
            "validation_people": int(len(held_out)),
            "validation_rows": int(test.sum()),
            "roc_auc": round(float(roc_auc_score(labels[test], chance)), 4),
            "log_loss": round(float(log_loss(labels[test], chance, labels=[0, 1])), 4),
            "brier": round(float(brier_score_loss(labels[test], chance)), 4),
            "base_rate": round(float(labels[test].mean()), 4),
        }
    recommender = TrainingRecommender(**params).fit(history, catalogue)
    return recommender, metrics


def store_synthetic_history(
    session: Session,
    world: SyntheticWorld,
    training_ids: dict[int, int],
    *,
    until: datetime | None = None,
) -> int:
    """Write a synthetic world's history (keys → training ids) as synthetic rows; returns count.

    The world's last day is placed at ``until`` (default now), so the history lies in the past.
    """
    until = until or datetime.now(UTC)
    origin = until - timedelta(days=world.horizon_days)
    history = world.history
    codes = history.codes
    prior_ids = session.scalars(
        sa.insert(HistoryEnrollment).returning(HistoryEnrollment.id, sort_by_parameter_order=True),
        [
            {
                "subject_key": f"synthetic:{int(history.subjects[e]):04d}",
                "enrollment_id": None,
                "training_id": training_ids[int(history.training_keys[e])],
                "is_completed": bool(history.is_completed[e]),
                "ended_at": origin + timedelta(days=float(history.days[e])),
                "rating": None if math.isnan(history.ratings[e]) else int(history.ratings[e]),
                "source": SYNTHETIC_SOURCE,
                "is_synthetic": True,
            }
            for e in range(len(history.subjects))
        ],
    ).all()
    if history.n_rows:
        session.execute(
            sa.insert(HistoryOutcome),
            [
                {
                    "history_enrollment_id": prior_ids[int(history.row_enrollment[m])],
                    "competency_code": codes[int(history.row_competency[m])],
                    "requirement": "must" if history.is_must[m] else "can",
                    "target_level": None
                    if math.isnan(history.targets[m])
                    else int(history.targets[m]),
                    "level_before": int(history.level_before[m]),
                    "level_after": int(history.level_after[m]),
                }
                for m in range(history.n_rows)
            ],
        )
    session.flush()
    return len(prior_ids)


def history_summary(session: Session) -> dict[str, int]:
    """Counts of the learning history, split into real and synthetic."""
    rows = session.execute(
        sa.select(
            HistoryEnrollment.is_synthetic,
            sa.func.count(HistoryEnrollment.id),
        ).group_by(HistoryEnrollment.is_synthetic)
    ).all()
    counts = {bool(synthetic): int(n) for synthetic, n in rows}
    return {"real": counts.get(False, 0), "synthetic": counts.get(True, 0)}


class TooLittleHistoryError(Exception):
    """There is not enough history to learn from; the cold-start score stays in use."""


def synthetic_row_share(session: Session) -> float:
    """Share of learnable outcome rows (completed, level below 5) that are synthetic."""
    synthetic, total = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((HistoryEnrollment.is_synthetic, 1), else_=0)), 0),
            sa.func.count(HistoryOutcome.id),
        )
        .join(HistoryEnrollment, HistoryOutcome.history_enrollment)
        .where(HistoryEnrollment.is_completed.is_(True), HistoryOutcome.level_before < 5)
    ).one()
    return float(synthetic) / float(total) if total else 0.0


def train_and_save(
    session: Session,
    directory: Any,
    *,
    key: bytes,
    min_rows: int = 300,
    min_people: int = 30,
    include_synthetic: bool = False,
    note: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit the recommender on the database's history and save the artefact; returns metadata.

    Production models learn from real outcomes only; ``include_synthetic`` (the demo) lets the
    generated history in, and the artefact then records its share so that every reason the
    model gives is labelled synthetic.

    :raises TooLittleHistoryError: with fewer than ``min_rows`` outcomes or ``min_people``.
    """
    import time

    from training.artefacts import save_artefact

    columns = framework_columns(session)
    if not columns.codes:
        raise TooLittleHistoryError("No competency framework is published yet.")
    catalogue = catalogue_arrays(session, columns)
    history = load_history(session, columns.codes, include_synthetic=include_synthetic)
    features, _, groups = history_features(history, catalogue)
    people = len(np.unique(groups))
    if len(features) < min_rows or people < min_people:
        summary = history_summary(session)
        hint = (
            f" {summary['synthetic']} synthetic finished trainings were left out: a production "
            "model learns from real outcomes only (--include-synthetic is for demos)."
            if summary["synthetic"] and not include_synthetic
            else ""
        )
        raise TooLittleHistoryError(
            f"Only {len(features)} outcomes from {people} people are in the history; at least "
            f"{min_rows} from {min_people} are needed. The cold-start score stays in use.{hint}"
        )
    share = synthetic_row_share(session) if include_synthetic else 0.0
    started = time.perf_counter()
    recommender, metrics = fit_recommender(
        history,
        catalogue,
        params={
            "min_rows": min_rows,
            "min_people": min_people,
            "calibrate": True,
            "estimator": "blend",
            "C": 1.0,
        },
    )
    recommender.mark_synthetic_share(share)
    seconds = time.perf_counter() - started
    return save_artefact(
        directory,
        recommender,
        key=key,
        metrics=metrics,
        extra={
            "history": history_summary(session),
            "synthetic_share": round(share, 4),
            "include_synthetic": include_synthetic,
            "catalogue_size": catalogue.size,
            "train_seconds": round(seconds, 3),
            **({"gate": note} if note else {}),
        },
    )


def retrain_with_gate(
    session: Session,
    directory: Any,
    *,
    key: bytes,
    min_rows: int = 300,
    min_people: int = 30,
) -> dict[str, Any]:
    """The weekly retrain: promote a new model only when it wins on recent real outcomes.

    Real rows only. Returns {"promoted": bool, "reason": str, "scores": {…}, "metadata": …}.
    """
    from training.artefacts import ArtefactError, load_artefact, read_metadata
    from training.champion import challenge

    columns = framework_columns(session)
    if not columns.codes:
        return {"promoted": False, "reason": "no competency framework is published"}
    catalogue = catalogue_arrays(session, columns)
    history = load_history(session, columns.codes, include_synthetic=False)
    champion = None
    since = None
    try:
        champion, metadata = load_artefact(directory, key=key)
        since = _day(datetime.fromisoformat(metadata["trained_at"]))
        if tuple(champion.codes_) != columns.codes or metadata.get("synthetic_share", 0) > 0:
            champion = None  # another framework, or a demo model: nothing real to defend
    except (ArtefactError, KeyError, ValueError):
        champion = None
    decision = challenge(
        history,
        catalogue,
        champion,
        params={
            "min_rows": min_rows,
            "min_people": min_people,
            "calibrate": True,
            "estimator": "blend",
            "C": 1.0,
        },
        champion_since=since,
    )
    result: dict[str, Any] = {
        "promoted": decision.promote,
        "reason": decision.reason,
        "scores": {name: round(value, 4) for name, value in decision.scores.items()},
        "holdout_rows": decision.holdout_rows,
    }
    if decision.promote:
        result["metadata"] = train_and_save(
            session,
            directory,
            key=key,
            min_rows=min_rows,
            min_people=min_people,
            note={k: result[k] for k in ("reason", "scores", "holdout_rows")},
        )
    else:
        try:
            result["metadata"] = read_metadata(directory)
        except ArtefactError:
            result["metadata"] = None
    return result
