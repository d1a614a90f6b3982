"""Project evaluations through the web: every page, bad input, who may do what, the rating
sheet, corrections, release, the candidate's view, CSV and the number of queries."""

import csv
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments.models import Assessment, Rating
from competencies.models import RoleProfile
from core.audit import AuditEvent
from core.invitations import Invitation
from core.users import get_user_by_email
from evaluations.models import EvaluationProject
from tests.factories import (
    competencies_by_code,
    make_project,
    make_project_assessment,
    make_self_round,
    make_user,
)
from tests.helpers import counting, login

PASSWORD = "proficio-demo"


def _user(db_session, email):
    return get_user_by_email(db_session, email)


def _role_id(db_session, code="ITPM"):
    return db_session.scalar(sa.select(RoleProfile.id).where(RoleProfile.code == code))


def _form(db_session, **overrides):
    data = {
        "title": "Migrate the file servers",
        "kind": "case",
        "description": "40 servers to a virtual platform in one quarter.",
        "budget": "250 000",
        "currency": "EUR",
        "start_on": "2026-03-01",
        "deadline_on": "2026-05-31",
        "technologies": "Linux, VMware, Ansible",
        "role_profile_id": str(_role_id(db_session)),
    }
    data.update(overrides)
    return data


@pytest.fixture()
def project(db_session, seeded):
    """manager@ owns it; manager2@ co-evaluates; candidate@ is its only candidate."""
    project = make_project(
        db_session,
        _user(db_session, "manager@example.com"),
        candidates=[_user(db_session, "candidate@example.com")],
        co_evaluators=[_user(db_session, "manager2@example.com")],
    )
    db_session.commit()
    return project


def _sheet_data(db_session, version, level="3", **extra):
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    data = {"version": str(version)}
    for competency in competencies_by_code(db_session, framework_id).values():
        data[f"c{competency.id}_level"] = level
    data.update(extra)
    return data


def _sheet_of(db_session, project_id, assessor_email, candidate_id=None):
    db_session.expire_all()
    assessor = _user(db_session, assessor_email)
    query = sa.select(Assessment).where(
        Assessment.evaluation_project_id == project_id, Assessment.assessor_id == assessor.id
    )
    if candidate_id is not None:
        query = query.where(Assessment.subject_id == candidate_id)
    return db_session.scalar(query)


def _rate_and_submit(client, db_session, project_id, candidate_id, email, level="3", **extra):
    base = f"/evaluations/{project_id}/candidates/{candidate_id}/sheet"
    response = client.post(base, data=_sheet_data(db_session, 0, level, **extra))
    assert response.status_code == 303, response.get_data(as_text=True)
    sheet = _sheet_of(db_session, project_id, email, candidate_id)
    response = client.post(f"{base}/submit", data={"version": str(sheet.version), "confirm": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return _sheet_of(db_session, project_id, email, candidate_id)


# ---------------------------------------------------------------- creating and editing


def test_a_manager_creates_a_project_and_lands_on_its_page(manager_client, db_session):
    response = manager_client.post("/evaluations/new", data=_form(db_session))
    assert response.status_code == 303
    project = db_session.scalar(sa.select(EvaluationProject))
    assert project.budget_cents == 25_000_000 and project.technologies == [
        "Linux",
        "VMware",
        "Ansible",
    ]
    html = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Migrate the file servers" in html and "250,000.00 EUR" in html
    assert "Ask someone to join as candidate" in html and "Add a co-evaluator" in html


def test_the_new_project_form_renders_with_the_role_profiles(manager_client):
    html = manager_client.get("/evaluations/new").get_data(as_text=True)
    assert "IT Project Manager" in html and 'type="date"' in html
    assert 'name="kind"' in html and "Case study" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deadline_on": "2026-02-01"}, "The deadline cannot be before the start date."),
        ({"deadline_on": "2026-02-30"}, "Enter a real date, for example 2026-03-31."),
        ({"start_on": ""}, "Enter the start date."),
        ({"budget": "-5"}, "Enter the budget in digits"),
        ({"budget": "NaN"}, "Enter the budget in digits"),
        ({"budget": "1e9"}, "Enter the budget in digits"),
        ({"budget": "12,50"}, "Enter the budget in digits"),
        ({"budget": "99999999999999"}, "The budget may be at most 10,000,000,000."),
        ({"budget": "100", "currency": ""}, "Choose the currency of the budget."),
        ({"budget": "", "currency": "EUR"}, "Enter a budget amount too"),
        ({"currency": "XXX"}, "Choose a currency."),
        ({"title": ""}, "Enter a title."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"kind": "pilot"}, "Not a valid choice"),
        ({"role_profile_id": "999999"}, "Choose one of the role profiles listed."),
        ({"role_profile_id": "' OR 1=1--"}, "Choose one of the role profiles listed."),
    ],
)
def test_bad_project_input_is_refused_with_a_message_and_nothing_saved(
    manager_client, db_session, overrides, message
):
    response = manager_client.post("/evaluations/new", data=_form(db_session, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(EvaluationProject.id))) == 0


