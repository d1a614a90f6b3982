"""Accepting an invitation: the invited person chooses a password and is signed in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_user

from core.invitations import accept_invitation, find_invitation
from webapp.extensions import db, rate_limited
from webapp.forms.evaluations import AcceptInvitationForm
from webapp.transactions import problems_of

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


@bp.route("/<token>", methods=["GET", "POST"])
@rate_limited("30 per minute", methods=["POST"])
def accept(token: str):
    if current_user.is_authenticated:
        flash("Sign out first to accept an invitation for another account.", "warning")
        return redirect(url_for("main.home"))
    invitation = find_invitation(db.session, token)  # one message for every bad link: 404
    form = AcceptInvitationForm()
    status = 200
    problems: list[str] = []
    if form.validate_on_submit():
        user, problems = problems_of(
            lambda: accept_invitation(db.session, token, form.password.data)
        )
        if problems:
            status = 422
        else:
            session.clear()
            login_user(user)
            flash(f"Welcome, {user.name}. Your account is ready.", "success")
            return redirect(url_for("main.home"), code=303)
    elif form.is_submitted():
        status = 400
    response = render_template(
        "invitations/accept.html", form=form, user=invitation.user, problems=problems
    )
    return response, status, {"Cache-Control": "no-store"}
