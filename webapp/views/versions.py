"""Framework versions for HR: which is current, drafts, publishing, comparing, exporting."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies import interchange
from competencies.diff import diff_frameworks
from competencies.drafts import (
    create_draft,
    discard_draft,
    get_framework,
    list_versions,
    place_in_lineage,
    publish_draft,
    require_draft,
)
from competencies.models import Competency, Framework, FrameworkStatus
from competencies.services import (
    competency_depths,
    current_framework,
    load_framework_outline,
    load_framework_tree,
)
from competencies.spec import spec_from_framework
from core.users import Role, User
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.frameworks import ConfirmForm, PublishForm
from webapp.ids import parse_id
from webapp.transactions import form_status, problems_of

bp = Blueprint("versions", __name__, url_prefix="/framework/versions")
EDITORS = (Role.HR, Role.ADMIN)


def load_tree(framework_id: int) -> Framework:
    """The whole version (areas, competencies, descriptors, profiles) or 404."""
    tree = load_framework_tree(db.session, framework_id)
    if tree is None:
        abort(404)
    return tree


def _people(*ids: int | None) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted)))
    return dict(rows.tuples().all())


def previous_version(framework: Framework) -> Framework | None:
    """The version this one was based on, else the version numbered just before it."""
    if framework.based_on_id is not None:
        return db.session.get(Framework, framework.based_on_id)
    return db.session.scalar(
        sa.select(Framework)
        .where(Framework.uuid == framework.uuid, Framework.version < framework.version)
        .order_by(Framework.version.desc())
        .limit(1)
    )


@bp.route("/")
@roles_required(*EDITORS)
def index():
    versions = list_versions(db.session)
    counts = dict(
        db.session.execute(
            sa.select(Competency.framework_id, sa.func.count(Competency.id)).group_by(
                Competency.framework_id
            )
        )
        .tuples()
        .all()
    )
    lineages: dict[str, list[Framework]] = {}
    for version in versions:
        lineages.setdefault(version.uuid, []).append(version)
    current = current_framework(db.session)
    people = _people(*[v.published_by_id for v in versions], *[v.created_by_id for v in versions])
    return render_template(
        "versions/index.html",
        lineages=lineages,
        counts=counts,
        current=current,
        people=people,
        form=ConfirmForm(),
    )


@bp.route("/<int:framework_id>")
@roles_required(*EDITORS)
def detail(framework_id: int):
    framework = load_framework_outline(db.session, framework_id, with_profiles=True)
    if framework is None:
        abort(404)
    place = place_in_lineage(db.session, framework)
    return render_template(
        "versions/detail.html",
        framework=framework,
        draft=None if framework.is_draft else place.draft,
        is_current=place.current is not None and place.current.id == framework.id,
        previous=place.previous,
        people=_people(framework.created_by_id, framework.published_by_id),
        depth=competency_depths(framework),
        form=ConfirmForm(),
    )


@bp.route("/<int:framework_id>/draft", methods=["POST"])
@roles_required(*EDITORS)
def start_draft(framework_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    source = get_framework(db.session, framework_id)
    draft = create_draft(db.session, source, current_user)
    flash(
        f"Draft {draft.version_label} started as a copy of version {source.version_label}. "
        "Nothing changes for anyone until you publish it.",
        "success",
    )
    return redirect(url_for("versions.detail", framework_id=draft.id))


@bp.route("/<int:framework_id>/publish", methods=["GET", "POST"])
@roles_required(*EDITORS)
def publish(framework_id: int):
    framework = load_tree(framework_id)
    require_draft(framework)
    form = PublishForm()
    problems: list[str] = []
    if request.method == "GET":
        form.note.data = framework.change_note
        form.lock_version.data = str(framework.lock_version)
    elif form.validate_on_submit():
        _, problems = problems_of(
            lambda: publish_draft(
                db.session, framework, current_user, form.note.data, form.expected_lock()
            )
        )
        if not problems:
            flash(f"Version {framework.version_label} is now the current version.", "success")
            previous = previous_version(framework)
            if previous is None:
                return redirect(url_for("versions.detail", framework_id=framework.id))
            return redirect(
                url_for("versions.compare", **{"from": previous.id, "to": framework.id})
            )
    previous = previous_version(framework)
    diff = None
    if previous is not None:
        diff = diff_frameworks(
            spec_from_framework(load_tree(previous.id)), spec_from_framework(framework)
        )
    return render_template(
        "versions/publish.html",
        framework=framework,
        previous=previous,
        diff=diff,
        form=form,
        problems=problems,
    ), form_status(form, problems)


@bp.route("/<int:framework_id>/discard", methods=["GET", "POST"])
@roles_required(*EDITORS)
def discard(framework_id: int):
    framework = get_framework(db.session, framework_id)
    require_draft(framework)
    form = ConfirmForm()
    if form.validate_on_submit():
        label, previous = framework.version_label, previous_version(framework)
        discard_draft(db.session, framework, current_user)
        flash(f"Draft {label} was discarded.", "success")
        if previous is not None:
            return redirect(url_for("versions.detail", framework_id=previous.id))
        return redirect(url_for("versions.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("versions/discard.html", framework=framework, form=form), status


def _version_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    version_id = parse_id(raw)
    if version_id is None:
        abort(404)
    return version_id


@bp.route("/compare")
@roles_required(*EDITORS)
def compare():
    versions = list_versions(db.session)
    if not versions:
        abort(404)
    to_id = _version_arg("to")
    from_id = _version_arg("from")
    target = get_framework(db.session, to_id) if to_id else None
    if target is None:
        target = next((v for v in versions if v.status == FrameworkStatus.DRAFT), versions[0])
    source = get_framework(db.session, from_id) if from_id else previous_version(target)
    diff = None
    if source is not None:
        diff = diff_frameworks(
            spec_from_framework(load_tree(source.id)), spec_from_framework(load_tree(target.id))
        )
    return render_template(
        "versions/compare.html",
        versions=versions,
        source=source,
        target=target,
        diff=diff,
    )


def _download(framework_id: int, file_format: str) -> Response:
    framework = load_tree(framework_id)
    exported = interchange.export_framework(framework, file_format)
    charset = "; charset=utf-8"
    return Response(
        exported.text,
        content_type=exported.mimetype + charset,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:framework_id>/export.csv")
@roles_required(*EDITORS)
def export_csv(framework_id: int):
    return _download(framework_id, interchange.CSV)


@bp.route("/<int:framework_id>/export.json")
@roles_required(*EDITORS)
def export_case(framework_id: int):
    return _download(framework_id, interchange.CASE)
