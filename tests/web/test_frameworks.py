"""Reading the framework and role profiles in the browser."""

import pytest
import sqlalchemy as sa
from markupsafe import escape

from competencies.models import Competency, RoleProfile


def test_framework_page_lists_areas_competencies_and_crosswalk(hr_client):
    html = hr_client.get("/framework/").get_data(as_text=True)
    assert "Proficio IT Project Manager Framework" in html
    assert "Knowledge of server systems" in html
    assert "e-CF: <code>E.2</code>" in html


def test_competency_page_shows_descriptors_for_each_level(hr_client, db_session):
    planning = db_session.scalar(sa.select(Competency).where(Competency.code == "DEL-01"))
    html = hr_client.get(f"/framework/competencies/{planning.id}").get_data(as_text=True)
    for descriptor in planning.level_descriptors:
        assert str(escape(descriptor.description)) in html
    assert "IT Project Manager" in html


@pytest.mark.both_databases
def test_role_page_lists_must_competencies_first(candidate_client, db_session):
    profile = db_session.scalar(sa.select(RoleProfile).where(RoleProfile.code == "ITPM"))
    html = candidate_client.get(f"/framework/roles/{profile.id}").get_data(as_text=True)
    first_can = html.index("text-bg-secondary")
    last_must = html.rindex("text-bg-danger")
    assert last_must < first_can
    assert "Degree in technical informatics" in html


def test_missing_objects_answer_404(candidate_client):
    assert candidate_client.get("/framework/competencies/999999").status_code == 404
    assert candidate_client.get("/framework/roles/999999").status_code == 404
    assert candidate_client.get("/framework/roles/-1").status_code == 404
    assert candidate_client.get("/framework/roles/abc").status_code == 404


def test_framework_page_without_a_framework_says_so(client, db_session):
    from core.users import create_user

    create_user(db_session, email="h@example.com", name="H", role="hr", password="long-password-1")
    db_session.commit()
    client.post("/login", data={"email": "h@example.com", "password": "long-password-1"})
    assert "No competency framework has been published yet" in client.get("/").get_data(
        as_text=True
    )
    assert client.get("/framework/").status_code == 404
