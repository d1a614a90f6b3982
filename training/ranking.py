"""From scores to a short list with reasons: constraints filter first, then rank, then explain.

Pure: takes a fitted ranker, a `PersonVector`, `CatalogueArrays` and plain names; the numbers in
every explanation are the ones computed here, so a test can check one against the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from training.features import (
    CatalogueArrays,
    Constraints,
    PersonVector,
    reach_and_stretch,
)
from training.formatting import format_hours as format_hours  # re-exported for callers
from training.formatting import format_money as format_money

if TYPE_CHECKING:
    from training.recommender import ColdStartScorer, TrainingRecommender

MAX_REASONS = 3
# Fewest people who must have finished a course before its "N in 10 rose" figure is shown:
# with fewer, one person more or less moves the figure by a whole step or more.
MIN_FINISHED = 10
SYNTHETIC_LABEL = "synthetic demo history, not real results"


@dataclass(frozen=True)
class Reason:
    """One gap a recommended training works on, with the numbers behind the sentence."""

    code: str
    name: str
    is_must: bool
    level: int
    target: int
    gap: int
    reach: int  # missing levels (current+1 … target) the training aims at
    stretch: int  # prerequisite levels the person still lacks
    weight: float
    chance: float | None  # calibrated chance that the level rises; None with the cold start
    contribution: float
    finished: int = 0  # people in the model's history who finished this training
    synthetic: bool = False  # the model learned from synthetic history

    @property
    def requirement(self) -> str:
        return "must" if self.is_must else "can"

    @property
    def shows_chance(self) -> bool:
        """The chance is said only when enough people finished the course to back it."""
        return self.chance is not None and self.finished >= MIN_FINISHED

    @property
    def chance_text(self) -> str:
        """E.g. "about 6 in 10 people at your level rose after this course (41 finished it)"."""
        if not self.shows_chance:
            return ""
        return (
            f"about {round(self.chance * 10)} in 10 people at your level rose after this "
            f"course ({self.finished} finished it)"
        )

    @property
    def text(self) -> str:
        head = (
            f"works on the {self.requirement}-gap in {self.name} "
            f"(you {self.level}, target {self.target})"
        )
        if not self.reach:
            head += " but is aimed below your level"
        if self.shows_chance:
            head += f"; {self.chance_text}"
        return head


@dataclass(frozen=True)
class Recommendation:
    """One recommended training and why."""

    key: int
    score: float
    reasons: tuple[Reason, ...]
    level_min: int
    level_max: int
    fit: str  # "fits" | "above" | "below"
    hours: float
    cost: float
    currency: str
    synthetic: bool = False  # ranked by a model that learned from synthetic history

    @property
    def fit_text(self) -> str:
        """Level fit, e.g. "aimed at levels 2–3, a fit for your level 2"."""
        span = f"aimed at levels {self.level_min}–{self.level_max}"
        main = self.reasons[0] if self.reasons else None
        if main is None:
            return span
        if self.fit == "fits":
            return f"{span}, a fit for your level {main.level} in {main.name}"
        return f"{span}, {self.fit} your level {main.level} in {main.name}"

    @property
    def text(self) -> str:
        """The whole reason in one line, e.g. "works on the must-gap in Planning (you 2, …"."""
        parts = [r.text for r in self.reasons]
        parts += [
            self.fit_text,
            format_hours(self.hours),
            format_money(self.cost, self.currency),
        ]
        line = "; ".join(parts)
        if self.synthetic:
            # First, and once per line: this text is stored in plans (cut at 1000 characters)
            # and printed in PDFs; the label must survive both.
            line = f"ranked by a model trained on {SYNTHETIC_LABEL}: {line}"
        return line


@dataclass(frozen=True)
class RecommendationResult:
    """The list a person sees, and what the page needs to explain an empty or short list."""

    items: tuple[Recommendation, ...]
    method: str  # "learned" | "cold_start"
    growth_mode: bool  # the person meets every target: recommendations go one level beyond
    eligible: int  # trainings left after the constraints (and exclusions)
    filtered_out: int  # trainings the constraints removed
    uncovered_gaps: tuple[str, ...]  # gap competencies that no active training covers
    synthetic: bool = False  # the model behind the list learned from synthetic history


def _level_fit(level: int, level_min: int, level_max: int) -> str:
    if level >= level_max:
        return "below"
    if level < level_min - 1:
        return "above"
    return "fits"


def recommend(
    ranker: TrainingRecommender | ColdStartScorer,
    person: PersonVector,
    catalogue: CatalogueArrays,
    constraints: Constraints | None = None,
    *,
    names: Mapping[str, str] | None = None,
    k: int = 10,
    exclude_keys: Collection[int] = (),
) -> RecommendationResult:
    """The top ``k`` trainings for ``person`` that respect ``constraints``, each explained.

    Trainings the constraints exclude are never ranked. Only trainings that work on at least
    one gap are returned. A person without gaps gets trainings one level beyond every target
    (``growth_mode``). Ties break towards the cheaper, then the shorter training.
    """
    constraints = constraints or Constraints()
    names = names or {}
    growth_mode = not person.has_gaps
    view = person.growth_view() if growth_mode else person
    allowed = constraints.mask(catalogue)
    filtered_out = int((~allowed).sum())
    if exclude_keys:
        allowed &= ~np.isin(catalogue.keys, np.fromiter(exclude_keys, dtype=np.int64))
    gap_columns = view.gaps > 0
    uncovered = tuple(
        code
        for code, has_gap, covered in zip(
            catalogue.codes, gap_columns, catalogue.covered.any(axis=0), strict=True
        )
        if has_gap and not covered
    )
    # Duck-typed rather than isinstance, so that ranking never needs scikit-learn imported.
    finished: Mapping[int, int] = {}
    synthetic = False
    if hasattr(ranker, "explain_scores"):
        contributions, chances = ranker.explain_scores(view, catalogue)
        method = "learned" if ranker.is_learned else "cold_start"
        if ranker.is_learned:
            finished = getattr(ranker, "finished_", None) or {}
            synthetic = float(getattr(ranker, "synthetic_share_", 0.0) or 0.0) > 0.0
    else:
        contributions = ranker.contributions(view, catalogue)
        chances = None
        method = "cold_start"
    scores = contributions.sum(axis=1)
    candidates = np.flatnonzero(allowed & (scores > 0))
    order = np.lexsort(
        (
            catalogue.keys[candidates],
            catalogue.hours[candidates],
            catalogue.cost[candidates],
            -np.round(scores[candidates], 9),
        )
    )
    chosen = candidates[order[:k]]
    reach, stretch = reach_and_stretch(
        view.levels, view.targets, catalogue.level_min, catalogue.level_max
    )
    items = []
    for row in chosen:
        columns = np.flatnonzero((contributions[row] > 0) & gap_columns)
        columns = columns[np.argsort(-contributions[row, columns], kind="stable")][:MAX_REASONS]
        reasons = tuple(
            Reason(
                code=catalogue.codes[c],
                name=names.get(catalogue.codes[c], catalogue.codes[c]),
                is_must=bool(view.is_must[c]),
                level=int(view.levels[c]),
                target=int(view.targets[c]),
                gap=int(view.gaps[c]),
                reach=int(reach[row, c]),
                stretch=int(stretch[row, c]),
                weight=float(catalogue.weights[row, c]),
                chance=None if chances is None else float(chances[row, c]),
                contribution=float(contributions[row, c]),
                finished=int(finished.get(int(catalogue.keys[row]), 0)),
                synthetic=synthetic,
            )
            for c in columns
        )
        main_level = reasons[0].level if reasons else 0
        items.append(
            Recommendation(
                key=int(catalogue.keys[row]),
                score=float(scores[row]),
                reasons=reasons,
                level_min=int(catalogue.level_min[row]),
                level_max=int(catalogue.level_max[row]),
                fit=_level_fit(
                    main_level, int(catalogue.level_min[row]), int(catalogue.level_max[row])
                ),
                hours=float(catalogue.hours[row]),
                cost=float(catalogue.cost[row]),
                currency=str(catalogue.currencies[row]),
                synthetic=synthetic,
            )
        )
    return RecommendationResult(
        items=tuple(items),
        method=method,
        growth_mode=growth_mode,
        eligible=int(allowed.sum()),
        filtered_out=filtered_out,
        uncovered_gaps=uncovered,
        synthetic=synthetic,
    )
