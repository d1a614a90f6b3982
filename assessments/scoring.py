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
    cans = [s for s in items if not s.is_must and s.target]
    fit = None
    if cans:
        shares = [min((s.level or 0) / s.target, 1.0) for s in cans]
        fit = round(100 * sum(shares) / len(shares), 1)
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
