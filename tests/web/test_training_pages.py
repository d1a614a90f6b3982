"""Training pages: HR keeps the catalogue; everyone browses, plans and rates their own."""

import logging
import re

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.db import utcnow
from core.users import User, get_user_by_email
from tests.factories import make_self_round, make_training
from training.catalogue import seed_catalogue
from training.enrollments import plan_training
from training.models import Enrollment, Training


@pytest.fixture()
def catalogue(seeded, db_session):
    seed_catalogue(db_session)
    db_session.commit()
    return db_session.scalars(sa.select(Training)).all()


def _person(db_session, key="candidate"):
    return get_user_by_email(db_session, f"{key}@example.com")


def _training_data(**overrides):
    data = {
        "title": "Agile Estimation Workshop",
        "provider": "Test Academy",
        "format": "workshop",
        "hours": "8",
        "cost": "650",
        "currency": "EUR",
        "language": "en",
        "level_min": "1",
        "level_max": "3",
        "link": "https://academy.example/estimation",
        "description": "Estimating with ranges.",
        "weight_DEL_01": "1",
        "weight_STR_02": "0.5",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- HR: catalogue upkeep


@pytest.mark.parametrize("role", ["candidate", "manager", "admin"])
def test_only_hr_may_change_the_catalogue(client_for, catalogue, db_session, role):
    client = client_for(role)
    training = catalogue[0]
    assert client.get("/training/manage").status_code == 403
    assert client.get("/training/manage/new").status_code == 403
    assert client.post("/training/manage/new", data=_training_data()).status_code == 403
    edit = client.post(f"/training/manage/{training.id}/edit", data=_training_data())
    assert edit.status_code == 403
    active = client.post(f"/training/manage/{training.id}/active", data={"is_active": "0"})
    assert active.status_code == 403
    db_session.expire_all()
    assert db_session.get(Training, training.id).title == training.title
    assert db_session.get(Training, training.id).is_active
    assert db_session.scalar(sa.select(sa.func.count(Training.id))) == len(catalogue)


def test_hr_adds_a_training_with_competencies_and_weights(hr_client, catalogue, db_session):
    response = hr_client.post("/training/manage/new", data=_training_data())
    assert response.status_code == 303
    training = db_session.scalar(sa.select(Training).where(Training.title.like("Agile Est%")))
    assert {tc.competency_code: tc.weight for tc in training.competencies} == {
        "DEL-01": 1.0,
        "STR-02": 0.5,
    }
    assert float(training.cost) == 650 and training.level_max == 3
    assert (
        db_session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "training.create")
        ).actor_email
        == "hr@example.com"
    )
    page = hr_client.get(f"/training/{training.id}").get_data(as_text=True)
    assert "Agile Estimation Workshop" in page and "€650" in page


