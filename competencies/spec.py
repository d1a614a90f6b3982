"""A framework version as plain values: what files are read into and written from, and what
two versions are compared on. No session, no ORM objects outside the two converters.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from competencies.models import (
    Area,
    Competency,
    CompetencyRelation,
    Framework,
    LevelDescriptor,
    RoleProfile,
    RoleRequirement,
    ScaleLevel,
)
from competencies.text import normalise_text

# Column sizes of the models, checked before anything is written.
MAX_CODE = 40
MAX_NAME = 200
MAX_LEVEL_NAME = 120
MAX_LABEL = 40
MAX_FRAMEWORK_CODE = 100
# Sizes beyond any real framework; they keep editor pages and forms bounded.
MAX_SCALE_LEVELS = 20
MAX_COMPETENCIES = 2000
MAX_CROSSWALK = {"ecf_code": 20, "sfia_code": 20, "icb4_element": 120, "esco_uri": 300}
CROSSWALK_FIELDS = ("ecf_code", "sfia_code", "icb4_element", "esco_uri")
CROSSWALK_LABELS = {
    "ecf_code": "e-CF",
    "sfia_code": "SFIA",
    "icb4_element": "IPMA ICB4",
    "esco_uri": "ESCO",
}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Identifiers made up for objects that come without one (imported files) are derived from
# what identifies them there, so importing the same file twice gives the same identifiers.
IMPORT_NAMESPACE = uuid.UUID("0b8f5c1e-2d4a-4f7e-8c3b-5a9d6e7f1a20")


def is_uuid(value: str) -> bool:
    """True for a textual UUID (any version, either case)."""
    return bool(_UUID.match(value or ""))


def derived_uuid(*parts: str) -> str:
    """A deterministic UUID for an imported object without an identifier of its own."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, "\x1f".join(parts)))


@dataclass
class ScaleLevelSpec:
    value: int
    name: str
    description: str = ""
    is_default: bool = False
    is_proficient: bool = False


@dataclass
class AreaSpec:
    uuid: str
    code: str
    name: str
    description: str = ""


@dataclass
class CompetencySpec:
    uuid: str
    code: str
    name: str
    area_code: str
    description: str = ""
    parent_code: str | None = None
    category: str = ""
    pmi_side: str | None = None
    ecf_code: str | None = None
    sfia_code: str | None = None
    icb4_element: str | None = None
    esco_uri: str | None = None
    sfia_kind: str | None = None
    crosswalk_levels: dict[str, list[int]] = field(default_factory=dict)
    descriptors: dict[int, str] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)

    @property
    def crosswalk(self) -> dict[str, str]:
        """The crosswalk codes that are set, by model field."""
        values = {name: getattr(self, name) for name in CROSSWALK_FIELDS}
        return {name: value for name, value in values.items() if value}


@dataclass
class RequirementSpec:
    requirement: str
    target: int | None


@dataclass
class RoleProfileSpec:
    uuid: str
    code: str
    name: str
    description: str = ""
    qualifications: list[str] = field(default_factory=list)
    is_retired: bool = False
    esco_uri: str | None = None
    isco_group: str | None = None
    esco_version: str | None = None
    # Keyed by competency uuid, in framework order.
    requirements: dict[str, RequirementSpec] = field(default_factory=dict)


@dataclass
class FrameworkSpec:
    """One framework version; competencies are listed depth-first in framework order."""

    uuid: str
    name: str
    code: str = ""
    version_label: str = "1.0"
    description: str = ""
    source: str = ""
    scale_name: str = ""
    scale_levels: list[ScaleLevelSpec] = field(default_factory=list)
    areas: list[AreaSpec] = field(default_factory=list)
    competencies: list[CompetencySpec] = field(default_factory=list)
    role_profiles: list[RoleProfileSpec] = field(default_factory=list)

    @property
    def level_values(self) -> list[int]:
        return [level.value for level in self.scale_levels]

    def competency_by_uuid(self) -> dict[str, CompetencySpec]:
        return {c.uuid: c for c in self.competencies}

    def depth(self, competency: CompetencySpec) -> int:
        """0 for a competency directly in its area, 1 for its sub-competencies, and so on."""
        by_code = {c.code: c for c in self.competencies}
        depth, seen = 0, {competency.code}
        parent = competency.parent_code
        while parent and parent in by_code and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = by_code[parent].parent_code
        return depth


