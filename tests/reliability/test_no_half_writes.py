"""A failure halfway through a request leaves nothing half-written: one transaction per request,
rolled back by the error handler. Failures are injected into the audit write that comes *after*
the rows were added and flushed, the worst place for them."""

import sqlalchemy as sa

import assessments.answers
import core.users
from assessments.models import Assessment, Evidence, Rating
from competencies.models import Competency
from core.users import User, get_user_by_email
from tests.factories import make_self_round


def _explode(*args, **kwargs):
    raise RuntimeError("injected failure after the rows were flushed")


def test_a_failed_area_save_writes_no_rating_and_no_evidence(
    candidate_client, db_session, monkeypatch
):
    person = get_user_by_email(db_session, "candidate@example.com")
    round_ = make_self_round(db_session, person, {}, default_level=None, submit=False)
    db_session.commit()
    ratings_before = db_session.scalar(sa.select(sa.func.count(Rating.id)))
    first_area = db_session.scalars(
        sa.select(Competency)
        .where(Competency.framework_id == round_.framework_id)
        .order_by(Competency.position)
    ).all()[:2]
    data = {"version": str(round_.version)}
    for competency in first_area:
        data[f"c{competency.id}_level"] = "3"
        data[f"c{competency.id}_ev_kind"] = "observation"
        data[f"c{competency.id}_ev_text"] = "Ran the weekly steering meeting."
    monkeypatch.setattr(assessments.answers, "record_event", _explode)

    response = candidate_client.post(f"/assessments/{round_.id}/areas/1", data=data)

    assert response.status_code == 500
    assert "injected" not in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count(Rating.id))) == ratings_before
    assert db_session.scalar(sa.select(sa.func.count(Evidence.id))) == 0
    assert db_session.get(Assessment, round_.id).version == round_.version


def test_a_failed_user_creation_leaves_no_account(admin_client, db_session, monkeypatch):
    users_before = db_session.scalar(sa.select(sa.func.count(User.id)))
    monkeypatch.setattr(core.users, "record_event", _explode)
    response = admin_client.post(
        "/admin/users",
        data={
            "email": "half@example.com",
            "name": "Half Written",
            "role": "manager",
            "password": "a-good-password",
        },
    )
    assert response.status_code == 500
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == users_before
    assert get_user_by_email(db_session, "half@example.com") is None
