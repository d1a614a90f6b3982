"""Configuration: safe defaults, then environment variables, then the caller's mapping."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

DEFAULT_SECRET_NAMES = {"", "dev", "change-me", "secret"}


def secret_key(instance_path: Path) -> str:
    """The SECRET_KEY from the environment, else one generated once into the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    # Written whole to an owner-only temporary file, then linked into place: nobody ever
    # reads a half-written key, and of two processes starting at once the first one wins.
    fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return key_file.read_text().strip()


def _engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 5}}
    # pool_pre_ping lets the app recover from a database restart without restarting itself.
    return {"pool_pre_ping": True, "pool_recycle": 1800}


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the configuration mapping for an app whose instance folder is ``instance_path``."""
    overrides = dict(overrides or {})
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get(
        "DATABASE_URL", f"sqlite:///{instance_path / 'proficio.sqlite3'}"
    )
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants postgresql+psycopg.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]
    environment = overrides.get("PROFICIO_ENV") or os.environ.get("PROFICIO_ENV", "development")
    # Fails closed: production marks cookies Secure unless PROFICIO_SECURE_COOKIES=0 says not.
    secure_default = "1" if environment == "production" else "0"
    secure_cookies = os.environ.get("PROFICIO_SECURE_COOKIES", secure_default) == "1"
    config: dict[str, Any] = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # "Keep me signed in" lasts two weeks unless configured (Flask-Login's default is a year).
        "REMEMBER_COOKIE_DURATION": timedelta(
            days=int(os.environ.get("PROFICIO_REMEMBER_DAYS", 14))
        ),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "MAX_CONTENT_LENGTH": int(os.environ.get("PROFICIO_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Evidence uploads: size limit per file, and a folder outside static/ (default instance/).
        "EVIDENCE_MAX_BYTES": int(os.environ.get("PROFICIO_EVIDENCE_MAX_BYTES", 4 * 1024 * 1024)),
        "EVIDENCE_DIR": os.environ.get("PROFICIO_EVIDENCE_DIR") or None,
        "EVIDENCE_QUOTA_BYTES": int(
            os.environ.get("PROFICIO_EVIDENCE_QUOTA_BYTES", 50 * 1024 * 1024)
        ),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BOOTSWATCH_THEME": None,
        "PROFICIO_ENV": environment,
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", "memory://")
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host. Zero
        # (the default) ignores those headers: a client could write anything in them.
        "TRUSTED_PROXIES": int(os.environ.get("PROFICIO_TRUSTED_PROXIES", 0)),
        "AUDIT_RETENTION_DAYS": int(os.environ.get("PROFICIO_AUDIT_RETENTION_DAYS", 730)),
        # Bulk-export ZIPs hold many people's plans: served and kept this long, then deleted.
        "EXPORT_RETENTION_DAYS": int(os.environ.get("PROFICIO_EXPORT_RETENTION_DAYS", 7)),
        # Where `recommender train` writes the model and the app reads it (shared storage
        # when several app servers run); unset means <instance folder>/recommender.
        "RECOMMENDER_DIR": os.environ.get("PROFICIO_RECOMMENDER_DIR"),
        # Where bulk-export ZIPs are written by the worker and read by the web servers (shared
        # storage when they run on several machines); unset means <instance folder>/exports.
        "PLAN_EXPORT_DIR": os.environ.get("PROFICIO_PLAN_EXPORT_DIR"),
        # Approved plans are signed with this PKCS#12 certificate; unset, with a self-signed
        # one made on first use in PLAN_SIGNING_DIR (default <instance folder>/signing).
        "PLAN_SIGNING_P12": os.environ.get("PROFICIO_PLAN_SIGNING_P12"),
        "PLAN_SIGNING_P12_PASSWORD": os.environ.get("PROFICIO_PLAN_SIGNING_P12_PASSWORD"),
        "PLAN_SIGNING_DIR": os.environ.get("PROFICIO_PLAN_SIGNING_DIR"),
        # The address people reach Proficio at: links in mails sent outside a request
        # (reminders from the job worker) start with it.
        "PUBLIC_URL": os.environ.get("PROFICIO_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Who signs approved plans (the signature's name and the self-signed certificate's).
        "ORGANISATION_NAME": os.environ.get("PROFICIO_ORGANISATION_NAME", "Proficio"),
        # Mails without MAIL_URL are written here as .eml files (see core.mail).
        "MAIL_OUTBOX_DIR": os.environ.get("PROFICIO_MAIL_OUTBOX_DIR"),
        # Tests run background jobs at once, inside the request that starts them.
        "HUEY_IMMEDIATE": False,
    }
    config.update(overrides)
    return config


def check_production_safety(config: dict[str, Any], debug: bool) -> None:
    """Refuse to run a production configuration with debug on or a guessable key."""
    if config.get("PROFICIO_ENV") != "production":
        return
    if debug:
        raise RuntimeError("Refusing to start: debug mode is on in production.")
    if config["SECRET_KEY"] in DEFAULT_SECRET_NAMES or len(config["SECRET_KEY"]) < 32:
        raise RuntimeError("Refusing to start: SECRET_KEY is missing, default or too short.")
