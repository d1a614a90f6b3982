"""Reminders: certifications at 90, 30 and 7 days and once expired, goals coming due, open
rating sheets — each exactly once, also when two workers run at the same moment, and never
to people who cannot sign in."""

import threading
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments.models import Certification
from core.db import utcnow
from core.reminders import SentReminder
from core.users import get_user_by_email
from plans.reminders import claim_due_reminders
from tests.factories import approved_plan, make_project, target
from webapp.tasks import send_due_reminders

TODAY = date(2027, 3, 1)


def _mails(app, to):
    outbox = Path(app.instance_path) / "mail"
    found = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    return [m for m in found if m["To"] == to]


def _certification(session, person, expires_on):
    certification = Certification(
        person_id=person.id,
        name="PRINCE2 Practitioner",
        issuer="PeopleCert",
        category="project_management",
        obtained_on=expires_on - timedelta(days=3 * 365),
        expires_on=expires_on,
    )
    session.add(certification)
    session.flush()
    return certification


def _due(session, day):
    return [(r.kind, r.milestone) for r in claim_due_reminders(session, day)]


def test_a_certification_is_reminded_at_each_milestone_once(db_session, seeded):
    alex = get_user_by_email(db_session, "candidate@example.com")
    expires = TODAY + timedelta(days=100)
    _certification(db_session, alex, expires)
    assert _due(db_session, TODAY) == []  # 100 days ahead: nothing yet
    assert _due(db_session, expires - timedelta(days=90)) == [("certification", "90")]
    assert _due(db_session, expires - timedelta(days=89)) == []  # once
    assert _due(db_session, expires - timedelta(days=30)) == [("certification", "30")]
    assert _due(db_session, expires - timedelta(days=7)) == [("certification", "7")]
    assert _due(db_session, expires) == []  # still valid on its last day
    assert _due(db_session, expires + timedelta(days=1)) == [("certification", "expired")]
    assert _due(db_session, expires + timedelta(days=2)) == []


def test_a_late_milestone_sends_the_most_urgent_and_passes_the_others(db_session, seeded):
    alex = get_user_by_email(db_session, "candidate@example.com")
    _certification(db_session, alex, TODAY + timedelta(days=20))
    assert _due(db_session, TODAY) == [("certification", "30")]
    assert _due(db_session, TODAY + timedelta(days=1)) == []  # the 90-day one never follows
    kept = db_session.scalars(sa.select(SentReminder.milestone)).all()
    assert sorted(kept) == ["30", "90"]


def test_nobody_who_cannot_sign_in_is_reminded(db_session, seeded):
    alex = get_user_by_email(db_session, "candidate@example.com")
    sam = get_user_by_email(db_session, "candidate2@example.com")
    for person in (alex, sam):
        _certification(db_session, person, TODAY + timedelta(days=5))
    alex.is_active = False
    sam.blocked_at = utcnow()
    db_session.flush()
    assert _due(db_session, TODAY) == []


def test_goals_of_an_approved_plan_are_reminded_a_week_before_and_on_the_day(db_session, seeded):
    alex = get_user_by_email(db_session, "candidate@example.com")
    hr = get_user_by_email(db_session, "hr@example.com")
    target(db_session, alex)
    plan = approved_plan(db_session, alex, hr)
    (goal,) = plan.goals
    due = goal.due_on
    assert _due(db_session, due - timedelta(days=8)) == []
    assert _due(db_session, due - timedelta(days=3)) == [("goal", "7")]
    assert _due(db_session, due) == [("goal", "due")]
    assert _due(db_session, due + timedelta(days=1)) == []


def test_evaluators_with_open_sheets_are_reminded_before_the_deadline(db_session, seeded):
    manager = get_user_by_email(db_session, "manager@example.com")
    alex = get_user_by_email(db_session, "candidate@example.com")
    project = make_project(db_session, manager, candidates=[alex])
    deadline = project.deadline_on
    due = claim_due_reminders(db_session, deadline - timedelta(days=5))
    assert [(r.kind, r.milestone, r.recipient.email) for r in due] == [
        ("sheet", "7", "manager@example.com")
    ]
    assert due[0].facts["open_sheets"] == 1
    assert _due(db_session, deadline - timedelta(days=1)) == [("sheet", "1")]


@pytest.mark.commits
@pytest.mark.both_databases
def test_two_workers_at_once_send_each_reminder_exactly_once(app, db_session, seeded):
    alex = get_user_by_email(db_session, "candidate@example.com")
    for days in (5, 25, 60):
        _certification(db_session, alex, TODAY + timedelta(days=days))
    db_session.commit()
    start = threading.Barrier(2)
    results = []

    def worker():
        start.wait()
        results.append(send_due_reminders(app, TODAY))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r["certification"] for r in results) == 3
    mails = _mails(app, "candidate@example.com")
    assert len(mails) == 3
    subjects = sorted(m["Subject"] for m in mails)
    assert subjects[0].startswith("Your certification PRINCE2 Practitioner expires in 25 days")
    again = send_due_reminders(app, TODAY)
    assert again["certification"] == 0 and len(_mails(app, "candidate@example.com")) == 3
