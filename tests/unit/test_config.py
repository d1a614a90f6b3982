"""Configuration defaults are safe and the secret key is generated, not committed."""

import pytest

from webapp.config import build_config, check_production_safety


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build_config(tmp_path)["SECRET_KEY"]
    second = build_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = build_config(tmp_path, {"SECRET_KEY": "x" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'proficio.sqlite3'}"


def test_postgres_urls_use_the_psycopg_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/proficio")
    config = build_config(tmp_path, {"SECRET_KEY": "x" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/proficio"


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql+pg8000"])
def test_pooled_server_connections_are_pinged_and_recycled(tmp_path, monkeypatch, driver):
    """A database restart must not cost a failed request (see test_database_down)."""
    monkeypatch.setenv("DATABASE_URL", f"{driver}://u:p@db/proficio")
    options = build_config(tmp_path, {"SECRET_KEY": "x" * 40})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_recycle"] == 1800


def test_session_cookies_are_http_only_and_lax(tmp_path):
    config = build_config(tmp_path, {"SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_debug_and_weak_keys():
    good = {"PROFICIO_ENV": "production", "SECRET_KEY": "k" * 64}
    check_production_safety(good, debug=False)
    with pytest.raises(RuntimeError, match="debug"):
        check_production_safety(good, debug=True)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        check_production_safety({**good, "SECRET_KEY": "change-me"}, debug=False)


def test_production_marks_cookies_secure_unless_told_not_to(tmp_path, monkeypatch):
    monkeypatch.delenv("PROFICIO_SECURE_COOKIES", raising=False)
    production = build_config(tmp_path, {"PROFICIO_ENV": "production", "SECRET_KEY": "k" * 64})
    assert production["SESSION_COOKIE_SECURE"] and production["REMEMBER_COOKIE_SECURE"]
    development = build_config(tmp_path, {"PROFICIO_ENV": "development", "SECRET_KEY": "k" * 64})
    assert not development["SESSION_COOKIE_SECURE"]
    monkeypatch.setenv("PROFICIO_SECURE_COOKIES", "0")
    overridden = build_config(tmp_path, {"PROFICIO_ENV": "production", "SECRET_KEY": "k" * 64})
    assert not overridden["SESSION_COOKIE_SECURE"]


def test_keep_me_signed_in_lasts_two_weeks_by_default(tmp_path, monkeypatch):
    from datetime import timedelta

    monkeypatch.delenv("PROFICIO_REMEMBER_DAYS", raising=False)
    assert build_config(tmp_path, {"SECRET_KEY": "k" * 64})["REMEMBER_COOKIE_DURATION"] == (
        timedelta(days=14)
    )
    monkeypatch.setenv("PROFICIO_REMEMBER_DAYS", "3")
    assert build_config(tmp_path, {"SECRET_KEY": "k" * 64})["REMEMBER_COOKIE_DURATION"] == (
        timedelta(days=3)
    )


def test_the_generated_key_is_owner_only_and_written_whole(tmp_path, monkeypatch):
    import stat

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build_config(tmp_path)["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 64 and build_config(tmp_path)["SECRET_KEY"] == first
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary left behind