@pytest.mark.both_databases
def test_the_owner_edits_and_a_stale_edit_is_a_conflict(manager_client, db_session, project):
    page = manager_client.get(f"/evaluations/{project.id}/edit").get_data(as_text=True)
    assert 'value="Linux, VMware"' in page
    data = _form(db_session, title="Renamed case", version=str(project.version))
    assert manager_client.post(f"/evaluations/{project.id}/edit", data=data).status_code == 303
    stale = manager_client.post(f"/evaluations/{project.id}/edit", data=data)
    assert stale.status_code == 409
    assert "changed in another tab or by someone else" in stale.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(EvaluationProject, project.id).title == "Renamed case"


# ---------------------------------------------------------------- people and invitations


def _ask(manager_client, project_id, email, name="Typed Name"):
    return manager_client.post(
        f"/evaluations/{project_id}/candidates", data={"email": email, "name": name}
    )


def _join(manager_client, candidate_client, project_id, email, *, share=True):
    """The owner asks, the person accepts (sharing the self-assessment unless told not to)."""
    assert _ask(manager_client, project_id, email).status_code == 303
    data = {"accept": "Accept"} | ({"share_self_assessment": "y"} if share else {})
    answer = candidate_client.post(f"/my-evaluations/{project_id}/answer", data=data)
    assert answer.status_code == 303, answer.get_data(as_text=True)


def _mails(app, to):
    from email import message_from_bytes, policy

    outbox = Path(app.instance_path) / "mail"
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    return [m for m in mails if m["To"] == to]


def _text(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def _flash(response, client):
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"Request sent to [^<]*", page).group(0)


@pytest.mark.both_databases
def test_the_owner_cannot_tell_whether_an_address_has_an_account(
    manager_client, db_session, project
):
    """Issue 24: an existing candidate, a manager, HR and an unknown address get the same
    answer, the same row ("Typed Name", invited) and nothing else."""
    answers = set()
    for email in ("candidate2@example.com", "hr@example.com", "nobody@example.com"):
        response = _ask(manager_client, project.id, email, name="Typed Name")
        assert response.status_code == 303
        answers.add(_flash(response, manager_client).replace(email, "EMAIL"))
    assert answers == {
        "Request sent to Typed Name (EMAIL). They appear as invited until they accept."
    }
    page = manager_client.get(f"/evaluations/{project.id}").get_data(as_text=True)
    people = page[page.index('id="people-heading"') :]
    assert people.count('Typed Name <span class="badge text-bg-light border">invited</span>') == 3
    for hidden in ("Sam Demo-Candidate", "candidate2@example.com", "Harper Demo-HR"):
        assert hidden not in page
    assert "Ask again" in people and "New invitation link" not in people


def test_asking_refuses_bad_input_with_a_message(app, manager_client, db_session, project):
    url = f"/evaluations/{project.id}/candidates"
    bad = manager_client.post(url, data={"email": "not-an-email", "name": "Someone"})
    assert bad.status_code == 400 and "Enter a valid email address" in bad.get_data(as_text=True)
    nameless = manager_client.post(url, data={"email": "someone@example.com", "name": ""})
    assert nameless.status_code == 400
    assert "Enter the person&#39;s name" in nameless.get_data(as_text=True)
    again = _ask(manager_client, project.id, "candidate@example.com")
    assert again.status_code == 422
    assert "already in this project (candidate, accepted)" in again.get_data(as_text=True)
    # A refused request writes nothing, and mails nobody.
    assert _mails(app, "candidate@example.com") == [] and _mails(app, "someone@example.com") == []


