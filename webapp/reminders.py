"""Reminder mails: one due reminder (``plans.reminders``) rendered as a mail. The job that
claims and sends them is ``webapp.tasks.send_due_reminders``."""

from __future__ import annotations

from flask import url_for

from core.mail import OutgoingMail
from plans.reminders import DueReminder
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


def reminder_mail(reminder: DueReminder) -> OutgoingMail:
    """The mail for one due reminder (needs a request context for its link)."""
    return render_mail(
        TEMPLATES[reminder.kind],
        reminder.recipient.email,
        person=reminder.recipient,
        reminder=reminder,
        facts=reminder.facts,
        link=_link(reminder),
    )
