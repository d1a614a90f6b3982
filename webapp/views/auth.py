"""Signing in and out, and choosing a new password through a mailed link."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from core.audit import record_event
from core.login_throttle import (
    TooManyAttemptsError,
    check_login_allowed,
    clear_failed_logins,
    record_failed_login,
)
from core.password_resets import RESET_LIFETIME, find_reset, request_reset
from core.password_resets import reset_password as set_new_password
from core.users import authenticate, end_all_sessions, normalise_email
from webapp.extensions import db, rate_limited
from webapp.forms.auth import ForgotPasswordForm, LoginForm, NewPasswordForm
from webapp.mail import render_mail, send_after_commit
from webapp.transactions import keep_changes_on_error, problems_of

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_FAILED = "The email or password is not right. Check both and try again."


def safe_next(target: str | None) -> str | None:
    """Only same-site absolute paths are followed after login (no open redirects).

    Refused here, without relying on how the redirect encodes them later: other schemes and
    hosts, scheme-relative targets (``//host``), backslashes (browsers read ``/\\host`` as
    ``//host``) and control characters or spaces (stripped by browsers before parsing).
    """
    if not target or not target.startswith("/"):
        return None
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@rate_limited("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        address = request.remote_addr or "unknown"
        try:
            check_login_allowed(db.session, email, address)
        except TooManyAttemptsError as error:
            log.warning("sign-in refused (too many failures) for %r from %s", email, address)
            flash(error.message, "danger")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(db.session, email, form.password.data)
        if user is not None:
            clear_failed_logins(db.session, email)
            next_url = safe_next(request.args.get("next"))
            # A fresh session at login: nothing planted before it survives (session fixation).
            session.clear()
            login_user(user, remember=form.remember.data)
            record_event(db.session, actor=user, action="user.login", entity=user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(next_url or url_for("main.home"))
        record_failed_login(db.session, email, address)
        # The answer is a 401, but the attempt must be saved or the throttle never holds.
        keep_changes_on_error()
        log.warning("failed sign-in for %r from %s", email, address)
        flash(LOGIN_FAILED, "danger")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # A new token invalidates every copy of this user's session cookie, here and elsewhere.
        end_all_sessions(current_user)
        record_event(db.session, actor=current_user, action="user.logout", entity=current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@rate_limited("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    """Ask for a link by e-mail; the answer is the same whether or not the address has an
    account (and whether a mail actually goes: see ``core.password_resets``)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        found = request_reset(db.session, normalise_email(form.email.data))
        if found is not None:
            user, token = found
            send_after_commit(
                render_mail(
                    "password_reset",
                    user.email,
                    person=user,
                    link=url_for("auth.reset_password", token=token, _external=True),
                    hours=int(RESET_LIFETIME.total_seconds() // 3600),
                )
            )
        flash(
            "If an account uses this address, a link to choose a new password is on its way. "
            "It works once, for one hour.",
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@rate_limited("10 per minute", methods=["POST"])
def reset_password(token: str):
    reset = find_reset(db.session, token)  # one message for every bad link: 404
    form = NewPasswordForm()
    problems: list[str] = []
    if form.validate_on_submit():
        user, problems = problems_of(
            lambda: set_new_password(db.session, token, form.password.data)
        )
        if not problems:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(
                f"Your password is changed, {user.name}. Sign in with it; every other session "
                "of your account was signed out.",
                "success",
            )
            return redirect(url_for("auth.login"), code=303)
    status = 422 if problems else 400 if form.is_submitted() else 200
    page = render_template("auth/reset.html", form=form, user=reset.user, problems=problems)
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
