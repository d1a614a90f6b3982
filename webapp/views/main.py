"""Home page per role, and the health check."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from competencies.models import Competency, RoleProfile
from competencies.services import current_framework
from core.users import Role
from evaluations.membership import open_request_count
from evaluations.release import candidate_projects
from evaluations.sheets import manager_overview
from webapp.auth import any_signed_in
from webapp.extensions import db

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
@any_signed_in
def home():
    framework = current_framework(db.session)
    counts = {"competencies": 0, "roles": 0}
    if framework is not None:
        counts["competencies"] = db.session.scalar(
            sa.select(sa.func.count(Competency.id)).where(Competency.framework_id == framework.id)
        )
        counts["roles"] = db.session.scalar(
            sa.select(sa.func.count(RoleProfile.id)).where(
                RoleProfile.framework_id == framework.id, RoleProfile.is_retired.is_(False)
            )
        )
    overview = None
    evaluations = []
    open_requests = 0
    if current_user.has_role(Role.MANAGER):
        overview = manager_overview(db.session, current_user, date.today())
    elif current_user.has_role(Role.CANDIDATE):
        evaluations = candidate_projects(db.session, current_user)
        open_requests = open_request_count(db.session, current_user)
    return render_template(
        "main/home.html",
        framework=framework,
        counts=counts,
        overview=overview,
        evaluations=evaluations,
        open_requests=open_requests,
        today=date.today(),
    )


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:  # the commit point rolls the 503 back
        log.error("health check: database unreachable: %s", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
