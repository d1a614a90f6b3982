"""Recording a person's qualifications and certifications (added and removed, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.certification_catalogue import entry as catalogue_entry
from assessments.models import (
    Certification,
    CertificationCategory,
    Qualification,
    QualificationKind,
)
from core.audit import record_event
from core.errors import NotFoundError, ValidationError
from core.users import User

TEXT_MAX = 200
CREDENTIAL_ID_MAX = 120
EARLIEST_DATE = date(1950, 1, 1)


def _text(value: str | None, label: str, problems: list[str], *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append(f"Enter the {label}.")
    if len(value) > TEXT_MAX:
        problems.append(f"The {label} may have at most {TEXT_MAX} characters.")
    return value


def _past_date(value: date | None, label: str, problems: list[str], today: date) -> None:
    if value is None:
        return
    if value > today:
        problems.append(f"The {label} cannot be in the future.")
    elif value < EARLIEST_DATE:
        problems.append(f"The {label} is before {EARLIEST_DATE.year}; check the year.")


def list_qualifications(session: Session, person_id: int) -> list[Qualification]:
    """The person's qualifications, most recent first."""
    return list(
        session.scalars(
            sa.select(Qualification)
            .where(Qualification.person_id == person_id)
            .order_by(Qualification.completed_on.desc().nulls_last(), Qualification.id.desc())
        )
    )


def list_certifications(session: Session, person_id: int) -> list[Certification]:
    """The person's certifications, most recently obtained first."""
    return list(
        session.scalars(
            sa.select(Certification)
            .where(Certification.person_id == person_id)
            .order_by(Certification.obtained_on.desc(), Certification.id.desc())
        )
    )


def add_qualification(
    session: Session,
    person: User,
    *,
    kind: str,
    title: str = "",
    institution: str = "",
    completed_on: date | None = None,
    today: date | None = None,
) -> Qualification:
    """Record a qualification; "other" needs a title saying what it is."""
    today = today or date.today()
    problems: list[str] = []
    if kind not in {k.value for k in QualificationKind}:
        problems.append("Choose the kind of qualification from the list.")
    title = _text(title, "title", problems, required=kind == QualificationKind.OTHER)
    institution = _text(institution, "institution", problems, required=False)
    _past_date(completed_on, "completion date", problems, today)
    if problems:
        raise ValidationError("The qualification was not saved.", problems=problems)
    row = Qualification(
        person_id=person.id,
        kind=kind,
        title=title,
        institution=institution,
        completed_on=completed_on,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=person,
        action="qualification.add",
        entity=row,
        after={"kind": kind, "title": title, "institution": institution},
    )
    return row


def add_certification(
    session: Session,
    person: User,
    *,
    name: str,
    issuer: str,
    category: str,
    obtained_on: date | None,
    expires_on: date | None = None,
    credential_id: str = "",
    today: date | None = None,
    catalogue_code: str | None = None,
) -> Certification:
    """Record a certification with the date obtained and, if it expires, the expiry date.

    With ``catalogue_code`` the catalogue fills in what was left blank — name, issuer,
    category — and the expiry from the date obtained and the certification's validity.
    """
    today = today or date.today()
    problems: list[str] = []
    known = None
    if catalogue_code:
        known = catalogue_entry(catalogue_code)
        if known is None:
            raise ValidationError(
                "The certification was not saved.",
                problems=["Choose a certification from the list, or “Other”."],
            )
        name = (name or "").strip() or known.name
        issuer = (issuer or "").strip() or known.issuer
        category = category or known.category
        if expires_on is None and obtained_on is not None:
            expires_on = known.expiry_for(obtained_on)
    name = _text(name, "certification name", problems, required=True)
    issuer = _text(issuer, "issuer", problems, required=True)
    if category not in {c.value for c in CertificationCategory}:
        problems.append("Choose the category from the list.")
    if obtained_on is None:
        problems.append("Enter the date you obtained the certification.")
    _past_date(obtained_on, "date obtained", problems, today)
    if expires_on is not None and obtained_on is not None and expires_on < obtained_on:
        problems.append("The expiry date cannot be before the date obtained.")
    credential_id = (credential_id or "").strip()
    if len(credential_id) > CREDENTIAL_ID_MAX:
        problems.append(f"The credential ID may have at most {CREDENTIAL_ID_MAX} characters.")
    if problems:
        raise ValidationError("The certification was not saved.", problems=problems)
    row = Certification(
        person_id=person.id,
        name=name,
        issuer=issuer,
        category=category,
        obtained_on=obtained_on,
        expires_on=expires_on,
        credential_id=credential_id,
        catalogue_code=known.code if known else None,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=person,
        action="certification.add",
        entity=row,
        after={"name": name, "issuer": issuer, "category": category},
    )
    return row


def remove_qualification(session: Session, person: User, qualification_id: int) -> None:
    """Delete one of the person's own qualifications (someone else's: not found)."""
    row = session.get(Qualification, qualification_id)
    if row is None or row.person_id != person.id:
        raise NotFoundError("This qualification does not exist.")
    record_event(
        session,
        actor=person,
        action="qualification.remove",
        entity=row,
        before={"kind": row.kind, "title": row.title, "institution": row.institution},
    )
    session.delete(row)
    session.flush()


def remove_certification(session: Session, person: User, certification_id: int) -> None:
    """Delete one of the person's own certifications (someone else's: not found)."""
    row = session.get(Certification, certification_id)
    if row is None or row.person_id != person.id:
        raise NotFoundError("This certification does not exist.")
    record_event(
        session,
        actor=person,
        action="certification.remove",
        entity=row,
        before={"name": row.name, "issuer": row.issuer, "category": row.category},
    )
    session.delete(row)
    session.flush()


EXPIRY_HORIZON_DAYS = 90
EXPIRED_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class CertificationDue:
    """A person's certification that expires soon or has expired (for HR)."""

    certification_id: int
    person_id: int
    person_name: str
    person_email: str
    name: str
    issuer: str
    expires_on: date
    days_left: int  # negative once expired

    @property
    def is_expired(self) -> bool:
        return self.days_left < 0


def _due_filter(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Certification.expires_on.is_not(None),
        Certification.expires_on <= today + timedelta(days=EXPIRY_HORIZON_DAYS),
        Certification.expires_on >= today - timedelta(days=EXPIRED_LOOKBACK_DAYS),
        User.is_active.is_(True),
    )


def certifications_due(session: Session, today: date) -> list[CertificationDue]:
    """Certifications of active people expiring within 90 days or expired in the last year,
    soonest first (one query)."""
    rows = session.execute(
        sa.select(Certification, User.name, User.email)
        .join(User, User.id == Certification.person_id)
        .where(_due_filter(today))
        .order_by(Certification.expires_on, User.name, Certification.id)
    )
    return [
        CertificationDue(
            c.id,
            c.person_id,
            name,
            email,
            c.name,
            c.issuer,
            c.expires_on,
            (c.expires_on - today).days,
        )
        for c, name, email in rows
    ]


def certification_due_counts(session: Session, today: date) -> tuple[int, int]:
    """(expiring within 90 days, expired in the last year), in one query for HR's home page."""
    expired = Certification.expires_on < today
    row = session.execute(
        sa.select(sa.func.count().filter(sa.not_(expired)), sa.func.count().filter(expired))
        .select_from(Certification)
        .join(User, User.id == Certification.person_id)
        .where(_due_filter(today))
    ).one()
    return int(row[0]), int(row[1])
