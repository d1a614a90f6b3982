"""Whether a person's qualifications and certifications meet what a role profile expects.

Pure: takes plain values. The career guide's routes into the role (a degree, a comparable
qualification, IT specialist training) are alternatives — any one of them opens the way. Every
other expectation a profile names (a project management certification, say) must be met too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assessments.models import CertificationCategory, QualificationKind

ROUTE_KINDS = tuple(k for k in QualificationKind if k is not QualificationKind.OTHER)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class HeldQualification:
    """A qualification as plain values."""

    kind: str
    title: str


@dataclass(frozen=True)
class HeldCertification:
    """A certification as plain values; ``is_valid`` is False once it has expired."""

    category: str
    name: str
    is_valid: bool


@dataclass(frozen=True)
class ExpectationCheck:
    """One expected qualification of a role and what (if anything) meets it."""

    expected: str
    is_route: bool
    met_by: tuple[str, ...]

    @property
    def is_met(self) -> bool:
        return bool(self.met_by)


@dataclass(frozen=True)
class QualificationsCheck:
    """All expectations of a role against what a person holds."""

    routes: tuple[ExpectationCheck, ...]
    others: tuple[ExpectationCheck, ...]

    @property
    def has_expectations(self) -> bool:
        return bool(self.routes or self.others)

    @property
    def route_met(self) -> bool:
        """Any one route is enough; a role naming no route needs none."""
        return not self.routes or any(item.is_met for item in self.routes)

    @property
    def is_met(self) -> bool:
        return self.route_met and all(item.is_met for item in self.others)


def _route_kind(expected: str) -> QualificationKind | None:
    wanted = _norm(expected)
    return next((k for k in ROUTE_KINDS if _norm(k.label) == wanted), None)


def _certification_category(expected: str) -> CertificationCategory | None:
    wanted = _norm(expected)
    return next(
        (
            c
            for c in CertificationCategory
            if c is not CertificationCategory.OTHER and wanted.startswith(_norm(c.label))
        ),
        None,
    )


def check_qualifications(
    expected: Sequence[str],
    qualifications: Sequence[HeldQualification],
    certifications: Sequence[HeldCertification],
) -> QualificationsCheck:
    """Match each expected qualification against the person's records.

    A route is met by a qualification of that kind; an expected certification by a valid
    certification of its category; anything else by a record whose title or name is exactly
    the expected wording (so HR can name, say, an MBA and a person can record it as "other").
    """
    routes: list[ExpectationCheck] = []
    others: list[ExpectationCheck] = []
    for item in expected:
        wanted = _norm(item)
        kind = _route_kind(item)
        category = _certification_category(item)
        met_by = [
            (q.title or QualificationKind(q.kind).label)
            for q in qualifications
            if (kind is not None and q.kind == kind.value) or (q.title and _norm(q.title) == wanted)
        ]
        met_by += [
            c.name
            for c in certifications
            if c.is_valid
            and ((category is not None and c.category == category.value) or _norm(c.name) == wanted)
        ]
        check = ExpectationCheck(item, kind is not None, tuple(dict.fromkeys(met_by)))
        (routes if kind is not None else others).append(check)
    return QualificationsCheck(tuple(routes), tuple(others))