def test_a_person_new_to_proficio_activates_through_the_mailed_link_and_answers(
    manager_client, app, db_session, project
):
    _ask(manager_client, project.id, "Nia@Example.com", name="Nia New")
    (mail,) = _mails(app, "nia@example.com")
    assert mail["Subject"].startswith("Morgan Demo-Manager asks you to join")
    link = re.search(r"http://localhost(/invitations/\S+)", _text(mail)).group(1)
    assert link in mail.get_body(preferencelist=("html",)).get_content()

    visitor = app.test_client()
    locked = visitor.post("/login", data={"email": "nia@example.com", "password": "x" * 12})
    assert locked.status_code == 401  # the account is locked until the link is used
    page = visitor.get(link)
    assert page.status_code == 200 and "Welcome to Proficio, Nia New" in page.get_data(as_text=True)
    mismatch = visitor.post(link, data={"password": "a-good-password", "confirm": "other-one1"})
    assert mismatch.status_code == 400
    done = visitor.post(link, data={"password": "a-good-password", "confirm": "a-good-password"})
    assert done.status_code == 303
    home = visitor.get("/").get_data(as_text=True)
    assert "1 request to join an evaluation project" in home
    requests = visitor.get("/my-evaluations/").get_data(as_text=True)
    assert "Morgan Demo-Manager asks you to join as a candidate" in requests
    assert "Never your development plans" in requests
    assert app.test_client().get(link).status_code == 404  # used
    answer = visitor.post(f"/my-evaluations/{project.id}/answer", data={"accept": "Accept"})
    assert answer.status_code == 303
    detail = manager_client.get(f"/evaluations/{project.id}").get_data(as_text=True)
    assert "nia@example.com" in detail and "Rate Nia New" in detail


def test_an_existing_candidate_answers_in_proficio_and_nothing_shows_before(
    manager_client, client_for, app, db_session, project
):
    sam = _user(db_session, "candidate2@example.com")
    _ask(manager_client, project.id, sam.email, name="Sam")
    (mail,) = _mails(app, sam.email)
    assert "/invitations/" not in _text(mail) and "/my-evaluations/" in _text(mail)
    # Before Sam answers, the owner can neither rate nor read anything of Sam.
    for url in (
        f"/evaluations/{project.id}/candidates/{sam.id}/sheet",
        f"/evaluations/{project.id}/candidates/{sam.id}/results",
    ):
        assert manager_client.get(url).status_code == 404, url
    comparison = manager_client.get(f"/evaluations/{project.id}/comparison")
    assert "Sam Demo-Candidate" not in comparison.get_data(as_text=True)
    sam_client = client_for("candidate2")
    neither = sam_client.post(f"/my-evaluations/{project.id}/answer", data={})
    assert neither.status_code == 400 and "Choose Accept or Decline" in neither.get_data(
        as_text=True
    )
    declined = sam_client.post(f"/my-evaluations/{project.id}/answer", data={"decline": "Decline"})
    assert declined.status_code == 303
    twice = sam_client.post(f"/my-evaluations/{project.id}/answer", data={"accept": "Accept"})
    assert twice.status_code == 409 and "already answered" in twice.get_data(as_text=True)
    page = manager_client.get(f"/evaluations/{project.id}").get_data(as_text=True)
    assert "declined" in page and "Rate Sam" not in page
    other = client_for("candidate").post(
        f"/my-evaluations/{project.id}/answer", data={"accept": "Accept"}
    )
    assert other.status_code == 409  # Alex's own membership was accepted long ago


def test_asking_again_mails_a_new_link_and_the_old_one_stops_working(
    manager_client, app, db_session, project
):
    _ask(manager_client, project.id, "ola@example.com", name="Ola Late")
    ola = _user(db_session, "ola@example.com")
    (first,) = _mails(app, "ola@example.com")
    again = manager_client.post(f"/evaluations/{project.id}/candidates/{ola.id}/ask-again")
    assert again.status_code == 303
    # Both mails may carry the same Date (seconds): tell them apart by their Message-ID.
    (second,) = [
        m for m in _mails(app, "ola@example.com") if m["Message-ID"] != first["Message-ID"]
    ]
    old = re.search(r"http://localhost(/invitations/\S+)", _text(first)).group(1)
    new = re.search(r"http://localhost(/invitations/\S+)", _text(second)).group(1)
    assert old != new
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200
    assert db_session.scalar(sa.select(sa.func.count(Invitation.id))) == 2


