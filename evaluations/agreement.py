"""How far evaluators agree on ordinal levels: pure functions on plain values, no session.

Ratings come as ``{rater: {item: level or None}}`` where an item is a competency (of one
candidate, or a (candidate, competency) pair for a whole project) and None means "not
observed". Levels are ordinal, so every statistic here uses order or squared distance of the
level numbers, never a mean level.

- **Share within one level**: of all pairs of evaluators who both rated an item, the share
  whose levels differ by at most one. Easy to read, but blind to chance agreement.
- **Weighted Cohen's kappa** for exactly two raters, with **quadratic** weights by default
  (disagreement weight (a − b)²; linear |a − b| on request). Chance-corrected; on an equally
  spaced scale the quadratic form equals the intraclass correlation of the two raters.
- **Krippendorff's alpha** with the **ordinal** metric for two or more raters; it takes
  missing ratings in its stride.

Degenerate cases, decided here once: with no item rated by two raters there is nothing to
compare and every statistic is None. When all ratings are one and the same level, the
observed agreement is complete but kappa and alpha are 0/0 (there is no variation to agree
about beyond chance): both are reported as None with the reason "no variation", while the
share within one level is 1.0 and tells the story.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from assessments.scoring import lower_median

Ratings = Mapping[Hashable, Mapping[Hashable, int | None]]

NO_PAIRS = "no item was rated by two evaluators"
NO_VARIATION = "every rating is the same level, so there is no variation to agree on"
CALIBRATION_SPREAD = 2
# Landis & Koch (1977): the customary words for a kappa's size (lower bound exclusive).
KAPPA_BANDS = ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"))


class Weighting(enum.StrEnum):
    """How a disagreement of d levels is weighed in Cohen's kappa."""

    QUADRATIC = "quadratic"  # d²: a two-level gap weighs four times a one-level gap
    LINEAR = "linear"  # |d|


def items_of(ratings: Ratings) -> dict[Hashable, list[int]]:
    """Per item, the levels given (not observed left out), in rater order."""
    result: dict[Hashable, list[int]] = {}
    for per_item in ratings.values():
        for item, level in per_item.items():
            result.setdefault(item, [])
            if level is not None:
                result[item].append(level)
    return result


def evaluated_level(levels: Iterable[int | None]) -> int | None:
    """The evaluated level of one item: lower median of the levels given (None if none)."""
    return lower_median(level for level in levels if level is not None)


@dataclass(frozen=True)
class PairAgreement:
    """Pairs of raters who both rated an item, and how many of them were within tolerance."""

    pairs: int
    within: int

    @property
    def share(self) -> float | None:
        return self.within / self.pairs if self.pairs else None


def share_within(ratings: Ratings, tolerance: int = 1) -> PairAgreement:
    """Share of rater pairs per item whose levels differ by at most ``tolerance``."""
    pairs = within = 0
    for levels in items_of(ratings).values():
        for a, b in combinations(levels, 2):
            pairs += 1
            within += abs(a - b) <= tolerance
    return PairAgreement(pairs, within)


@dataclass(frozen=True)
class Statistic:
    """A chance-corrected agreement coefficient, or None with the reason it is undefined."""

    name: str
    value: float | None
    units: int  # items that entered the computation
    reason: str = ""

    @property
    def reading(self) -> str:
        """A plain-language reading of the value (kappa: Landis & Koch; alpha: Krippendorff)."""
        if self.value is None:
            return "not defined"
        if self.name.startswith("Krippendorff"):
            if self.value >= 0.8:
                return "reliable"
            if self.value >= 0.667:
                return "tentative"
            return "too low to rely on"
        for bound, label in KAPPA_BANDS:
            if self.value > bound:
                return label
        return "slight" if self.value >= 0 else "worse than chance"


def weighted_kappa(
    first: Mapping[Hashable, int | None],
    second: Mapping[Hashable, int | None],
    weighting: Weighting = Weighting.QUADRATIC,
) -> Statistic:
    """Cohen's weighted kappa of two raters over the items both rated.

    kappa = 1 − D_o / D_e with D_o the mean weighted disagreement of the paired ratings and
    D_e the one expected from each rater's own distribution of levels (every level of one
    rater against every level of the other). The weights use the level numbers, so the result
    does not depend on how many levels the scale has.
    """
    name = f"Weighted Cohen's kappa ({weighting.value})"
    paired = [
        (first[item], second[item])
        for item in first
        if first[item] is not None and second.get(item) is not None
    ]
    if not paired:
        return Statistic(name, None, 0, NO_PAIRS)

    def weight(a: int, b: int) -> float:
        d = a - b
        return d * d if weighting is Weighting.QUADRATIC else abs(d)

    n = len(paired)
    observed = sum(weight(a, b) for a, b in paired) / n  # type: ignore[arg-type]
    # Every level of one rater against every level of the other, summed over the few distinct
    # levels with their counts: the same sum as over all n × n pairs, without the n².
    firsts = Counter(a for a, _ in paired)
    seconds = Counter(b for _, b in paired)
    expected = sum(
        ca * cb * weight(a, b)  # type: ignore[arg-type]
        for a, ca in firsts.items()
        for b, cb in seconds.items()
    ) / (n * n)
    if expected == 0:
        return Statistic(name, None, n, NO_VARIATION)
    return Statistic(name, 1 - observed / expected, n)