def test_form_errors_are_shown_at_their_fields_and_nothing_is_written(
    hr_client, catalogue, db_session
):
    response = hr_client.post(
        "/training/manage/new",
        data=_training_data(title="", hours="many", cost="-1", weight_DEL_01="2", level_min="9"),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a title." in html
    assert "Enter 0 to 1,000,000." in html
    assert "Enter a weight from 0 to 1." in html
    assert 'id="title-error"' in html and 'aria-invalid="true"' in html
    assert db_session.scalar(sa.select(sa.func.count(Training.id))) == len(catalogue)


def test_business_rules_answer_422_with_the_reasons(hr_client, catalogue, db_session):
    response = hr_client.post(
        "/training/manage/new",
        data=_training_data(weight_DEL_01="", weight_STR_02="0", level_min="4", level_max="2"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose at least one competency" in html
    assert "The lowest level cannot be above the highest level." in html
    assert db_session.scalar(sa.select(sa.func.count(Training.id))) == len(catalogue)


def test_nul_characters_are_refused_not_a_server_error(
    hr_client, candidate_client, catalogue, db_session
):
    response = hr_client.post("/training/manage/new", data=_training_data(title="Bad\x00title"))
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    enrollment = plan_training(db_session, _person(db_session), catalogue[0])
    enrollment.status = "in_progress"
    db_session.commit()
    rated = candidate_client.post(
        f"/training/enrollments/{enrollment.id}/rating", data={"rating": "3", "comment": "a\x00b"}
    )
    assert rated.status_code == 400
    db_session.expire_all()
    assert db_session.get(Enrollment, enrollment.id).rating is None


def test_a_javascript_link_is_refused(hr_client, catalogue):
    response = hr_client.post(
        "/training/manage/new", data=_training_data(link="javascript:alert(1)")
    )
    assert response.status_code in (400, 422)
    assert "javascript:alert(1)" not in response.get_data(as_text=True).split("</form>")[-1]


@pytest.mark.both_databases
def test_a_stale_edit_gets_a_conflict_and_changes_nothing(hr_client, catalogue, db_session):
    training = catalogue[0]
    form = hr_client.get(f"/training/manage/{training.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    first = hr_client.post(
        f"/training/manage/{training.id}/edit",
        data=_training_data(title="First save", version=version),
    )
    assert first.status_code == 303
    second = hr_client.post(
        f"/training/manage/{training.id}/edit",
        data=_training_data(title="Second save from an old tab", version=version),
    )
    assert second.status_code == 409
    assert "Someone else changed this training" in second.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Training, training.id).title == "First save"


def test_deactivated_training_is_hidden_from_candidates_but_not_from_hr(
    hr_client, candidate_client, catalogue, db_session
):
    training = catalogue[0]
    assert (
        hr_client.post(
            f"/training/manage/{training.id}/active", data={"is_active": "0"}
        ).status_code
        == 303
    )
    assert candidate_client.get(f"/training/{training.id}").status_code == 404
    assert training.title not in candidate_client.get(
        "/training/?q=" + training.title[:20]
    ).get_data(as_text=True)
    assert hr_client.get(f"/training/{training.id}").status_code == 200
    listing = hr_client.get("/training/manage?status=all&q=" + training.title[:20])
    assert "inactive" in listing.get_data(as_text=True)
    bad = hr_client.post(f"/training/manage/{training.id}/active", data={"is_active": "maybe"})
    assert bad.status_code == 303


# ---------------------------------------------------------------- browsing


@pytest.mark.both_databases
def test_catalogue_filters_narrow_the_list(candidate_client, catalogue):
    html = candidate_client.get("/training/?language=de&max_cost=700").get_data(as_text=True)
    german_cheap = [t for t in catalogue if t.language == "de" and t.cost <= 700]
    assert f"{len(german_cheap)} training" in html
    for t in catalogue:
        if t.language != "de" or t.cost > 700:
            assert f'href="/training/{t.id}"' not in html


@pytest.mark.parametrize(
    "query",
    [
        "max_cost=-1",
        "max_cost=abc",
        "level=9",
        "format=telepathy",
        "competency=nope",
        "max_hours=1e400",
    ],
)
def test_bad_filter_values_answer_400_with_a_message(candidate_client, catalogue, query):
    response = candidate_client.get(f"/training/?{query}")
    assert response.status_code == 400
    assert "Some filters could not be used" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["q=%27%20OR%201%3D1--", "page=999999999", "page=-3"])
def test_odd_but_harmless_parameters_answer_200(candidate_client, catalogue, query):
    assert candidate_client.get(f"/training/?{query}").status_code == 200


@pytest.mark.both_databases
def test_a_nul_character_in_a_search_gets_a_clear_400(candidate_client, catalogue):
    response = candidate_client.get("/training/?q=%00")
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_unknown_training_is_404(candidate_client, catalogue):
    assert candidate_client.get("/training/999999").status_code == 404
    assert candidate_client.post("/training/999999/plan").status_code == 404


# ---------------------------------------------------------------- own trainings


def test_plan_a_training_then_see_it_in_my_trainings(candidate_client, catalogue, db_session):
    training = catalogue[0]
    response = candidate_client.post(f"/training/{training.id}/plan", data={})
    assert response.status_code == 303 and response.location.endswith("/training/mine")
    person = _person(db_session)
    enrollment = db_session.scalar(sa.select(Enrollment).where(Enrollment.person_id == person.id))
    assert enrollment.status == "planned" and enrollment.training_id == training.id
    html = candidate_client.get("/training/mine").get_data(as_text=True)
    assert training.title in html and "Planned" in html
    again = candidate_client.post(f"/training/{training.id}/plan", data={}, follow_redirects=True)
    assert "already in your trainings" in again.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(Enrollment.id))) == 1


