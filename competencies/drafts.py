"""Framework versions: start a draft from the current version, publish it, or discard it.

A published version never changes: assessments point at it. Editing always happens in a draft,
a full copy of the current version (areas, competencies, descriptors, relations and role
profiles) that keeps every uuid, so the versions of one competency can be followed over time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from competencies.models import Framework, FrameworkStatus
from competencies.services import current_framework, load_framework_tree, publish_framework
from competencies.spec import framework_from_spec, spec_from_framework
from competencies.text import normalise_text
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User

MAX_NOTE = 4000


class PublishedVersionError(ConflictError):
    """A published or retired version was asked to change."""


def require_draft(framework: Framework) -> None:
    """Refuse any change to a version that is not a draft."""
    if framework.status != FrameworkStatus.DRAFT:
        raise PublishedVersionError(
            f"Version {framework.version_label} of {framework.name} is {framework.status} and "
            "never changes, so that assessments made on it stay readable. "
            "Start a draft to make changes."
        )


def check_lock(current: int, expected: int | None, what: str) -> None:
    """Refuse a save made on a stale copy (someone else saved ``what`` in between)."""
    if expected is not None and expected != current:
        raise ConflictError(
            f"Someone else changed {what} after you opened it. "
            "Reload the page to see their change, then make yours again."
        )


def get_framework(session: Session, framework_id: int) -> Framework:
    """The framework version with this id, or NotFoundError."""
    framework = session.get(Framework, framework_id)
    if framework is None:
        raise NotFoundError("This framework version does not exist.")
    return framework


def list_versions(session: Session) -> list[Framework]:
    """Every version of every framework, lineage by lineage, newest version first."""
    return list(
        session.scalars(
            sa.select(Framework).order_by(Framework.name, Framework.uuid, Framework.version.desc())
        )
    )


def draft_of(session: Session, framework_uuid: str) -> Framework | None:
    """The open draft of a lineage, if any."""
    return session.scalar(
        sa.select(Framework)
        .where(Framework.uuid == framework_uuid, Framework.status == FrameworkStatus.DRAFT.value)
        .limit(1)
    )


@dataclass(frozen=True)
class LineagePlace:
    """Where one version stands in its lineage."""

    draft: Framework | None  # the lineage's open draft
    current: Framework | None  # the published version HR works with
    previous: Framework | None  # the version it was based on, else the one numbered before


def place_in_lineage(session: Session, framework: Framework) -> LineagePlace:
    """The draft, current and previous versions around ``framework``, from one query.

    Gives the answers of `draft_of`, `current_framework` and the previous-version lookup of
    the version pages, which would otherwise cost a query each.
    """
    versions = session.scalars(
        sa.select(Framework)
        .where(Framework.uuid == framework.uuid)
        .order_by(Framework.published_at.desc(), Framework.id.desc())
    ).all()
    published = [v for v in versions if v.status == FrameworkStatus.PUBLISHED]
    drafts = [v for v in versions if v.status == FrameworkStatus.DRAFT]
    if framework.based_on_id is not None:
        # Already in the session when it belongs to the lineage: then no query is made.
        previous = session.get(Framework, framework.based_on_id)
    else:
        earlier = [v for v in versions if v.version < framework.version]
        previous = max(earlier, key=lambda v: v.version, default=None)
    return LineagePlace(
        draft=drafts[0] if drafts else None,
        current=published[0] if published else None,
        previous=previous,
    )


def next_version_label(label: str) -> str:
    """The label a new draft suggests: 1.0 → 1.1, 2 → 3, 2024-A → 2024-A.1."""
    match = re.match(r"^(.*?)(\d+)$", label.strip())
    if match is None:
        return f"{label.strip()}.1"[:40]
    prefix, number = match.groups()
    return f"{prefix}{int(number) + 1}"[:40]


def _next_version_number(session: Session, framework_uuid: str) -> int:
    highest = session.scalar(
        sa.select(sa.func.max(Framework.version)).where(Framework.uuid == framework_uuid)
    )
    return (highest or 0) + 1


def _unique_label(session: Session, framework_uuid: str, label: str) -> str:
    taken = set(
        session.scalars(sa.select(Framework.version_label).where(Framework.uuid == framework_uuid))
    )
    while label in taken:
        label = next_version_label(label)
    return label


def create_draft(
    session: Session, source: Framework, actor: User | None, *, note: str = ""
) -> Framework:
    """Start a draft as a deep copy of the current published version ``source``."""
    if source.status != FrameworkStatus.PUBLISHED:
        raise ConflictError(
            f"Drafts start from the current version; version {source.version_label} is "
            f"{source.status}."
        )
    existing = draft_of(session, source.uuid)
    if existing is not None:
        raise ConflictError(
            f"Version {existing.version_label} is already being drafted. "
            "Publish or discard it before starting another draft."
        )
    tree = load_framework_tree(session, source.id)
    assert tree is not None
    draft = framework_from_spec(spec_from_framework(tree))
    draft.version = _next_version_number(session, source.uuid)
    draft.version_label = _unique_label(
        session, source.uuid, next_version_label(source.version_label)
    )
    draft.status = FrameworkStatus.DRAFT.value
    draft.based_on_id = source.id
    draft.created_by_id = actor.id if actor else None
    draft.change_note = normalise_text(note)
    session.add(draft)
    try:
        session.flush()
    except IntegrityError as error:
        # Two people pressed "start a draft" at the same moment: the version number clashed.
        raise ConflictError(
            "Someone else started a draft at the same moment. Open the versions page again."
        ) from error
    record_event(
        session,
        actor=actor,
        action="framework.draft.create",
        entity=draft,
        after={
            "name": draft.name,
            "version": draft.version,
            "version_label": draft.version_label,
            "based_on_id": source.id,
            "based_on_label": source.version_label,
        },
    )
    return draft


def discard_draft(session: Session, draft: Framework, actor: User | None) -> None:
    """Delete a draft and everything in it; the published versions stay as they are."""
    require_draft(draft)
    record_event(
        session,
        actor=actor,
        action="framework.draft.discard",
        entity=draft,
        before={
            "name": draft.name,
            "version": draft.version,
            "version_label": draft.version_label,
            "change_note": draft.change_note,
        },
    )
    session.delete(draft)
    session.flush()


def publish_draft(
    session: Session,
    draft: Framework,
    actor: User | None,
    note: str,
    expected_lock: int | None = None,
) -> Framework:
    """Publish a draft with a change note; the version it was based on is retired."""
    require_draft(draft)
    check_lock(draft.lock_version, expected_lock, "this draft's details")
    note = normalise_text(note)
    problems = []
    if not note:
        problems.append("Write a change note: what changed in this version and why.")
    if len(note) > MAX_NOTE:
        problems.append(f"Keep the change note under {MAX_NOTE} characters.")
    tree = load_framework_tree(session, draft.id)
    assert tree is not None
    if not tree.competencies:
        problems.append("A version needs at least one competency.")
    if not tree.scale_levels:
        problems.append("A version needs a scale.")
    if problems:
        raise ValidationError("The draft cannot be published yet.", problems=problems)
    current = current_framework(session, draft.uuid)
    if current is not None and draft.based_on_id is not None and current.id != draft.based_on_id:
        raise ConflictError(
            f"Version {current.version_label} was published after this draft was started. "
            "Discard the draft and start a new one from the current version."
        )
    return publish_framework(session, draft, actor, note=note)


def framework_to_export(session: Session, *, draft: bool = False) -> Framework:
    """The version an export without an id means: the current one, or with ``draft`` the open
    draft. When only a draft exists (say, just imported), the refusal says how to go on."""
    current = current_framework(session)
    open_draft = (
        draft_of(session, current.uuid)
        if current is not None
        else session.scalar(
            sa.select(Framework)
            .where(Framework.status == FrameworkStatus.DRAFT.value)
            .order_by(Framework.id.desc())
            .limit(1)
        )
    )
    if draft:
        if open_draft is None:
            raise NotFoundError(
                "There is no draft to export; leave out --draft to export the current version."
            )
        return open_draft
    if current is not None:
        return current
    if open_draft is not None:
        raise NotFoundError(
            f"No framework is published yet; there is only draft {open_draft.version_label} of "
            f"{open_draft.name} (id {open_draft.id}). Export it with --draft, or publish it "
            "first: HR publishes a draft on the Framework versions page (/framework/versions) "
            "with a change note."
        )
    raise NotFoundError(
        "No framework is published yet. Run `flask --app wsgi seed`, or import one with "
        "`competencies import` or `competencies import-esco`."
    )
