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
    # Other pages that belong under this entry (so exactly one entry is marked current).
    also: frozenset[str] = frozenset()


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "main.home", frozenset(Role)),
    NavItem("Framework", "frameworks.index", frozenset(Role)),
    NavItem("Role profiles", "frameworks.roles", frozenset(Role)),
    NavItem("Trainings", "training.catalogue", frozenset(Role), frozenset({"training.detail"})),
    NavItem("Recommendations", "training.recommendations", frozenset(Role)),
    NavItem("My trainings", "training.mine", frozenset(Role), frozenset({"training.enrollment"})),
    NavItem(
        "Manage catalogue",
        "training.manage",
        frozenset({Role.HR}),
        frozenset({"training.new", "training.edit"}),
    ),
    NavItem("Users", "admin.users", frozenset({Role.ADMIN})),
)


def items_for(role: str) -> list[NavItem]:
    """The navigation entries a user with ``role`` may see."""
    return [item for item in NAV_ITEMS if role in item.roles]


def active_endpoint(items: list[NavItem], endpoint: str | None) -> str | None:
    """The one entry to mark current: exact page, a page it lists, else its blueprint's first."""
    if not endpoint:
        return None
    for item in items:
        if endpoint == item.endpoint or endpoint in item.also:
            return item.endpoint
    blueprint = endpoint.split(".")[0]
    for item in items:
        if item.endpoint.split(".")[0] == blueprint and item.endpoint != "main.home":
            return item.endpoint
    return None


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_navigation() -> dict[str, object]:
        if not current_user.is_authenticated:
            return {"nav_items": []}
        items = items_for(current_user.role)
        return {
            "nav_items": items,
            "current_endpoint": request.endpoint,
            "active_nav": active_endpoint(items, request.endpoint),
        }