def test_the_evaluators_see_the_self_assessment_only_while_the_person_shares_it(
    manager_client, client_for, db_session, project
):
    sam = _user(db_session, "candidate2@example.com")
    sam_client = client_for("candidate2")
    _join(manager_client, sam_client, project.id, sam.email, share=False)
    url = f"/evaluations/{project.id}/candidates/{sam.id}/results"
    assert "not shared" in manager_client.get(url).get_data(as_text=True)
    shown = sam_client.post(
        f"/my-evaluations/{project.id}/sharing", data={"share_self_assessment": "y"}
    )
    assert shown.status_code == 303
    assert "not shared" not in manager_client.get(url).get_data(as_text=True)
    assert sam_client.post(f"/my-evaluations/{project.id}/sharing", data={}).status_code == 303
    assert "not shared" in manager_client.get(url).get_data(as_text=True)
    events = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "evaluation.candidate.sharing")
    ).all()
    assert len(events) == 2


def test_add_and_remove_a_co_evaluator(manager_client, db_session, seeded):
    project = make_project(db_session, _user(db_session, "manager@example.com"))
    db_session.commit()
    url = f"/evaluations/{project.id}/co-evaluators"
    refused = manager_client.post(url, data={"email": "hr@example.com"})
    assert refused.status_code == 422 and "not the email of an active hiring manager" in (
        refused.get_data(as_text=True)
    )
    assert manager_client.post(url, data={"email": "manager2@example.com"}).status_code == 303
    robin = _user(db_session, "manager2@example.com")
    response = manager_client.post(f"/evaluations/{project.id}/members/{robin.id}/remove")
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(EvaluationProject, project.id).role_of(robin.id) is None


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/evaluations/{p}/edit"),
        ("post", "/evaluations/{p}/edit"),
        ("post", "/evaluations/{p}/candidates"),
        ("post", "/evaluations/{p}/candidates/{c}/ask-again"),
        ("post", "/evaluations/{p}/co-evaluators"),
        ("post", "/evaluations/{p}/members/{c}/remove"),
        ("post", "/evaluations/{p}/archive"),
        ("post", "/evaluations/{p}/release"),
    ],
)
def test_a_co_evaluator_cannot_change_the_project(client_for, db_session, project, method, path):
    candidate = _user(db_session, "candidate@example.com")
    co = client_for("manager2")
    url = path.format(p=project.id, c=candidate.id)
    response = getattr(co, method)(url, data=_form(db_session, title="Hijacked", confirm="y"))
    assert response.status_code == 403
    db_session.expire_all()
    stored = db_session.get(EvaluationProject, project.id)
    assert stored.title != "Hijacked" and not stored.is_results_released
    assert stored.role_of(candidate.id) == "candidate" and not stored.is_archived


def test_a_co_evaluator_sees_the_project_and_rates(client_for, db_session, project):
    co = client_for("manager2")
    html = co.get(f"/evaluations/{project.id}").get_data(as_text=True)
    assert "You co-evaluate this project" in html and "Ask someone to join" not in html
    candidate = _user(db_session, "candidate@example.com")
    sheet = _rate_and_submit(co, db_session, project.id, candidate.id, "manager2@example.com")
    assert sheet.is_submitted and sheet.evaluation_project_id == project.id


OUTSIDER_URLS = [
    ("get", "/evaluations/{p}"),
    ("get", "/evaluations/{p}/edit"),
    ("get", "/evaluations/{p}/comparison"),
    ("get", "/evaluations/{p}/comparison.csv"),
    ("get", "/evaluations/{p}/candidates/{c}/results"),
    ("get", "/evaluations/{p}/candidates/{c}/sheet"),
    ("post", "/evaluations/{p}/candidates/{c}/sheet"),
    ("post", "/evaluations/{p}/candidates/{c}/sheet/autosave"),
    ("post", "/evaluations/{p}/candidates/{c}/sheet/submit"),
    ("get", "/evaluations/{p}/sheets/{s}"),
    ("post", "/evaluations/{p}/sheets/{s}/corrections"),
    ("post", "/evaluations/{p}/candidates"),
    ("post", "/evaluations/{p}/release"),
    ("post", "/evaluations/{p}/archive"),
]


