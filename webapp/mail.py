"""Mails from the web app: rendered in the request, delivered by the job worker after the
request's writes are committed (never when they are rolled back, never inside the request).

Templates come in pairs, ``mail/<name>.txt`` and ``mail/<name>.html``, the subject being the
first line of the text template's output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, render_template

from core.mail import MailSettings, OutgoingMail
from webapp.transactions import after_commit


def outbox_dir(app: Flask) -> Path:
    configured = app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "mail"


def mail_settings(app: Flask) -> MailSettings:
    return MailSettings.from_environment(outbox_dir(app))


def render_mail(name: str, to: str, **context: Any) -> OutgoingMail:
    """The mail ``name`` for the address ``to``, rendered from its two templates."""
    first_line, _, text = render_template(f"mail/{name}.txt", **context).partition("\n")
    # One line whatever a title typed by someone holds: a header cannot be split.
    subject = " ".join(first_line.split())
    html = render_template(f"mail/{name}.html", subject=subject, **context)
    return OutgoingMail(to=to, subject=subject, text=text.lstrip("\n"), html=html)


def send_after_commit(mail: OutgoingMail) -> None:
    """Queue ``mail`` for the worker once the request's changes are committed."""
    from webapp.tasks import enqueue_mail

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(lambda: enqueue_mail(app, mail))
