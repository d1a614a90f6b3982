"""How a person's levels moved from one submitted self-assessment round to the next."""

from __future__ import annotations

from collections.abc import Sequence

from assessments.models import Assessment


def level_changes(rounds: Sequence[Assessment]) -> dict[int, tuple[int, int]]:
    """Per submitted round id: (levels up, levels down) against the submitted round before it.

    ``rounds`` is newest first (as listed); rounds on another framework version than the one
    before them are not compared, since their competencies differ.
    """
    changes: dict[int, tuple[int, int]] = {}
    submitted = [r for r in reversed(rounds) if r.is_submitted]
    for previous, current in zip(submitted, submitted[1:], strict=False):
        if previous.framework_id != current.framework_id:
            continue
        before = {r.competency_id: r.level for r in previous.ratings if r.is_current}
        after = {r.competency_id: r.level for r in current.ratings if r.is_current}
        up = down = 0
        for competency_id, level in after.items():
            old = before.get(competency_id)
            if level is not None and old is not None:
                up += level > old
                down += level < old
        changes[current.id] = (up, down)
    return changes
