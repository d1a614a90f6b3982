"""Catalogue upkeep, enrollments, outcomes and standings, on a plain session."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from competencies.services import seed_default_framework, stable_uuid
from core.audit import AuditEvent
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from tests.factories import (
    make_project_assessment,
    make_self_round,
    make_training,
    make_user,
    observe_levels,
)
from training.catalogue import (
    CatalogueFilter,
    TrainingInput,
    create_training,
    get_training,
    list_trainings,
    seed_catalogue,
    set_training_active,
    update_training,
)
from training.enrollment_outcomes import refresh_outcomes
from training.enrollments import (
    change_enrollment_status,
    get_own_enrollment,
    plan_training,
    rate_enrollment,
)
from training.models import (
    Enrollment,
    HistoryEnrollment,
    LevelObservation,
    Training,
    TrainingCompetency,
)
from training.observations import record_assessment_levels
from training.outcomes import Outcome
from training.standings import person_standings


@pytest.fixture()
def framework(session):
    framework, _ = seed_default_framework(session)
    return framework


def _input(**overrides):
    values = {
        "title": "Planning in practice",
        "provider": "Academy",
        "format": "workshop",
        "hours": "12",
        "cost": "700",
        "currency": "EUR",
        "language": "en",
        "level_min": 1,
        "level_max": 3,
        "weights": {stable_uuid("competency", "DEL-01"): 1.0},
    }
    values.update(overrides)
    return TrainingInput(**values)


def test_seed_catalogue_is_idempotent_and_links_every_competency(session, framework):
    added, before = seed_catalogue(session)
    assert added >= 40 and before == 0
    again, present = seed_catalogue(session)
    assert again == 0 and present == added
    codes = set(session.scalars(sa.select(TrainingCompetency.competency_code)))
    assert codes == {c.code for c in framework.competencies}


def test_create_training_checks_every_rule_and_writes_nothing_when_wrong(session, framework):
    bad = _input(
        title=" ",
        format="telepathy",
        hours="0",
        cost="-5",
        currency="XYZ",
        language="fr",
        level_min=4,
        level_max=2,
        link="javascript:alert(1)",
        weights={},
    )
    with pytest.raises(ValidationError) as caught:
        create_training(session, bad, None)
    problems = " ".join(caught.value.problems)
    for words in (
        "title",
        "formats",
        "Hours",
        "Cost",
        "Currency",
        "Language",
        "lowest level",
        "http",
        "at least one competency",
    ):
        assert words in problems, words
    assert session.scalar(sa.select(sa.func.count(Training.id))) == 0


def test_a_weight_outside_zero_to_one_or_an_unknown_competency_is_refused(session, framework):
    with pytest.raises(ValidationError, match="could not be saved") as caught:
        create_training(session, _input(weights={stable_uuid("competency", "DEL-01"): 1.5}), None)
    assert "at most 1" in caught.value.problems[0]
    with pytest.raises(ValidationError) as caught:
        create_training(session, _input(weights={"not-a-uuid": 0.5}), None)
    assert "not in the current framework" in caught.value.problems[0]


def test_update_refuses_a_stale_version_and_audits_changes(session, framework):
    hr = make_user(session, role="hr")
    training = create_training(session, _input(), hr)
    version = training.version
    update_training(session, training, _input(title="Planning II"), hr, expected_version=version)
    assert training.version == version + 1
    with pytest.raises(ConflictError):
        update_training(session, training, _input(title="Old tab"), hr, expected_version=version)
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "training.create" in actions and "training.update" in actions


def test_changing_only_the_weights_bumps_the_version(session, framework):
    training = create_training(session, _input(), None)
    version = training.version
    weights = {stable_uuid("competency", "DEL-01"): 0.5, stable_uuid("competency", "STR-02"): 1.0}
    update_training(session, training, _input(weights=weights), None, expected_version=version)
    assert training.version == version + 1
    assert {tc.competency_code: tc.weight for tc in training.competencies} == {
        "DEL-01": 0.5,
        "STR-02": 1.0,
    }


def test_deactivated_trainings_are_hidden_but_kept(session, framework):
    training = make_training(session)
    set_training_active(session, training, False, None)
    assert training not in list_trainings(session, CatalogueFilter())
    assert training in list_trainings(session, CatalogueFilter(include_inactive=True))
    with pytest.raises(NotFoundError):
        get_training(session, training.id)
    assert get_training(session, training.id, include_inactive=True) is training


def test_catalogue_filters(session, framework):
    cheap = make_training(session, cost=100, hours=4, language="de", level_min=0, level_max=1)
    dear = make_training(session, cost=3000, hours=40, format="coaching", weights={"LEA-01": 1})
    assert list_trainings(session, CatalogueFilter(max_cost=500)) == [cheap]
    assert list_trainings(session, CatalogueFilter(max_hours=10)) == [cheap]
    assert list_trainings(session, CatalogueFilter(language="de")) == [cheap]
    assert list_trainings(session, CatalogueFilter(format="coaching")) == [dear]
    assert list_trainings(session, CatalogueFilter(level=3)) == [dear]
    leadership = stable_uuid("competency", "LEA-01")
    assert list_trainings(session, CatalogueFilter(competency_uuid=leadership)) == [dear]
    assert list_trainings(session, CatalogueFilter(text=dear.title.upper())) == [dear]


def test_enrollment_moves_through_its_states_and_refuses_shortcuts(session, framework):
    person = make_user(session)
    enrollment = plan_training(session, person, make_training(session))
    with pytest.raises(ConflictError):
        plan_training(session, person, enrollment.training)
    with pytest.raises(ValidationError, match="cannot become completed"):
        change_enrollment_status(session, enrollment, "completed", person)
    with pytest.raises(ValidationError, match="once you have started"):
        rate_enrollment(session, enrollment, 4, "", person)
    change_enrollment_status(session, enrollment, "in_progress", person)
    rate_enrollment(session, enrollment, 5, "Useful", person)
    with pytest.raises(ValidationError):
        rate_enrollment(session, enrollment, 6, "", person)
    stale = enrollment.version - 1
    with pytest.raises(ConflictError):
        change_enrollment_status(session, enrollment, "completed", person, expected_version=stale)
    change_enrollment_status(session, enrollment, "completed", person)
    assert enrollment.status == "completed" and enrollment.outcome == Outcome.PENDING
    with pytest.raises(ValidationError):
        change_enrollment_status(session, enrollment, "dropped", person)


def test_someone_elses_enrollment_is_not_found(session, framework):
    owner, other = make_user(session), make_user(session)
    enrollment = plan_training(session, owner, make_training(session))
    assert get_own_enrollment(session, owner, enrollment.id) is enrollment
    with pytest.raises(NotFoundError):
        get_own_enrollment(session, other, enrollment.id)


def test_outcome_is_derived_from_the_next_assessment_and_enters_the_history(session, framework):
    person = make_user(session)
    now = utcnow()
    observe_levels(session, person, {"DEL-01": 1, "LEA-01": 2}, now - timedelta(days=100))
    training = make_training(session, weights={"DEL-01": 1.0, "LEA-01": 0.5})
    enrollment = plan_training(session, person, training)
    change_enrollment_status(
        session, enrollment, "in_progress", person, at=now - timedelta(days=60)
    )
    change_enrollment_status(session, enrollment, "completed", person, at=now - timedelta(days=30))
    assert enrollment.outcome == Outcome.PENDING
    assert session.scalar(sa.select(sa.func.count(HistoryEnrollment.id))) == 0
    observe_levels(session, person, {"DEL-01": 2, "LEA-01": 2}, now - timedelta(days=5))
    assert refresh_outcomes(session) == 1
    assert enrollment.outcome == Outcome.IMPROVED
    assert enrollment.outcome_detail["compared"] == {"DEL-01": [1, 2], "LEA-01": [2, 2]}
    record = session.scalar(sa.select(HistoryEnrollment))
    assert record.subject_key == f"user:{person.id}" and record.source == "assessment"
    assert {
        (o.competency_code, o.level_before, o.level_after, o.requirement) for o in record.outcomes
    } == {
        ("DEL-01", 1, 2, "must"),
        ("LEA-01", 2, 2, "must"),
    }
    assert refresh_outcomes(session) == 0  # idempotent


def test_person_standings_come_from_the_assessment_profile(session, framework):
    person = make_user(session)
    evaluator = make_user(session, role="manager")
    make_self_round(session, person, {"DEL-01": 1}, default_level=None)
    make_self_round(session, person, {"DEL-01": 2}, default_level=None)
    make_project_assessment(session, person, evaluator, {"TEC-01": 4})
    profile, items = person_standings(session, person)
    assert profile.code == "ITPM"
    by_code = {s.code: s for s in items}
    assert (by_code["DEL-01"].level, by_code["DEL-01"].gap) == (2, 1)
    assert by_code["TEC-01"].evaluated_level == 4 and by_code["TEC-01"].gap == 0
    assert by_code["LEA-02"].level is None and by_code["LEA-02"].gap == 3
    assert items[0].is_must
    senior, _ = person_standings(session, person, "SITPM")
    assert senior.code == "SITPM"
    assert person_standings(session, person, "NOPE") == (None, [])
    assert session.scalar(sa.select(sa.func.count(Enrollment.id))) == 0


def test_submitted_assessment_levels_feed_the_recommender_history(session, framework):
    person = make_user(session)
    assessment = make_self_round(session, person, {"DEL-01": 2, "LEA-01": 3}, default_level=None)
    assert record_assessment_levels(session, assessment) == 2
    rows = session.execute(
        sa.select(LevelObservation.competency_code, LevelObservation.level, LevelObservation.kind)
    ).all()
    assert sorted(rows) == [("DEL-01", 2, "self"), ("LEA-01", 3, "self")]


def test_drop_outs_enter_the_history_once_and_a_later_completion_too(session, framework):
    person = make_user(session)
    now = utcnow()
    observe_levels(session, person, {"DEL-01": 1}, now - timedelta(days=200))
    enrollment = plan_training(session, person, make_training(session, weights={"DEL-01": 1.0}))
    change_enrollment_status(
        session, enrollment, "in_progress", person, at=now - timedelta(days=150)
    )
    change_enrollment_status(session, enrollment, "dropped", person, at=now - timedelta(days=140))
    refresh_outcomes(session)
    refresh_outcomes(session)
    drops = session.scalars(sa.select(HistoryEnrollment)).all()
    assert [(d.is_completed, d.source, d.enrollment_id) for d in drops] == [
        (False, "drop", enrollment.id)
    ]
    assert drops[0].subject_key == f"user:{person.id}" and not drops[0].outcomes
    change_enrollment_status(session, enrollment, "planned", person)
    change_enrollment_status(
        session, enrollment, "in_progress", person, at=now - timedelta(days=60)
    )
    change_enrollment_status(session, enrollment, "completed", person, at=now - timedelta(days=30))
    observe_levels(session, person, {"DEL-01": 2}, now - timedelta(days=5))
    assert refresh_outcomes(session) == 1
    rows = session.scalars(sa.select(HistoryEnrollment).order_by(HistoryEnrollment.id)).all()
    assert [(r.is_completed, r.source, r.enrollment_id) for r in rows] == [
        (False, "drop", None),
        (True, "assessment", enrollment.id),
    ]
