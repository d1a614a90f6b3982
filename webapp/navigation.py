"""The navigation each role sees: only pages that role may open, exactly one marked current;
and the layout's fixed asset tags."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup

from core.users import Role
from webapp.fragments import fragments


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


@dataclass(frozen=True)
class NavGroup:
    """A dropdown of entries in the bar; a group without a label is a plain link."""

    label: str | None
    items: tuple[NavItem, ...]


EDITORS = frozenset({Role.HR, Role.ADMIN})
CANDIDATES = frozenset({Role.CANDIDATE})
EVERYONE = frozenset(Role)

NAV_GROUPS: tuple[NavGroup, ...] = (
    NavGroup(None, (NavItem("Home", "main.home", EVERYONE),)),
    NavGroup(
        "My development",
        (
            NavItem("Self-assessment", "assessments.index", CANDIDATES, frozenset({"assessments"})),
            NavItem("My profile", "profile.index", CANDIDATES, frozenset({"profile"})),
            NavItem("Qualifications", "credentials.index", CANDIDATES, frozenset({"credentials"})),
            NavItem(
                "My evaluations", "my_evaluations.index", CANDIDATES, frozenset({"my_evaluations"})
            ),
            NavItem("My plan", "plans.index", CANDIDATES, frozenset({"plans", "plan_goals"})),
        ),
    ),
    NavGroup(
        None,
        (
            NavItem(
                "Evaluations",
                "evaluations.index",
                frozenset({Role.MANAGER, Role.HR}),
                frozenset({"evaluations"}),
            ),
            NavItem("My team", "people.team", frozenset({Role.MANAGER})),
            NavItem(
                "Feedback",
                "feedback.index",
                frozenset({Role.CANDIDATE, Role.MANAGER, Role.HR}),
                frozenset({"feedback"}),
            ),
        ),
    ),
    NavGroup(
        "Plans",
        (
            NavItem(
                "Plans", "hr_plans.index", frozenset({Role.HR}), frozenset({"plans", "plan_goals"})
            ),
            NavItem(
                "Overview",
                "hr_plans.overview_page",
                frozenset({Role.HR}),
                frozenset({"hr_plans.heatmap"}),
            ),
            NavItem(
                "People", "people.index", frozenset({Role.HR}), frozenset({"people.line_manager"})
            ),
            NavItem("Certifications", "hr_certifications.index", frozenset({Role.HR})),
            NavItem(
                "PDF exports",
                "hr_plans.exports",
                frozenset({Role.HR}),
                frozenset({"hr_plans.job", "hr_plans.start_export"}),
            ),
        ),
    ),
    NavGroup(
        "Training",
        (
            NavItem("Trainings", "training.catalogue", EVERYONE, frozenset({"training.detail"})),
            NavItem("Recommendations", "training.recommendations", EVERYONE),
            NavItem("My trainings", "training.mine", EVERYONE, frozenset({"training.enrollment"})),
            NavItem(
                "Manage catalogue",
                "training.manage",
                frozenset({Role.HR}),
                frozenset({"training.new", "training.edit"}),
            ),
        ),
    ),
    NavGroup(
        "Framework",
        (
            NavItem(
                "Competencies", "frameworks.index", EVERYONE, frozenset({"frameworks.competency"})
            ),
            NavItem("Role profiles", "frameworks.roles", EVERYONE, frozenset({"frameworks.role"})),
            NavItem(
                "Framework versions",
                "versions.index",
                EDITORS,
                frozenset({"versions", "drafts", "role_profiles"}),
            ),
            NavItem("Import framework", "interchange.upload", EDITORS, frozenset({"interchange"})),
        ),
    ),
    NavGroup(
        "Administration",
        (
            NavItem(
                "Users", "admin.users", frozenset({Role.ADMIN}), frozenset({"admin.user_edit"})
            ),
            NavItem("Audit log", "admin.audit", frozenset({Role.ADMIN})),
            NavItem("Data protection", "privacy.index", frozenset({Role.ADMIN})),
        ),
    ),
)
NAV_ITEMS: tuple[NavItem, ...] = tuple(item for group in NAV_GROUPS for item in group.items)


def items_for(role: str) -> list[NavItem]:
    """The navigation entries a user with ``role`` may see."""
    return [item for item in NAV_ITEMS if role in item.roles]


def groups_for(role: str) -> list[NavGroup]:
    """The bar for ``role``: each group with only the entries the role may open."""
    groups = []
    for group in NAV_GROUPS:
        items = tuple(item for item in group.items if role in item.roles)
        if items:
            groups.append(NavGroup(group.label, items))
    return groups


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


def main_navigation() -> Markup:
    """The signed-in person's navigation bar, the page's entry marked current.

    It depends only on who is signed in and which page this is, so it is rendered once per
    (person, name, role, page) and served from the fragment cache afterwards.
    """
    role = current_user.role
    endpoint = request.endpoint

    def context() -> dict[str, object]:
        items = items_for(role)
        return {
            "nav_groups": groups_for(role),
            "current_endpoint": endpoint,
            "active_nav": active_endpoint(items, endpoint),
        }

    key = (current_user.id, current_user.name, role, endpoint)
    return fragments().render(key, "_navigation.html", context)


_ASSET_TAGS = "proficio_asset_tags"


def bootstrap_tags(part: str) -> Markup:
    """Bootstrap-Flask's stylesheet (``part="css"``) or script tags, made once per app and
    script root rather than on every page (they cost a page about 3 % of its time)."""
    made: dict[tuple[str, str], Markup] = current_app.extensions[_ASSET_TAGS]
    key = (part, request.script_root)
    tags = made.get(key)
    if tags is None:
        bootstrap = current_app.extensions["bootstrap"]
        tags = Markup(bootstrap.load_css() if part == "css" else bootstrap.load_js())
        made[key] = tags
    return tags


def init_app(app: Flask) -> None:
    app.extensions[_ASSET_TAGS] = {}
    app.jinja_env.globals["main_navigation"] = main_navigation
    app.jinja_env.globals["bootstrap_tags"] = bootstrap_tags
