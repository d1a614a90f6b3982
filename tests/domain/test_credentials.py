"""Recording qualifications and certifications: clear refusals, own records only, audited."""

from datetime import date

import pytest
import sqlalchemy as sa

from assessments.credentials import (
    add_certification,
    add_qualification,
    list_certifications,
    list_qualifications,
    remove_certification,
    remove_qualification,
)
from core.audit import AuditEvent
from core.errors import NotFoundError, ValidationError
from tests.factories import make_user

TODAY = date(2026, 6, 1)


def test_other_qualification_needs_a_title(session):
    person = make_user(session)
    with pytest.raises(ValidationError) as error:
        add_qualification(session, person, kind="other", today=TODAY)
    assert error.value.problems == ["Enter the title."]
    row = add_qualification(session, person, kind="other", title="MBA", today=TODAY)
    assert list_qualifications(session, person.id) == [row]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (dict(kind="wizard"), "Choose the kind of qualification from the list."),
        (dict(kind="comparable", completed_on=date(2027, 1, 1)), "cannot be in the future"),
        (dict(kind="comparable", completed_on=date(1900, 1, 1)), "check the year"),
        (dict(kind="comparable", institution="x" * 201), "at most 200 characters"),
    ],
)
def test_bad_qualifications_are_refused(session, values, problem):
    person = make_user(session)
    with pytest.raises(ValidationError) as error:
        add_qualification(session, person, today=TODAY, **values)
    assert any(problem in p for p in error.value.problems)


def test_certification_dates_must_make_sense(session):
    person = make_user(session)
    with pytest.raises(ValidationError) as error:
        add_certification(
            session,
            person,
            name="PMP",
            issuer="PMI",
            category="project_management",
            obtained_on=date(2024, 5, 1),
            expires_on=date(2024, 4, 30),
            today=TODAY,
        )
    assert error.value.problems == ["The expiry date cannot be before the date obtained."]
    with pytest.raises(ValidationError, match="not saved"):
        add_certification(
            session, person, name="", issuer="", category="?", obtained_on=None, today=TODAY
        )


def test_people_only_remove_their_own_records_and_removals_are_audited(session):
    owner, other = make_user(session), make_user(session)
    qualification = add_qualification(session, owner, kind="comparable", today=TODAY)
    certification = add_certification(
        session,
        owner,
        name="ITIL 4 Foundation",
        issuer="PeopleCert",
        category="it_service_management",
        obtained_on=date(2023, 3, 1),
        today=TODAY,
    )
    with pytest.raises(NotFoundError):
        remove_qualification(session, other, qualification.id)
    with pytest.raises(NotFoundError):
        remove_certification(session, other, certification.id)
    remove_qualification(session, owner, qualification.id)
    remove_certification(session, owner, certification.id)
    assert list_qualifications(session, owner.id) == []
    assert list_certifications(session, owner.id) == []
    actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {"qualification.remove", "certification.remove", "certification.add"} <= actions
