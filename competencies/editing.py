"""Editing a draft version: its details, scale level names, areas and competencies.

Every function refuses to touch a published version, checks the optimistic-lock counter the
form was rendered with, validates everything before changing anything, and writes one audit
event with the values before and after.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.drafts import check_lock, require_draft
from competencies.models import (
    Area,
    Competency,
    CompetencyRelation,
    Framework,
    LevelDescriptor,
    PmiSide,
    RoleRequirement,
)
from competencies.spec import (
    CROSSWALK_FIELDS,
    CROSSWALK_LABELS,
    MAX_CODE,
    MAX_CROSSWALK,
    MAX_FRAMEWORK_CODE,
    MAX_LABEL,
    MAX_LEVEL_NAME,
    MAX_NAME,
)
from competencies.text import normalise_text
from core.audit import record_event
from core.errors import NotFoundError, ValidationError
from core.users import User

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_TEXT = 4000
MAX_CATEGORY = 40


def _text_problem(what: str, value: str, limit: int, required: bool = False) -> list[str]:
    if required and not value:
        return [f"Enter {what}."]
    if len(value) > limit:
        return [f"Keep {what} under {limit} characters (it has {len(value)})."]
    return []


def _code_problems(code: str, what: str) -> list[str]:
    if not code:
        return [f"Enter a code for the {what}."]
    if len(code) > MAX_CODE:
        return [f"Keep the {what} code under {MAX_CODE} characters."]
    if not CODE_PATTERN.match(code):
        return [f"The {what} code may use letters, digits, '.', '-' and '_' only."]
    return []


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# --- the framework's own fields and its scale ---------------------------------------------


def update_framework_details(
    session: Session,
    draft: Framework,
    actor: User | None,
    *,
    name: str,
    version_label: str,
    description: str = "",
    code: str = "",
    change_note: str = "",
    source: str | None = None,
    expected_lock: int | None = None,
) -> Framework:
    """Change a draft's name, label, code, description, source and working change note."""
    require_draft(draft)
    check_lock(draft.lock_version, expected_lock, "this draft's details")
    values = {
        "name": normalise_text(name),
        "version_label": version_label.strip(),
        "code": code.strip(),
        "description": normalise_text(description),
        "change_note": normalise_text(change_note),
    }
    if source is not None:
        values["source"] = normalise_text(source)
    problems = _text_problem("a name", values["name"], MAX_NAME, required=True)
    problems += _text_problem("a version label", values["version_label"], MAX_LABEL, True)
    problems += _text_problem("the framework code", values["code"], MAX_FRAMEWORK_CODE)
    problems += _text_problem("the description", values["description"], MAX_TEXT * 4)
    problems += _text_problem("the change note", values["change_note"], MAX_TEXT)
    problems += _text_problem("the source", values.get("source", ""), MAX_TEXT)
    clash = session.scalar(
        sa.select(Framework.id).where(
            Framework.uuid == draft.uuid,
            Framework.version_label == values["version_label"],
            Framework.id != draft.id,
        )
    )
    if clash is not None:
        problems.append(f"Another version is already labelled {values['version_label']}.")
    if problems:
        raise ValidationError("The draft's details could not be saved.", problems=problems)
    before, after = _changes({k: getattr(draft, k) for k in values}, values)
    for key, value in values.items():
        setattr(draft, key, value)
    draft.lock_version += 1
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="framework.update",
            entity=draft,
            before=before,
            after=after,
        )
    return draft


@dataclass
class ScaleLevelInput:
    value: int
    name: str
    description: str = ""


