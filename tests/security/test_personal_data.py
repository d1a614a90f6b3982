"""Case 25: a person's export holds all their records and nobody else's; erasure anonymises
them everywhere, keeps aggregates and leaves an audit entry; exporting someone else's data is
audited; the retention setting purges old audit events."""

import json
from datetime import timedelta

import sqlalchemy as sa

from assessments.models import Certification, Evidence, Qualification, Rating
from core.audit import AuditEvent
from core.db import utcnow
from core.users import get_user_by_email
from tests.factories import make_self_round
from webapp.demo import seed_demo_assessments


def _demo(db_session):
    seed_demo_assessments(db_session)
    db_session.commit()


def test_own_export_holds_my_records_and_nobody_elses(candidate_client, db_session):
    _demo(db_session)
    response = candidate_client.get("/me/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "candidate@example.com"
    assert len(data["self_assessments"]) == 3
    assert data["qualifications"] and data["certifications"]
    text = json.dumps(data)
    assert "candidate2@example.com" not in text and "Sam Demo-Candidate" not in text


def test_admin_export_of_someone_else_is_audited(admin_client, db_session):
    _demo(db_session)
    person = get_user_by_email(db_session, "candidate2@example.com")
    response = admin_client.get(f"/admin/privacy/{person.id}/export.json")
    assert response.status_code == 200
    assert json.loads(response.data)["account"]["email"] == "candidate2@example.com"
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.export"))
    assert event.actor_email == "admin@example.com" and event.entity_id == str(person.id)


def test_erasure_anonymises_and_keeps_aggregates(admin_client, db_session, app):
    _demo(db_session)
    person = get_user_by_email(db_session, "candidate@example.com")
    person_id = person.id
    levels_before = db_session.scalar(
        sa.select(sa.func.count(Rating.id)).where(Rating.level.is_not(None))
    )
    response = admin_client.post(
        f"/admin/privacy/{person_id}/erase",
        data={"confirm_email": "candidate@example.com", "current_password": "proficio-demo"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert get_user_by_email(db_session, "candidate@example.com") is None
    erased = db_session.get(type(person), person_id)
    assert erased.email.endswith("@erased.invalid") and not erased.is_active
    assert (
        db_session.scalar(
            sa.select(sa.func.count(Qualification.id)).where(Qualification.person_id == person_id)
        )
        == 0
    )
    assert (
        db_session.scalar(
            sa.select(sa.func.count(Certification.id)).where(Certification.person_id == person_id)
        )
        == 0
    )
    # Levels stay for the statistics; nothing in them names the person.
    assert (
        db_session.scalar(sa.select(sa.func.count(Rating.id)).where(Rating.level.is_not(None)))
        == levels_before
    )
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    # Nobody can sign in as the erased person any more.
    response = app.test_client().post(
        "/login", data={"email": "candidate@example.com", "password": "proficio-demo"}
    )
    assert response.status_code == 401


def test_erasure_removes_evidence_text_and_files(admin_client, db_session, app, tmp_path):
    from assessments.answers import save_answers
    from assessments.evidence import EvidenceInput
    from assessments.evidence_files import EvidenceStore
    from tests.security.world import TINY_PNG

    person = get_user_by_email(db_session, "candidate@example.com")
    round_ = make_self_round(db_session, person, {}, default_level=2, submit=False)
    competency_id = round_.ratings[0].competency_id
    root = tmp_path / "evidence"
    app.config["EVIDENCE_DIR"] = str(root)
    save_answers(
        db_session,
        round_,
        person,
        expected_version=round_.version,
        evidence=[
            EvidenceInput(
                competency_id,
                "observation",
                text="My private note",
                file_name="a.png",
                file_data=TINY_PNG,
            )
        ],
        store=EvidenceStore(root),
    )
    db_session.commit()
    assert len(list(root.iterdir())) == 1
    response = admin_client.post(
        f"/admin/privacy/{person.id}/erase",
        data={"confirm_email": person.email, "current_password": "proficio-demo"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    evidence = db_session.scalar(sa.select(Evidence))
    assert evidence.text == "[erased]" and evidence.file_stored_name is None
    assert list(root.iterdir()) == []


def test_erasure_needs_the_typed_email_and_never_erases_yourself(admin_client, db_session):
    person = get_user_by_email(db_session, "candidate2@example.com")
    response = admin_client.post(
        f"/admin/privacy/{person.id}/erase",
        data={"confirm_email": "x@y.z", "current_password": "proficio-demo"},
    )
    assert response.status_code == 422
    assert "does not match" in response.get_data(as_text=True)
    me = get_user_by_email(db_session, "admin@example.com")
    response = admin_client.post(
        f"/admin/privacy/{me.id}/erase",
        data={"confirm_email": me.email, "current_password": "proficio-demo"},
    )
    assert response.status_code == 422
    assert "cannot erase your own account" in response.get_data(as_text=True)
    db_session.expire_all()
    assert get_user_by_email(db_session, "candidate2@example.com") is not None


def test_finding_an_unknown_person_says_so(admin_client):
    response = admin_client.get("/admin/privacy?email=nobody@example.com")
    assert response.status_code == 404
    assert "Nobody has this email address." in response.get_data(as_text=True)


def test_retention_purges_old_audit_events(runner, db_session, seeded):
    old = AuditEvent(action="old.thing", entity_type="X", created_at=utcnow() - timedelta(days=800))
    db_session.add(old)
    db_session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 events" in result.output
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "old.thing")) is None


def test_erasure_asks_for_the_admins_own_password(admin_client, db_session):
    person = get_user_by_email(db_session, "candidate2@example.com")
    response = admin_client.post(
        f"/admin/privacy/{person.id}/erase",
        data={"confirm_email": person.email, "current_password": "wrong-password-1"},
    )
    assert response.status_code == 422
    assert "That is not your password" in response.get_data(as_text=True)
    db_session.expire_all()
    assert get_user_by_email(db_session, "candidate2@example.com") is not None
