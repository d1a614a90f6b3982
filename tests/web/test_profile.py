"""The profile page, the target role and the credentials pages through the web."""

import pytest
import sqlalchemy as sa

from assessments.models import Certification, Qualification, TargetRoleChoice
from assessments.target_roles import choose_target_role
from competencies.models import RoleProfile
from core.users import Role, get_user_by_email
from tests.factories import make_project_assessment, make_self_round, make_user
from tests.helpers import counting


def _role(db_session, code):
    return db_session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))


def _candidate(db_session, email="candidate@example.com"):
    return get_user_by_email(db_session, email)


def test_choosing_a_target_role_keeps_the_history(candidate_client, db_session):
    for code in ("JITPM", "ITPM"):
        response = candidate_client.post(
            "/profile/target-role", data={"role_profile_id": str(_role(db_session, code).id)}
        )
        assert response.status_code == 303
    page = candidate_client.get("/profile/target-role").get_data(as_text=True)
    assert "Your choices so far" in page and "Junior IT Project Manager" in page
    rows = db_session.scalars(sa.select(TargetRoleChoice).order_by(TargetRoleChoice.id)).all()
    assert [r.ended_at is None for r in rows] == [False, True]


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "NaN"])
def test_a_bad_target_role_is_refused(candidate_client, db_session, value):
    response = candidate_client.post("/profile/target-role", data={"role_profile_id": value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose the role you are aiming for." in html or "Choose one of the role" in html
    assert db_session.scalar(sa.select(sa.func.count(TargetRoleChoice.id))) == 0


def test_adding_and_removing_credentials(candidate_client, db_session):
    added = candidate_client.post(
        "/profile/qualifications/add",
        data={"q-kind": "technical_informatics", "q-title": "BSc", "q-completed_on": "2019-07-31"},
    )
    assert added.status_code == 303
    cert = candidate_client.post(
        "/profile/certifications/add",
        data={
            "c-name": "PRINCE2 Practitioner",
            "c-issuer": "PeopleCert",
            "c-category": "project_management",
            "c-obtained_on": "2023-04-01",
            "c-expires_on": "2026-04-01",
        },
    )
    assert cert.status_code == 303
    page = candidate_client.get("/profile/qualifications").get_data(as_text=True)
    assert "Degree in technical informatics: BSc" in page and "PRINCE2 Practitioner" in page
    qualification = db_session.scalar(sa.select(Qualification))
    removed = candidate_client.post(f"/profile/qualifications/{qualification.id}/remove")
    assert removed.status_code == 303
    assert db_session.scalar(sa.select(sa.func.count(Qualification.id))) == 0


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/profile/qualifications/add", {"q-kind": "other"}, "Enter the title."),
        ("/profile/qualifications/add", {"q-kind": "nonsense"}, "Choose a kind from the list."),
        (
            "/profile/qualifications/add",
            {"q-kind": "comparable", "q-completed_on": "2026-02-30"},
            "Enter a real date",
        ),
        (
            "/profile/certifications/add",
            {"c-name": "PMP", "c-issuer": "PMI", "c-category": "project_management"},
            "Enter the date you obtained it.",
        ),
        (
            "/profile/certifications/add",
            {
                "c-name": "PMP",
                "c-issuer": "PMI",
                "c-category": "project_management",
                "c-obtained_on": "2024-01-01",
                "c-expires_on": "2023-01-01",
            },
            "expiry date cannot be before",
        ),
        (
            "/profile/certifications/add",
            {
                "c-name": "x" * 201,
                "c-issuer": "PMI",
                "c-category": "agile",
                "c-obtained_on": "2024-01-01",
            },
            "Field cannot be longer than 200 characters.",
        ),
    ],
)
def test_bad_credentials_are_refused_with_a_message(
    candidate_client, db_session, url, data, message
):
    response = candidate_client.post(url, data=data)
    assert response.status_code in (400, 422)
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Qualification.id))) == 0
    assert db_session.scalar(sa.select(sa.func.count(Certification.id))) == 0


def test_someone_elses_credentials_cannot_be_removed(client_for, db_session):
    owner = _candidate(db_session, "candidate2@example.com")
    db_session.add(Qualification(person_id=owner.id, kind="comparable"))
    db_session.commit()
    qualification = db_session.scalar(sa.select(Qualification))
    response = client_for("candidate").post(f"/profile/qualifications/{qualification.id}/remove")
    assert response.status_code == 404
    assert db_session.scalar(sa.select(sa.func.count(Qualification.id))) == 1


def test_the_profile_shows_chart_gaps_readiness_trend_and_qualifications(
    candidate_client, db_session
):
    person = _candidate(db_session)
    choose_target_role(db_session, person, _role(db_session, "ITPM").id)
    make_self_round(db_session, person, {"DEL-01": 1})
    make_self_round(db_session, person, {"DEL-01": 3})
    db_session.commit()
    html = candidate_client.get("/profile/").get_data(as_text=True)
    assert "<svg" in html and "Target (IT Project Manager)" in html
    assert "Must-gate" in html and "Fit score" in html
    assert "Gaps to IT Project Manager" in html and "▲ +2" in html
    assert "A route into the role (any one)" in html
    assert html.index("must</span>") < html.index("can</span>")