def test_plan_redirects_only_to_our_own_pages(candidate_client, catalogue):
    response = candidate_client.post(
        f"/training/{catalogue[0].id}/plan", data={"next": "https://evil.example/"}
    )
    assert response.location.endswith("/training/mine")


def test_a_person_sees_only_their_own_enrollments(client_for, catalogue, db_session):
    other = _person(db_session, "candidate2")
    theirs = plan_training(db_session, other, catalogue[1])
    db_session.commit()
    client = client_for("candidate")
    assert client.get(f"/training/enrollments/{theirs.id}").status_code == 404
    status = client.post(
        f"/training/enrollments/{theirs.id}/status", data={"status": "dropped", "version": "1"}
    )
    assert status.status_code == 404
    rating = client.post(f"/training/enrollments/{theirs.id}/rating", data={"rating": "1"})
    assert rating.status_code == 404
    assert catalogue[1].title not in client.get("/training/mine").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Enrollment, theirs.id).status == "planned"
    assert db_session.get(Enrollment, theirs.id).rating is None


def test_status_changes_follow_the_workflow_and_ratings_are_checked(
    candidate_client, catalogue, db_session
):
    person = _person(db_session)
    enrollment = plan_training(db_session, person, catalogue[0])
    db_session.commit()
    url = f"/training/enrollments/{enrollment.id}"
    wrong = candidate_client.post(f"{url}/status", data={"status": "completed", "version": "1"})
    assert wrong.status_code == 422
    assert "cannot become completed" in wrong.get_data(as_text=True)
    started = candidate_client.post(f"{url}/status", data={"status": "in_progress", "version": "1"})
    assert started.status_code == 303
    stale = candidate_client.post(f"{url}/status", data={"status": "dropped", "version": "1"})
    assert stale.status_code == 409
    bad = candidate_client.post(f"{url}/rating", data={"rating": "7"})
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)
    good = candidate_client.post(f"{url}/rating", data={"rating": "4", "comment": "<b>ok</b>"})
    assert good.status_code == 303
    db_session.expire_all()
    saved = db_session.get(Enrollment, enrollment.id)
    assert (saved.status, saved.rating, saved.rating_comment) == ("in_progress", 4, "<b>ok</b>")
    assert "&lt;b&gt;ok&lt;/b&gt;" in candidate_client.get(url).get_data(as_text=True)
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "enrollment.rate"))


def test_planning_needs_the_csrf_token(app, client_for, catalogue, db_session):
    client = client_for("candidate")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/training/{catalogue[0].id}/plan", data={})
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count(Enrollment.id))) == 0


# ---------------------------------------------------------------- recommendations


@pytest.fixture()
def alex(catalogue, db_session):
    person = _person(db_session)
    make_self_round(
        db_session,
        person,
        {"TEC-01": 2, "TEC-02": 1, "DEL-01": 1, "STR-01": 2, "LEA-01": 1, "LEA-02": 2},
        default_level=None,
    )
    db_session.commit()
    return person


def _shown_trainings(html, db_session):
    ids = [int(i) for i in re.findall(r'<h3 class="h6 mb-1">\d+\. <a href="/training/(\d+)"', html)]
    return [db_session.get(Training, i) for i in ids]


def test_recommendations_aim_at_the_target_role_the_person_chose(
    candidate_client, alex, db_session
):
    from assessments.target_roles import choose_target_role
    from competencies.models import RoleProfile

    default = candidate_client.get("/training/recommendations").text
    assert "Closing your gaps for IT Project Manager" in default
    junior = db_session.scalar(sa.select(RoleProfile).where(RoleProfile.code == "JITPM"))
    choose_target_role(db_session, alex, junior.id)
    db_session.commit()
    chosen = candidate_client.get("/training/recommendations").text
    assert "Closing your gaps for Junior IT Project Manager" in chosen
    assert re.search(r'<option selected value="JITPM">|<option value="JITPM" selected', chosen)
    # Another role picked in the form still wins over the chosen one.
    picked = candidate_client.get("/training/recommendations?role=ITPM").text
    assert "Closing your gaps for IT Project Manager" in picked


