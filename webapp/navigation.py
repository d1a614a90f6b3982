"""The navigation each role sees: only pages that role may open, exactly one marked current."""

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
    # Endpoints or whole blueprints whose pages belong under this entry besides its own page.
    sections: frozenset[str] = frozenset()

    def owns(self, endpoint: str) -> bool:
        """True when ``endpoint`` is this entry's page or one listed in its sections."""
        return (
            endpoint == self.endpoint
            or endpoint in self.sections
            or endpoint.split(".")[0] in self.sections
        )


EDITORS = frozenset({Role.HR, Role.ADMIN})
CANDIDATES = frozenset({Role.CANDIDATE})

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "main.home", frozenset(Role)),
    NavItem("Framework", "frameworks.index", frozenset(Role), frozenset({"frameworks.competency"})),
    NavItem("Role profiles", "frameworks.roles", frozenset(Role), frozenset({"frameworks.role"})),
    NavItem("Self-assessment", "assessments.index", CANDIDATES, frozenset({"assessments"})),
    NavItem("My profile", "profile.index", CANDIDATES, frozenset({"profile"})),
    NavItem("Qualifications", "credentials.index", CANDIDATES, frozenset({"credentials"})),
    NavItem(
        "Framework versions",
        "versions.index",
        EDITORS,
        frozenset({"versions", "drafts", "profiles"}),
    ),
    NavItem("Import framework", "interchange.upload", EDITORS, frozenset({"interchange"})),
    NavItem("Trainings", "training.catalogue", frozenset(Role), frozenset({"training.detail"})),
    NavItem("Recommendations", "training.recommendations", frozenset(Role)),
    NavItem("My trainings", "training.mine", frozenset(Role), frozenset({"training.enrollment"})),
    NavItem(
        "Manage catalogue",
        "training.manage",
        frozenset({Role.HR}),
        frozenset({"training.new", "training.edit"}),
    ),
    NavItem("My plan", "plans.index", CANDIDATES, frozenset({"plans", "plan_goals"})),
    NavItem("Plans", "hr_plans.index", frozenset({Role.HR}), frozenset({"plans", "plan_goals"})),
    NavItem(
        "Overview",
        "hr_plans.overview_page",
        frozenset({Role.HR}),
        frozenset({"hr_plans.heatmap"}),
    ),
    NavItem(
        "PDF exports",
        "hr_plans.exports",
        frozenset({Role.HR}),
        frozenset({"hr_plans.job", "hr_plans.start_export"}),
    ),
    NavItem("Users", "admin.users", frozenset({Role.ADMIN}), frozenset({"admin.user_edit"})),
    NavItem("Audit log", "admin.audit", frozenset({Role.ADMIN})),
)


def items_for(role: str) -> list[NavItem]:
    """The navigation entries a user with ``role`` may see."""
    return [item for item in NAV_ITEMS if role in item.roles]


def active_endpoint(items: list[NavItem], endpoint: str | None) -> str | None:
    """The one entry to mark current: its own page or section, else its blueprint's first."""
    if not endpoint:
        return None
    for item in items:
        if item.owns(endpoint):
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