def update_scale(
    session: Session,
    draft: Framework,
    actor: User | None,
    *,
    scale_name: str,
    levels: list[ScaleLevelInput],
    expected_lock: int | None = None,
) -> Framework:
    """Rename the scale and its levels. The level values stay: ratings and targets use them."""
    require_draft(draft)
    check_lock(draft.lock_version, expected_lock, "this draft's scale")
    by_value = {level.value: level for level in draft.scale_levels}
    scale_name = normalise_text(scale_name)
    problems = _text_problem("a scale name", scale_name, MAX_NAME, required=True)
    if sorted(item.value for item in levels) != sorted(by_value):
        problems.append(
            "The scale's levels cannot be added or removed in the editor; "
            f"send names for exactly the levels {', '.join(map(str, sorted(by_value)))}."
        )
    for item in levels:
        problems += _text_problem(
            f"a name for level {item.value}", normalise_text(item.name), MAX_LEVEL_NAME, True
        )
        problems += _text_problem(
            f"the description of level {item.value}", normalise_text(item.description), MAX_TEXT
        )
    if problems:
        raise ValidationError("The scale could not be saved.", problems=problems)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if draft.scale_name != scale_name:
        before["scale_name"], after["scale_name"] = draft.scale_name, scale_name
        draft.scale_name = scale_name
    for item in levels:
        level = by_value[item.value]
        new = {"name": normalise_text(item.name), "description": normalise_text(item.description)}
        old = {"name": level.name, "description": level.description}
        if old != new:
            before[f"level {item.value}"], after[f"level {item.value}"] = old, new
            level.name, level.description = new["name"], new["description"]
    draft.lock_version += 1
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="framework.scale.update",
            entity=draft,
            before=before,
            after=after,
        )
    return draft


# --- areas ---------------------------------------------------------------------------------


def get_area(session: Session, framework: Framework, area_id: int) -> Area:
    """The area ``area_id`` of this version, or NotFoundError."""
    area = session.get(Area, area_id)
    if area is None or area.framework_id != framework.id:
        raise NotFoundError("This area does not exist in this version.")
    return area


def _area_problems(
    session: Session, framework: Framework, code: str, name: str, area: Area | None
) -> list[str]:
    area_id = area.id if area is not None else None
    unchanged = area is not None and area.code == code
    problems = [] if unchanged else _code_problems(code, "area")
    problems += _text_problem("a name", name, MAX_NAME, required=True)
    clash = session.scalar(
        sa.select(Area.id).where(
            Area.framework_id == framework.id, Area.code == code, Area.id != (area_id or -1)
        )
    )
    if clash is not None:
        problems.append(f"Another area already has the code {code}.")
    return problems


def add_area(
    session: Session,
    draft: Framework,
    actor: User | None,
    *,
    code: str,
    name: str,
    description: str = "",
) -> Area:
    """Add an empty area at the end of a draft."""
    require_draft(draft)
    code, name, description = code.strip(), normalise_text(name), normalise_text(description)
    problems = _area_problems(session, draft, code, name, None)
    problems += _text_problem("the description", description, MAX_TEXT)
    if problems:
        raise ValidationError("The area could not be added.", problems=problems)
    position = max((a.position for a in draft.areas), default=-1) + 1
    area = Area(
        framework=draft,
        uuid=str(uuid.uuid4()),
        code=code,
        name=name,
        description=description,
        position=position,
    )
    session.add(area)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.area.create",
        entity=area,
        after={"framework_id": draft.id, "code": code, "name": name, "description": description},
    )
    return area


def update_area(
    session: Session,
    area: Area,
    actor: User | None,
    *,
    code: str,
    name: str,
    description: str = "",
    expected_lock: int | None = None,
) -> Area:
    """Change an area's code, name and description."""
    require_draft(area.framework)
    check_lock(area.lock_version, expected_lock, f"area {area.code}")
    values = {
        "code": code.strip(),
        "name": normalise_text(name),
        "description": normalise_text(description),
    }
    problems = _area_problems(session, area.framework, values["code"], values["name"], area)
    problems += _text_problem("the description", values["description"], MAX_TEXT)
    if problems:
        raise ValidationError("The area could not be saved.", problems=problems)
    before, after = _changes({k: getattr(area, k) for k in values}, values)
    for key, value in values.items():
        setattr(area, key, value)
    area.lock_version += 1
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="framework.area.update",
            entity=area,
            before=before,
            after=after,
        )
    return area


def remove_area(session: Session, area: Area, actor: User | None) -> None:
    """Remove an area that holds no competencies."""
    require_draft(area.framework)
    count = session.scalar(
        sa.select(sa.func.count(Competency.id)).where(Competency.area_id == area.id)
    )
    if count:
        raise ValidationError(
            f"Area {area.code} still holds {count} competencies. "
            "Move or remove them before removing the area."
        )
    record_event(
        session,
        actor=actor,
        action="framework.area.delete",
        entity=area,
        before={"code": area.code, "name": area.name, "description": area.description},
    )
    session.delete(area)
    session.flush()


