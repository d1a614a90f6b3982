"""Production refuses the demo: no demo seeding, no serving while demo passwords remain."""

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.users import User, get_user_by_email
from webapp.production import UnsafeToServeError, refuse_unsafe_production

NEW_PASSWORD = "a-long-private-password-42"


@pytest.fixture()
def production(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROFICIO_ENV", "production")
    return app


def test_seed_demo_in_production_exits_non_zero_and_writes_nothing(production, db_session):
    result = production.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code != 0
    assert "Refusing to seed demo data in production" in result.output
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == 0
    assert db_session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_seed_without_demo_still_works_in_production(production):
    result = production.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output


def test_production_refuses_to_serve_while_a_demo_account_keeps_the_demo_password(
    production, seeded
):
    with pytest.raises(UnsafeToServeError, match="admin@example.com"):
        refuse_unsafe_production(production)


def test_production_serves_once_every_demo_password_was_changed(production, seeded, db_session):
    runner = production.test_cli_runner()
    for email in ("candidate@example.com", "candidate2@example.com", "manager@example.com"):
        result = runner.invoke(
            args=["users", "set-password", "--email", email, "--password", NEW_PASSWORD]
        )
        assert result.exit_code == 0, result.output
    with pytest.raises(UnsafeToServeError) as refused:
        refuse_unsafe_production(production)
    assert "candidate@example.com" not in str(refused.value)
    for email in ("manager2@example.com", "hr@example.com", "admin@example.com"):
        runner.invoke(args=["users", "set-password", "--email", email, "--password", NEW_PASSWORD])
    refuse_unsafe_production(production)
    db_session.expire_all()
    assert get_user_by_email(db_session, "admin@example.com").check_password(NEW_PASSWORD)


def test_outside_production_the_demo_is_fine(app, seeded):
    refuse_unsafe_production(app)


def test_set_password_refuses_unknown_accounts_and_weak_passwords(runner, seeded):
    unknown = runner.invoke(
        args=["users", "set-password", "--email", "nobody@example.com", "--password", "x" * 12]
    )
    assert unknown.exit_code != 0 and "No account" in unknown.output
    weak = runner.invoke(
        args=["users", "set-password", "--email", "hr@example.com", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least" in weak.output
