"""Importing an ESCO occupation: upload → preview (nothing written) → import as a draft →
review (HR decides on unmapped skills and on ESCO's disagreements with its own profile).

The routes belong to the interchange blueprint: an ESCO import is one more way in."""

from __future__ import annotations

import io
import zipfile

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from competencies.esco import plan_esco_import
from competencies.esco_draft import (
    decide_esco_skills,
    get_esco_import,
    review_esco_import,
    write_esco_import,
)
from competencies.interchange.esco_files import (
    KNOWN_FILES,
    MAX_FILE_BYTES,
    EscoExtract,
    files_from_zip,
    read_esco,
)
from competencies.models import EscoChoice
from core.errors import ConflictError, ValidationError
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.esco import EscoConfirmForm, EscoDecisionForm, EscoUploadForm
from webapp.import_store import discard_upload, load_upload, store_upload
from webapp.transactions import after_commit, refusal_of
from webapp.views.interchange import bp
from webapp.views.versions import EDITORS

ESCO_FORMAT = "esco"


def _uploaded_files(form: EscoUploadForm) -> tuple[dict[str, bytes], list[str]]:
    """The ESCO files of an upload (a ZIP, or the CSVs one by one) and problems with them."""
    uploads = [f for f in (form.files.data or []) if f and f.filename]
    if not uploads:
        return {}, ["Choose the ESCO files: a ZIP of them, or the CSV files themselves."]
    if len(uploads) == 1 and uploads[0].filename.lower().endswith(".zip"):
        return files_from_zip(uploads[0].read(MAX_FILE_BYTES + 1))
    files: dict[str, bytes] = {}
    problems = []
    for upload in uploads:
        name = secure_filename(upload.filename or "")
        if name not in KNOWN_FILES:
            problems.append(
                f"{upload.filename} is not one of the ESCO files this import reads "
                f"({', '.join(KNOWN_FILES)}); upload them with their ESCO names."
            )
            continue
        files[name] = upload.read(MAX_FILE_BYTES + 1)
    return files, problems


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _render_upload(form: EscoUploadForm, problems: list[str], status: int):
    return render_template("interchange/esco_upload.html", form=form, problems=problems), status


@bp.route("/esco", methods=["GET", "POST"])
@roles_required(*EDITORS)
def esco_upload():
    form = EscoUploadForm()
    if not form.validate_on_submit():
        return _render_upload(form, [], 400 if form.is_submitted() else 200)
    files, problems = _uploaded_files(form)
    if not problems:
        extract = read_esco(files, form.occupation.data, form.esco_version.data)
        problems = extract.problems
    if problems:
        # Nothing is kept of a refused upload: the person fixes the files and sends them again.
        return _render_upload(form, problems, 422)
    token = store_upload(_zip(files), "esco.zip", ESCO_FORMAT, current_user.id)
    return redirect(
        url_for(
            "interchange.esco_preview",
            token=token,
            occupation=extract.occupation.uri if extract.occupation else form.occupation.data,
            version="" if extract.is_version_guessed else extract.esco_version,
        )
    )


def _stored_extract(token: str, occupation: str, version: str) -> tuple[object, EscoExtract]:
    stored = load_upload(token, current_user.id)
    if stored is None or stored.file_format != ESCO_FORMAT:
        abort(404)
    files, problems = files_from_zip(stored.content)
    extract = read_esco(files, occupation, version or None)
    extract.problems[:0] = problems
    return stored, extract


@bp.route("/esco/<token>", methods=["GET"])
@roles_required(*EDITORS)
def esco_preview(token: str):
    occupation = request.args.get("occupation", "")[:300]
    version = request.args.get("version", "")[:20]
    _, extract = _stored_extract(token, occupation, version)
    plan = plan_esco_import(db.session, extract) if extract.is_valid else None
    form = EscoConfirmForm(occupation=occupation, esco_version=version)
    return render_template(
        "interchange/esco_preview.html", extract=extract, plan=plan, token=token, form=form
    ), (200 if plan is not None else 422)


@bp.route("/esco/<token>", methods=["POST"])
@roles_required(*EDITORS)
def esco_confirm(token: str):
    # The upload is its uploader's alone: anyone else learns nothing, not even a form error.
    stored = load_upload(token, current_user.id)
    if stored is None or stored.file_format != ESCO_FORMAT:
        abort(404)
    form = EscoConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    stored, extract = _stored_extract(token, form.occupation.data, form.esco_version.data or "")
    if not extract.is_valid:
        return render_template(
            "interchange/esco_preview.html", extract=extract, plan=None, token=token, form=form
        ), 422
    record, error = refusal_of(
        lambda: write_esco_import(db.session, extract, current_user),
        (ValidationError, ConflictError),
    )
    if error is not None:
        flash(" ".join([error.message, *error.problems]), "danger")
        return redirect(
            url_for(
                "interchange.esco_preview",
                token=token,
                occupation=form.occupation.data,
                version=form.esco_version.data or "",
            )
        ), 303
    after_commit(lambda: discard_upload(stored.token))
    flash(
        f"{extract.occupation.label} was imported into a draft. Decide on the skills that are "
        "not mapped and on ESCO's differences, then publish the draft.",
        "success",
    )
    return redirect(url_for("interchange.esco_review", import_id=record.id), 303)


def _render_review(record, form, status: int = 200, problems: list[str] | None = None):
    plan, draft = review_esco_import(db.session, record)
    return render_template(
        "interchange/esco_review.html",
        record=record,
        plan=plan,
        draft=draft,
        form=form,
        problems=problems or [],
        competencies=sorted(draft.competencies, key=lambda c: c.position) if draft else [],
    ), status


@bp.route("/esco/imports/<int:import_id>", methods=["GET"])
@roles_required(*EDITORS)
def esco_review(import_id: int):
    return _render_review(get_esco_import(db.session, import_id), EscoDecisionForm())


@bp.route("/esco/imports/<int:import_id>", methods=["POST"])
@roles_required(*EDITORS)
def esco_decide(import_id: int):
    record = get_esco_import(db.session, import_id)
    form = EscoDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    uris = {r["uri"] for r in record.relations}
    choices = {}
    for key, value in request.form.items():
        if key.startswith("skill:") and value and key[len("skill:") :] in uris:
            choices[key[len("skill:") :]] = value
    adopt = set(request.form.getlist("follow"))
    counts, error = refusal_of(
        lambda: decide_esco_skills(db.session, record, current_user, choices, adopt),
        (ValidationError, ConflictError),
    )
    if error is not None:
        return _render_review(
            get_esco_import(db.session, import_id),
            form,
            error.status_code,
            [error.message, *error.problems],
        )
    done = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "nothing changed"
    flash(f"Saved: {done}. The draft's ESCO role profile follows the mapping.", "success")
    return redirect(url_for("interchange.esco_review", import_id=import_id), 303)


CHOICE_LABELS = {EscoChoice.ADD.value: "Added as a competency", EscoChoice.SKIP.value: "Left out"}