@pytest.mark.parametrize(("method", "path"), OUTSIDER_URLS)
def test_a_manager_outside_the_project_gets_404_for_everything(
    app, manager_client, db_session, project, method, path
):
    candidate = _user(db_session, "candidate@example.com")
    sheet = _rate_and_submit(
        manager_client, db_session, project.id, candidate.id, "manager@example.com"
    )
    outsider_email = "outsider.manager@example.com"
    make_user(db_session, email=outsider_email, role="manager", password=PASSWORD)
    db_session.commit()
    outsider = app.test_client()
    assert login(outsider, outsider_email).status_code == 302
    ratings_before = db_session.scalar(sa.select(sa.func.count(Rating.id)))
    url = path.format(p=project.id, c=candidate.id, s=sheet.id)
    response = getattr(outsider, method)(url, data=_sheet_data(db_session, 0, email="x@y.z"))
    assert response.status_code == 404
    assert "Migrate" not in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Rating.id))) == ratings_before


@pytest.mark.parametrize("role", ["candidate", "candidate2", "admin"])
def test_candidates_and_admins_cannot_open_manager_pages(client_for, project, role):
    client = client_for(role)
    for url in (
        "/evaluations/",
        f"/evaluations/{project.id}",
        f"/evaluations/{project.id}/comparison",
        f"/evaluations/{project.id}/comparison.csv",
    ):
        assert client.get(url).status_code == 403, url


def test_candidates_see_results_only_after_release_and_only_their_own(
    client_for, manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    url = f"/my-evaluations/{project.id}"
    _rate_and_submit(manager_client, db_session, project.id, alex.id, "manager@example.com")
    candidate = client_for("candidate")
    listing = candidate.get("/my-evaluations/").get_data(as_text=True)
    assert "not released yet" in listing
    assert candidate.get(url).status_code == 404  # a candidate before release
    before = manager_client.post(f"/evaluations/{project.id}/release", data={})
    assert before.status_code == 400 and "Tick the box" in before.get_data(as_text=True)
    released = manager_client.post(f"/evaluations/{project.id}/release", data={"confirm": "y"})
    assert released.status_code == 303
    page = candidate.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your results" in html
    assert "Morgan Demo-Manager" not in html and "Robin Demo-Manager" not in html
    assert client_for("candidate2").get(url).status_code == 404  # a candidate of no project
    # Sam, a candidate of another project, gets 404 here too.
    other = make_project(
        db_session,
        _user(db_session, "manager2@example.com"),
        candidates=[_user(db_session, "candidate2@example.com")],
        released=True,
    )
    db_session.commit()
    sam = client_for("candidate2")
    assert sam.get(url).status_code == 404
    assert sam.get(f"/my-evaluations/{other.id}").status_code == 200
    assert candidate.get(f"/my-evaluations/{other.id}").status_code == 404
    profile = candidate.get("/profile/").get_data(as_text=True)
    assert "Evaluated levels come from" in profile and project.title in profile
    assert "<svg" in profile  # the radar shows the evaluated series even without self rounds


def test_hr_reads_every_project_read_only_and_each_view_is_audited(
    client_for, manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    sheet = _rate_and_submit(manager_client, db_session, project.id, alex.id, "manager@example.com")
    hr = client_for("hr")
    assert project.title in hr.get("/evaluations/").get_data(as_text=True)
    html = hr.get(f"/evaluations/{project.id}").get_data(as_text=True)
    assert "You read this project as HR" in html and "Add an existing candidate" not in html
    assert "Edit details" not in html and "Release results" not in html
    assert hr.get(f"/evaluations/{project.id}/sheets/{sheet.id}").status_code == 200
    assert hr.get(f"/evaluations/{project.id}/candidates/{alex.id}/results").status_code == 200
    assert hr.post(f"/evaluations/{project.id}/release", data={"confirm": "y"}).status_code == 403
    assert hr.get(f"/evaluations/{project.id}/candidates/{alex.id}/sheet").status_code == 403
    actions = set(
        db_session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.actor_email == "hr@example.com")
        )
    )
    assert {"evaluation.view", "evaluation.sheet.view", "evaluation.results.view"} <= actions


# ---------------------------------------------------------------- the rating sheet


