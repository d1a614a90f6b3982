"""The catalogue of certifications people record: who issues each, how long it stays valid and
how it is renewed, with the public page the facts come from (``data/certifications.json``).

Choosing an entry fills in the name, issuer and category and computes the expiry date from
the date obtained; the person can still type the expiry printed on their certificate.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA = Path(__file__).parent / "data" / "certifications.json"


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    issuer: str
    category: str
    validity_years: int | None  # None: does not expire
    renewal: str
    source: str
    competencies: tuple[str, ...]
    source_note: str = ""

    def expiry_for(self, obtained_on: date) -> date | None:
        """The day it expires when obtained on ``obtained_on`` (None if it never does)."""
        if self.validity_years is None:
            return None
        try:
            return obtained_on.replace(year=obtained_on.year + self.validity_years)
        except ValueError:  # obtained on 29 February; the anniversary falls on 28 February
            return obtained_on.replace(year=obtained_on.year + self.validity_years, day=28)


@functools.cache
def catalogue() -> tuple[CatalogueEntry, ...]:
    """Every entry, in the file's order."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(
        CatalogueEntry(
            code=item["code"],
            name=item["name"],
            issuer=item["issuer"],
            category=item["category"],
            validity_years=item["validity_years"],
            renewal=item["renewal"],
            source=item["source"],
            competencies=tuple(item.get("competencies", ())),
            source_note=item.get("source_note", ""),
        )
        for item in raw["certifications"]
    )


def entry(code: str | None) -> CatalogueEntry | None:
    """The entry with ``code``, or None."""
    return next((e for e in catalogue() if e.code == code), None)
