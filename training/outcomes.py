"""Did a training help? The outcome of a completed training, from levels before and after.

Pure: the caller passes the latest level per competency seen before the training and the
first level seen after it (from assessments, or from the synthetic history).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Outcome(enum.StrEnum):
    """What the next assessment showed for the competencies a completed training covers."""

    PENDING = "pending"  # completed, not assessed again yet
    IMPROVED = "improved"  # at least one covered competency rose
    NO_CHANGE = "no_change"  # assessed again, nothing covered rose

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for your next assessment",
            "improved": "Improved",
            "no_change": "No change yet",
        }[self.value]


@dataclass(frozen=True)
class OutcomeResult:
    """The outcome and, per covered competency, the levels it compared."""

    outcome: Outcome
    compared: dict[str, tuple[int, int]]  # code → (before, after)
    risen: tuple[str, ...]
    not_assessed: tuple[str, ...]  # covered, but no level before and after to compare

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form for storing next to the enrollment."""
        return {
            "compared": {code: list(pair) for code, pair in self.compared.items()},
            "risen": list(self.risen),
            "not_assessed": list(self.not_assessed),
        }


def derive_outcome(
    before: Mapping[str, int], after: Mapping[str, int], covered: Sequence[str]
) -> OutcomeResult:
    """Compare the covered competencies that have a level both before and after.

    Improved when any of them rose; no change when they were assessed again and none rose;
    pending while none of them has been assessed on both sides.
    """
    compared = {
        code: (int(before[code]), int(after[code]))
        for code in covered
        if code in before and code in after
    }
    risen = tuple(code for code, (old, new) in compared.items() if new > old)
    missing = tuple(code for code in covered if code not in compared)
    if risen:
        outcome = Outcome.IMPROVED
    elif compared:
        outcome = Outcome.NO_CHANGE
    else:
        outcome = Outcome.PENDING
    return OutcomeResult(outcome=outcome, compared=compared, risen=risen, not_assessed=missing)


def levels_around(
    observations: Sequence[tuple[str, int, Any, str]], start: Any, end: Any
) -> tuple[dict[str, int], dict[str, int]]:
    """From (code, level, observed_at, kind) rows: latest level up to ``start`` per code, and
    the first level seen after ``end``. At one moment an evaluated level beats a self rating.
    """
    ordered = sorted(observations, key=lambda r: (r[2], r[3] == "evaluated"))
    before: dict[str, int] = {}
    after: dict[str, tuple[Any, int]] = {}
    for code, level, observed_at, _kind in ordered:
        if observed_at <= start:
            before[code] = level
        elif observed_at > end and (code not in after or after[code][0] == observed_at):
            after[code] = (observed_at, level)
    return before, {code: level for code, (_, level) in after.items()}
