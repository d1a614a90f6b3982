"""A candidate's profile (chart, gaps, readiness, trend), target role and credentials."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from assessments.credentials import (
    add_certification,
    add_qualification,
    list_certifications,
    list_qualifications,
    remove_certification,
    remove_qualification,
)
from assessments.models import CertificationCategory, QualificationKind
from assessments.profile import Profile, build_profile
from assessments.services import choose_target_role, current_target_choice, target_role_history
from competencies.models import RoleProfile
from competencies.services import current_framework
from core.errors import ValidationError
from core.users import Role
from plans.charts import Series, radar_chart_svg, sparkline_svg
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.profile import CertificationForm, ConfirmForm, QualificationForm, TargetRoleForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def radar_for(profile: Profile) -> Markup:
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
    profile = build_profile(db.session, current_user.id)
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
    names = {row.code: row.name for row in profile.rows}
    return render_template(
        "profile/index.html",
        profile=profile,
        chart=radar_for(profile) if profile.rounds else None,
        sparklines=sparklines,
        names=names,
    )


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
        if not value.isdigit() or int(value) not in {p.id for p in profiles}:
            form.role_profile_id.errors.append("Choose one of the role profiles listed.")
            status = 400
        else:
            try:
                choice = choose_target_role(db.session, current_user, int(value))
            except ValidationError as error:
                db.session.rollback()
                problems = [error.message, *error.problems]
                status = 422
            else:
                db.session.commit()
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


def _render_credentials(qualification_form, certification_form, status=200, problems=None):
    return (
        render_template(
            "profile/qualifications.html",
            qualification_form=qualification_form,
            certification_form=certification_form,
            qualifications=list_qualifications(db.session, current_user.id),
            certifications=list_certifications(db.session, current_user.id),
            remove_form=ConfirmForm(),
            today=date.today(),
            kinds=QualificationKind,
            categories=CertificationCategory,
            problems=problems or [],
        ),
        status,
    )


@bp.route("/qualifications")
@roles_required(Role.CANDIDATE)
def qualifications():
    return _render_credentials(
        QualificationForm(prefix="q", formdata=None), CertificationForm(prefix="c", formdata=None)
    )


@bp.route("/qualifications/add", methods=["POST"])
@roles_required(Role.CANDIDATE)
def qualification_add():
    form = QualificationForm(prefix="q")
    other = CertificationForm(prefix="c", formdata=None)
    if not form.validate():
        return _render_credentials(form, other, 400)
    try:
        row = add_qualification(
            db.session,
            current_user,
            kind=form.kind.data,
            title=form.title.data or "",
            institution=form.institution.data or "",
            completed_on=form.completed_on.data,
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_credentials(form, other, 422, [error.message, *error.problems])
    db.session.commit()
    flash(f"Added: {row.title or row.kind_enum.label}.", "success")
    return redirect(url_for("profile.qualifications"), code=303)


@bp.route("/certifications/add", methods=["POST"])
@roles_required(Role.CANDIDATE)
def certification_add():
    form = CertificationForm(prefix="c")
    other = QualificationForm(prefix="q", formdata=None)
    if not form.validate():
        return _render_credentials(other, form, 400)
    try:
        row = add_certification(
            db.session,
            current_user,
            name=form.name.data,
            issuer=form.issuer.data,
            category=form.category.data,
            obtained_on=form.obtained_on.data,
            expires_on=form.expires_on.data,
            credential_id=form.credential_id.data or "",
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_credentials(other, form, 422, [error.message, *error.problems])
    db.session.commit()
    flash(f"Added the certification {row.name}.", "success")
    return redirect(url_for("profile.qualifications"), code=303)


@bp.route("/qualifications/<int:qualification_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def qualification_remove(qualification_id: int):
    remove_qualification(db.session, current_user, qualification_id)
    db.session.commit()
    flash("The qualification was removed.", "info")
    return redirect(url_for("profile.qualifications"), code=303)


@bp.route("/certifications/<int:certification_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def certification_remove(certification_id: int):
    remove_certification(db.session, current_user, certification_id)
    db.session.commit()
    flash("The certification was removed.", "info")
    return redirect(url_for("profile.qualifications"), code=303)
