"""Pure profile arithmetic: effective levels, gaps, must-gates, fit and trends.

No session and no ORM here: callers pass plain values, so the rules are tested on their own.
Levels are ordinal (0–5 by default): there is no mean of levels, only medians and counts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class LevelSource(enum.StrEnum):
    """Where a person's effective level for a competency comes from."""

    EVALUATED = "evaluated"
    SELF_REPORTED = "self"
    NONE = "none"


def lower_median(levels: Iterable[int]) -> int | None:
    """The lower median of ordinal levels (for an even count, the lower middle value)."""
    ordered = sorted(levels)
    if not ordered:
        return None
    return ordered[(len(ordered) - 1) // 2]


def effective_level(
    self_level: int | None, evaluated_level: int | None
) -> tuple[int | None, LevelSource]:
    """The evaluated level where there is one, else the self-reported level (marked as such)."""
    if evaluated_level is not None:
        return evaluated_level, LevelSource.EVALUATED
    if self_level is not None:
        return self_level, LevelSource.SELF_REPORTED
    return None, LevelSource.NONE


def gap_to_target(level: int | None, target: int | None) -> int | None:
    """Levels still missing to reach ``target``; None when the role sets no target.

    No rating counts as level 0 (not yet demonstrated); being above target is a gap of 0.
    """
    if target is None:
        return None
    return max(0, target - (level or 0))


@dataclass(frozen=True)
class Requirement:
    """What a role asks of one competency."""

    code: str
    requirement: str  # "must" | "can"
    target: int | None


@dataclass(frozen=True)
class Standing:
    """One competency of one person against one role."""

    code: str
    requirement: str
    target: int | None
    self_level: int | None
    evaluated_level: int | None
    level: int | None
    source: LevelSource
    gap: int | None

    @property
    def is_must(self) -> bool:
        return self.requirement == "must"

    @property
    def meets_target(self) -> bool:
        """True when the effective level reaches the target (no target: always met)."""
        return self.gap is None or self.gap == 0


def standings(
    requirements: Sequence[Requirement],
    self_levels: Mapping[str, int],
    evaluated_levels: Mapping[str, int],
) -> list[Standing]:
    """Each required competency's standing, must competencies first, then by biggest gap."""
    result = []
    for req in requirements:
        own = self_levels.get(req.code)
        evaluated = evaluated_levels.get(req.code)
        level, source = effective_level(own, evaluated)
        result.append(
            Standing(
                code=req.code,
                requirement=req.requirement,
                target=req.target,
                self_level=own,
                evaluated_level=evaluated,
                level=level,
                source=source,
                gap=gap_to_target(level, req.target),
            )
        )
    order = {req.code: i for i, req in enumerate(requirements)}
    return sorted(result, key=lambda s: (not s.is_must, -(s.gap or 0), order[s.code]))


@dataclass(frozen=True)
class FitPart:
    """One can competency's contribution to the fit score: the share of its target reached."""

    code: str
    level: int | None
    target: int
    share: float  # 0.0–1.0, capped at 1.0


def fit_breakdown(items: Sequence[Standing]) -> list[FitPart]:
    """The parts of the fit score: every can competency that has a (non-zero) target."""
    return [
        FitPart(s.code, s.level, s.target, min((s.level or 0) / s.target, 1.0))
        for s in items
        if not s.is_must and s.target
    ]


@dataclass(frozen=True)
class Readiness:
    """Must-gate (every must at or above target) plus a fit score over the can competencies."""

    gate_passed: bool
    musts_met: int
    musts_total: int
    failing_musts: tuple[str, ...]
    fit_score: float | None  # 0–100; None when the role has no can competency with a target

    @property
    def is_ready(self) -> bool:
        return self.gate_passed


def readiness(items: Sequence[Standing]) -> Readiness:
    """Readiness for a role from a person's standings.

    The gate holds when every must competency meets its target (a role with no must passes).
    The fit score is the mean, over can competencies that have a target, of the share of the
    target reached (capped at 100 % each), so exceeding one target never hides another gap.
    """
    musts = [s for s in items if s.is_must]
    failing = tuple(s.code for s in musts if not s.meets_target)
    parts = fit_breakdown(items)
    fit = None
    if parts:
        fit = round(100 * sum(p.share for p in parts) / len(parts), 1)
    return Readiness(
        gate_passed=not failing,
        musts_met=len(musts) - len(failing),
        musts_total=len(musts),
        failing_musts=failing,
        fit_score=fit,
    )


@dataclass(frozen=True)
class TrendPoint:
    """One round's level for one competency."""

    round_label: str
    level: int | None


def trend_delta(points: Sequence[TrendPoint]) -> int | None:
    """Change between the first and the last rated round (None with fewer than two ratings)."""
    rated = [p.level for p in points if p.level is not None]
    if len(rated) < 2:
        return None
    return rated[-1] - rated[0]


def evaluated_levels(ratings: Iterable[tuple[int, str, int | None, object]]) -> dict[str, int]:
    """The evaluated level per competency from submitted evaluator ratings.

    ``ratings`` are ``(assessor_id, code, level, order_key)``; each evaluator counts once per
    competency with their latest rating (highest ``order_key``), "not observed" (None) counts
    as no opinion, and the evaluators' levels combine by lower median — never a mean.
    """
    latest: dict[tuple[int, str], tuple[object, int | None]] = {}
    for assessor_id, code, level, order_key in ratings:
        key = (assessor_id, code)
        if key not in latest or order_key > latest[key][0]:  # type: ignore[operator]
            latest[key] = (order_key, level)
    by_code: dict[str, list[int]] = {}
    for (_, code), (_, level) in latest.items():
        if level is not None:
            by_code.setdefault(code, []).append(level)
    return {code: lower_median(levels) for code, levels in by_code.items()}  # type: ignore[misc]


class Perception(enum.StrEnum):
    """How a person's self-view differs from what evaluators saw."""

    BLIND_SPOT = "blind_spot"  # rates themselves clearly higher than evaluators do
    HIDDEN_STRENGTH = "hidden_strength"  # evaluators see clearly more than the person does


@dataclass(frozen=True)
class PerceptionGap:
    """A competency where self and evaluated level differ by ``threshold`` levels or more."""

    code: str
    self_level: int
    evaluated_level: int
    kind: Perception

    @property
    def difference(self) -> int:
        return self.self_level - self.evaluated_level


def perception_gaps(
    self_levels: Mapping[str, int], evaluated_levels: Mapping[str, int], threshold: int = 2
) -> list[PerceptionGap]:
    """Blind spots (self ≥ threshold above evaluated) and hidden strengths (≥ threshold below).

    Only competencies with both a self and an evaluated level are compared; largest first.
    """
    result = []
    for code, own in self_levels.items():
        evaluated = evaluated_levels.get(code)
        if own is None or evaluated is None or abs(own - evaluated) < threshold:
            continue
        kind = Perception.BLIND_SPOT if own > evaluated else Perception.HIDDEN_STRENGTH
        result.append(PerceptionGap(code, own, evaluated, kind))
    return sorted(result, key=lambda g: (-abs(g.difference), g.code))


def total_gap(items: Sequence[Standing]) -> int:
    """Levels missing to every target of the role, must and can together."""
    return sum(s.gap or 0 for s in items)


class RankCriterion(enum.StrEnum):
    """What separates two candidates, in the order the ranking applies them."""

    GATE = "gate"  # passing the must-gate beats any fit score
    FIT = "fit"  # then the higher fit score over the can competencies
    MUSTS = "musts"  # then more must competencies at target (matters when both fail the gate)
    GAP = "gap"  # then the smaller total gap to all targets


@dataclass(frozen=True)
class RankEntry:
    """One candidate to rank: readiness for the role and the total gap to its targets."""

    key: object
    name: str
    readiness: Readiness
    total_gap: int


@dataclass(frozen=True)
class Ranked:
    """A candidate's place. Equal places share a position (1, 1, 3) and name each other."""

    position: int
    entry: RankEntry
    tied_with: tuple[str, ...]
    above: RankEntry | None  # the candidate directly above, when placed strictly lower
    decided_by: RankCriterion | None  # what put ``above`` first

    def explanation(self) -> str:
        """Why the candidate stands here, in words."""
        if self.tied_with:
            others = " and ".join(self.tied_with)
            tie = (
                f"Tied with {others}: the same must-gate result, fit score, musts met and "
                "total gap. Listed by name only."
            )
            if self.above is None:
                return tie
            return f"{self._below_text()} {tie}"
        if self.above is None:
            return "First: " + _summary(self.entry) + "."
        return self._below_text()

    def _below_text(self) -> str:
        a, b = self.above, self.entry
        assert a is not None
        ra, rb = a.readiness, b.readiness
        if self.decided_by is RankCriterion.GATE:
            return f"Below {a.name}, who passes the must-gate; {b.name} does not."
        gate = "pass" if rb.gate_passed else "fail"
        if self.decided_by is RankCriterion.FIT:
            return (
                f"Below {a.name}: both {gate} the must-gate, and {a.name} has the higher fit "
                f"score ({_percent(ra.fit_score)} against {_percent(rb.fit_score)})."
            )
        if self.decided_by is RankCriterion.MUSTS:
            return (
                f"Below {a.name}: both {gate} the must-gate with the same fit score, and "
                f"{a.name} meets more must competencies ({ra.musts_met} against "
                f"{rb.musts_met} of {rb.musts_total})."
            )
        return (
            f"Below {a.name}: same must-gate result, fit score and musts met; {a.name} has the "
            f"smaller total gap ({a.total_gap} against {b.total_gap} levels)."
        )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} %"


