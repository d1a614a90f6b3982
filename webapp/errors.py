"""Friendly error pages (and JSON for API clients). A handler of a failure discards the
session's changes before it renders; the commit point (webapp.transactions) rolls back any
other error response."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from core.errors import DomainError
from webapp.transactions import discard_changes

log = logging.getLogger(__name__)

TITLES = {
    400: "The request could not be understood",
    403: "You may not open this page",
    404: "Page not found",
    405: "This action is not allowed here",
    409: "Someone else changed this first",
    413: "The upload is too large",
    422: "The data could not be accepted",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Proficio is briefly unavailable",
}

MESSAGES = {
    400: "Check what you entered and try again.",
    403: "Your role does not give access to this page. If you think it should, ask HR.",
    404: "The page or record does not exist, or you do not have access to it.",
    405: "Use the buttons and links on the page instead.",
    413: "The file or form you sent is larger than allowed.",
    429: "Wait a little before you try again.",
    500: "The error has been logged. Please try again in a moment.",
    503: "The database cannot be reached right now. Please try again in a minute.",
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str | None = None, problems: list[str] | None = None):
    """Render the error page (or JSON) for ``status`` with a message a person understands."""
    message = message or MESSAGES.get(status, "")
    title = TITLES.get(status, "Error")
    if _wants_json():
        return jsonify(error=title, message=message, problems=problems or []), status
    return (
        render_template(
            "errors/error.html", status=status, title=title, message=message, problems=problems
        ),
        status,
    )


def _has_nul(values) -> bool:
    return any("\x00" in value for _, value in values.items(multi=True))


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text and no person types one: refuse it everywhere.
        if _has_nul(request.args) or (request.method != "GET" and _has_nul(request.form)):
            return render_error(400, "The form contains an invisible NUL character. Remove it.")
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "The form was sent without a valid security token, or it expired. "
            "Reload the page and send it again.",
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        discard_changes()
        return render_error(error.status_code, error.message, error.problems)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status >= 500:
            discard_changes()
        description = MESSAGES.get(status) if status in MESSAGES else error.description
        return render_error(status, description)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        discard_changes()
        log.error("database unavailable: %s", error.orig)
        return render_error(503)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        discard_changes()
        log.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        discard_changes()
        log.exception("unhandled error")
        return render_error(500)
