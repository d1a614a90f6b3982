"""Data-protection requests: a person's own export; admins' export and erasure for anyone."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from core.errors import ValidationError
from core.users import Role, User, get_user_by_email, normalise_email
from webapp.auth import any_signed_in, roles_required
from webapp.extensions import db
from webapp.forms.confirm import PasswordConfirmedForm
from webapp.mail import outbox_dir
from webapp.plan_helpers import evidence_root, export_dir
from webapp.privacy import erase_person_data, export_person_data
from webapp.transactions import refusal_of

bp = Blueprint("privacy", __name__)


class FindPersonForm(FlaskForm):
    class Meta:
        csrf = False

    email = EmailField(
        "Email of the person",
        validators=[DataRequired(message="Enter an email address."), Length(max=254), Email()],
    )


class EraseForm(PasswordConfirmedForm):
    confirm_email = StringField(
        "Type the person's email to confirm",
        validators=[DataRequired(message="Type the email to confirm."), Length(max=254)],
    )


def _download(person: User, actor: User) -> Response:
    data = export_person_data(db.session, person, actor)  # audited; the commit point commits
    body = json.dumps(data, indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="proficio-personal-data-{person.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/data.json")
@any_signed_in
def my_data():
    return _download(current_user, current_user)


@bp.route("/admin/privacy")
@roles_required(Role.ADMIN)
def index():
    form = FindPersonForm(request.args)
    person, status = None, 200
    if request.args:
        if form.validate():
            person = get_user_by_email(db.session, form.email.data)
            if person is None:
                form.email.errors = ["Nobody has this email address."]
                status = 404
        else:
            status = 400
    erased = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.email.like("%@erased.invalid"))
    )
    return render_template(
        "privacy/index.html", form=form, person=person, erase_form=EraseForm(), erased=erased
    ), status


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person


@bp.route("/admin/privacy/<int:user_id>/export.json")
@roles_required(Role.ADMIN)
def export(user_id: int):
    return _download(_person(user_id), current_user)


@bp.route("/admin/privacy/<int:user_id>/erase", methods=["POST"])
@roles_required(Role.ADMIN)
def erase(user_id: int):
    person = _person(user_id)
    form = EraseForm()
    problems: list[str] = []
    if not form.validate():
        problems = [e for errors in form.errors.values() for e in errors]
    elif normalise_email(form.confirm_email.data) != person.email:
        problems = ["The email typed does not match this person's email; nothing was erased."]
    else:
        summary, error = refusal_of(
            lambda: erase_person_data(
                db.session,
                person,
                current_user,
                evidence_root(current_app),
                export_dir(current_app),
                outbox_dir(current_app),
                secret_key=current_app.secret_key,
            ),
            ValidationError,
        )
        if error is not None:
            problems = [error.message]
        else:
            done = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items())
            flash(f"The person is erased and anonymised ({done}).", "success")
            return redirect(url_for("privacy.index"), code=303)
    finder = FindPersonForm(data={"email": person.email})
    return render_template(
        "privacy/index.html",
        form=finder,
        person=person,
        erase_form=form,
        problems=problems,
        erased=None,
    ), 422
