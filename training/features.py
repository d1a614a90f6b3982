"""Plain arrays the recommender works on: the catalogue, a person, constraints, outcome history.

No session and no ORM: `training.history` turns rows into these, the synthetic generator makes
them directly. Competencies are columns in a fixed order (``codes``); trainings are rows.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from assessments.scoring import Standing

MAX_LEVEL = 5
MUST_IMPORTANCE = 2.0
CAN_IMPORTANCE = 1.0


class TrainingFormat(enum.StrEnum):
    """How a training is delivered."""

    CLASSROOM = "classroom"
    LIVE_ONLINE = "live_online"
    SELF_PACED = "self_paced"
    BLENDED = "blended"
    COACHING = "coaching"
    WORKSHOP = "workshop"

    @property
    def label(self) -> str:
        return {
            "classroom": "Classroom",
            "live_online": "Live online",
            "self_paced": "Self-paced online",
            "blended": "Blended",
            "coaching": "Coaching",
            "workshop": "Workshop",
        }[self.value]


FORMATS: tuple[str, ...] = tuple(f.value for f in TrainingFormat)


def level_band(levels: np.ndarray) -> np.ndarray:
    """Level band of each level: 0 for levels 0–1, 1 for 2–3, 2 for 4–5."""
    return np.minimum(np.asarray(levels, dtype=np.int64) // 2, 2)


@dataclass(frozen=True, eq=False)
class CatalogueArrays:
    """The catalogue as arrays, one row per training. Derived matrices are computed once."""

    codes: tuple[str, ...]
    keys: np.ndarray  # (N,) int64: stable training identity (database id or synthetic index)
    weights: np.ndarray  # (N, K) float in [0, 1]; 0 = competency not covered
    level_min: np.ndarray  # (N,) int: lowest level the training aims at
    level_max: np.ndarray  # (N,) int: highest level the training aims at
    hours: np.ndarray  # (N,) float
    cost: np.ndarray  # (N,) float, in ``currencies``
    currencies: np.ndarray  # (N,) str
    formats: np.ndarray  # (N,) int index into FORMATS
    languages: np.ndarray  # (N,) str

    def __post_init__(self) -> None:
        n = len(self.keys)
        k = len(self.codes)
        if self.weights.shape != (n, k):
            raise ValueError(f"weights must have shape ({n}, {k}), not {self.weights.shape}")
        for name in ("level_min", "level_max", "hours", "cost", "currencies", "formats"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have {n} entries")

    @property
    def size(self) -> int:
        return len(self.keys)

    @cached_property
    def index_of_key(self) -> dict[int, int]:
        return {int(key): i for i, key in enumerate(self.keys)}

    @cached_property
    def covered(self) -> np.ndarray:
        """(N, K) bool: the training covers the competency."""
        return self.weights > 0

    @cached_property
    def n_covered(self) -> np.ndarray:
        return self.covered.sum(axis=1)

    @cached_property
    def log_hours(self) -> np.ndarray:
        return np.log1p(self.hours)

    @cached_property
    def format_onehot(self) -> np.ndarray:
        onehot = np.zeros((self.size, len(FORMATS)))
        onehot[np.arange(self.size), self.formats] = 1.0
        return onehot

    @cached_property
    def weight_rank(self) -> np.ndarray:
        """(N, K): 1 for a training's main competency, 2 for the next, …; 0 where not covered."""
        order = np.argsort(-self.weights, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(self.size)[:, None], order] = np.arange(1, len(self.codes) + 1)
        return np.where(self.covered, rank, 0)

    def take(self, rows: np.ndarray) -> CatalogueArrays:
        """A catalogue of the given rows only (used for constraint subsets and benchmarks)."""
        return CatalogueArrays(
            codes=self.codes,
            keys=self.keys[rows],
            weights=self.weights[rows],
            level_min=self.level_min[rows],
            level_max=self.level_max[rows],
            hours=self.hours[rows],
            cost=self.cost[rows],
            currencies=self.currencies[rows],
            formats=self.formats[rows],
            languages=self.languages[rows],
        )


