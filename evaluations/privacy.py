"""Personal data held by evaluation projects about their people: the requests to join, the
answers and the choice to share a self-assessment. (Rating sheets are assessments: see
``assessments.privacy``.)"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from core.privacy import iso_or_none
from core.users import User
from evaluations.models import ProjectMember


def export_person(session: Session, person: User) -> dict[str, Any]:
    """The person's places in evaluation projects, with their answers."""
    members = session.scalars(
        sa.select(ProjectMember)
        .where(ProjectMember.user_id == person.id)
        .options(joinedload(ProjectMember.project))
        .order_by(ProjectMember.id)
    )
    return {
        "evaluation_projects": [
            {
                "project": m.project.title,
                "role": m.role,
                "status": m.status,
                "asked_at": iso_or_none(m.added_at),
                "answered_at": iso_or_none(m.answered_at),
                "shares_self_assessment": m.shares_self_assessment,
                "name_given_by_the_owner": m.invited_name,
            }
            for m in members
        ]
    }


def erase_person(session: Session, person: User) -> dict[str, int]:
    """Forget the names owners typed for the person; the rows stay, pointing at the
    anonymised account, so that submitted ratings keep their project."""
    result = session.execute(
        sa.update(ProjectMember)
        .where(ProjectMember.user_id == person.id, ProjectMember.invited_name.is_not(None))
        .values(invited_name=None)
        .execution_options(synchronize_session=False)
    )
    return {"project_request_names_erased": result.rowcount}
