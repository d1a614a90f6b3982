"""The navigation each role sees: only pages that role may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from flask_login import current_user

from core.users import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[str]
    # Blueprints or endpoints whose pages belong under this entry besides its own page.
    sections: frozenset[str] = frozenset()

    def is_active(self, endpoint: str | None) -> bool:
        """True when ``endpoint`` is this entry's page or belongs to one of its sections."""
        if not endpoint:
            return False
        return (
            endpoint == self.endpoint
            or endpoint in self.sections
            or endpoint.split(".")[0] in self.sections
        )


EDITORS = frozenset({Role.HR, Role.ADMIN})

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "main.home", frozenset(Role)),
    NavItem("Framework", "frameworks.index", frozenset(Role), frozenset({"frameworks.competency"})),
    NavItem("Role profiles", "frameworks.roles", frozenset(Role), frozenset({"frameworks.role"})),
    NavItem(
        "Self-assessment",
        "assessments.index",
        frozenset({Role.CANDIDATE}),
        frozenset({"assessments"}),
    ),
    NavItem("My profile", "profile.index", frozenset({Role.CANDIDATE}), frozenset({"profile"})),
    NavItem(
        "Qualifications",
        "credentials.index",
        frozenset({Role.CANDIDATE}),
        frozenset({"credentials"}),
    ),
    NavItem(
        "Framework versions",
        "versions.index",
        EDITORS,
        frozenset({"versions", "drafts", "profiles"}),
    ),
    NavItem("Import framework", "interchange.upload", EDITORS, frozenset({"interchange"})),
    NavItem("Users", "admin.users", frozenset({Role.ADMIN})),
    NavItem("Audit log", "admin.audit", frozenset({Role.ADMIN})),
)


def items_for(role: str) -> list[NavItem]:
    """The navigation entries a user with ``role`` may see."""
    return [item for item in NAV_ITEMS if role in item.roles]


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_navigation() -> dict[str, object]:
        if not current_user.is_authenticated:
            return {"nav_items": []}
        return {"nav_items": items_for(current_user.role), "current_endpoint": request.endpoint}
