"""Generated demonstration data for `seed --demo`. Every person here is fictional."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

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
