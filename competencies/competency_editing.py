"""Editing the competencies of a draft: fields, indicators per level, crosswalk, relations,
place in the tree; adding, moving and removing them.

Like every editor function, these refuse published versions, check the optimistic-lock
counter, validate everything before changing anything and write one audit event.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.drafts import check_lock, require_draft
from competencies.editing import MAX_CATEGORY, MAX_TEXT, changed_fields, code_problems, text_problem
from competencies.models import (
    Area,
    Competency,
    CompetencyRelation,
    Framework,
    LevelDescriptor,
    PmiSide,
    RoleRequirement,
)
from competencies.spec import CROSSWALK_FIELDS, CROSSWALK_LABELS, MAX_CROSSWALK, MAX_NAME
from competencies.text import normalise_text
from core.audit import record_event
from core.errors import NotFoundError, ValidationError
from core.users import User


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
    problems = [] if unchanged else code_problems(values["code"], "competency")
    problems += text_problem("a name", values["name"], MAX_NAME, required=True)
    problems += text_problem("the description", values["description"], MAX_TEXT)
    problems += text_problem("the category", values["category"], MAX_CATEGORY)
    if values["pmi_side"] is not None and values["pmi_side"] not in {s.value for s in PmiSide}:
        problems.append("Choose a side of the PMI Talent Triangle from the list, or none.")
    for name in CROSSWALK_FIELDS:
        value = values[name] or ""
        problems += text_problem(f"the {CROSSWALK_LABELS[name]} code", value, MAX_CROSSWALK[name])
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
        problems += text_problem(f"the indicator for level {level}", normalise_text(text), MAX_TEXT)
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
    before, after = changed_fields(before, after)
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