# --- competencies --------------------------------------------------------------------------


@dataclass
class CompetencyInput:
    """What the competency editor sends; blank strings mean "not set"."""

    code: str
    name: str
    area_id: int
    description: str = ""
    parent_id: int | None = None
    category: str = ""
    pmi_side: str = ""
    ecf_code: str = ""
    sfia_code: str = ""
    icb4_element: str = ""
    esco_uri: str = ""
    descriptors: dict[int, str] = field(default_factory=dict)
    # Codes of related competencies; None leaves the relations as they are.
    related_ids: list[int] | None = None


def competency_input(competency: Competency) -> CompetencyInput:
    """The editor's values for a competency as it is now (the starting point of an edit)."""
    return CompetencyInput(
        code=competency.code,
        name=competency.name,
        area_id=competency.area_id,
        description=competency.description or "",
        parent_id=competency.parent_id,
        category=competency.category or "",
        pmi_side=competency.pmi_side or "",
        **{name: getattr(competency, name) or "" for name in CROSSWALK_FIELDS},
        descriptors={d.level: d.description for d in competency.level_descriptors},
    )


def get_competency(session: Session, framework: Framework, competency_id: int) -> Competency:
    """The competency ``competency_id`` of this version, or NotFoundError."""
    competency = session.get(Competency, competency_id)
    if competency is None or competency.framework_id != framework.id:
        raise NotFoundError("This competency does not exist in this version.")
    return competency


def _snapshot(competency: Competency, related: list[str]) -> dict[str, Any]:
    return {
        "code": competency.code,
        "name": competency.name,
        "area": competency.area.code if competency.area else None,
        "parent": competency.parent.code if competency.parent else None,
        "description": competency.description,
        "category": competency.category,
        "pmi_side": competency.pmi_side,
        **{name: getattr(competency, name) for name in CROSSWALK_FIELDS},
        "descriptors": {str(d.level): d.description for d in competency.level_descriptors},
        "related": related,
    }


def _related_codes(session: Session, competency: Competency) -> list[str]:
    if competency.id is None:
        return []
    rows = session.scalars(
        sa.select(CompetencyRelation).where(
            sa.or_(
                CompetencyRelation.competency_id == competency.id,
                CompetencyRelation.related_id == competency.id,
            )
        )
    ).all()
    others = [r.related if r.competency_id == competency.id else r.competency for r in rows]
    return sorted(other.code for other in others)


def _validate_competency(
    session: Session, framework: Framework, data: CompetencyInput, competency: Competency | None
) -> tuple[list[str], dict[str, Any]]:
    values: dict[str, Any] = {
        "code": data.code.strip(),
        "name": normalise_text(data.name),
        "description": normalise_text(data.description),
        "category": data.category.strip(),
        "pmi_side": data.pmi_side.strip() or None,
    }
    for name in CROSSWALK_FIELDS:
        values[name] = getattr(data, name).strip() or None
    # Imported codes may not follow Proficio's pattern; only a new or changed code must.
    unchanged = competency is not None and values["code"] == competency.code
    problems = [] if unchanged else _code_problems(values["code"], "competency")
    problems += _text_problem("a name", values["name"], MAX_NAME, required=True)
    problems += _text_problem("the description", values["description"], MAX_TEXT)
    problems += _text_problem("the category", values["category"], MAX_CATEGORY)
    if values["pmi_side"] is not None and values["pmi_side"] not in {s.value for s in PmiSide}:
        problems.append("Choose a side of the PMI Talent Triangle from the list, or none.")
    for name in CROSSWALK_FIELDS:
        value = values[name] or ""
        problems += _text_problem(f"the {CROSSWALK_LABELS[name]} code", value, MAX_CROSSWALK[name])
    esco = values["esco_uri"]
    if esco and not re.match(r"^https?://\S+$", esco):
        problems.append("The ESCO reference must be a web address (http:// or https://).")
    clash = session.scalar(
        sa.select(Competency.id).where(
            Competency.framework_id == framework.id,
            Competency.code == values["code"],
            Competency.id != (competency.id if competency is not None else -1),
        )
    )
    if clash is not None:
        problems.append(f"Another competency already has the code {values['code']}.")
    area = session.get(Area, data.area_id)
    if area is None or area.framework_id != framework.id:
        problems.append("Choose an area of this version.")
        area = None
    values["area"] = area
    parent = None
    if data.parent_id is not None:
        parent = session.get(Competency, data.parent_id)
        if parent is None or parent.framework_id != framework.id:
            problems.append("Choose a parent competency of this version, or none.")
            parent = None
        elif area is not None and parent.area_id != area.id:
            problems.append(f"The parent {parent.code} is in another area.")
        elif competency is not None and _is_descendant(parent, competency):
            problems.append("A competency cannot sit under itself or one of its sub-competencies.")
    values["parent"] = parent
    levels = {level.value for level in framework.scale_levels}
    for level, text in data.descriptors.items():
        if level not in levels:
            problems.append(f"Level {level} is not on this version's scale.")
        problems += _text_problem(
            f"the indicator for level {level}", normalise_text(text), MAX_TEXT
        )
    if data.related_ids is not None:
        related = []
        for other_id in dict.fromkeys(data.related_ids):
            other = session.get(Competency, other_id)
            if other is None or other.framework_id != framework.id:
                problems.append("Related competencies must belong to this version.")
            elif competency is not None and other.id == competency.id:
                problems.append("A competency cannot be related to itself.")
            else:
                related.append(other)
        values["related"] = related
    return problems, values


