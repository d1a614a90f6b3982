"""A candidate's qualifications and certifications: list, add, remove (own records only)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from assessments.certification_catalogue import catalogue
from assessments.credentials import (
    add_certification,
    add_qualification,
    list_certifications,
    list_qualifications,
    remove_certification,
    remove_qualification,
)
from assessments.models import CertificationCategory, QualificationKind
from core.errors import ValidationError
from core.users import Role
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.profile import CertificationForm, QualificationForm
from webapp.transactions import refusal_of

bp = Blueprint("credentials", __name__, url_prefix="/profile")


def _render_credentials(qualification_form, certification_form, status=200, problems=None):
    return (
        render_template(
            "profile/qualifications.html",
            qualification_form=qualification_form,
            certification_form=certification_form,
            qualifications=list_qualifications(db.session, current_user.id),
            certifications=list_certifications(db.session, current_user.id),
            today=date.today(),
            kinds=QualificationKind,
            categories=CertificationCategory,
            catalogue={e.code: e for e in catalogue()},
            problems=problems or [],
        ),
        status,
    )


@bp.route("/qualifications")
@roles_required(Role.CANDIDATE)
def index():
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
    row, error = refusal_of(
        lambda: add_qualification(
            db.session,
            current_user,
            kind=form.kind.data,
            title=form.title.data or "",
            institution=form.institution.data or "",
            completed_on=form.completed_on.data,
        ),
        ValidationError,
    )
    if error is not None:
        return _render_credentials(form, other, 422, [error.message, *error.problems])
    flash(f"Added: {row.title or row.kind_enum.label}.", "success")
    return redirect(url_for("credentials.index"), code=303)


@bp.route("/certifications/add", methods=["POST"])
@roles_required(Role.CANDIDATE)
def certification_add():
    form = CertificationForm(prefix="c")
    other = QualificationForm(prefix="q", formdata=None)
    if not form.validate():
        return _render_credentials(other, form, 400)
    row, error = refusal_of(
        lambda: add_certification(
            db.session,
            current_user,
            name=form.name.data,
            issuer=form.issuer.data,
            category=form.category.data,
            obtained_on=form.obtained_on.data,
            expires_on=form.expires_on.data,
            credential_id=form.credential_id.data or "",
            catalogue_code=form.catalogue_code.data or None,
        ),
        ValidationError,
    )
    if error is not None:
        return _render_credentials(other, form, 422, [error.message, *error.problems])
    flash(f"Added the certification {row.name}.", "success")
    return redirect(url_for("credentials.index"), code=303)


@bp.route("/qualifications/<int:qualification_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def qualification_remove(qualification_id: int):
    remove_qualification(db.session, current_user, qualification_id)
    flash("The qualification was removed.", "info")
    return redirect(url_for("credentials.index"), code=303)


@bp.route("/certifications/<int:certification_id>/remove", methods=["POST"])
@roles_required(Role.CANDIDATE)
def certification_remove(certification_id: int):
    remove_certification(db.session, current_user, certification_id)
    flash("The certification was removed.", "info")
    return redirect(url_for("credentials.index"), code=303)
