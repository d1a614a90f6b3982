"""Issue 24, item 5: after erasing a person, no table holds their name or e-mail any more
(only the pseudonym), their plans are in their export, and the audit trail keeps its
skeleton."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.db import Base
from core.users import get_user_by_email
from tests.factories import make_project

NAME, EMAIL = "Alex Demo-Candidate", "candidate@example.com"


@pytest.fixture()
def demo(app, db_session):
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    return app


def _mentions(db_session, needles):
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db_session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                text = json.dumps(value, default=str) if value is not None else ""
                for needle in needles:
                    if needle.lower() in text.lower() or needle.lower() in str(value).lower():
                        found.append(f"{table.name}.{column} (id {row.get('id')})")
    return sorted(set(found))


def test_the_export_holds_every_version_of_the_persons_plan(demo, client_for):
    data = json.loads(client_for("candidate").get("/me/data.json").get_data(as_text=True))
    plans = data["development_plans"]
    assert [p["version"] for p in plans] == [1, 2, 3]
    assert all(p["goals"] for p in plans)
    assert "Sam Demo-Candidate" not in json.dumps(data)


def _files_mentioning(root: Path, needles) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix not in {".sqlite3", ".joblib"}:
            text = path.read_bytes().decode("utf-8", "replace").lower()
            if any(n.lower() in text for n in needles):
                found.append(str(path.relative_to(root)))
    return found


def test_after_erasure_no_table_names_the_person(demo, client_for, db_session):
    person = get_user_by_email(db_session, EMAIL)
    person_id = person.id
    # A request to join mails the person: the outbox under instance/ then names them too.
    project = make_project(db_session, get_user_by_email(db_session, "manager2@example.com"))
    db_session.commit()
    asked = client_for("manager2").post(
        f"/evaluations/{project.id}/candidates", data={"email": EMAIL, "name": NAME}
    )
    assert asked.status_code == 303
    instance = Path(demo.instance_path)
    assert _files_mentioning(instance, [NAME, EMAIL])
    assert _mentions(db_session, [NAME, EMAIL])  # the demo does mention them
    response = client_for("admin").post(
        f"/admin/privacy/{person_id}/erase",
        data={"confirm_email": EMAIL, "current_password": "proficio-demo"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert _mentions(db_session, [NAME, EMAIL]) == []
    assert _files_mentioning(instance, [NAME, EMAIL]) == []
    # The trail keeps its skeleton: the person's own events are still there, pseudonymous.
    own = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == person_id)).all()
    assert own and {e.actor_email for e in own} == {f"erased-{person_id}@erased.invalid"}


# Every text or JSON column, and every reference to a person, is either personal data that an
# export or an erasure handles, or not personal. A new column fails this test until someone
# decides which, and handles it.
PERSONAL = {
    "audit_events": {"actor_email", "before", "after"},  # pseudonymised on erasure
    "login_attempts": {"email", "address"},  # deleted on erasure, purged after a day
    "users": {"email", "name", "password_hash", "session_token", "line_manager_id"},
    "certifications": {"person_id", "name", "issuer", "credential_id"},  # deleted
    "qualifications": {"person_id", "title", "institution"},  # deleted
    "invitations": {"user_id", "token_sha256", "created_by_id"},  # deleted
    "password_resets": {"user_id", "token_sha256"},  # deleted
    "sent_reminders": {"recipient_id"},  # deleted
    "assessments": {"subject_id", "assessor_id", "note"},  # note erased, levels kept
    "ratings": {"reason", "created_by_id"},  # reasons erased
    "evidence": {"text", "url", "file_stored_name", "file_original_name", "created_by_id"},
    "enrollments": {"person_id", "rating_comment"},  # comments erased
    "target_role_choices": {"person_id"},
    "development_plans": {
        "person_id",
        "summary",
        "over_budget_reason",
        "return_comment",
        "approval_note",
        "archive_note",
        "created_by_id",
        "proposed_by_id",
        "returned_by_id",
        "approved_by_id",
        "archived_by_id",
    },  # free text erased, structure kept
    "plan_goals": {"actions"},
    "plan_goal_trainings": {"reason"},
    "level_observations": {"subject_key", "person_id"},  # keyed, kept as statistics
    "history_enrollments": {"subject_key"},
    "evaluation_project_members": {"user_id", "added_by_id", "invited_name"},
    "export_jobs": {"created_by_id", "selection"},
    # Rounds about the person are deleted; an opener's message is emptied.
    "feedback_rounds": {"subject_id", "opened_by_id", "message"},
    # Requests to the person are deleted, their answers found by receipt and deleted.
    "feedback_raters": {
        "user_id",
        "email",
        "name",
        "token_sha256",
        "draft_comment",
        "invited_by_id",
    },
    "feedback_responses": {"receipt", "attributed_to_id", "comment"},
}
# Codes, states and content that say nothing about a person; references to the person who
# made a framework, a training or a project point at the anonymised account after erasure.
NOT_PERSONAL = {
    "audit_events": {"action", "entity_type", "entity_id"},
    "users": {"role"},
    "certifications": {"category", "catalogue_code"},
    "qualifications": {"kind"},
    "export_jobs": {"idempotency_key", "selection_key", "status", "result_name", "error"},
    "frameworks": {"created_by_id", "published_by_id"},
    "esco_skill_mappings": {"updated_by_id"},  # who decided a mapping; ESCO content otherwise
    "esco_imports": {"created_by_id"},
    "trainings": {"created_by_id"},
    "evaluation_projects": {"owner_id", "released_by_id"},
    "evaluation_project_members": {"role", "status"},
    "level_observations": {"competency_code", "kind", "source"},
    "history_enrollments": {"source"},
    "enrollments": {"status", "outcome", "outcome_detail"},  # levels seen before and after
    "assessments": {"kind", "status"},
    "evidence": {"kind", "file_content_type", "file_sha256"},
    "development_plans": {"currency", "status"},
    "plan_goals": {
        "competency_uuid",
        "competency_code",
        "competency_name",
        "requirement",
        "status",
    },
    "plan_goal_trainings": {"title", "provider", "currency", "source"},
    "feedback_rounds": {"withheld_groups"},
    "sent_reminders": {"kind", "subject_key", "milestone"},
    "feedback_raters": {"rater_group"},
    "feedback_responses": {"id", "rater_group"},
}


def _person_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            refers_to_people = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if isinstance(column.type, sa.String | sa.Text | sa.JSON) or refers_to_people:
                yield table.name, column.name, refers_to_people


def test_every_column_that_can_hold_personal_data_is_handled():
    unclassified = []
    for table, column, refers_to_people in _person_columns():
        known = PERSONAL.get(table, set()) | NOT_PERSONAL.get(table, set())
        # Text in a table about people, or any reference to a person, must be classified.
        if column not in known and (refers_to_people or table in PERSONAL):
            unclassified.append(f"{table}.{column}")
    assert unclassified == [], "decide whether these hold personal data, and handle them"
