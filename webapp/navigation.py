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


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "main.home", frozenset(Role)),
    NavItem("Framework", "frameworks.index", frozenset(Role)),
    NavItem("Role profiles", "frameworks.roles", frozenset(Role)),
    NavItem("Self-assessment", "assessments.index", frozenset({Role.CANDIDATE})),
    NavItem("My profile", "profile.index", frozenset({Role.CANDIDATE})),
    NavItem("Qualifications", "credentials.index", frozenset({Role.CANDIDATE})),
    NavItem("My evaluations", "my_evaluations.index", frozenset({Role.CANDIDATE})),
    NavItem("Evaluations", "evaluations.index", frozenset({Role.MANAGER, Role.HR})),
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