def _descendants(session: Session, competency: Competency) -> list[Competency]:
    everyone = session.scalars(
        sa.select(Competency).where(Competency.framework_id == competency.framework_id)
    ).all()
    children: dict[int | None, list[Competency]] = {}
    for c in everyone:
        children.setdefault(c.parent_id, []).append(c)
    found, stack = [], list(children.get(competency.id, []))
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children.get(node.id, []))
    return found


def _is_descendant(candidate: Competency, ancestor: Competency) -> bool:
    node: Competency | None = candidate
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = node.parent
    return False


def _apply(session: Session, competency: Competency, values: dict[str, Any], data: CompetencyInput):
    for key in ("code", "name", "description", "category", "pmi_side", *CROSSWALK_FIELDS):
        setattr(competency, key, values[key])
    competency.area = values["area"]
    competency.parent = values["parent"]
    existing = {d.level: d for d in competency.level_descriptors}
    for level, raw in data.descriptors.items():
        text = normalise_text(raw)
        if level in existing and text:
            existing[level].description = text
        elif level in existing:
            competency.level_descriptors.remove(existing[level])
        elif text:
            competency.level_descriptors.append(LevelDescriptor(level=level, description=text))
    if "related" in values:
        _set_relations(session, competency, values["related"])


def _set_relations(session: Session, competency: Competency, related: list[Competency]) -> None:
    session.flush()
    current = session.scalars(
        sa.select(CompetencyRelation).where(
            sa.or_(
                CompetencyRelation.competency_id == competency.id,
                CompetencyRelation.related_id == competency.id,
            )
        )
    ).all()
    wanted = {other.id for other in related}
    for relation in current:
        other_id = (
            relation.related_id
            if relation.competency_id == competency.id
            else relation.competency_id
        )
        if other_id in wanted:
            wanted.discard(other_id)
        else:
            session.delete(relation)
    for other_id in sorted(wanted):
        low, high = sorted((competency.id, other_id))
        session.add(
            CompetencyRelation(
                framework_id=competency.framework_id, competency_id=low, related_id=high
            )
        )


def renumber_competencies(session: Session, framework: Framework) -> None:
    """Give the competencies of a version positions 1..n: area by area, depth-first."""
    session.flush()
    competencies = session.scalars(
        sa.select(Competency).where(Competency.framework_id == framework.id)
    ).all()
    areas = {a.id: a.position for a in framework.areas}
    children: dict[int | None, list[Competency]] = {}
    for c in competencies:
        children.setdefault(c.parent_id, []).append(c)
    for siblings in children.values():
        siblings.sort(key=lambda c: (areas.get(c.area_id, 0), c.position, c.id))
    position = 0

    def visit(c: Competency) -> None:
        nonlocal position
        position += 1
        c.position = position
        for child in children.get(c.id, []):
            visit(child)

    for root in children.get(None, []):
        visit(root)
    session.flush()


