"""Case 7: extra fields in a request never reach other people's records or a person's role."""

import sqlalchemy as sa

from assessments.models import Qualification
from core.users import get_user_by_email
from training.catalogue import seed_catalogue
from training.models import Enrollment


def _ids(db_session):
    return (
        get_user_by_email(db_session, "candidate@example.com").id,
        get_user_by_email(db_session, "candidate2@example.com").id,
    )


def test_a_qualification_posted_with_another_person_id_is_the_senders(candidate_client, db_session):
    me, other = _ids(db_session)
    response = candidate_client.post(
        "/profile/qualifications/add",
        data={
            "q-kind": "technical_informatics",
            "q-title": "BSc Computing",
            "q-institution": "Somewhere",
            "q-person_id": other,
            "person_id": other,
            "role": "hr",
        },
    )
    assert response.status_code in (302, 303)
    owners = db_session.scalars(sa.select(Qualification.person_id)).all()
    assert owners == [me]
    db_session.expire_all()
    assert get_user_by_email(db_session, "candidate@example.com").role == "candidate"


def test_planning_a_training_for_someone_else_plans_it_for_yourself(candidate_client, db_session):
    seed_catalogue(db_session)
    db_session.commit()
    me, other = _ids(db_session)
    training_id = db_session.scalar(sa.text("SELECT min(id) FROM trainings"))
    response = candidate_client.post(
        f"/training/{training_id}/plan", data={"person_id": other, "status": "completed"}
    )
    assert response.status_code == 303
    enrollment = db_session.scalar(sa.select(Enrollment))
    assert enrollment.person_id == me
    assert enrollment.status == "planned"


def test_admin_user_form_ignores_unknown_fields(admin_client, db_session):
    response = admin_client.post(
        "/admin/users",
        data={
            "email": "new@example.com",
            "name": "New Person",
            "role": "candidate",
            "password": "a-good-password",
            "is_active": "false",
            "session_token": "attacker-chosen",
            "id": "1",
        },
    )
    assert response.status_code == 302
    user = get_user_by_email(db_session, "new@example.com")
    assert user.is_active and user.session_token != "attacker-chosen" and user.id != 1