def test_the_sheet_shows_the_rubric_and_saves_levels_not_observed_and_evidence(
    manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    base = f"/evaluations/{project.id}/candidates/{alex.id}/sheet"
    html = manager_client.get(base).get_data(as_text=True)
    assert "not started" in html and "Not observed" in html
    assert "Practitioner (e-2)" in html and "Rate Alex Demo-Candidate" in html
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    data = {
        "version": "0",
        f"c{plan.id}_level": "na",
        f"c{plan.id}_ev_kind": "observation",
        f"c{plan.id}_ev_text": "<script>alert(1)</script> planned the waves",
    }
    assert manager_client.post(base, data=data).status_code == 303
    sheet = _sheet_of(db_session, project.id, "manager@example.com")
    assert sheet.current_ratings[plan.id].level is None
    page = manager_client.get(base).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; planned the waves" in page
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize(
    ("value", "status"), [("9", 400), ("-1", 400), ("3.5", 400), ("NaN", 400), ("", 303)]
)
def test_levels_outside_the_scale_are_refused(manager_client, db_session, project, value, status):
    alex = _user(db_session, "candidate@example.com")
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    response = manager_client.post(
        f"/evaluations/{project.id}/candidates/{alex.id}/sheet",
        data={"version": "0", f"c{plan.id}_level": value},
    )
    assert response.status_code == status
    if status == 400:
        assert "Choose a level from 0 to 5" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Rating.id))) == 0


