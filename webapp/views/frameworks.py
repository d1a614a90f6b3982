"""Reading the competency framework and role profiles."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from competencies.drafts import draft_of
from competencies.models import Competency, Framework, FrameworkStatus, RoleProfile, RoleRequirement
from competencies.services import (
    competency_depths,
    current_framework,
    load_framework_outline,
    load_framework_tree,
)
from core.users import Role
from webapp.auth import any_signed_in
from webapp.extensions import db

bp = Blueprint("frameworks", __name__, url_prefix="/framework")
NOT_PUBLISHED = "No framework has been published yet. Run the seed command."


def _may_see(framework: Framework) -> bool:
    """Drafts are HR's work in progress; everyone may read published and retired versions."""
    return framework.status != FrameworkStatus.DRAFT or current_user.has_role(Role.HR, Role.ADMIN)


def _current_tree() -> Framework:
    framework = current_framework(db.session)
    if framework is None:
        abort(404, NOT_PUBLISHED)
    tree = load_framework_tree(db.session, framework.id)
    assert tree is not None
    return tree


@bp.route("/")
@any_signed_in
def index():
    framework = load_framework_outline(db.session)
    if framework is None:
        abort(404, NOT_PUBLISHED)
    draft = None
    if current_user.has_role(Role.HR, Role.ADMIN):
        draft = draft_of(db.session, framework.uuid)
    return render_template(
        "frameworks/index.html",
        framework=framework,
        draft=draft,
        depth=competency_depths(framework),
    )


@bp.route("/competencies/<int:competency_id>")
@any_signed_in
def competency(competency_id: int):
    item = db.session.scalar(
        sa.select(Competency)
        .where(Competency.id == competency_id)
        .options(
            selectinload(Competency.level_descriptors),
            selectinload(Competency.area),
            selectinload(Competency.framework),
        )
    )
    if item is None or not _may_see(item.framework):
        abort(404)
    levels = {level.value: level for level in item.framework.scale_levels}
    requirements = db.session.scalars(
        sa.select(RoleRequirement)
        .join(RoleProfile)
        .where(RoleRequirement.competency_id == item.id, RoleProfile.is_retired.is_(False))
        .options(selectinload(RoleRequirement.role_profile))
        .order_by(RoleProfile.position)
    ).all()
    return render_template(
        "frameworks/competency.html", competency=item, levels=levels, requirements=requirements
    )


@bp.route("/roles")
@any_signed_in
def roles():
    framework = _current_tree()
    return render_template("frameworks/roles.html", framework=framework)


@bp.route("/roles/<int:profile_id>")
@any_signed_in
def role(profile_id: int):
    profile = db.session.scalar(
        sa.select(RoleProfile)
        .where(RoleProfile.id == profile_id)
        .options(
            selectinload(RoleProfile.requirements)
            .selectinload(RoleRequirement.competency)
            .selectinload(Competency.area),
            selectinload(RoleProfile.framework),
        )
    )
    if profile is None or not _may_see(profile.framework):
        abort(404)
    requirements = sorted(
        profile.requirements,
        key=lambda r: (r.requirement != "must", r.competency.position),
    )
    return render_template("frameworks/role.html", profile=profile, requirements=requirements)
