"""Generated demonstration data for `seed --demo`. Every person here is fictional."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.competency_editing import competency_input, update_competency
from competencies.drafts import create_draft
from competencies.editing import update_framework_details
from competencies.models import Framework
from competencies.profiles import RequirementChoice, set_requirements
from core.users import Role, User, create_user, get_user_by_email

DEMO_PASSWORD = "proficio-demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("candidate@example.com", "Alex Demo-Candidate", Role.CANDIDATE),
    DemoPerson("candidate2@example.com", "Sam Demo-Candidate", Role.CANDIDATE),
    DemoPerson("manager@example.com", "Morgan Demo-Manager", Role.MANAGER),
    DemoPerson("manager2@example.com", "Robin Demo-Manager", Role.MANAGER),
    DemoPerson("hr@example.com", "Harper Demo-HR", Role.HR),
    DemoPerson("admin@example.com", "Ada Demo-Admin", Role.ADMIN),
)


def seed_demo_people(session: Session) -> list[tuple[DemoPerson, bool]]:
    """Create the demo accounts that do not exist yet; returns each with whether it was new."""
    result = []
    for person in DEMO_PEOPLE:
        existing: User | None = get_user_by_email(session, person.email)
        if existing is None:
            create_user(
                session,
                email=person.email,
                name=person.name,
                role=person.role,
                password=DEMO_PASSWORD,
            )
        result.append((person, existing is None))
    return result


DEMO_DRAFT_LABEL = "1.1 (demo draft)"
DEMO_DRAFT_NOTE = (
    "Demo draft with a synthetic change, made by `seed --demo` so that the compare page has "
    "something to show: a sharper level-3 indicator for Planning and a higher Communication "
    "target for the IT Project Manager. Publish or discard it as you like."
)
DEMO_PLANNING_LEVEL_3 = (
    "Builds and maintains the integrated plan of a medium-sized project (scope, schedule, "
    "resources, budget and risks), re-plans within a day when a milestone slips and explains "
    "the trade-offs to the sponsor."
)


def seed_demo_draft(session: Session, framework: Framework) -> Framework | None:
    """A labelled demo draft of the default framework with one visible change, made once.

    Nothing happens when the framework already has another version (the demo draft, a draft of
    HR's own, or a later published version): re-running the seed never piles up drafts.
    """
    versions = session.scalar(
        sa.select(sa.func.count(Framework.id)).where(Framework.uuid == framework.uuid)
    )
    if versions != 1 or not framework.is_published:
        return None
    draft = create_draft(session, framework, actor=None)
    update_framework_details(
        session,
        draft,
        None,
        name=draft.name,
        version_label=DEMO_DRAFT_LABEL,
        description=draft.description,
        code=draft.code,
        change_note=DEMO_DRAFT_NOTE,
    )
    competencies = {c.code: c for c in draft.competencies}
    planning = competencies["DEL-01"]
    changes = competency_input(planning)
    changes.descriptors[3] = DEMO_PLANNING_LEVEL_3
    update_competency(session, planning, None, changes)
    profile = next(p for p in draft.role_profiles if p.code == "ITPM")
    communication = competencies["LEA-02"]
    current = next(r for r in profile.requirements if r.competency_id == communication.id)
    set_requirements(
        session,
        profile,
        None,
        {communication.id: RequirementChoice(current.requirement, (current.target_level or 2) + 1)},
    )
    return draft