@dataclass(frozen=True, eq=False)
class PersonVector:
    """One person against one role: levels, targets and must flags over the catalogue's codes."""

    levels: np.ndarray  # (K,) float; no rating counts as 0 (not yet demonstrated)
    targets: np.ndarray  # (K,) float; nan = the role sets no target or does not need it
    is_must: np.ndarray  # (K,) bool
    prior_completions: int = 0
    prior_success_rate: float = math.nan  # share of earlier completions that raised a level

    @cached_property
    def gaps(self) -> np.ndarray:
        """Levels missing to each target (0 where there is no target or it is met)."""
        return np.where(np.isnan(self.targets), 0.0, np.maximum(self.targets - self.levels, 0.0))

    @cached_property
    def importance(self) -> np.ndarray:
        """How much closing one level of each competency is worth: must counts double."""
        return np.where(self.is_must, MUST_IMPORTANCE, CAN_IMPORTANCE)

    @property
    def has_gaps(self) -> bool:
        return bool((self.gaps > 0).any())

    def growth_view(self) -> PersonVector:
        """The same person aiming one level above every met target (used when nothing is missing).

        With no gap left, "close a gap" has no answer; growing each required competency by one
        level is the natural next step.
        """
        required = ~np.isnan(self.targets)
        stretched = np.where(required, np.minimum(self.levels + 1, MAX_LEVEL), np.nan)
        return PersonVector(
            levels=self.levels,
            targets=stretched,
            is_must=self.is_must,
            prior_completions=self.prior_completions,
            prior_success_rate=self.prior_success_rate,
        )


def person_from_standings(
    standings: Iterable[Standing],
    codes: Sequence[str],
    *,
    prior_completions: int = 0,
    prior_success_rate: float = math.nan,
) -> PersonVector:
    """Turn `assessments.scoring.Standing` rows into a vector over ``codes``.

    Competencies the role does not list get no target; codes the catalogue does not know are
    ignored (a competency no training covers can still be reported by the caller).
    """
    position = {code: i for i, code in enumerate(codes)}
    levels = np.zeros(len(codes))
    targets = np.full(len(codes), np.nan)
    is_must = np.zeros(len(codes), dtype=bool)
    for standing in standings:
        i = position.get(standing.code)
        if i is None:
            continue
        levels[i] = standing.level or 0
        targets[i] = np.nan if standing.target is None else standing.target
        is_must[i] = standing.is_must
    return PersonVector(
        levels=levels,
        targets=targets,
        is_must=is_must,
        prior_completions=prior_completions,
        prior_success_rate=prior_success_rate,
    )


@dataclass(frozen=True)
class Constraints:
    """Limits a person sets. They filter the catalogue before anything is ranked."""

    max_cost: float | None = None
    currency: str = "EUR"
    max_hours: float | None = None
    formats: frozenset[str] = field(default_factory=frozenset)  # empty = any
    languages: frozenset[str] = field(default_factory=frozenset)  # empty = any

    def mask(self, catalogue: CatalogueArrays) -> np.ndarray:
        """(N,) bool: trainings that respect every constraint.

        With a budget, a training priced in another currency cannot be shown to fit it, so it
        is left out rather than guessed at.
        """
        keep = np.ones(catalogue.size, dtype=bool)
        if self.max_cost is not None:
            keep &= (catalogue.currencies == self.currency) & (catalogue.cost <= self.max_cost)
        if self.max_hours is not None:
            keep &= catalogue.hours <= self.max_hours
        if self.formats:
            allowed = [FORMATS.index(f) for f in self.formats if f in FORMATS]
            keep &= np.isin(catalogue.formats, allowed)
        if self.languages:
            keep &= np.isin(catalogue.languages, sorted(self.languages))
        return keep


