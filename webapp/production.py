"""Checks a production server makes before it serves anyone (run from gunicorn.conf.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from webapp.demo import demo_accounts_with_demo_password
from webapp.extensions import db


class UnsafeToServeError(RuntimeError):
    """Serving this installation as it is would be unsafe; the message says why."""


def refuse_unsafe_production(app: Flask) -> None:
    """Raise UnsafeToServeError in production while a demo account keeps the public demo
    password (an empty or not yet migrated database passes)."""
    if app.config.get("PROFICIO_ENV") != "production":
        return
    with app.app_context():
        try:
            emails = demo_accounts_with_demo_password(db.session)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):
            emails = []  # no users table yet: `flask db upgrade` has not run
        finally:
            db.session.remove()
    if emails:
        raise UnsafeToServeError(
            "Refusing to serve in production: these demo accounts still have the public demo "
            f"password: {', '.join(emails)}. Erase them or change their passwords "
            "(`flask --app wsgi users set-password --email …`) first."
        )
