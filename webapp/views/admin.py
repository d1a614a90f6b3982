"""Administration: people and their roles."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from core.errors import ValidationError
from core.users import Role, User, create_user
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.admin import UserCreateForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    form = UserCreateForm()
    status = 200
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                actor=current_user,
            )
        except ValidationError as error:
            db.session.rollback()
            problems = error.problems
            status = 422
        else:
            db.session.commit()
            flash(f"{user.name} can now sign in as {Role(user.role).label}.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    people = db.session.scalars(sa.select(User).order_by(User.role, User.name)).all()
    return render_template("admin/users.html", form=form, people=people, problems=problems), status