def test_only_a_person_without_any_assessment_is_told_so(client_for, alex, db_session):
    from training.models import LevelObservation

    # The factory's round writes no observations for the recommender: the page must not care.
    assert db_session.scalar(sa.select(sa.func.count(LevelObservation.id))) == 0
    told = "No assessment of yours is on record yet"
    assert told not in client_for("candidate").get("/training/recommendations").text
    assert told in client_for("candidate2").get("/training/recommendations").text


def test_levels_from_generated_observations_are_labelled_synthetic(
    candidate_client, alex, db_session
):
    from training.models import LevelObservation
    from training.observations import subject_key_for

    label = "Your levels here are generated demo data"
    assert label not in candidate_client.get("/training/recommendations").text
    db_session.add(
        LevelObservation(
            subject_key=subject_key_for(alex.id),
            person_id=alex.id,
            competency_code="TEC-01",
            level=2,
            observed_at=utcnow(),
            source="demo",
            is_synthetic=True,
        )
    )
    db_session.commit()
    assert label in candidate_client.get("/training/recommendations").text


def test_recommendations_respect_the_constraints(candidate_client, alex, db_session):
    query = "role=ITPM&max_cost=800&max_hours=20&languages=en&formats=live_online&formats=workshop"
    response = candidate_client.get(f"/training/recommendations?{query}")
    assert response.status_code == 200
    shown = _shown_trainings(response.get_data(as_text=True), db_session)
    assert shown
    for training in shown:
        assert training.cost <= 800 and training.hours <= 20 and training.language == "en"
        assert training.format in {"live_online", "workshop"}


def test_recommendations_leave_out_a_training_started_since_the_last_visit(
    candidate_client, alex, db_session
):
    # The page is served from a cache; a new enrollment must show on the very next visit.
    first = _shown_trainings(candidate_client.get("/training/recommendations").text, db_session)
    assert first
    db_session.add(Enrollment(person_id=alex.id, training_id=first[0].id, status="in_progress"))
    db_session.commit()
    again = _shown_trainings(candidate_client.get("/training/recommendations").text, db_session)
    assert first[0] not in again


def test_recommendations_explain_with_numbers(candidate_client, alex, db_session):
    html = candidate_client.get("/training/recommendations?max_cost=1500").get_data(as_text=True)
    assert "cold-start score" in html
    shown = _shown_trainings(html, db_session)
    first = shown[0]
    reasons = html[html.index('class="small mb-2 reasons"') :].split("</ul>")[0]
    assert f"{first.level_min}–{first.level_max}" in reasons
    assert f"€{float(first.cost):,.0f}" in reasons
    assert re.search(r"Works on the must-gap in", reasons)
    assert "Closes" not in reasons


def test_recommendations_never_show_other_peoples_names(client_for, alex, catalogue, db_session):
    other = _person(db_session, "candidate2")
    enrollment = plan_training(db_session, other, catalogue[0])
    enrollment.rating_comment = "Sam's secret note"
    db_session.commit()
    html = client_for("candidate").get("/training/recommendations").get_data(as_text=True)
    names = db_session.scalars(sa.select(User.name).where(User.id != alex.id)).all()
    for name in names:
        assert name not in html
    assert "secret note" not in html and "candidate2@" not in html


@pytest.mark.parametrize(
    "query", ["max_cost=abc", "max_hours=-4", "formats=teleport", "languages=xx", "max_cost=nan"]
)
def test_bad_constraints_answer_400_with_a_message(candidate_client, alex, query):
    response = candidate_client.get(f"/training/recommendations?{query}")
    assert response.status_code == 400
    assert "Some constraints could not be used" in response.get_data(as_text=True)


def test_a_corrupt_model_falls_back_to_cold_start_with_a_warning(
    app, candidate_client, alex, caplog
):
    from webapp.recommending import recommender_dir

    directory = recommender_dir(app)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "recommender.joblib").write_bytes(b"\x80\x04 broken pickle")
    (directory / "recommender.json").write_text('{"format": 1, "sha256": "00"}')
    with caplog.at_level(logging.WARNING):
        response = candidate_client.get("/training/recommendations")
    assert response.status_code == 200
    assert "cold-start score" in response.get_data(as_text=True)
    assert "falls back to the cold-start score" in caplog.text


