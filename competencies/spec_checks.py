"""Whether a framework spec can become a framework version: every rule it breaks, in words."""

from __future__ import annotations

import re

from competencies.models import PmiSide, Requirement
from competencies.spec import (
    CROSSWALK_FIELDS,
    CROSSWALK_LABELS,
    MAX_CODE,
    MAX_COMPETENCIES,
    MAX_CROSSWALK,
    MAX_FRAMEWORK_CODE,
    MAX_LABEL,
    MAX_LEVEL_NAME,
    MAX_NAME,
    MAX_SCALE_LEVELS,
    FrameworkSpec,
    is_uuid,
)
from core.csv_export import looks_like_formula


def validate_spec(spec: FrameworkSpec) -> list[str]:
    """Every reason the spec cannot become a framework version; empty when it can."""
    problems: list[str] = []

    def check_length(what: str, value: str | None, limit: int) -> None:
        if value and len(value) > limit:
            problems.append(f"{what} is longer than {limit} characters.")

    def check_code(what: str, code: str) -> None:
        if looks_like_formula(code):
            problems.append(
                f"{what} {code!r} starts with {code[0]!r}, which spreadsheets run as a formula; "
                "use a code that starts with a letter or a digit."
            )

    if not spec.name.strip():
        problems.append("The framework has no name.")
    check_code("The framework code", spec.code or "")
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
        check_code("Area code", area.code)
        check_length(f"The name of area {area.code}", area.name, MAX_NAME)
        if not area.name.strip():
            problems.append(f"Area {area.code} has no name.")
    problems += [f"Area code {code} is used {n} times." for code, n in area_codes.items() if n > 1]

    codes: dict[str, int] = {}
    uuids: dict[str, int] = {}
    for c in spec.competencies:
        check_code("Competency code", c.code)
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
        check_code("Role profile code", profile.code)
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
