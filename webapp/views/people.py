"""People and reporting lines: HR sets each person's line manager; a line manager sees the
people who report to them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import NotFoundError
from core.line_managers import direct_reports, line_manager_choices, set_line_manager
from core.users import Role, User
from plans.services import current_plans
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.people import LineManagerForm, PeopleSearchForm
from webapp.ids import parse_id
from webapp.transactions import problems_of

bp = Blueprint("people", __name__)
PAGE_SIZE = 50


@bp.route("/hr/people/")
@roles_required(Role.HR)
def index():
    """Everyone, searchable, with their line manager."""
    form = PeopleSearchForm(request.args)
    status = 200 if form.validate() else 400
    text = (form.q.data or "").replace("\x00", "").strip() if status == 200 else ""
    page = (form.page.data or 1) if status == 200 else 1
    query = sa.select(User).where(~User.email.like("%@erased.invalid"))
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    people = db.session.scalars(
        query.order_by(User.name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    manager_ids = {p.line_manager_id for p in people if p.line_manager_id}
    managers = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(manager_ids)))
    }
    return (
        render_template(
            "people/index.html",
            form=form,
            people=people,
            managers=managers,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        ),
        status,
    )


@bp.route("/hr/people/<int:person_id>", methods=["GET", "POST"])
@roles_required(Role.HR)
def line_manager(person_id: int):
    """Set or clear one person's line manager."""
    person = db.session.get(User, person_id)
    if person is None:
        raise NotFoundError("This person does not exist.")
    choices = [m for m in line_manager_choices(db.session) if m.id != person.id]
    form = LineManagerForm(
        data={"line_manager_id": str(person.line_manager_id or "")}
        if request.method == "GET"
        else None
    )
    form.line_manager_id.choices = [("", "No line manager")] + [
        (str(m.id), f"{m.name} ({m.email})") for m in choices
    ]
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        chosen = parse_id(form.line_manager_id.data) if form.line_manager_id.data else None
        manager = db.session.get(User, chosen) if chosen else None
        _, problems = problems_of(
            lambda: set_line_manager(db.session, person, manager, actor=current_user)
        )
        if not problems:
            who = manager.name if manager else "nobody"
            flash(f"{person.name}'s line manager is now {who}.", "success")
            return redirect(url_for("people.index"), 303)
        status = 422
    elif form.is_submitted():
        status = 400
    return (
        render_template("people/line_manager.html", form=form, person=person, problems=problems),
        status,
    )


@bp.route("/team/")
@roles_required(Role.MANAGER)
def team():
    """The people who report to me, with the plan each one works with."""
    reports = direct_reports(db.session, current_user.id)
    plans = current_plans(db.session, [person.id for person in reports])
    return render_template("people/team.html", reports=reports, plans=plans)