def test_the_profile_without_rounds_invites_a_first_round(candidate_client):
    html = candidate_client.get("/profile/").get_data(as_text=True)
    assert "Do your first self-assessment" in html and "<svg" not in html


def _queries_for(app_engine, client, url):
    with counting(app_engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.both_databases
@pytest.mark.parametrize("url", ["/profile/", "/assessments/"])
def test_pages_issue_the_same_number_of_queries_with_one_or_many_rounds_and_people(
    candidate_client, db_session, app_engine, url
):
    person = _candidate(db_session)
    choose_target_role(db_session, person, _role(db_session, "ITPM").id)
    make_self_round(db_session, person)
    db_session.commit()
    few = _queries_for(app_engine, candidate_client, url)
    for level in (1, 3, 4, 5):
        make_self_round(db_session, person, default_level=level)
    for _ in range(5):
        other = make_user(db_session)
        choose_target_role(db_session, other, _role(db_session, "SITPM").id)
        make_self_round(db_session, other)
        make_project_assessment(
            db_session, person, make_user(db_session, role=Role.MANAGER), {"DEL-01": 2}
        )
    make_self_round(db_session, person, submit=False)
    db_session.commit()
    many = _queries_for(app_engine, candidate_client, url)
    assert few == many, (few, many)


@pytest.mark.both_databases
def test_a_warm_profile_or_recommendations_page_is_two_queries(
    candidate_client, app_engine, db_session
):
    """A page served from the cache reads the signed-in user and the page's stamp, nothing
    more; a change is still seen on the next visit."""
    from tests.helpers import counting

    for page in ("/profile/", "/training/recommendations"):
        assert candidate_client.get(page).status_code == 200
        with counting(app_engine) as statements:
            assert candidate_client.get(page).status_code == 200
        assert len(statements) == 2, (page, statements)
    assert "Self-assessed" not in candidate_client.get("/profile/").get_data(as_text=True)
    person = _candidate(db_session)
    make_self_round(db_session, person, {"DEL-01": 3})
    db_session.commit()
    assert "Self-assessed" in candidate_client.get("/profile/").get_data(as_text=True)


def test_a_certification_from_the_catalogue_fills_in_its_facts_and_expiry(
    candidate_client, db_session
):
    import sqlalchemy as sa

    from assessments.models import Certification

    response = candidate_client.post(
        "/profile/certifications/add",
        data={"c-catalogue_code": "PMP", "c-obtained_on": "2025-03-15"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    row = db_session.scalar(sa.select(Certification).where(Certification.catalogue_code == "PMP"))
    assert row.name == "Project Management Professional (PMP)"
    assert row.issuer == "Project Management Institute (PMI)"
    assert row.category == "project_management"
    assert row.expires_on.isoformat() == "2028-03-15"  # PMI: a three-year cycle
    page = candidate_client.get("/profile/qualifications").get_data(as_text=True)
    assert "Earn 60 professional development units" in page
    assert 'href="https://www.pmi.org/certifications/maintain/"' in page


def test_a_never_expiring_certification_and_a_typed_expiry_are_kept(candidate_client, db_session):
    import sqlalchemy as sa

    from assessments.models import Certification

    candidate_client.post(
        "/profile/certifications/add",
        data={"c-catalogue_code": "PSM-I", "c-obtained_on": "2024-02-29"},
    )
    candidate_client.post(
        "/profile/certifications/add",
        data={
            "c-catalogue_code": "ITIL4-F",
            "c-obtained_on": "2024-02-29",
            "c-expires_on": "2027-01-31",
        },
    )
    rows = {
        c.catalogue_code: c.expires_on
        for c in db_session.scalars(
            sa.select(Certification).where(Certification.catalogue_code.is_not(None))
        )
    }
    assert rows["PSM-I"] is None and rows["ITIL4-F"].isoformat() == "2027-01-31"


def test_other_certifications_still_need_their_details(candidate_client):
    refused = candidate_client.post(
        "/profile/certifications/add", data={"c-obtained_on": "2025-01-10"}
    )
    assert refused.status_code == 422
    unknown = candidate_client.post(
        "/profile/certifications/add",
        data={"c-catalogue_code": "NOPE", "c-obtained_on": "2025-01-10"},
    )
    assert (
        unknown.status_code == 400
        and "Choose a certification from the list" in unknown.get_data(as_text=True)
    )


def test_the_catalogue_expiry_handles_a_leap_day():
    from datetime import date

    from assessments.certification_catalogue import entry

    assert entry("PRINCE2-P").expiry_for(date(2024, 2, 29)) == date(2027, 2, 28)
    assert entry("IPMA-C").expiry_for(date(2024, 2, 29)) == date(2029, 2, 28)
    assert entry("PSM-I").expiry_for(date(2024, 2, 29)) is None
