"""Reporting lines on the web: HR sets them, the person sees them, plans follow them."""

import sqlalchemy as sa

from core.users import User, get_user_by_email
from tests.factories import make_plan, make_project


def _user(db_session, email):
    return get_user_by_email(db_session, email)


def test_hr_sets_a_line_manager_and_the_person_sees_it(client_for, db_session):
    hr = client_for("hr")
    sam = _user(db_session, "candidate2@example.com")
    morgan = _user(db_session, "manager@example.com")
    page = hr.get("/hr/people/?q=demo-candidate")
    assert page.status_code == 200 and "Sam Demo-Candidate" in page.get_data(as_text=True)
    response = hr.post(f"/hr/people/{sam.id}", data={"line_manager_id": str(morgan.id)})
    assert response.status_code == 303
    db_session.expire_all()
    assert _user(db_session, "candidate2@example.com").line_manager_id == morgan.id
    page = client_for("candidate2").get("/plans/", follow_redirects=True).get_data(as_text=True)
    assert "Line manager: <strong>Morgan Demo-Manager</strong>" in page
    team = client_for("manager").get("/team/").get_data(as_text=True)
    assert "Sam Demo-Candidate" in team


def test_a_line_manager_must_be_a_manager_account(client_for, db_session):
    sam = _user(db_session, "candidate2@example.com")
    admin = _user(db_session, "admin@example.com")
    response = client_for("hr").post(
        f"/hr/people/{sam.id}", data={"line_manager_id": str(admin.id)}
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    bogus = client_for("hr").post(f"/hr/people/{sam.id}", data={"line_manager_id": "99999999"})
    assert bogus.status_code == 400
    db_session.expire_all()
    assert _user(db_session, "candidate2@example.com").line_manager_id != admin.id


def test_a_manager_who_adds_a_person_to_a_project_sees_none_of_their_plans(client_for, db_session):
    """Issue 24, high 1: adding a candidate to one's own project granted their plans. Neither
    the request nor the person's acceptance grants any now; the line manager keeps them."""
    alex = _user(db_session, "candidate@example.com")
    robin = _user(db_session, "manager2@example.com")
    plan = make_plan(db_session, alex)
    project = make_project(db_session, robin, title="Robin's own project")
    db_session.commit()
    manager2 = client_for("manager2")
    asked = manager2.post(
        f"/evaluations/{project.id}/candidates", data={"email": alex.email, "name": "Alex"}
    )
    assert asked.status_code == 303

    def plans_stay_hidden():
        for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/pdf", f"/plans/{plan.id}/versions"):
            assert manager2.get(url).status_code == 404, url
        assert manager2.post(f"/plans/{plan.id}/discard", data={}).status_code == 404

    plans_stay_hidden()
    accepted = client_for("candidate").post(
        f"/my-evaluations/{project.id}/answer", data={"accept": "Accept"}
    )
    assert accepted.status_code == 303
    plans_stay_hidden()
    assert client_for("manager").get(f"/plans/{plan.id}").status_code == 200  # line manager
    db_session.expire_all()
    assert db_session.get(type(plan), plan.id) is not None


def test_admins_do_not_read_development_plans(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    plan = make_plan(db_session, alex)
    db_session.commit()
    assert client_for("admin").get(f"/plans/{plan.id}").status_code == 404
    assert db_session.scalar(sa.select(sa.func.count(User.id))) >= 6