def test_an_evaluators_level_posted_by_someone_else_changes_nothing(
    client_for, manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    base = f"/evaluations/{project.id}/candidates/{alex.id}/sheet"
    manager_client.post(base, data=_sheet_data(db_session, 0, "2"))
    sheet = _sheet_of(db_session, project.id, "manager@example.com")
    # Robin posts to the same URL: it writes Robin's own sheet, never Morgan's.
    co = client_for("manager2")
    assert co.post(base, data=_sheet_data(db_session, 0, "5")).status_code == 303
    db_session.expire_all()
    assert {r.level for r in db_session.get(Assessment, sheet.id).ratings if r.is_current} == {2}
    # Alex posting levels about himself is refused by role.
    assert (
        client_for("candidate").post(base, data=_sheet_data(db_session, 0, "5")).status_code == 403
    )


@pytest.mark.both_databases
def test_a_stale_sheet_save_is_a_409_and_keeps_what_was_typed(manager_client, db_session, project):
    alex = _user(db_session, "candidate@example.com")
    base = f"/evaluations/{project.id}/candidates/{alex.id}/sheet"
    manager_client.post(base, data=_sheet_data(db_session, 0, "2"))
    response = manager_client.post(base, data=_sheet_data(db_session, 0, "4"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed in another tab or window" in html and re.search(r'value="4"\s+checked', html)


def test_autosave_starts_the_sheet_and_returns_the_version(manager_client, db_session, project):
    alex = _user(db_session, "candidate@example.com")
    url = f"/evaluations/{project.id}/candidates/{alex.id}/sheet/autosave"
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    first = manager_client.post(url, data={"version": "0", f"c{plan.id}_level": "3"})
    assert first.status_code == 200 and first.json["changed"] == 1
    second = manager_client.post(
        url, data={"version": str(first.json["version"]), f"c{plan.id}_level": "4"}
    )
    assert second.status_code == 200 and second.json["version"] == first.json["version"] + 1
    bad = manager_client.post(url, data={"version": "x", f"c{plan.id}_level": "4"})
    assert bad.status_code == 400


def test_submitting_needs_every_competency_then_the_sheet_is_locked(
    manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    base = f"/evaluations/{project.id}/candidates/{alex.id}/sheet"
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    manager_client.post(base, data={"version": "0", f"c{plan.id}_level": "3"})
    sheet = _sheet_of(db_session, project.id, "manager@example.com")
    early = manager_client.post(
        f"{base}/submit", data={"version": str(sheet.version), "confirm": "y"}
    )
    assert early.status_code == 422 and "16 competencies have no answer yet" in early.get_data(
        as_text=True
    )
    assert manager_client.post(base, data=_sheet_data(db_session, sheet.version)).status_code == 303
    sheet = _sheet_of(db_session, project.id, "manager@example.com")
    done = manager_client.post(
        f"{base}/submit", data={"version": str(sheet.version), "confirm": "y"}
    )
    assert done.status_code == 303
    sheet = _sheet_of(db_session, project.id, "manager@example.com")
    assert manager_client.get(base).status_code == 302  # to the read-only sheet
    locked = manager_client.post(base, data=_sheet_data(db_session, sheet.version, "1"))
    assert locked.status_code == 409 and "Correct a single level with a reason" in (
        locked.get_data(as_text=True)
    )
    db_session.expire_all()
    assert {r.level for r in db_session.get(Assessment, sheet.id).ratings if r.is_current} == {3}


def test_corrections_need_a_reason_and_show_in_the_history(
    client_for, manager_client, db_session, project
):
    alex = _user(db_session, "candidate@example.com")
    sheet = _rate_and_submit(manager_client, db_session, project.id, alex.id, "manager@example.com")
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    url = f"/evaluations/{project.id}/sheets/{sheet.id}/corrections"
    data = {"version": str(sheet.version), "competency_id": str(plan.id), "level": "1"}
    no_reason = manager_client.post(url, data=data)
    assert no_reason.status_code == 400 and "Say why the rating changes" in no_reason.get_data(
        as_text=True
    )
    bad_level = manager_client.post(
        url, data={**data, "level": "9", "reason": "A good reason here"}
    )
    assert bad_level.status_code == 400 and "Choose a level from the list." in (
        bad_level.get_data(as_text=True)
    )
    # The co-evaluator may read the sheet but not correct it.
    co = client_for("manager2")
    assert co.get(f"/evaluations/{project.id}/sheets/{sheet.id}").status_code == 200
    assert co.post(url, data={**data, "reason": "Not my sheet at all"}).status_code == 404
    done = manager_client.post(url, data={**data, "reason": "The plan was written by a colleague"})
    assert done.status_code == 303
    html = manager_client.get(f"/evaluations/{project.id}/sheets/{sheet.id}").get_data(as_text=True)
    assert "3 → <strong>1</strong>" in html and "The plan was written by a colleague" in html
    results = manager_client.get(
        f"/evaluations/{project.id}/candidates/{alex.id}/results"
    ).get_data(as_text=True)
    assert "Corrections after submission" in results and "written by a colleague" in results


# ---------------------------------------------------------------- results and comparison


@pytest.fixture()
def rated_project(client_for, manager_client, db_session, project):
    """Two candidates, both evaluators submitted; they are two levels apart on DEL-01 for Alex."""
    alex = _user(db_session, "candidate@example.com")
    sam = _user(db_session, "candidate2@example.com")
    _join(manager_client, client_for("candidate2"), project.id, sam.email)
    framework_id = db_session.scalar(sa.select(RoleProfile.framework_id).limit(1))
    plan = competencies_by_code(db_session, framework_id)["DEL-01"]
    co = client_for("manager2")
    _rate_and_submit(manager_client, db_session, project.id, alex.id, "manager@example.com")
    _rate_and_submit(
        co, db_session, project.id, alex.id, "manager2@example.com", **{f"c{plan.id}_level": "1"}
    )
    _rate_and_submit(manager_client, db_session, project.id, sam.id, "manager@example.com", "2")
    return {"project": project, "alex": alex, "sam": sam, "co": co}


def test_the_comparison_ranks_flags_and_explains(manager_client, rated_project):
    p = rated_project["project"]
    html = manager_client.get(f"/evaluations/{p.id}/comparison").get_data(as_text=True)
    ranking = html[html.index("Why this place") :]
    assert ranking.index("Alex Demo-Candidate") < ranking.index("Sam Demo-Candidate")
    assert "gate failed" in html and "calibrate" in html and "levels 1, 3" in html
    assert "Weighted Cohen&#39;s kappa (quadratic)" in html
    assert "Below Alex Demo-Candidate: both fail the must-gate, and Alex Demo-Candidate has " in (
        ranking
    )


@pytest.mark.both_databases
def test_a_warm_comparison_reads_only_its_stamp_and_still_sees_a_new_sheet(
    manager_client, client_for, db_session, app_engine, rated_project
):
    p, sam = rated_project["project"], rated_project["sam"]
    url = f"/evaluations/{p.id}/comparison"
    manager_client.get(url)
    # The user, the project header, its people and the project's results stamp.
    assert _queries(app_engine, manager_client, url) == 4
    assert "levels 2, 4" not in manager_client.get(url).get_data(as_text=True)
    _rate_and_submit(rated_project["co"], db_session, p.id, sam.id, "manager2@example.com", "4")
    assert "levels 2, 4" in manager_client.get(url).get_data(as_text=True)


def test_the_results_page_names_each_evaluator_and_the_agreement(manager_client, rated_project):
    p, alex = rated_project["project"], rated_project["alex"]
    html = manager_client.get(f"/evaluations/{p.id}/candidates/{alex.id}/results").get_data(
        as_text=True
    )
    assert "Morgan Demo-Manager" in html and "Robin Demo-Manager" in html
    assert "16 of 17 evaluator pairs" in html and "Calibration needed" in html
    assert "<svg" in html


def test_the_csv_export_is_an_attachment_in_long_form(manager_client, rated_project):
    p = rated_project["project"]
    response = manager_client.get(f"/evaluations/{p.id}/comparison.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"evaluation-{p.id}-" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 * 17
    plan = next(
        r
        for r in rows
        if r["candidate"] == "Alex Demo-Candidate" and r["competency_code"] == "DEL-01"
    )
    assert (plan["rank"], plan["evaluated_level"], plan["calibration_flag"]) == ("1", "1", "yes")


def test_csv_cells_that_look_like_formulas_are_neutralised(
    app, manager_client, db_session, project
):
    evil = make_user(
        db_session, name='=HYPERLINK("http://evil.example","x")', email="evil@example.com"
    )
    db_session.commit()
    evil_client = app.test_client()
    assert login(evil_client, evil.email).status_code == 302
    _join(manager_client, evil_client, project.id, evil.email)
    _rate_and_submit(manager_client, db_session, project.id, evil.id, "manager@example.com")
    text = manager_client.get(f"/evaluations/{project.id}/comparison.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def _queries(app_engine, client, url):
    with counting(app_engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.both_databases
@pytest.mark.parametrize("page", ["", "/comparison", "/comparison.csv", "/candidates/{c}/results"])
def test_project_pages_take_the_same_number_of_queries_for_2_and_20_candidates(
    manager_client, db_session, app_engine, seeded, page
):
    owner = _user(db_session, "manager@example.com")
    co = _user(db_session, "manager2@example.com")

    def project_with(n):
        people = [make_user(db_session) for _ in range(n)]
        project = make_project(db_session, owner, candidates=people, co_evaluators=[co])
        for i, person in enumerate(people):
            make_self_round(db_session, person)
            make_project_assessment(db_session, person, owner, {"DEL-01": i % 6}, project=project)
            make_project_assessment(db_session, person, co, {"DEL-01": 2}, project=project)
        db_session.commit()
        return project.id, people[0].id

    small, large = project_with(2), project_with(20)
    counts = [
        _queries(app_engine, manager_client, f"/evaluations/{p}{page.format(c=c)}")
        for p, c in (small, large)
    ]
    assert counts[0] == counts[1], counts


def test_the_list_and_home_summarise_the_managers_work(manager_client, rated_project):
    p = rated_project["project"]
    listing = manager_client.get("/evaluations/").get_data(as_text=True)
    assert p.title in listing and "3 of 4" in listing
    home = manager_client.get("/").get_data(as_text=True)
    assert "Sheets for you to finish" in home and "Ready to release to candidates" in home
    assert "0 of 4" not in home


def test_archiving_makes_the_project_read_only(manager_client, db_session, project):
    alex = _user(db_session, "candidate@example.com")
    assert (
        manager_client.post(
            f"/evaluations/{project.id}/archive", data={"archived": "1"}
        ).status_code
        == 303
    )
    response = manager_client.post(
        f"/evaluations/{project.id}/candidates/{alex.id}/sheet", data=_sheet_data(db_session, 0)
    )
    assert response.status_code == 409 and "archived" in response.get_data(as_text=True)
    assert project.title in manager_client.get("/evaluations/?archived=1").get_data(as_text=True)
    restored = manager_client.post(f"/evaluations/{project.id}/archive", data={"archived": "0"})
    assert restored.status_code == 303
    db_session.expire_all()
    assert not db_session.get(EvaluationProject, project.id).is_archived


def test_state_changes_without_a_csrf_token_are_refused(csrf_app, db_session, seeded):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": "manager@example.com", "password": PASSWORD, "csrf_token": token},
    )
    response = client.post("/evaluations/new", data=_form(db_session))
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(EvaluationProject.id))) == 0
