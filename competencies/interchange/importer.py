"""Writing a checked import: a new framework, or a new draft version of one already here."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.drafts import draft_of, next_version_label
from competencies.interchange.common import ImportPreview
from competencies.models import Framework, FrameworkStatus
from competencies.services import current_framework, load_framework_tree
from competencies.spec import (
    FrameworkSpec,
    RequirementSpec,
    framework_from_spec,
    spec_from_framework,
)
from core.audit import record_event
from core.errors import ConflictError, ValidationError
from core.users import User


@dataclass
class ImportPlan:
    """Where a valid preview would go, and what that means for the role profiles."""

    preview: ImportPreview
    base: Framework | None = None
    version: int = 1
    version_label: str = "1.0"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    spec: FrameworkSpec | None = None

    @property
    def is_new_framework(self) -> bool:
        return self.base is None

    @property
    def can_write(self) -> bool:
        return self.preview.is_valid and not self.problems


def _carry_profiles(base_spec: FrameworkSpec, spec: FrameworkSpec, notes: list[str]) -> None:
    """Bring the role profiles of the current version over to the imported competencies."""
    known = {c.uuid: c for c in spec.competencies}
    levels = set(spec.level_values)
    old_codes = {c.uuid: c.code for c in base_spec.competencies}
    for profile in base_spec.role_profiles:
        carried = copy.deepcopy(profile)
        carried.requirements = {}
        for competency_uuid, req in profile.requirements.items():
            if competency_uuid not in known:
                notes.append(
                    f"Role profile {profile.name}: {old_codes.get(competency_uuid)} is not in the "
                    "file, so the role no longer requires it."
                )
                continue
            target = req.target
            if target is not None and target not in levels:
                notes.append(
                    f"Role profile {profile.name}: target {target} for "
                    f"{known[competency_uuid].code} is not on the new scale and was cleared."
                )
                target = None
            carried.requirements[competency_uuid] = RequirementSpec(req.requirement, target)
        spec.role_profiles.append(carried)


def plan_import(session: Session, preview: ImportPreview) -> ImportPlan:
    """Decide where a preview goes; nothing is written."""
    plan = ImportPlan(preview=preview)
    if not preview.is_valid or preview.spec is None:
        return plan
    spec = copy.deepcopy(preview.spec)
    spec.role_profiles = []
    lineage = session.scalars(
        sa.select(Framework).where(Framework.uuid == spec.uuid).order_by(Framework.version.desc())
    ).all()
    if lineage:
        draft = draft_of(session, spec.uuid)
        if draft is not None:
            plan.problems.append(
                f"{draft.name} already has a draft (version {draft.version_label}). Publish or "
                "discard it before importing a new version."
            )
        base = current_framework(session, spec.uuid) or lineage[0]
        plan.base = base
        plan.version = lineage[0].version + 1
        taken = {f.version_label for f in lineage}
        label = spec.version_label
        while label in taken:
            label = next_version_label(label)
        if label != spec.version_label:
            plan.notes.append(
                f"Version {spec.version_label} already exists; the draft is labelled {label}."
            )
        spec.version_label = label
        # CASE has no place for the framework code (Moodle's ID number): keep the lineage's.
        spec.code = spec.code or base.code
        tree = load_framework_tree(session, base.id)
        assert tree is not None
        _carry_profiles(spec_from_framework(tree), spec, plan.notes)
    plan.version_label = spec.version_label
    plan.spec = spec
    return plan


def write_import(session: Session, preview: ImportPreview, actor: User | None) -> Framework:
    """Write a valid preview as a draft; refuses (writing nothing) while any problem remains."""
    if not preview.is_valid:
        raise ValidationError(
            "The file was not imported: fix the problems below and try again.",
            problems=preview.problems or ["The file holds no framework."],
        )
    plan = plan_import(session, preview)
    if plan.problems:
        raise ConflictError(
            "The file was not imported; nothing was written.", problems=plan.problems
        )
    assert plan.spec is not None
    framework = framework_from_spec(plan.spec)
    framework.version = plan.version
    framework.status = FrameworkStatus.DRAFT.value
    framework.based_on_id = plan.base.id if plan.base is not None else None
    framework.created_by_id = actor.id if actor else None
    framework.change_note = f"Imported from {preview.filename} ({preview.format.upper()})."
    session.add(framework)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.import",
        entity=framework,
        after={
            "name": framework.name,
            "uuid": framework.uuid,
            "version": framework.version,
            "version_label": framework.version_label,
            "format": preview.format,
            "filename": preview.filename,
            "new_framework": plan.is_new_framework,
            "counts": preview.counts,
        },
    )
    return framework
