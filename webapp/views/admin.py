"""Administration: people, their roles, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit import entity_types, search_events
from core.errors import ValidationError
from core.users import Role, User, create_user, update_user
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.admin import AuditFilterForm, UserCreateForm, UserEditForm
from webapp.transactions import refusal_of

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 50


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    form = UserCreateForm()
    status = 200
    problems: list[str] = []
    if form.validate_on_submit():
        user, error = refusal_of(
            lambda: create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                actor=current_user,
            ),
            ValidationError,
        )
        if error is None:
            flash(f"{user.name} can now sign in as {Role(user.role).label}.", "success")
            return redirect(url_for("admin.users"))
        problems = error.problems
        status = 422
    elif form.is_submitted():
        status = 400
    people = db.session.scalars(sa.select(User).order_by(User.role, User.name)).all()
    return render_template("admin/users.html", form=form, people=people, problems=problems), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    form = UserEditForm(obj=person)
    status = 200
    if form.validate_on_submit():
        _, error = refusal_of(
            lambda: update_user(
                db.session,
                person,
                role=form.role.data,
                is_active=form.is_active.data,
                actor=current_user,
            ),
            ValidationError,
        )
        if error is None:
            flash(f"Saved. {person.name} will need to sign in again.", "success")
            return redirect(url_for("admin.users"))
        form.role.errors = [error.message]
        status = 422
    elif form.is_submitted():
        status = 400
    return render_template("admin/user_edit.html", form=form, person=person), status


def _day_start(day) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit():
    form = AuditFilterForm(request.args)
    form.entity_type.choices = [("", "Any")] + [(t, t) for t in entity_types(db.session)]
    events, total, status = [], 0, 200
    if form.validate():
        until = _day_start(form.until.data)
        events, total = search_events(
            db.session,
            actor_email=form.actor.data,
            action=form.action.data,
            entity_type=form.entity_type.data or None,
            since=_day_start(form.since.data),
            until=until + timedelta(days=1) if until else None,
            page=form.page.data or 1,
            per_page=AUDIT_PAGE_SIZE,
        )
    else:
        status = 400
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "admin/audit.html",
        form=form,
        events=events,
        total=total,
        page=form.page.data or 1,
        pages=pages,
        args=args,
    ), status
