"""Reminder mails: the due reminders of the day (``plans.reminders``), rendered and queued.

Run by the job worker every morning and by `flask --app wsgi reminders send`; outside a
request, links start with PUBLIC_URL.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, url_for

from core.db import utcnow
from plans.reminders import DueReminder, claim_due_reminders
from webapp.extensions import db
from webapp.mail import render_mail

TEMPLATES = {
    "certification": "reminder_certification",
    "goal": "reminder_goal",
    "sheet": "reminder_sheet",
}


def _link(reminder: DueReminder) -> str:
    if reminder.kind == "certification":
        return url_for("credentials.index", _external=True)
    if reminder.kind == "goal":
        return url_for("plans.detail", plan_id=reminder.facts["plan_id"], _external=True)
    return url_for("evaluations.detail", project_id=reminder.facts["project_id"], _external=True)


def send_due_reminders(app: Flask, today: date | None = None) -> dict[str, int]:
    """Claim today's due reminders, commit the claims and queue one mail each; the counts per
    kind (a reminder claimed by another run is neither counted nor sent here)."""
    from webapp.tasks import enqueue_mail

    today = today or utcnow().date()
    with app.app_context(), app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        reminders = claim_due_reminders(db.session, today)
        mails = [
            render_mail(
                TEMPLATES[r.kind],
                r.recipient.email,
                person=r.recipient,
                reminder=r,
                facts=r.facts,
                link=_link(r),
            )
            for r in reminders
        ]
        db.session.commit()
        for mail in mails:
            enqueue_mail(app, mail)
        db.session.remove()
    counts = {kind: 0 for kind in TEMPLATES}
    for reminder in reminders:
        counts[reminder.kind] += 1
    return counts
