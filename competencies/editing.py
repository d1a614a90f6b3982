"""Editing a draft version: its details, scale level names and areas (competencies: see
competency_editing.py).

Every function refuses to touch a published version, checks the optimistic-lock counter the
form was rendered with, validates everything before changing anything, and writes one audit
event with the values before and after.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.drafts import check_lock, require_draft
from competencies.models import (
    Area,
    Competency,
    Framework,
)
from competencies.spec import (
    MAX_CODE,
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


def text_problem(what: str, value: str, limit: int, required: bool = False) -> list[str]:
    """The problem with a text that is missing (when required) or too long, if any."""
    if required and not value:
        return [f"Enter {what}."]
    if len(value) > limit:
        return [f"Keep {what} under {limit} characters (it has {len(value)})."]
    return []


def code_problems(code: str, what: str) -> list[str]:
    """The problem with a code Proficio's editor would not accept, if any."""
    if not code:
        return [f"Enter a code for the {what}."]
    if len(code) > MAX_CODE:
        return [f"Keep the {what} code under {MAX_CODE} characters."]
    if not CODE_PATTERN.match(code):
        return [f"The {what} code may use letters, digits, '.', '-' and '_' only."]
    return []


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """The before and after values of only the keys whose value changed."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _apply_audited(
    session: Session, actor: User | None, row: Framework | Area, values: dict[str, Any], action: str
) -> None:
    """Set ``values`` on a draft's row, move its lock version, and audit what really changed."""
    before, after = changed_fields({k: getattr(row, k) for k in values}, values)
    for key, value in values.items():
        setattr(row, key, value)
    row.lock_version += 1
    session.flush()
    if after:
        record_event(session, actor=actor, action=action, entity=row, before=before, after=after)


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
    problems = text_problem("a name", values["name"], MAX_NAME, required=True)
    problems += text_problem("a version label", values["version_label"], MAX_LABEL, True)
    problems += text_problem("the framework code", values["code"], MAX_FRAMEWORK_CODE)
    problems += text_problem("the description", values["description"], MAX_TEXT * 4)
    problems += text_problem("the change note", values["change_note"], MAX_TEXT)
    problems += text_problem("the source", values.get("source", ""), MAX_TEXT)
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
    _apply_audited(session, actor, draft, values, "framework.update")
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
    problems = text_problem("a scale name", scale_name, MAX_NAME, required=True)
    if sorted(item.value for item in levels) != sorted(by_value):
        problems.append(
            "The scale's levels cannot be added or removed in the editor; "
            f"send names for exactly the levels {', '.join(map(str, sorted(by_value)))}."
        )
    for item in levels:
        problems += text_problem(
            f"a name for level {item.value}", normalise_text(item.name), MAX_LEVEL_NAME, True
        )
        problems += text_problem(
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
    problems = [] if unchanged else code_problems(code, "area")
    problems += text_problem("a name", name, MAX_NAME, required=True)
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
    problems += text_problem("the description", description, MAX_TEXT)
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
    problems += text_problem("the description", values["description"], MAX_TEXT)
    if problems:
        raise ValidationError("The area could not be saved.", problems=problems)
    _apply_audited(session, actor, area, values, "framework.area.update")
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