def _summary(entry: RankEntry) -> str:
    r = entry.readiness
    gate = "passes the must-gate" if r.gate_passed else "does not pass the must-gate"
    return (
        f"{gate}, fit score {_percent(r.fit_score)}, {r.musts_met} of {r.musts_total} musts "
        f"met, total gap {entry.total_gap} level{'' if entry.total_gap == 1 else 's'}"
    )


def rank_key(entry: RankEntry) -> tuple[int, float, int, int]:
    """Sort key: gate first, then fit score, then musts met, then total gap (smaller first)."""
    r = entry.readiness
    # A role without can targets has no fit score: every candidate is equal on it.
    fit = r.fit_score if r.fit_score is not None else -1.0
    return (0 if r.gate_passed else 1, -fit, -r.musts_met, entry.total_gap)


def _decider(above: RankEntry, below: RankEntry) -> RankCriterion:
    for criterion, a, b in zip(
        (RankCriterion.GATE, RankCriterion.FIT, RankCriterion.MUSTS, RankCriterion.GAP),
        rank_key(above),
        rank_key(below),
        strict=True,
    ):
        if a != b:
            return criterion
    raise ValueError("equal keys have no decider")


def rank_candidates(entries: Sequence[RankEntry]) -> list[Ranked]:
    """Order candidates by gate, fit score, musts met and total gap; equal keys tie.

    Ties share the better position (standard competition ranking: 1, 1, 3) and are listed
    by name; each place carries what decided it against the candidate above.
    """
    ordered = sorted(entries, key=lambda e: (rank_key(e), e.name.lower(), str(e.key)))
    groups: list[list[RankEntry]] = []
    for entry in ordered:
        if groups and rank_key(groups[-1][0]) == rank_key(entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    result: list[Ranked] = []
    position = 1
    previous: RankEntry | None = None
    for group in groups:
        decided = _decider(previous, group[0]) if previous is not None else None
        for entry in group:
            result.append(
                Ranked(
                    position=position,
                    entry=entry,
                    tied_with=tuple(e.name for e in group if e is not entry),
                    above=previous,
                    decided_by=decided,
                )
            )
        position += len(group)
        previous = group[-1]
    return result
