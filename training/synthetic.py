"""Synthetic training history with a known ground truth (everything made here is synthetic).

Used by ``seed --demo`` (stored with ``is_synthetic`` set and shown as synthetic) and by
``recommender evaluate``. Nothing here describes real people or real course results.

Ground truth
------------
A person at true level L of competency c who completes training t raises that level by one
with probability sigmoid(z), and never when t does not really work on c or L is already 5:

    z = −0.9 + 2.0·w*[t,c] + q[t] + band[t,c,b(L)] + format_band[f(t), b(L)] + fit(L, t)
        + r[p] + affinity[f(t)]·s[p] + 0.3·(log(1+hours[t]) − log 17) − 0.2·L

* w*[t,c]   true weight: the declared catalogue weight × a log-normal factor (σ 0.35) —
              descriptions are only roughly right about what a course teaches;
* q[t]      training quality, N(0, 0.8): good and weak courses exist with identical
              descriptions; invisible in the catalogue;
* band      per training and level band (0–1, 2–3, 4–5): N(0, 0.6) shared by the training's
              competencies plus N(0, 0.2) per competency — a course pitched at "2–3" may in
              truth serve beginners better;
* format_band  coaching helps more at high levels (+0.6 at 4–5, −0.4 at 0–1), self-paced
              less (−0.4 at 4–5);
* fit       0 when the training aims at the next level (lo−1 ≤ L < hi); −2.5 when L ≥ hi
              (the course is below the person); −1.0 per missing prerequisite level otherwise;
* r[p]      the person's latent learning rate, N(0, 0.5); s[p] self-direction, correlated with
              r; affinity: self-paced 1.0, live online 0.4, blended 0.3, others 0 — self-directed
              people get more from self-study;
* hours     longer courses help a little more; higher levels are harder to raise.

Worlds (``generate_world(..., world=…)``, ``recommender evaluate --world``)
--------------------------------------------------------------------------
* ``default``            the rule above.
* ``no_hidden_quality``  q[t] = 0 and band[t,c,b] = 0: courses differ only by what the catalogue
                         says about them (weights, level range, format, hours) and by w*;
                         reputation is pure hearsay, unrelated to outcomes. History can then add
                         little beyond the catalogue text, so a content score should be hard to
                         beat and a learned model must not lose to it.
* ``misspecified``       the outcome rule has shapes no feature encodes: the declared weight acts
                         as a step (+0.8 when w* ≥ 0.5, −0.8 below, instead of 2.0·w*); hours
                         help at high levels and hurt at low ones (±0.6·(log(1+hours) − log 17)
                         by the sign of L − 2.5, instead of +0.3·…); and a person with many gaps
                         is overloaded, −0.25 per gap of their role beyond three. q and band stay.

Behaviour (what makes the history look like real data): people join over time with a target
role (one of the role profiles) and levels spread below its targets; they enrol about every
2–3 months (faster learners more often), choosing mostly what looks relevant from the
catalogue text plus the course's reputation (correlated with quality) and some chance; some
drop out (more when the course is above their level or weak). Every assessment observes the
true level with noise (±1 with 7 % each); levels also grow on the job (5 % per half year).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from training.features import (
    FORMATS,
    MAX_LEVEL,
    CatalogueArrays,
    OutcomeHistory,
    PersonVector,
    catalogue_from_records,
    level_band,
    reach_and_stretch,
    track_record_of,
)

CATALOGUE_FILE = "catalogue.json"
SYNTHETIC_SOURCE = "synthetic"
_FORMAT_AFFINITY = {"self_paced": 1.0, "live_online": 0.4, "blended": 0.3}
_FORMAT_BAND = {"coaching": (-0.4, 0.0, 0.6), "self_paced": (0.0, 0.0, -0.4)}
_NOISE = 0.07
WORLDS: tuple[str, ...] = ("default", "no_hidden_quality", "misspecified")
_JOB_GROWTH_PER_HALF_YEAR = 0.05


def read_catalogue_data() -> list[dict[str, Any]]:
    """The shipped catalogue (training/data/catalogue.json) as a list of dicts."""
    text = resources.files("training.data").joinpath(CATALOGUE_FILE).read_text("utf-8")
    return json.loads(text)["trainings"]


def shipped_catalogue(codes: Sequence[str]) -> CatalogueArrays:
    """The shipped catalogue as arrays, keyed 0…N−1 in file order."""
    records = [
        {**entry, "key": i, "weights": entry["competencies"]}
        for i, entry in enumerate(read_catalogue_data())
    ]
    return catalogue_from_records(records, codes)


@dataclass(frozen=True)
class RoleSpec:
    """What a target role asks: targets (nan = none) and must flags over the codes."""

    code: str
    targets: np.ndarray
    is_must: np.ndarray


def roles_from_framework(data: dict[str, Any], codes: Sequence[str]) -> list[RoleSpec]:
    """Role profiles of a framework data file (competencies/data layout) as RoleSpecs."""
    position = {code: i for i, code in enumerate(codes)}
    roles = []
    for profile in data["role_profiles"]:
        targets = np.full(len(codes), np.nan)
        must = np.zeros(len(codes), dtype=bool)
        for req in profile["requirements"]:
            i = position[req["code"]]
            targets[i] = np.nan if req.get("target") is None else req["target"]
            must[i] = req["requirement"] == "must"
        roles.append(RoleSpec(code=profile["code"], targets=targets, is_must=must))
    return roles


def codes_from_framework(data: dict[str, Any]) -> tuple[str, ...]:
    """Competency codes of a framework data file, in framework order."""
    return tuple(c["code"] for area in data["areas"] for c in area["competencies"])


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """The hidden rules of the synthetic world (see the module docstring)."""

    true_weights: np.ndarray  # (N, K)
    quality: np.ndarray  # (N,)
    band_shift: np.ndarray  # (N, K, 3)
    reputation: np.ndarray  # (N,) what people hear about a course; correlated with quality
    world: str = "default"  # one of WORLDS (see the module docstring)

    def rise_probability(
        self,
        catalogue: CatalogueArrays,
        levels: np.ndarray,
        learning_rate: float,
        self_direction: float,
        rows: np.ndarray | None = None,
        n_gaps: int = 0,
    ) -> np.ndarray:
        """(n, K) chance that each training (``rows``, default all) raises each level by one."""
        rows = np.arange(catalogue.size) if rows is None else np.asarray(rows)
        band = level_band(levels)
        names = [FORMATS[f] for f in catalogue.formats[rows]]
        affinity = np.array([_FORMAT_AFFINITY.get(n, 0.0) for n in names])
        format_band = np.array([_FORMAT_BAND.get(n, (0.0, 0.0, 0.0)) for n in names])[:, band]
        lo = catalogue.level_min[rows][:, None]
        hi = catalogue.level_max[rows][:, None]
        current = levels[None, :]
        fit = np.where(
            current >= hi, -2.5, np.where(current < lo - 1, -1.0 * (lo - 1 - current), 0.0)
        )
        weights = self.true_weights[rows]
        hours = np.log1p(catalogue.hours[rows])[:, None] - math.log(17)
        if self.world == "misspecified":
            weight_term = np.where(weights >= 0.5, 0.8, -0.8)
            hours_term = 0.6 * np.sign(current - 2.5) * hours
            overload = -0.25 * max(n_gaps - 3, 0)
        else:
            weight_term = 2.0 * weights
            hours_term = 0.3 * hours
            overload = 0.0
        z = (
            -0.9
            + weight_term
            + self.quality[rows][:, None]
            + self.band_shift[rows][:, np.arange(len(levels)), band]
            + format_band
            + fit
            + learning_rate
            + affinity[:, None] * self_direction
            + hours_term
            + overload
            - 0.2 * current
        )
        probability = 1.0 / (1.0 + np.exp(-z))
        return np.where((weights > 0) & (current < MAX_LEVEL), probability, 0.0)


def make_ground_truth(
    catalogue: CatalogueArrays, rng: np.random.Generator, world: str = "default"
) -> GroundTruth:
    """Draw the hidden per-training effects for ``catalogue`` in ``world`` (see WORLDS)."""
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; choose one of {', '.join(WORLDS)}")
    n, k = catalogue.weights.shape
    factor = np.exp(rng.normal(0.0, 0.35, size=(n, k)))
    true_weights = np.where(catalogue.covered, np.minimum(catalogue.weights * factor, 1.3), 0.0)
    quality = rng.normal(0.0, 0.8, size=n)
    band_shift = rng.normal(0.0, 0.6, size=(n, 1, 3)) + rng.normal(0.0, 0.2, size=(n, k, 3))
    reputation = 0.5 * quality + rng.normal(0.0, 0.7, size=n)
    if world == "no_hidden_quality":
        quality = np.zeros(n)
        band_shift = np.zeros((n, k, 3))
    return GroundTruth(true_weights, quality, band_shift, reputation, world)


@dataclass(frozen=True, eq=False)
class SyntheticPeople:
    """Latent and visible attributes of the synthetic people."""

    role: np.ndarray  # (P,) index into the roles
    learning_rate: np.ndarray  # (P,) latent
    self_direction: np.ndarray  # (P,) latent
    joined_day: np.ndarray  # (P,)


@dataclass(frozen=True, eq=False)
class SyntheticWorld:
    """A generated catalogue truth, people, their history and every assessment they had."""

    catalogue: CatalogueArrays
    roles: list[RoleSpec]
    truth: GroundTruth
    people: SyntheticPeople
    history: OutcomeHistory
    # Each person's assessments: (day, observed levels) and true level changes: (day, levels).
    observations: list[list[tuple[float, np.ndarray]]]
    true_levels: list[list[tuple[float, np.ndarray]]]
    horizon_days: float

    def state_at(self, person: int, day: float) -> tuple[np.ndarray, np.ndarray]:
        """(true levels, last observed levels) of ``person`` just before ``day``."""
        true = self.true_levels[person][0][1]
        for when, levels in self.true_levels[person]:
            if when < day:
                true = levels
        seen = self.observations[person][0][1]
        for when, levels in self.observations[person]:
            if when < day:
                seen = levels
        return true, seen

    def person_vector(self, person: int, day: float, history: OutcomeHistory) -> PersonVector:
        """What the app would know about ``person`` on ``day``: observed levels, track record."""
        _, seen = self.state_at(person, day)
        role = self.roles[self.people.role[person]]
        done, rate = track_record_of(history, person, before_day=day)
        return PersonVector(
            levels=seen.astype(float),
            targets=role.targets,
            is_must=role.is_must,
            prior_completions=done,
            prior_success_rate=rate,
        )

    def true_gain(self, person: int, day: float) -> np.ndarray:
        """(N,) the true value of each training for ``person`` on ``day``.

        Expected must-weighted gap levels closed: Σ over the person's true gaps of importance
        (must 2, can 1) × true chance that the training raises the level.
        """
        true, _ = self.state_at(person, day)
        role = self.roles[self.people.role[person]]
        gaps = np.where(np.isnan(role.targets), 0.0, np.maximum(role.targets - true, 0.0))
        probability = self.truth.rise_probability(
            self.catalogue,
            true.astype(float),
            float(self.people.learning_rate[person]),
            float(self.people.self_direction[person]),
            n_gaps=int((gaps > 0).sum()),
        )
        importance = np.where(role.is_must, 2.0, 1.0) * (gaps > 0)
        return probability @ importance


def _observe(levels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.choice([-1, 0, 1], size=levels.shape, p=[_NOISE, 1 - 2 * _NOISE, _NOISE])
    return np.clip(levels + noise, 0, MAX_LEVEL)


def _softmax_choice(utility: np.ndarray, rng: np.random.Generator) -> int:
    weights = np.exp(utility - utility.max())
    return int(rng.choice(len(utility), p=weights / weights.sum()))


def generate_world(
    catalogue: CatalogueArrays,
    roles: Sequence[RoleSpec],
    *,
    n_people: int = 600,
    horizon_days: float = 1080.0,
    seed: int = 0,
    truth: GroundTruth | None = None,
    world: str = "default",
) -> SyntheticWorld:
    """Simulate ``n_people`` over ``horizon_days`` on ``catalogue`` (deterministic per seed).

    ``world`` picks the outcome rule (WORLDS, documented above); ``truth`` overrides it.
    """
    rng = np.random.default_rng(seed)
    truth = truth or make_ground_truth(catalogue, rng, world)
    k = len(catalogue.codes)
    learning_rate = rng.normal(0.0, 0.5, size=n_people)
    self_direction = 1.2 * learning_rate + rng.normal(0.0, 0.8, size=n_people)
    people = SyntheticPeople(
        role=rng.integers(0, len(roles), size=n_people),
        learning_rate=learning_rate,
        self_direction=self_direction,
        joined_day=rng.uniform(0.0, 0.6 * horizon_days, size=n_people),
    )
    enrollments: list[tuple[int, int, float, bool, float, float]] = []
    rows: list[tuple[int, int, float, float]] = []
    observations: list[list[tuple[float, np.ndarray]]] = []
    true_levels: list[list[tuple[float, np.ndarray]]] = []
    for p in range(n_people):
        role = roles[people.role[p]]
        target = np.where(np.isnan(role.targets), 2.0, role.targets)
        levels = np.clip(np.round(target - rng.uniform(0.0, 3.0, size=k)), 0, MAX_LEVEL)
        day = float(people.joined_day[p])
        seen = _observe(levels, rng)
        observations.append([(day, seen)])
        true_levels.append([(day, levels.copy())])
        taken: set[int] = set()
        mean_gap_days = 75.0 / math.exp(0.5 * learning_rate[p])
        while True:
            day += rng.exponential(mean_gap_days) + 10.0
            if day >= horizon_days:
                break
            row = _choose_training(catalogue, truth, role, seen, taken, rng)
            if row is None:
                break
            taken.add(row)
            name = FORMATS[catalogue.formats[row]]
            duration = 7.0 + catalogue.hours[row] / (1.5 if name == "self_paced" else 3.0)
            end = day + duration
            if end >= horizon_days:
                break
            _, stretch = reach_and_stretch(
                seen,
                role.targets,
                catalogue.level_min[row : row + 1],
                catalogue.level_max[row : row + 1],
            )
            drop_z = (
                -2.2
                + 1.2 * float(stretch.max() > 0)
                - 0.6 * truth.quality[row]
                - 0.5 * float(name == "self_paced") * self_direction[p]
            )
            completed = rng.random() >= 1.0 / (1.0 + math.exp(-drop_z))
            if not completed:
                rating = float(rng.integers(1, 4)) if rng.random() < 0.3 else math.nan
                enrollments.append((p, int(catalogue.keys[row]), end, False, rating, end))
                day = end
                continue
            missing = np.where(np.isnan(role.targets), 0.0, role.targets - levels)
            gap_count = int((missing > 0).sum())
            chance = truth.rise_probability(
                catalogue,
                levels,
                learning_rate[p],
                self_direction[p],
                rows=np.array([row]),
                n_gaps=gap_count,
            )[0]
            rises = rng.random(k) < chance
            covered = np.flatnonzero(catalogue.covered[row])
            levels = np.clip(levels + rises, 0, MAX_LEVEL)
            true_levels[p].append((end, levels.copy()))
            # On-the-job growth between assessments, towards the role's targets.
            months = (end - observations[p][-1][0]) / 182.0
            grow = (rng.random(k) < _JOB_GROWTH_PER_HALF_YEAR * months) & (levels < target)
            levels = np.clip(levels + grow, 0, MAX_LEVEL)
            assessed = end + rng.uniform(20.0, 90.0)
            after = _observe(levels, rng)
            if grow.any():
                true_levels[p].append((end, levels.copy()))
            satisfaction = float(chance[covered].mean()) if len(covered) else 0.0
            rating = float(np.clip(round(2.2 + 3.0 * satisfaction + rng.normal(0, 0.7)), 1, 5))
            e = len(enrollments)
            enrollments.append((p, int(catalogue.keys[row]), end, True, rating, assessed))
            for c in covered:
                rows.append((e, int(c), float(seen[c]), float(after[c])))
            observations[p].append((assessed, after))
            seen = after
            day = assessed
    history = _history_arrays(catalogue.codes, enrollments, rows, people, roles)
    return SyntheticWorld(
        catalogue=catalogue,
        roles=list(roles),
        truth=truth,
        people=people,
        history=history,
        observations=observations,
        true_levels=true_levels,
        horizon_days=horizon_days,
    )


def _choose_training(
    catalogue: CatalogueArrays,
    truth: GroundTruth,
    role: RoleSpec,
    seen: np.ndarray,
    taken: set[int],
    rng: np.random.Generator,
) -> int | None:
    """What a person picks: apparent relevance from the catalogue text, reputation, chance."""
    reach, _ = reach_and_stretch(seen, role.targets, catalogue.level_min, catalogue.level_max)
    importance = np.where(role.is_must, 2.0, 1.0)
    apparent = (catalogue.weights * (reach > 0) * importance).sum(axis=1)
    open_rows = np.ones(catalogue.size, dtype=bool)
    open_rows[list(taken)] = False
    if not open_rows.any():
        return None
    gaps = np.where(np.isnan(role.targets), 0.0, role.targets - seen) > 0
    if rng.random() < 0.2:
        # A colleague's or manager's suggestion: any open course on one of the gaps.
        options = np.flatnonzero(open_rows & (catalogue.weights[:, gaps] > 0).any(axis=1))
        if len(options):
            return int(rng.choice(options))
    utility = 1.5 * apparent + 0.8 * truth.reputation
    utility = np.where(open_rows, utility, -np.inf)
    return _softmax_choice(utility, rng)


def _history_arrays(
    codes: tuple[str, ...],
    enrollments: list[tuple[int, int, float, bool, float, float]],
    rows: list[tuple[int, int, float, float]],
    people: SyntheticPeople,
    roles: Sequence[RoleSpec],
) -> OutcomeHistory:
    subjects = np.array([e[0] for e in enrollments], dtype=np.int64)
    row_enrollment = np.array([r[0] for r in rows], dtype=np.int64)
    row_competency = np.array([r[1] for r in rows], dtype=np.int64)
    role_of_row = people.role[subjects[row_enrollment]] if len(rows) else np.zeros(0, dtype=int)
    targets = np.array(
        [roles[r].targets[c] for r, c in zip(role_of_row, row_competency, strict=True)]
    )
    must = np.array(
        [roles[r].is_must[c] for r, c in zip(role_of_row, row_competency, strict=True)], dtype=bool
    )
    return OutcomeHistory(
        codes=codes,
        subjects=subjects,
        training_keys=np.array([e[1] for e in enrollments], dtype=np.int64),
        days=np.array([e[2] for e in enrollments]),
        is_completed=np.array([e[3] for e in enrollments], dtype=bool),
        ratings=np.array([e[4] for e in enrollments]),
        row_enrollment=row_enrollment,
        row_competency=row_competency,
        level_before=np.array([r[2] for r in rows]),
        level_after=np.array([r[3] for r in rows]),
        targets=targets.astype(float) if len(rows) else np.zeros(0),
        is_must=must,
        # The level after a training is seen at the next assessment, 20–90 days after its end.
        observed_days=np.array([e[5] for e in enrollments]),
    )


def expand_catalogue(
    catalogue: CatalogueArrays, size: int, rng: np.random.Generator
) -> CatalogueArrays:
    """A bigger synthetic catalogue: the originals plus perturbed variants up to ``size``.

    Variants shift hours and cost, sometimes the level range, format and language, and jitter
    the weights — enough to make 500 distinct rows for benchmarks.
    """
    extra = size - catalogue.size
    if extra <= 0:
        return catalogue.take(np.arange(size))
    source = rng.integers(0, catalogue.size, size=extra)
    shift = rng.integers(-1, 2, size=extra)
    level_min = np.clip(catalogue.level_min[source] + shift, 0, MAX_LEVEL - 1)
    level_max = np.clip(
        np.maximum(catalogue.level_max[source] + shift, level_min + 1), 1, MAX_LEVEL
    )
    weights = catalogue.weights[source] * rng.uniform(0.7, 1.2, size=(extra, len(catalogue.codes)))
    start = int(catalogue.keys.max()) + 1 if catalogue.size else 0
    return CatalogueArrays(
        codes=catalogue.codes,
        keys=np.concatenate([catalogue.keys, np.arange(start, start + extra)]),
        weights=np.vstack([catalogue.weights, np.clip(weights, 0.0, 1.0)]),
        level_min=np.concatenate([catalogue.level_min, level_min]),
        level_max=np.concatenate([catalogue.level_max, level_max]),
        hours=np.concatenate(
            [catalogue.hours, np.round(catalogue.hours[source] * rng.uniform(0.6, 1.6, extra))]
        ),
        cost=np.concatenate(
            [catalogue.cost, np.round(catalogue.cost[source] * rng.uniform(0.7, 1.4, extra), -1)]
        ),
        currencies=np.concatenate([catalogue.currencies, catalogue.currencies[source]]),
        formats=np.concatenate(
            [
                catalogue.formats,
                np.where(
                    rng.random(extra) < 0.3,
                    rng.integers(0, len(FORMATS), extra),
                    catalogue.formats[source],
                ),
            ]
        ),
        languages=np.concatenate(
            [
                catalogue.languages,
                np.where(rng.random(extra) < 0.2, "de", catalogue.languages[source]).astype(object),
            ]
        ),
    )
