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
    PmiSide,
    Requirement,
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
                requirements={
                    uuid_of[r.competency_id]: RequirementSpec(r.requirement, r.target_level)
                    for r in sorted(p.requirements, key=lambda r: order[r.competency_id])
                },
            )
            for p in sorted(framework.role_profiles, key=lambda p: p.position)
        ],
    )


def validate_spec(spec: FrameworkSpec) -> list[str]:
    """Every reason the spec cannot become a framework version; empty when it can."""
    problems: list[str] = []

    def check_length(what: str, value: str | None, limit: int) -> None:
        if value and len(value) > limit:
            problems.append(f"{what} is longer than {limit} characters.")

    if not spec.name.strip():
        problems.append("The framework has no name.")
    check_length("The framework name", spec.name, MAX_NAME)
    check_length("The framework code", spec.code, MAX_FRAMEWORK_CODE)
    check_length("The version label", spec.version_label, MAX_LABEL)
    check_length("The scale name", spec.scale_name, MAX_NAME)
    if not is_uuid(spec.uuid):
        problems.append(f"The framework identifier {spec.uuid!r} is not a UUID.")
    if not spec.scale_levels:
        problems.append("The framework has no scale levels.")
    if len(spec.scale_levels) > MAX_SCALE_LEVELS:
        problems.append(
            f"The scale has {len(spec.scale_levels)} levels; Proficio allows {MAX_SCALE_LEVELS}."
        )
    if len(spec.competencies) > MAX_COMPETENCIES:
        problems.append(
            f"The framework has {len(spec.competencies)} competencies; Proficio allows "
            f"{MAX_COMPETENCIES} per framework."
        )
    values = [level.value for level in spec.scale_levels]
    for value in sorted({v for v in values if values.count(v) > 1}):
        problems.append(f"Scale level {value} appears more than once.")
    for level in spec.scale_levels:
        if not level.name.strip():
            problems.append(f"Scale level {level.value} has no name.")
        check_length(f"The name of scale level {level.value}", level.name, MAX_LEVEL_NAME)

    area_codes: dict[str, int] = {}
    for area in spec.areas:
        if not area.code.strip():
            problems.append(f"Area {area.name!r} has no code.")
        area_codes[area.code] = area_codes.get(area.code, 0) + 1
        check_length(f"Area code {area.code!r}", area.code, MAX_CODE)
        check_length(f"The name of area {area.code}", area.name, MAX_NAME)
        if not area.name.strip():
            problems.append(f"Area {area.code} has no name.")
    problems += [f"Area code {code} is used {n} times." for code, n in area_codes.items() if n > 1]

    codes: dict[str, int] = {}
    uuids: dict[str, int] = {}
    for c in spec.competencies:
        codes[c.code] = codes.get(c.code, 0) + 1
        uuids[c.uuid] = uuids.get(c.uuid, 0) + 1
    problems += [f"Competency code {code} is used {n} times." for code, n in codes.items() if n > 1]
    problems += [
        f"Competency identifier {ident} is used {n} times." for ident, n in uuids.items() if n > 1
    ]
    by_code = {c.code: c for c in spec.competencies}
    level_set = set(values)
    for c in spec.competencies:
        label = f"Competency {c.code}"
        if not c.code.strip():
            problems.append(f"Competency {c.name!r} has no code.")
        if not c.name.strip():
            problems.append(f"{label} has no name.")
        if not is_uuid(c.uuid):
            problems.append(f"{label}: identifier {c.uuid!r} is not a UUID.")
        check_length(f"{label}: the code", c.code, MAX_CODE)
        check_length(f"{label}: the name", c.name, MAX_NAME)
        check_length(f"{label}: the category", c.category, 40)
        for name in CROSSWALK_FIELDS:
            check_length(
                f"{label}: the {CROSSWALK_LABELS[name]} code", getattr(c, name), MAX_CROSSWALK[name]
            )
        if c.esco_uri and not re.match(r"^https?://\S+$", c.esco_uri):
            problems.append(f"{label}: the ESCO reference {c.esco_uri!r} is not a web address.")
        if c.area_code not in area_codes:
            problems.append(f"{label} belongs to an unknown area {c.area_code!r}.")
        if c.pmi_side is not None and c.pmi_side not in {side.value for side in PmiSide}:
            problems.append(f"{label}: {c.pmi_side!r} is not a side of the PMI Talent Triangle.")
        if c.parent_code is not None:
            parent = by_code.get(c.parent_code)
            if parent is None:
                problems.append(f"{label}: parent {c.parent_code!r} does not exist.")
            elif parent.area_code != c.area_code:
                problems.append(f"{label} is in another area than its parent {parent.code}.")
        for level in sorted(c.descriptors):
            if level not in level_set:
                problems.append(f"{label}: level {level} is not on the scale.")
        for other in c.related:
            if other not in by_code:
                problems.append(f"{label} refers to an unknown related competency {other!r}.")
            elif other == c.code:
                problems.append(f"{label} is related to itself.")
    problems += _cycles(spec)

    profile_codes: dict[str, int] = {}
    known_uuids = {c.uuid for c in spec.competencies}
    requirement_values = {r.value for r in Requirement}
    for profile in spec.role_profiles:
        profile_codes[profile.code] = profile_codes.get(profile.code, 0) + 1
        for competency_uuid, req in profile.requirements.items():
            if competency_uuid not in known_uuids:
                problems.append(f"Role {profile.name}: unknown competency {competency_uuid}.")
            if req.requirement not in requirement_values:
                problems.append(f"Role {profile.name}: requirement must be must or can.")
            if req.target is not None and req.target not in level_set:
                problems.append(f"Role {profile.name}: target {req.target} is not on the scale.")
    problems += [
        f"Role profile code {code} is used {n} times." for code, n in profile_codes.items() if n > 1
    ]
    return problems


def _cycles(spec: FrameworkSpec) -> list[str]:
    parent_of = {c.code: c.parent_code for c in spec.competencies}
    reported: set[str] = set()
    problems = []
    for start in parent_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in path:
            path.append(node)
            node = parent_of[node]
        if node is not None and node in path:
            loop = path[path.index(node) :]
            if not reported & set(loop):
                reported |= set(loop)
                shown = " → ".join([*loop, node])
                problems.append(f"Competencies {shown} form a cycle: none of them has a root.")
    return problems


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