def test_a_missing_model_falls_back_to_cold_start_with_a_warning(candidate_client, alex, caplog):
    with caplog.at_level(logging.WARNING):
        response = candidate_client.get("/training/recommendations")
    assert response.status_code == 200
    assert "falls back to the cold-start score" in caplog.text


def test_a_trained_model_is_picked_up_and_its_synthetic_history_is_labelled(
    app, candidate_client, alex, db_session
):
    from competencies.services import read_default_framework_data
    from training.history import (
        catalogue_arrays,
        framework_columns,
        store_synthetic_history,
        train_and_save,
    )
    from training.synthetic import generate_world, roles_from_framework
    from webapp.recommending import artefact_key, recommender_dir

    assert "cold-start score" in candidate_client.get("/training/recommendations").get_data(
        as_text=True
    )
    columns = framework_columns(db_session)
    items = catalogue_arrays(db_session, columns)
    roles = roles_from_framework(read_default_framework_data(), columns.codes)
    world = generate_world(items, roles, n_people=80, seed=3)
    store_synthetic_history(db_session, world, {int(k): int(k) for k in items.keys})
    train_and_save(
        db_session,
        recommender_dir(app),
        key=artefact_key(app),
        min_rows=100,
        min_people=20,
        include_synthetic=True,
    )
    db_session.commit()
    html = candidate_client.get("/training/recommendations").get_data(as_text=True)
    assert "learned model" in html and "synthetic" in html
    assert "estimated chance" not in html


def test_without_a_framework_the_recommendations_page_explains(candidate_client, db_session):
    from competencies.models import Framework

    db_session.execute(sa.update(Framework).values(status="retired"))
    db_session.commit()
    response = candidate_client.get("/training/recommendations")
    assert response.status_code == 200
    assert "framework has not been published" in response.get_data(as_text=True)


def test_a_planned_recommendation_is_marked_planned(candidate_client, alex, db_session):
    html = candidate_client.get("/training/recommendations").get_data(as_text=True)
    first = _shown_trainings(html, db_session)[0]
    candidate_client.post(f"/training/{first.id}/plan", data={"next": "/training/recommendations"})
    html = candidate_client.get("/training/recommendations").get_data(as_text=True)
    block = html[html.index(f'href="/training/{first.id}"') :].split("</li>\n        \n")[0]
    assert "Planned" in block.split("</form>")[0]


def test_training_detail_labels_synthetic_history(candidate_client, catalogue, db_session):
    from training.models import HistoryEnrollment

    db_session.add(
        HistoryEnrollment(
            subject_key="synthetic:0001",
            training_id=catalogue[0].id,
            is_completed=True,
            ended_at=utcnow(),
            rating=4,
            source="synthetic",
            is_synthetic=True,
        )
    )
    db_session.commit()
    html = candidate_client.get(f"/training/{catalogue[0].id}").get_data(as_text=True)
    assert "synthetic" in html and "not real results" in html


def test_every_training_page_renders_for_hr(hr_client, catalogue, db_session):
    training = catalogue[0]
    make_training(db_session, title="<script>alert(1)</script>")
    db_session.commit()
    for url in [
        "/training/",
        f"/training/{training.id}",
        "/training/mine",
        "/training/recommendations",
        "/training/manage",
        "/training/manage/new",
        f"/training/manage/{training.id}/edit",
    ]:
        response = hr_client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_model_for_other_competencies_falls_back_with_a_warning(
    app, candidate_client, alex, db_session, caplog
):
    from training.artefacts import save_artefact
    from training.features import empty_catalogue, empty_history
    from training.recommender import TrainingRecommender
    from webapp.recommending import artefact_key, recommender_dir

    codes = ("OLD-01", "OLD-02")
    foreign = TrainingRecommender().fit(empty_history(codes), empty_catalogue(codes))
    save_artefact(recommender_dir(app), foreign, key=artefact_key(app))
    with caplog.at_level(logging.WARNING):
        response = candidate_client.get("/training/recommendations")
    assert response.status_code == 200
    assert "cold-start score" in response.get_data(as_text=True)
    assert "other competencies than the current framework" in caplog.text