def _ordinal_distance(values: list[int], totals: dict[int, float]) -> dict[tuple[int, int], float]:
    """Krippendorff's ordinal metric: squared count of values lying between c and k.

    delta²(c, k) = (sum of n_g for g from c to k − (n_c + n_k) / 2)², so a step across a
    level many ratings use counts more than a step across a rarely used one.
    """
    distance = {}
    for i, c in enumerate(values):
        for k in values[i:]:
            between = sum(totals[g] for g in values if c <= g <= k)
            d = (between - (totals[c] + totals[k]) / 2) ** 2
            distance[(c, k)] = distance[(k, c)] = d
    return distance


def krippendorff_alpha_ordinal(ratings: Ratings) -> Statistic:
    """Krippendorff's alpha with the ordinal metric, for any number of raters, gaps allowed.

    Only items with at least two ratings are pairable. From them the coincidence matrix
    o[c][k] counts ordered pairs of values within an item, each item weighted 1 / (m − 1) for
    its m ratings; n_c are its margins and n their total. Then
    alpha = 1 − (n − 1) · Σ o[c][k]·δ²(c,k) / Σ n_c·n_k·δ²(c,k).
    """
    name = "Krippendorff's alpha (ordinal)"
    units = [levels for levels in items_of(ratings).values() if len(levels) >= 2]
    if not units:
        return Statistic(name, None, 0, NO_PAIRS)
    coincidence: dict[tuple[int, int], float] = {}
    for levels in units:
        share = 1 / (len(levels) - 1)
        for i, c in enumerate(levels):
            for j, k in enumerate(levels):
                if i != j:
                    coincidence[(c, k)] = coincidence.get((c, k), 0.0) + share
    values = sorted({c for c, _ in coincidence})
    totals = {c: sum(coincidence.get((c, k), 0.0) for k in values) for c in values}
    n = sum(totals.values())
    distance = _ordinal_distance(values, totals)
    observed = sum(count * distance[pair] for pair, count in coincidence.items())
    expected = sum(totals[c] * totals[k] * distance[(c, k)] for c in values for k in values)
    if expected == 0:
        return Statistic(name, None, len(units), NO_VARIATION)
    return Statistic(name, 1 - (n - 1) * observed / expected, len(units))


def chance_corrected(ratings: Ratings) -> Statistic:
    """The coefficient the issue asks for: kappa for exactly two raters, alpha for more."""
    raters = [r for r, per_item in ratings.items() if any(v is not None for v in per_item.values())]
    if len(raters) == 2:
        return weighted_kappa(ratings[raters[0]], ratings[raters[1]])
    if len(raters) < 2:
        return Statistic("Krippendorff's alpha (ordinal)", None, 0, NO_PAIRS)
    return krippendorff_alpha_ordinal(ratings)


@dataclass(frozen=True)
class CalibrationFlag:
    """An item where the evaluators' levels lie ``spread`` or more levels apart."""

    item: Hashable
    lowest: int
    highest: int
    levels: dict[Hashable, int]  # rater → level, for the evaluators' discussion

    @property
    def spread(self) -> int:
        return self.highest - self.lowest


def calibration_flags(ratings: Ratings, spread: int = CALIBRATION_SPREAD) -> list[CalibrationFlag]:
    """Items whose highest and lowest rating differ by ``spread`` levels or more, widest first."""
    by_item: dict[Hashable, dict[Hashable, int]] = {}
    for rater, per_item in ratings.items():
        for item, level in per_item.items():
            if level is not None:
                by_item.setdefault(item, {})[rater] = level
    flags = [
        CalibrationFlag(item, min(levels.values()), max(levels.values()), levels)
        for item, levels in by_item.items()
        if len(levels) >= 2 and max(levels.values()) - min(levels.values()) >= spread
    ]
    return sorted(flags, key=lambda f: (-f.spread, str(f.item)))
