"""The command-line interface."""

import json

import pytest
import sqlalchemy as sa

from core.users import User, get_user_by_email


@pytest.mark.both_databases
def test_seed_is_idempotent(runner, db_session):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "loaded" in first.output
    assert second.exit_code == 0 and "already present" in second.output


def test_seed_demo_prints_the_logins_and_they_work(runner, app, db_session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    for email in [
        "candidate@example.com",
        "candidate2@example.com",
        "manager@example.com",
        "manager2@example.com",
        "hr@example.com",
        "admin@example.com",
    ]:
        assert email in result.output
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "proficio-demo"})
        assert response.status_code == 302, email
    assert "proficio-demo" in result.output
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0
    # The six logins, and the person the demo asked to join a project without an account
    # (locked until they open their link), each made once.
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == 7
    invitee = db_session.scalar(sa.select(User).where(User.email == "invitee@example.com"))
    assert not invitee.is_active and not invitee.check_password("proficio-demo")


def test_users_create(runner, db_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "pat@example.com",
            "--name",
            "Pat",
            "--role",
            "hr",
            "--password",
            "a-good-password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert get_user_by_email(db_session, "pat@example.com").role == "hr"


def test_users_create_explains_a_bad_password(runner, db_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "p@example.com",
            "--name",
            "P",
            "--role",
            "hr",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert get_user_by_email(db_session, "p@example.com") is None


def test_competencies_list_json_has_the_material_split(runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["competencies", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["framework"]["name"] == "Proficio IT Project Manager Framework"
    assert data["framework"]["version"] == "1.1"
    names = {c["code"]: c["name"] for c in data["competencies"]}
    assert all({"code", "name", "area"} <= set(c) for c in data["competencies"])
    itpm = next(p for p in data["role_profiles"] if p["name"] == "IT Project Manager")
    musts = {names[r["code"]] for r in itpm["requirements"] if r["requirement"] == "must"}
    assert musts == {
        "Technical skills",
        "Knowledge of server systems",
        "Leadership",
        "Planning",
        "Strategic competencies",
    }
    assert all(r["requirement"] in {"must", "can"} for r in itpm["requirements"])
    assert all(isinstance(r["target"], int | None) for r in itpm["requirements"])


def test_competencies_list_text(runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["competencies", "list"])
    assert "TEC-02" in result.output and "Knowledge of server systems" in result.output
    assert "IT Programme Manager:" in result.output


def test_competencies_list_without_a_framework_explains(runner):
    result = runner.invoke(args=["competencies", "list"])
    assert result.exit_code != 0
    assert "No framework is published yet" in result.output


def test_seed_says_when_an_open_draft_holds_back_the_newer_default_framework(runner, db_session):
    from competencies.drafts import create_draft
    from competencies.services import seed_default_framework

    old, _ = seed_default_framework(db_session)
    old.version_label = "1.0"
    create_draft(db_session, old, None, note="HR's own change")
    db_session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "v1.0: already present" in result.output
    assert "a draft version is open: publish or delete the draft" in result.output
