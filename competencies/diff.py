"""What changed between two framework versions: a pure function over two FrameworkSpecs.

Competencies, areas and role profiles are matched by uuid, so a renamed or re-coded
competency shows as changed, not as removed and added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from competencies.spec import (
    CROSSWALK_FIELDS,
    CROSSWALK_LABELS,
    CompetencySpec,
    FrameworkSpec,
    RequirementSpec,
)

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

FRAMEWORK_FIELDS = {
    "name": "Name",
    "code": "Code",
    "description": "Description",
    "source": "Source",
    "scale_name": "Scale name",
}
COMPETENCY_FIELDS = {
    "code": "Code",
    "name": "Name",
    "area_code": "Area",
    "parent_code": "Parent competency",
    "description": "Description",
    "category": "Category",
    "pmi_side": "PMI Talent Triangle",
    **{name: CROSSWALK_LABELS[name] for name in CROSSWALK_FIELDS},
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


@dataclass
class ItemChange:
    """An added, removed or changed area, competency or scale level."""

    kind: str
    key: str
    code: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class RequirementChange:
    competency_uuid: str
    code: str
    name: str
    before: RequirementSpec | None
    after: RequirementSpec | None


@dataclass
class ProfileChange:
    kind: str
    uuid: str
    code: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)
    requirements: list[RequirementChange] = field(default_factory=list)


@dataclass
class FrameworkDiff:
    framework: list[FieldChange] = field(default_factory=list)
    scale: list[ItemChange] = field(default_factory=list)
    areas: list[ItemChange] = field(default_factory=list)
    competencies: list[ItemChange] = field(default_factory=list)
    role_profiles: list[ProfileChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.framework or self.scale or self.areas or self.competencies or self.role_profiles
        )

    def count(self, kind: str) -> int:
        """How many competencies were ``added``, ``removed`` or ``changed``."""
        return sum(1 for c in self.competencies if c.kind == kind)


def _field_changes(before: Any, after: Any, fields: dict[str, str]) -> list[FieldChange]:
    changes = []
    for name, label in fields.items():
        old, new = getattr(before, name), getattr(after, name)
        if (old or None) != (new or None):
            changes.append(FieldChange(name, label, old, new))
    return changes


def _sibling_index(spec: FrameworkSpec, common: set[str]) -> dict[str, int]:
    """Each shared competency's place among its shared siblings (same area and parent)."""
    places: dict[tuple[str, str | None], int] = {}
    index = {}
    for c in spec.competencies:
        if c.uuid in common:
            key = (c.area_code, c.parent_code)
            places[key] = places.get(key, 0) + 1
            index[c.uuid] = places[key]
    return index


def _competency_changes(old: CompetencySpec, new: CompetencySpec) -> list[FieldChange]:
    changes = _field_changes(old, new, COMPETENCY_FIELDS)
    for level in sorted(set(old.descriptors) | set(new.descriptors)):
        before, after = old.descriptors.get(level), new.descriptors.get(level)
        if (before or None) != (after or None):
            changes.append(
                FieldChange(f"descriptor:{level}", f"Level {level} indicator", before, after)
            )
    if sorted(old.related) != sorted(new.related):
        changes.append(
            FieldChange("related", "Related competencies", sorted(old.related), sorted(new.related))
        )
    return changes