def spec_from_framework(framework: Framework) -> FrameworkSpec:
    """The plain description of a loaded framework tree (see load_framework_tree)."""
    by_id = {c.id: c for area in framework.areas for c in area.competencies}
    related: dict[int, list[str]] = {c_id: [] for c_id in by_id}
    for relation in framework.relations:
        related[relation.competency_id].append(by_id[relation.related_id].code)
        related[relation.related_id].append(by_id[relation.competency_id].code)
    areas = sorted(framework.areas, key=lambda a: a.position)
    competencies = sorted(by_id.values(), key=lambda c: c.position)
    code_of = {c.id: c.code for c in competencies}
    uuid_of = {c.id: c.uuid for c in competencies}
    order = {c.id: i for i, c in enumerate(competencies)}
    return FrameworkSpec(
        uuid=framework.uuid,
        code=framework.code or "",
        name=framework.name,
        version_label=framework.version_label,
        description=framework.description or "",
        source=framework.source or "",
        scale_name=framework.scale_name,
        scale_levels=[
            ScaleLevelSpec(
                value=level.value,
                name=level.name,
                description=level.description or "",
                is_default=level.is_default,
                is_proficient=level.is_proficient,
            )
            for level in sorted(framework.scale_levels, key=lambda s: s.value)
        ],
        areas=[AreaSpec(a.uuid, a.code, a.name, a.description or "") for a in areas],
        competencies=[
            CompetencySpec(
                uuid=c.uuid,
                code=c.code,
                name=c.name,
                area_code=c.area.code,
                description=c.description or "",
                parent_code=code_of.get(c.parent_id) if c.parent_id else None,
                category=c.category or "",
                pmi_side=c.pmi_side,
                ecf_code=c.ecf_code,
                sfia_code=c.sfia_code,
                icb4_element=c.icb4_element,
                esco_uri=c.esco_uri,
                sfia_kind=c.sfia_kind,
                crosswalk_levels=dict(c.crosswalk_levels or {}),
                descriptors={d.level: d.description for d in c.level_descriptors},
                related=sorted(related[c.id], key=lambda code: code),
            )
            for c in competencies
        ],
        role_profiles=[
            RoleProfileSpec(
                uuid=p.uuid,
                code=p.code,
                name=p.name,
                description=p.description or "",
                qualifications=list(p.qualifications or []),
                is_retired=p.is_retired,
                esco_uri=p.esco_uri,
                isco_group=p.isco_group,
                esco_version=p.esco_version,
                requirements={
                    uuid_of[r.competency_id]: RequirementSpec(r.requirement, r.target_level)
                    for r in sorted(p.requirements, key=lambda r: order[r.competency_id])
                },
            )
            for p in sorted(framework.role_profiles, key=lambda p: p.position)
        ],
    )


def competency_order(spec: FrameworkSpec) -> list[CompetencySpec]:
    """Competencies area by area, each followed by its sub-competencies (depth-first)."""
    children: dict[str | None, list[CompetencySpec]] = {}
    for c in spec.competencies:
        children.setdefault(c.parent_code, []).append(c)
    ordered: list[CompetencySpec] = []

    def visit(c: CompetencySpec) -> None:
        ordered.append(c)
        for child in children.get(c.code, []):
            visit(child)

    for area in spec.areas:
        for c in children.get(None, []):
            if c.area_code == area.code:
                visit(c)
    return ordered


def framework_from_spec(spec: FrameworkSpec) -> Framework:
    """Unsaved ORM objects for a validated spec (a draft; the caller sets version and status)."""
    framework = Framework(
        uuid=spec.uuid.lower(),
        code=spec.code,
        version_label=spec.version_label,
        name=spec.name,
        description=normalise_text(spec.description),
        source=normalise_text(spec.source),
        scale_name=spec.scale_name or f"{spec.name} scale",
    )
    framework.scale_levels = [
        ScaleLevel(
            value=level.value,
            name=level.name.strip(),
            description=normalise_text(level.description),
            is_default=level.is_default,
            is_proficient=level.is_proficient,
        )
        for level in sorted(spec.scale_levels, key=lambda s: s.value)
    ]
    areas = {}
    for position, area_spec in enumerate(spec.areas):
        area = Area(
            uuid=area_spec.uuid.lower(),
            code=area_spec.code,
            name=area_spec.name,
            description=normalise_text(area_spec.description),
            position=position,
        )
        framework.areas.append(area)
        areas[area_spec.code] = area
    by_code: dict[str, Competency] = {}
    for position, c in enumerate(competency_order(spec), start=1):
        competency = Competency(
            uuid=c.uuid.lower(),
            code=c.code,
            name=c.name,
            description=normalise_text(c.description),
            category=c.category or "",
            pmi_side=c.pmi_side,
            ecf_code=c.ecf_code or None,
            sfia_code=c.sfia_code or None,
            icb4_element=c.icb4_element or None,
            esco_uri=c.esco_uri or None,
            sfia_kind=c.sfia_kind or None,
            crosswalk_levels=dict(c.crosswalk_levels) or None,
            position=position,
            area=areas[c.area_code],
            framework=framework,
            parent=by_code[c.parent_code] if c.parent_code else None,
        )
        competency.level_descriptors = [
            LevelDescriptor(level=level, description=normalise_text(text))
            for level, text in sorted(c.descriptors.items())
            if normalise_text(text)
        ]
        by_code[c.code] = competency
    pairs = {
        tuple(sorted((c.code, other)))
        for c in spec.competencies
        for other in c.related
        if other != c.code
    }
    framework.relations = [
        CompetencyRelation(competency=by_code[a], related=by_code[b]) for a, b in sorted(pairs)
    ]
    by_uuid = {c.uuid: c for c in by_code.values()}
    for position, profile_spec in enumerate(spec.role_profiles):
        profile = RoleProfile(
            uuid=profile_spec.uuid.lower(),
            code=profile_spec.code,
            name=profile_spec.name,
            description=normalise_text(profile_spec.description),
            qualifications=list(profile_spec.qualifications),
            is_retired=profile_spec.is_retired,
            esco_uri=profile_spec.esco_uri,
            isco_group=profile_spec.isco_group,
            esco_version=profile_spec.esco_version,
            position=position,
        )
        profile.requirements = [
            RoleRequirement(
                competency=by_uuid[competency_uuid.lower()],
                requirement=req.requirement,
                target_level=req.target,
            )
            for competency_uuid, req in profile_spec.requirements.items()
        ]
        framework.role_profiles.append(profile)
    return framework
