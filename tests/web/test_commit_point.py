"""One commit point per request (webapp.transactions): views call services and never commit or
roll back; a request that answered without error is committed, any other is rolled back."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.errors import ValidationError
from core.login_throttle import LoginAttempt
from core.users import User, get_user_by_email
from tests.helpers import ROLE_EMAILS, ROOT

CANDIDATE = ROLE_EMAILS["candidate"]
# Real commits and rollbacks are what these tests watch, on an app they add routes to.
pytestmark = [pytest.mark.commits, pytest.mark.fresh_app]


@pytest.fixture()
def routes(app):
    """Views that rename the candidate and then end in each of the ways a view can end."""
    from flask import abort, redirect, request

    from webapp.extensions import db
    from webapp.transactions import after_commit, keep_changes_on_error, refusal_of

    seen: dict[str, object] = {}

    def rename(name: str = "Written") -> User:
        user = db.session.scalar(sa.select(User).where(User.email == CANDIDATE))
        user.name = name
        db.session.flush()
        return user

    def refuse() -> None:
        rename("Refused half")
        raise ValidationError("The rule says no.", problems=["No."])

    def succeed():
        rename()
        return redirect("/", code=303)

    def refused_by_service():
        rename("Before the refusal")
        _, error = refusal_of(refuse)
        return {"problems": [error.message, *error.problems]}, 422

    def rerendered():
        rename()
        return "the form again, with its problems", 422

    def failed():
        rename()
        raise RuntimeError("the view failed after writing")

    def aborted():
        rename()
        abort(404)

    def kept():
        rename()
        keep_changes_on_error()
        return "refused, but the attempt is recorded", 401

    def kept_then_failed():
        rename()
        keep_changes_on_error()
        raise RuntimeError("failed after asking to keep")

    def queued():
        user_id = rename().id

        def read_in_another_connection() -> None:
            with db.engine.connect() as other:
                seen["name"] = other.scalar(sa.select(User.name).where(User.id == user_id))

        after_commit(read_in_another_connection)
        return "queued", int(request.args.get("status", "200"))

    for rule, view in (
        ("succeed", succeed),
        ("refused", refused_by_service),
        ("rerendered", rerendered),
        ("failed", failed),
        ("aborted", aborted),
        ("kept", kept),
        ("kept-then-failed", kept_then_failed),
        ("queued", queued),
    ):
        app.add_url_rule(f"/_commit/{rule}", f"commit_{rule}", view, methods=["GET", "POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.seen = seen
    return app


def _name(db_session) -> str:
    db_session.expire_all()
    return db_session.scalar(sa.select(User.name).where(User.email == CANDIDATE))


def test_a_successful_post_is_committed(routes, seeded, db_session):
    assert routes.test_client().post("/_commit/succeed").status_code == 303
    assert _name(db_session) == "Written"


def test_a_post_whose_service_refused_leaves_nothing_written(routes, seeded, db_session):
    before = _name(db_session)
    response = routes.test_client().post("/_commit/refused")
    assert response.status_code == 422
    assert response.get_json() == {"problems": ["The rule says no.", "No."]}
    assert _name(db_session) == before


def test_a_form_rerendered_with_422_leaves_nothing_written(routes, seeded, db_session):
    before = _name(db_session)
    assert routes.test_client().post("/_commit/rerendered").status_code == 422
    assert _name(db_session) == before


@pytest.mark.parametrize(("rule", "status"), [("failed", 500), ("aborted", 404)])
def test_an_exception_in_a_view_rolls_back(routes, seeded, db_session, rule, status):
    before = _name(db_session)
    assert routes.test_client().post(f"/_commit/{rule}").status_code == status
    assert _name(db_session) == before


def test_keep_changes_on_error_commits_a_deliberate_error_answer(routes, seeded, db_session):
    assert routes.test_client().post("/_commit/kept").status_code == 401
    assert _name(db_session) == "Written"


def test_an_exception_after_keep_changes_on_error_still_rolls_back(routes, seeded, db_session):
    before = _name(db_session)
    assert routes.test_client().post("/_commit/kept-then-failed").status_code == 500
    assert _name(db_session) == before


def test_after_commit_runs_once_the_rows_are_committed(routes, seeded):
    assert routes.test_client().post("/_commit/queued").status_code == 200
    assert routes.seen == {"name": "Written"}


def test_after_commit_never_runs_when_the_request_is_rolled_back(routes, seeded, db_session):
    assert routes.test_client().post("/_commit/queued?status=422").status_code == 422
    assert routes.seen == {}


# ---------------------------------------------------------------- the real views


def test_a_get_that_audits_a_read_commits_its_audit_event(admin_client, db_session):
    """An admin's export of someone's personal data is a GET, and leaves its audit event."""
    person = get_user_by_email(db_session, CANDIDATE)
    response = admin_client.get(f"/admin/privacy/{person.id}/export.json")
    assert response.status_code == 200
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.export")
    ).all()
    assert [e.entity_id for e in events] == [str(person.id)]


def test_a_failed_sign_in_records_its_attempt_though_it_answers_401(client, seeded, db_session):
    response = client.post("/login", data={"email": CANDIDATE, "password": "not-the-password"})
    assert response.status_code == 401
    attempts = db_session.scalars(sa.select(LoginAttempt.email)).all()
    assert attempts == [CANDIDATE]


def test_a_refused_admin_form_writes_no_user(admin_client, db_session):
    before = db_session.scalar(sa.select(sa.func.count(User.id)))
    response = admin_client.post(
        "/admin/users",
        data={
            "email": CANDIDATE,
            "name": "Twice",
            "role": "manager",
            "password": "a-good-password",
        },
    )
    assert response.status_code == 422
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == before


# ---------------------------------------------------------------- nobody else commits

ALLOWED = {
    "webapp/transactions.py": "the request's one commit point",
    "webapp/cli.py": "one_transaction(), a command's one commit point",
    "webapp/tasks.py": "a Huey job owns its session and commits its progress per plan, or "
    "its reminder claims before queueing their mails",
}
COMMITS = re.compile(r"\.(commit|rollback)\(")


def test_only_the_commit_points_commit_or_roll_back():
    """No view, form or helper in webapp/ commits or rolls back by hand."""
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in sorted((ROOT / "webapp").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if COMMITS.search(line)
    ]
    assert found == [], "commit or roll back through webapp.transactions:\n" + "\n".join(found)

    assert all((ROOT / name).is_file() for name in ALLOWED)
