"""Whole numbers taken from a request (ids, versions) that are safe to hand to the database."""

from __future__ import annotations

# The largest value of the databases' INTEGER columns: PostgreSQL refuses a larger parameter
# with an error rather than matching no row.
MAX_ID = 2**31 - 1


def parse_id(raw: str | None) -> int | None:
    """``raw`` as a whole number within the databases' integer range, or None when it is not
    one: a hostile value then reads as "no such row", never as a database error."""
    if not raw or not (raw.isascii() and raw.isdecimal()) or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
