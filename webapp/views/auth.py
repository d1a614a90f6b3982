"""Signing in and out."""

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
from core.users import authenticate, end_all_sessions, normalise_email
from webapp.extensions import db, rate_limited
from webapp.forms.auth import LoginForm
from webapp.transactions import keep_changes_on_error

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
