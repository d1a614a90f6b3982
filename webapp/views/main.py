"""Home page per role, and the health check."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from assessments.credentials import certification_due_counts
from competencies.services import current_framework
from core.audit import notable_events
from core.login_throttle import locked_account_count
from core.users import Role, account_summary
from evaluations.release import candidate_projects
from evaluations.sheets import manager_overview
from feedback.rounds import open_round_count
from person_profile.cache import cached_person_profile
from plans.next_steps import candidate_steps, hr_steps, requests_waiting, team_steps
from plans.readiness_trend import readiness_trend
from training.features import Constraints
from training.recommendation_page import recommendation_page
from webapp.auth import any_signed_in
from webapp.extensions import db
from webapp.fragments import fragments
from webapp.recommending import recommendation_stamp
from webapp.recommending import state as recommender_state

bp = Blueprint("main", __name__)
HOME_RECOMMENDATIONS = 3
log = logging.getLogger(__name__)


@bp.route("/")
@any_signed_in
def home():
    """What the signed-in person should do next, by role; each item links to where it is done."""
    today = date.today()
    context: dict = {"framework": current_framework(db.session), "today": today}
    if current_user.has_role(Role.CANDIDATE):
        profile = cached_person_profile(db.session, current_user.id)
        context.update(
            profile=profile,
            steps=candidate_steps(db.session, current_user, today),
            evaluations=candidate_projects(db.session, current_user),
            requests=requests_waiting(db.session, current_user, today),
            recommendations=_top_recommendations(today),
        )
    elif current_user.has_role(Role.MANAGER):
        context.update(
            overview=manager_overview(db.session, current_user, today),
            team=team_steps(db.session, current_user),
            requests=requests_waiting(db.session, current_user, today),
        )
    elif current_user.has_role(Role.HR):
        context.update(
            hr=hr_steps(db.session),
            readiness=readiness_trend(db.session, today),
            feedback_rounds_open=open_round_count(db.session, today),
            certifications=certification_due_counts(db.session, today),
        )
    elif current_user.has_role(Role.ADMIN):
        context.update(
            accounts=account_summary(db.session),
            locked=locked_account_count(db.session),
            events=notable_events(db.session),
        )
    return render_template("main/home.html", **context)


def _top_recommendations(today: date):
    """The first three trainings the recommendations page would list without filters: the
    gaps they aim at, not the model's estimates (those are explained on that page). Rendered
    once per person, data stamp, model and day, like that page."""
    loaded = recommender_state().artefacts.get()
    key = (
        current_user.id,
        recommendation_stamp(db.session, current_user.id),
        loaded.metadata.get("sha256") if loaded else None,
        today,
    )

    def context() -> dict:
        parts = recommender_state().ranker(db.session)[:3]
        page = recommendation_page(db.session, current_user, parts, None, Constraints())
        items = page.result.items[:HOME_RECOMMENDATIONS] if page.result else []
        return {"items": items, "trainings": page.trainings, "has_levels": page.has_levels}

    return fragments().render(key, "main/_top_recommendations.html", context)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:  # the commit point rolls the 503 back
        log.error("health check: database unreachable: %s", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
