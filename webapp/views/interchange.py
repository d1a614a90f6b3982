"""Importing a framework file: upload → preview (counts, tree, problems) → confirm → draft."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from competencies import interchange
from core.errors import ConflictError, ValidationError
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.frameworks import ConfirmForm, ImportForm
from webapp.import_store import discard_upload, load_upload, store_upload
from webapp.transactions import after_commit, refusal_of
from webapp.views.versions import EDITORS

bp = Blueprint("interchange", __name__, url_prefix="/framework/import")


def _render_preview(preview, plan, token, status):
    return render_template(
        "interchange/preview.html",
        preview=preview,
        plan=plan,
        token=token,
        form=ConfirmForm(),
        labels=interchange.FORMAT_LABELS,
    ), status


@bp.route("/", methods=["GET", "POST"])
@roles_required(*EDITORS)
def upload():
    form = ImportForm()
    if form.validate_on_submit():
        content = form.file.data.read()
        filename = form.file.data.filename or "framework"
        file_format = form.file_format.data or None
        preview = interchange.parse_file(content, filename, file_format)
        if not preview.is_valid:
            # A refused file is not kept: the person fixes it and uploads it again.
            return _render_preview(preview, None, None, 422)
        token = store_upload(content, filename, preview.format, current_user.id)
        return redirect(url_for("interchange.preview", token=token))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "interchange/upload.html", form=form, labels=interchange.FORMAT_LABELS
    ), status


def _stored(token: str):
    stored = load_upload(token, current_user.id)
    if stored is None:
        abort(404)
    preview = interchange.parse_file(stored.content, stored.filename, stored.file_format)
    return stored, preview


@bp.route("/<token>", methods=["GET"])
@roles_required(*EDITORS)
def preview(token: str):
    _, parsed = _stored(token)
    plan = interchange.plan_import(db.session, parsed) if parsed.is_valid else None
    status = 200 if plan is not None and plan.can_write else 422
    return _render_preview(parsed, plan, token, status)


@bp.route("/<token>", methods=["POST"])
@roles_required(*EDITORS)
def confirm(token: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    stored, parsed = _stored(token)
    framework, error = refusal_of(
        lambda: interchange.write_import(db.session, parsed, current_user),
        (ValidationError, ConflictError),
    )
    if error is not None:
        plan = interchange.plan_import(db.session, parsed) if parsed.is_valid else None
        if plan is not None and not plan.problems:
            plan.problems.extend(error.problems or [error.message])
        return _render_preview(parsed, plan, token, error.status_code)
    # The upload stays until the draft is committed: a failed commit can be confirmed again.
    after_commit(lambda: discard_upload(stored.token))
    flash(
        f"{stored.filename} was imported as draft {framework.version_label} of {framework.name}. "
        "Check it, then publish it.",
        "success",
    )
    return redirect(url_for("versions.detail", framework_id=framework.id))


@bp.route("/<token>/cancel", methods=["POST"])
@roles_required(*EDITORS)
def cancel(token: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    stored = load_upload(token, current_user.id)
    if stored is None:
        abort(404)
    discard_upload(stored.token)
    flash("The import was cancelled; nothing was written.", "info")
    return redirect(url_for("interchange.upload"))


# The ESCO import's routes live on this blueprint; the module attaches them when imported.
from webapp.views import esco  # noqa: E402, F401