def reach_and_stretch(
    levels: np.ndarray, targets: np.ndarray, level_min: np.ndarray, level_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Level fit of every training for every competency, as two (N, K) integer arrays.

    ``reach``: how many of the missing levels (current+1 … target) the training aims at. A
    training aimed at levels lo–hi starts from level lo−1, so it covers the levels from
    max(current, lo−1)+1 up to min(hi, target). A training aimed below the current level
    reaches nothing.
    ``stretch``: levels of prerequisite the person still lacks (lo−1 − current, when positive).
    """
    current = levels[None, :]
    target = np.where(np.isnan(targets), -1.0, targets)[None, :]
    start = np.maximum(current, level_min[:, None] - 1)
    reach = np.clip(np.minimum(level_max[:, None], target) - start, 0, None)
    stretch = np.clip(level_min[:, None] - 1 - current, 0, None)
    return reach.astype(np.int64), stretch.astype(np.int64)


@dataclass(frozen=True, eq=False)
class OutcomeHistory:
    """Completed trainings and what happened to each covered competency afterwards.

    Enrollment-level arrays (length E) say who took which training when; row-level arrays
    (length M) give, per covered competency of an enrollment, the levels before and after.
    ``subjects`` are pseudonymous integers: the recommender never needs to know who a person is.

    A training ends on ``days`` but its outcome is only *observed* at the next assessment,
    ``observed_days`` (nan while still pending; a drop is observed when it happens). Anything
    that cuts the history at a date — a time hold-out, a track record "as known on day d" —
    must cut by the observed day, or it learns from assessments made after the cut
    (`as_of`). When ``observed_days`` is not given, outcomes count as observed when the
    training ended.
    """

    codes: tuple[str, ...]
    subjects: np.ndarray  # (E,) int
    training_keys: np.ndarray  # (E,) int
    days: np.ndarray  # (E,) float: completion (or drop) day, any fixed origin
    is_completed: np.ndarray  # (E,) bool: False = dropped
    ratings: np.ndarray  # (E,) float, nan when not rated
    row_enrollment: np.ndarray  # (M,) int index into the enrollment arrays
    row_competency: np.ndarray  # (M,) int index into codes
    level_before: np.ndarray  # (M,) float
    level_after: np.ndarray  # (M,) float
    targets: np.ndarray  # (M,) float, nan = no target
    is_must: np.ndarray  # (M,) bool
    observed_days: np.ndarray | None = None  # (E,) float: day the outcome was seen; nan = pending

    @cached_property
    def observed_on(self) -> np.ndarray:
        """(E,) day each enrollment's outcome became known (nan while pending)."""
        if self.observed_days is None:
            return np.asarray(self.days, dtype=float)
        return np.asarray(self.observed_days, dtype=float)

    @property
    def n_rows(self) -> int:
        return len(self.row_enrollment)

    @property
    def n_people(self) -> int:
        completed = self.subjects[self.is_completed]
        return len(np.unique(completed))

    @cached_property
    def rose(self) -> np.ndarray:
        """(M,) bool: the competency's level went up after the training."""
        return self.level_after > self.level_before

    @cached_property
    def enrollment_success(self) -> np.ndarray:
        """(E,) bool: a completed training after which at least one covered competency rose."""
        success = np.zeros(len(self.subjects), dtype=bool)
        np.logical_or.at(success, self.row_enrollment, self.rose)
        return success & self.is_completed

    @cached_property
    def track_record(self) -> tuple[np.ndarray, np.ndarray]:
        """(E,) completions and success rate of the person known when each enrollment ended.

        Only outcomes observed strictly before that day count, so a row's own outcome (seen
        later, at the next assessment) and later ones never feed its features.
        """
        prior = np.zeros(len(self.subjects), dtype=np.int64)
        rate = np.full(len(self.subjects), np.nan)
        observed = self.observed_on
        for subject in np.unique(self.subjects):
            mine = np.flatnonzero(self.subjects == subject)
            known = mine[self.is_completed[mine] & ~np.isnan(observed[mine])]
            for e in mine:
                seen = known[observed[known] < self.days[e]]
                prior[e] = len(seen)
                if len(seen):
                    rate[e] = float(self.enrollment_success[seen].mean())
        return prior, rate

    def as_of(self, day: float) -> OutcomeHistory:
        """The history as it was known just before ``day``.

        Enrollments that ended before ``day`` stay (that they happened was known); the outcome
        rows of those whose next assessment came on or after ``day`` are removed and the
        enrollment is marked pending — its label did not exist yet.
        """
        ended = self.days < day
        cut = self.select(ended)
        observed = cut.observed_on.copy()
        pending = np.isnan(observed) | (observed >= day)
        observed[pending] = np.nan
        keep_rows = ~pending[cut.row_enrollment]
        return OutcomeHistory(
            codes=cut.codes,
            subjects=cut.subjects,
            training_keys=cut.training_keys,
            days=cut.days,
            is_completed=cut.is_completed,
            ratings=cut.ratings,
            row_enrollment=cut.row_enrollment[keep_rows],
            row_competency=cut.row_competency[keep_rows],
            level_before=cut.level_before[keep_rows],
            level_after=cut.level_after[keep_rows],
            targets=cut.targets[keep_rows],
            is_must=cut.is_must[keep_rows],
            observed_days=observed,
        )

    def select(self, enrollments: np.ndarray) -> OutcomeHistory:
        """The history restricted to a boolean mask over enrollments (rows follow)."""
        keep = np.flatnonzero(enrollments)
        new_index = np.full(len(self.subjects), -1)
        new_index[keep] = np.arange(len(keep))
        rows = enrollments[self.row_enrollment]
        return OutcomeHistory(
            codes=self.codes,
            subjects=self.subjects[keep],
            training_keys=self.training_keys[keep],
            days=self.days[keep],
            is_completed=self.is_completed[keep],
            ratings=self.ratings[keep],
            row_enrollment=new_index[self.row_enrollment[rows]],
            row_competency=self.row_competency[rows],
            level_before=self.level_before[rows],
            level_after=self.level_after[rows],
            targets=self.targets[rows],
            is_must=self.is_must[rows],
            observed_days=None if self.observed_days is None else self.observed_days[keep],
        )


def empty_history(codes: Sequence[str]) -> OutcomeHistory:
    """A history with nothing in it (a fresh installation)."""
    none_i = np.zeros(0, dtype=np.int64)
    none_f = np.zeros(0)
    none_b = np.zeros(0, dtype=bool)
    return OutcomeHistory(
        codes=tuple(codes),
        subjects=none_i,
        training_keys=none_i,
        days=none_f,
        is_completed=none_b,
        ratings=none_f,
        row_enrollment=none_i,
        row_competency=none_i,
        level_before=none_f,
        level_after=none_f,
        targets=none_f,
        is_must=none_b,
    )


def track_record_of(
    history: OutcomeHistory, subject: int, before_day: float | None = None
) -> tuple[int, float]:
    """A person's completions and success rate in ``history`` (optionally as known on a day).

    Only completions whose outcome was observed count (before ``before_day`` when given).
    """
    observed = history.observed_on
    mine = (history.subjects == subject) & history.is_completed & ~np.isnan(observed)
    if before_day is not None:
        mine &= observed < before_day
    done = int(mine.sum())
    if not done:
        return 0, math.nan
    return done, float(history.enrollment_success[mine].mean())


def catalogue_from_records(
    records: Sequence[Mapping[str, object]], codes: Sequence[str]
) -> CatalogueArrays:
    """Build catalogue arrays from plain dicts (keys: key, weights{code: w}, level_min, …)."""
    position = {code: i for i, code in enumerate(codes)}
    weights = np.zeros((len(records), len(codes)))
    for row, record in enumerate(records):
        for code, weight in dict(record["weights"]).items():
            if code in position:
                weights[row, position[code]] = float(weight)
    return CatalogueArrays(
        codes=tuple(codes),
        keys=np.array([int(r["key"]) for r in records], dtype=np.int64),
        weights=weights,
        level_min=np.array([int(r["level_min"]) for r in records], dtype=np.int64),
        level_max=np.array([int(r["level_max"]) for r in records], dtype=np.int64),
        hours=np.array([float(r["hours"]) for r in records]),
        cost=np.array([float(r["cost"]) for r in records]),
        currencies=np.array([str(r["currency"]) for r in records], dtype=object),
        formats=np.array([FORMATS.index(str(r["format"])) for r in records], dtype=np.int64),
        languages=np.array([str(r["language"]) for r in records], dtype=object),
    )


def empty_catalogue(codes: Sequence[str]) -> CatalogueArrays:
    """A catalogue with no trainings (fitting a cold-start recommender needs none)."""
    none_i = np.zeros(0, dtype=np.int64)
    none_f = np.zeros(0)
    none_s = np.zeros(0, dtype=object)
    return CatalogueArrays(
        codes=tuple(codes),
        keys=none_i,
        weights=np.zeros((0, len(codes))),
        level_min=none_i,
        level_max=none_i,
        hours=none_f,
        cost=none_f,
        currencies=none_s,
        formats=none_i,
        languages=none_s,
    )
