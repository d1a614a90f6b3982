"""Personal data of one account: what the kernel holds (the account, its actions, invitations).

Each domain package has a ``privacy`` module with the same two functions for its own records;
the web layer puts them together, so no package needs to know about the ones above it.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import utcnow
from core.invitations import Invitation
from core.login_throttle import LoginAttempt
from core.password_resets import PasswordReset
from core.reminders import SentReminder
from core.users import User, end_all_sessions


def iso_or_none(value) -> str | None:
    """A date or time in an export: ISO 8601, or None when there is none."""
    return value.isoformat() if value else None


ERASED_NAME = "Erased person"
ERASED_TEXT = "[erased]"
# Keys of audit values that hold text a person typed (notes, reasons, comments).
FREE_TEXT_KEYS = frozenset(
    {
        "note",
        "reason",
        "comment",
        "text",
        "summary",
        "actions",
        "over_budget_reason",
        "return_comment",
        "approval_note",
        "archive_note",
        "rating_comment",
        "url",
        "file",
    }
)


def export_person(session: Session, person: User) -> dict[str, Any]:
    """The account and what the person did in Proficio (their own audit trail, without values)."""
    actions = session.execute(
        sa.select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.created_at)
        .where(AuditEvent.actor_id == person.id)
        .order_by(AuditEvent.created_at)
    ).all()
    return {
        "account": {
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "role": person.role,
            "is_active": person.is_active,
            "created_at": person.created_at.isoformat(),
            "last_login_at": person.last_login_at.isoformat() if person.last_login_at else None,
            "line_manager": person.line_manager.name if person.line_manager else None,
        },
        "actions": [
            {"action": action, "entity": entity, "at": at.isoformat()}
            for action, entity, at in actions
        ],
    }


def erase_person(session: Session, person: User) -> dict[str, int]:
    """Anonymise the account so nobody can recognise or sign in as the person again; the
    audit trail keeps its skeleton with the person replaced by the same pseudonym."""
    invitations = session.execute(sa.delete(Invitation).where(Invitation.user_id == person.id))
    session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == person.id))
    session.execute(sa.delete(SentReminder).where(SentReminder.recipient_id == person.id))
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == person.email))
    name, email = f"{ERASED_NAME} #{person.id}", f"erased-{person.id}@erased.invalid"
    events = pseudonymise_audit_trail(
        session, person.id, {person.name: name, person.email: email}, email
    )
    person.name = name
    person.email = email
    person.password_hash = f"!erased-{secrets.token_hex(16)}"
    person.is_active = False
    person.blocked_at = utcnow()
    person.line_manager_id = None
    # Nobody reports to an erased account any more.
    session.execute(
        sa.update(User).where(User.line_manager_id == person.id).values(line_manager_id=None)
    )
    person.last_login_at = None
    end_all_sessions(person)
    return {"invitations_removed": invitations.rowcount, "audit_events_pseudonymised": events}


def _replace_identifiers(value: Any, replacements: dict[str, str], *, drop_text: bool) -> Any:
    if isinstance(value, dict):
        return {
            key: ERASED_TEXT
            if drop_text and key in FREE_TEXT_KEYS and isinstance(item, str) and item
            else _replace_identifiers(item, replacements, drop_text=drop_text)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_identifiers(item, replacements, drop_text=drop_text) for item in value]
    if isinstance(value, str):
        for identifier, pseudonym in replacements.items():
            value = re.sub(re.escape(identifier), pseudonym, value, flags=re.IGNORECASE)
        return value
    return value


def pseudonymise_audit_trail(
    session: Session, person_id: int, replacements: dict[str, str], pseudonymous_email: str
) -> int:
    """Replace a person in the audit trail: the e-mail of the events they made, every mention
    of their identifiers (name, e-mail) in any event's values, and the free text of the events
    they made. Returns how many events changed."""
    identifiers = [i for i in replacements if i]
    mentions = []
    for identifier in identifiers:
        # JSON text escapes non-ASCII letters; look for both spellings.
        for spelling in {identifier, json.dumps(identifier)[1:-1]}:
            for column in (AuditEvent.before, AuditEvent.after):
                mentions.append(sa.cast(column, sa.Text).ilike(f"%{_like(spelling)}%", escape="\\"))
    changed = 0
    for event in session.scalars(
        sa.select(AuditEvent).where(sa.or_(AuditEvent.actor_id == person_id, *mentions))
    ):
        own = event.actor_id == person_id
        before = _replace_identifiers(event.before, replacements, drop_text=own)
        after = _replace_identifiers(event.after, replacements, drop_text=own)
        if own:
            event.actor_email = pseudonymous_email
        if before != event.before or after != event.after or own:
            event.before, event.after = before, after
            changed += 1
    return changed


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