def diff_frameworks(old: FrameworkSpec, new: FrameworkSpec) -> FrameworkDiff:
    """Everything that differs from ``old`` to ``new``, matched by uuid."""
    result = FrameworkDiff()
    result.framework = _field_changes(old, new, FRAMEWORK_FIELDS)

    old_levels = {level.value: level for level in old.scale_levels}
    new_levels = {level.value: level for level in new.scale_levels}
    for value in sorted(set(old_levels) | set(new_levels)):
        before, after = old_levels.get(value), new_levels.get(value)
        if before is None or after is None:
            level = after or before
            assert level is not None
            kind = ADDED if before is None else REMOVED
            result.scale.append(ItemChange(kind, str(value), str(value), level.name))
            continue
        changes = _field_changes(
            before,
            after,
            {
                "name": "Name",
                "description": "Description",
                "is_proficient": "Proficient (Moodle)",
                "is_default": "Default (Moodle)",
            },
        )
        if changes:
            result.scale.append(ItemChange(CHANGED, str(value), str(value), after.name, changes))

    old_areas = {a.uuid: a for a in old.areas}
    new_areas = {a.uuid: a for a in new.areas}
    for area in old.areas:
        if area.uuid not in new_areas:
            result.areas.append(ItemChange(REMOVED, area.uuid, area.code, area.name))
    for area in new.areas:
        before = old_areas.get(area.uuid)
        if before is None:
            result.areas.append(ItemChange(ADDED, area.uuid, area.code, area.name))
            continue
        changes = _field_changes(
            before, area, {"code": "Code", "name": "Name", "description": "Description"}
        )
        if changes:
            result.areas.append(ItemChange(CHANGED, area.uuid, area.code, area.name, changes))

    old_by_uuid = old.competency_by_uuid()
    new_by_uuid = new.competency_by_uuid()
    common = set(old_by_uuid) & set(new_by_uuid)
    old_place, new_place = _sibling_index(old, common), _sibling_index(new, common)
    for c in old.competencies:
        if c.uuid not in new_by_uuid:
            result.competencies.append(ItemChange(REMOVED, c.uuid, c.code, c.name))
    for c in new.competencies:
        before_c = old_by_uuid.get(c.uuid)
        if before_c is None:
            result.competencies.append(ItemChange(ADDED, c.uuid, c.code, c.name))
            continue
        changes = _competency_changes(before_c, c)
        same_place = (before_c.area_code, before_c.parent_code) == (c.area_code, c.parent_code)
        if same_place and old_place[c.uuid] != new_place[c.uuid]:
            changes.append(
                FieldChange("order", "Place in its area", old_place[c.uuid], new_place[c.uuid])
            )
        if changes:
            result.competencies.append(ItemChange(CHANGED, c.uuid, c.code, c.name, changes))

    result.role_profiles = _profile_changes(old, new, old_by_uuid, new_by_uuid)
    return result


def _profile_changes(
    old: FrameworkSpec,
    new: FrameworkSpec,
    old_competencies: dict[str, CompetencySpec],
    new_competencies: dict[str, CompetencySpec],
) -> list[ProfileChange]:
    changes: list[ProfileChange] = []
    old_profiles = {p.uuid: p for p in old.role_profiles}
    new_profiles = {p.uuid: p for p in new.role_profiles}
    for profile in old.role_profiles:
        if profile.uuid not in new_profiles:
            changes.append(ProfileChange(REMOVED, profile.uuid, profile.code, profile.name))
    order = [c.uuid for c in new.competencies] + [
        c.uuid for c in old.competencies if c.uuid not in new_competencies
    ]
    for profile in new.role_profiles:
        before = old_profiles.get(profile.uuid)
        if before is None:
            changes.append(ProfileChange(ADDED, profile.uuid, profile.code, profile.name))
            continue
        fields = _field_changes(
            before,
            profile,
            {
                "code": "Code",
                "name": "Name",
                "description": "Description",
                "is_retired": "Retired",
            },
        )
        if list(before.qualifications) != list(profile.qualifications):
            fields.append(
                FieldChange(
                    "qualifications",
                    "Qualifications",
                    before.qualifications,
                    profile.qualifications,
                )
            )
        requirements = []
        for competency_uuid in order:
            was = before.requirements.get(competency_uuid)
            now = profile.requirements.get(competency_uuid)
            if was != now:
                competency = new_competencies.get(competency_uuid) or old_competencies.get(
                    competency_uuid
                )
                code = competency.code if competency else competency_uuid
                name = competency.name if competency else ""
                requirements.append(RequirementChange(competency_uuid, code, name, was, now))
        if fields or requirements:
            changes.append(
                ProfileChange(
                    CHANGED, profile.uuid, profile.code, profile.name, fields, requirements
                )
            )
    return changes
