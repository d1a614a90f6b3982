"""Personal data of one account: what the kernel holds (the account, its actions, invitations).

Each domain package has a ``privacy`` module with the same two functions for its own records;
the web layer puts them together, so no package needs to know about the ones above it.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import utcnow
from core.invitations import Invitation
from core.users import User, end_all_sessions

ERASED_NAME = "Erased person"


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
    """Anonymise the account so nobody can recognise or sign in as the person again."""
    invitations = session.execute(sa.delete(Invitation).where(Invitation.user_id == person.id))
    person.name = f"{ERASED_NAME} #{person.id}"
    person.email = f"erased-{person.id}@erased.invalid"
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
    return {"invitations_removed": invitations.rowcount}