def add_competency(
    session: Session, draft: Framework, actor: User | None, data: CompetencyInput
) -> Competency:
    """Add a competency (with a new uuid) at the end of its area or under its parent."""
    require_draft(draft)
    problems, values = _validate_competency(session, draft, data, None)
    if problems:
        raise ValidationError("The competency could not be added.", problems=problems)
    competency = Competency(framework=draft, uuid=str(uuid.uuid4()), position=10**6)
    session.add(competency)
    _apply(session, competency, values, data)
    renumber_competencies(session, draft)
    record_event(
        session,
        actor=actor,
        action="framework.competency.create",
        entity=competency,
        after=_snapshot(competency, _related_codes(session, competency)),
    )
    return competency


def update_competency(
    session: Session,
    competency: Competency,
    actor: User | None,
    data: CompetencyInput,
    expected_lock: int | None = None,
) -> Competency:
    """Change a competency's fields, level indicators, crosswalk codes and relations."""
    framework = competency.framework
    require_draft(framework)
    check_lock(competency.lock_version, expected_lock, f"competency {competency.code}")
    problems, values = _validate_competency(session, framework, data, competency)
    if problems:
        raise ValidationError("The competency could not be saved.", problems=problems)
    before = _snapshot(competency, _related_codes(session, competency))
    moved = values["area"].id != competency.area_id or (
        (values["parent"].id if values["parent"] else None) != competency.parent_id
    )
    _apply(session, competency, values, data)
    if moved:
        # A competency that changes place goes to the end of its new siblings.
        competency.position = 10**6
        for descendant in _descendants(session, competency):
            descendant.area = competency.area
    competency.lock_version += 1
    renumber_competencies(session, framework)
    after = _snapshot(competency, _related_codes(session, competency))
    before, after = _changes(before, after)
    if after:
        record_event(
            session,
            actor=actor,
            action="framework.competency.update",
            entity=competency,
            before=before,
            after=after,
        )
    return competency


def remove_competency(session: Session, competency: Competency, actor: User | None) -> None:
    """Remove a competency from a draft, with its indicators and role requirements."""
    framework = competency.framework
    require_draft(framework)
    children = session.scalar(
        sa.select(sa.func.count(Competency.id)).where(Competency.parent_id == competency.id)
    )
    if children:
        raise ValidationError(
            f"{competency.code} has {children} sub-competencies. "
            "Remove or move them before removing it."
        )
    requirements = session.scalars(
        sa.select(RoleRequirement).where(RoleRequirement.competency_id == competency.id)
    ).all()
    before = _snapshot(competency, _related_codes(session, competency))
    before["required_by"] = sorted(r.role_profile.code for r in requirements)
    for requirement in requirements:
        session.delete(requirement)
    for relation in session.scalars(
        sa.select(CompetencyRelation).where(
            sa.or_(
                CompetencyRelation.competency_id == competency.id,
                CompetencyRelation.related_id == competency.id,
            )
        )
    ):
        session.delete(relation)
    record_event(
        session, actor=actor, action="framework.competency.delete", entity=competency, before=before
    )
    session.delete(competency)
    session.flush()
    session.expire(framework)
    renumber_competencies(session, framework)


def move_competency(
    session: Session, competency: Competency, actor: User | None, direction: str
) -> Competency:
    """Move a competency one place up or down among its siblings (same area and parent)."""
    framework = competency.framework
    require_draft(framework)
    if direction not in {"up", "down"}:
        raise ValidationError("Move a competency up or down.")
    siblings = list(
        session.scalars(
            sa.select(Competency)
            .where(
                Competency.framework_id == framework.id,
                Competency.area_id == competency.area_id,
                Competency.parent_id.is_(None)
                if competency.parent_id is None
                else Competency.parent_id == competency.parent_id,
            )
            .order_by(Competency.position)
        )
    )
    index = siblings.index(competency)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        raise ValidationError(
            f"{competency.code} is already the {'first' if direction == 'up' else 'last'} "
            "in its place."
        )
    other = siblings[other_index]
    before = [c.code for c in siblings]
    competency.position, other.position = other.position, competency.position
    renumber_competencies(session, framework)
    siblings.sort(key=lambda c: c.position)
    record_event(
        session,
        actor=actor,
        action="framework.competency.move",
        entity=competency,
        before={"order": before},
        after={"order": [c.code for c in siblings]},
    )
    return competency
