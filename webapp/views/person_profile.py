"""A candidate's profile (chart, gaps, readiness, trend) and target role."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from assessments.target_roles import choose_target_role, current_target_choice, target_role_history
from competencies.models import RoleProfile
from competencies.services import current_framework
from core.errors import ValidationError
from core.users import Role
from person_profile.build import PersonProfile
from person_profile.cache import profile_with_key
from plans.charts import Series, radar_chart_svg, sparkline_svg
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.profile import TargetRoleForm
from webapp.fragments import fragments
from webapp.transactions import refusal_of

bp = Blueprint("profile", __name__, url_prefix="/profile")


def radar_for(profile: PersonProfile) -> Markup:
    """The profile's radar chart as inline SVG (the chart module escapes every label)."""
    rows = profile.chart_rows
    axes = [row.name for row in rows]
    series = []
    if profile.role is not None:
        series.append(Series(f"Target ({profile.role.name})", [r.target for r in rows], "target"))
    series.append(Series("Self-assessed", [r.self_level for r in rows], "self"))
    if profile.has_evaluations:
        series.append(Series("Evaluated", [r.evaluated_level for r in rows], "evaluated"))
    title = "Your competency profile"
    if profile.role is not None:
        title += f" against {profile.role.name}"
    return Markup(radar_chart_svg(axes, series, max_level=profile.max_level, title=title))


@bp.route("/")
@roles_required(Role.CANDIDATE)
def index():
    profile, key = profile_with_key(db.session, current_user.id)
    # The page body depends on the profile alone, so it is rendered once per profile version.
    body = fragments().render(("profile", key), "profile/_body.html", lambda: _body(profile))
    return render_template("profile/index.html", body=body)


def _body(profile: PersonProfile) -> dict[str, object]:
    chart, sparklines = _charts(profile)
    names = {row.code: row.name for row in profile.rows}
    return {"profile": profile, "chart": chart, "sparklines": sparklines, "names": names}


def _charts(profile: PersonProfile) -> tuple[Markup | None, dict[str, Markup]]:
    sparklines = {
        row.code: Markup(
            sparkline_svg(
                row.trend,
                max_level=profile.max_level,
                title=f"{row.name}: "
                + ", ".join(
                    f"{r.label} {'—' if v is None else v}"
                    for r, v in zip(profile.rounds, row.trend, strict=True)
                ),
            )
        )
        for row in profile.rows
    }
    chart = radar_for(profile) if profile.rounds or profile.has_evaluations else None
    return chart, sparklines


@bp.route("/target-role", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def target_role():
    framework = current_framework(db.session)
    profiles = []
    if framework is not None:
        profiles = db.session.scalars(
            sa.select(RoleProfile)
            .where(RoleProfile.framework_id == framework.id, RoleProfile.is_retired.is_(False))
            .options(selectinload(RoleProfile.requirements))
            .order_by(RoleProfile.position)
        ).all()
    form = TargetRoleForm()
    form.role_profile_id.choices = [(str(p.id), p.name) for p in profiles]
    status = 200
    problems: list[str] = []
    if form.validate_on_submit():
        value = form.role_profile_id.data or ""
        if not value.isdecimal() or int(value) not in {p.id for p in profiles}:
            form.role_profile_id.errors.append("Choose one of the role profiles listed.")
            status = 400
        else:
            choice, error = refusal_of(
                lambda: choose_target_role(db.session, current_user, int(value)), ValidationError
            )
            if error is not None:
                problems = [error.message, *error.problems]
                status = 422
            else:
                flash(f"Your target role is now {choice.role_profile.name}.", "success")
                return redirect(url_for("profile.index"), code=303)
    elif form.is_submitted():
        status = 400
    current = current_target_choice(db.session, current_user.id)
    if current is not None and not form.is_submitted():
        form.role_profile_id.data = str(current.role_profile_id)
    return (
        render_template(
            "profile/target_role.html",
            form=form,
            profiles=profiles,
            current=current,
            history=target_role_history(db.session, current_user.id),
            problems=problems,
        ),
        status,
    )
