"""Stamp parts over assessments: small aggregates that move whenever the assessments they
cover, or their ratings, change. Derived data built from ratings (a person's profile, a
project's results) is cached under stamps made of these parts."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.models import Assessment
from core.cache import side_by_side


def assessment_stamp_parts(which: sa.ColumnElement[bool]) -> list[sa.Select]:
    """A part that changes whenever one of the assessments ``which`` selects, or one of their
    ratings, does. Saving or correcting ratings, submitting and reopening all update the
    assessment row, whose version every update moves; a new assessment raises the count, a
    removed one lowers it. Read in one pass through the assessments' own indexes, never by
    scanning ratings: the count and the sum of versions side by side, as text."""
    return [
        sa.select(
            side_by_side(sa.func.count(Assessment.id), sa.func.sum(Assessment.version))
        ).where(which)
    ]
