"""Loading, finding and describing competency frameworks and role profiles."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from competencies.models import (
    Area,
    Competency,
    Framework,
    FrameworkStatus,
    LevelDescriptor,
    Requirement,
    RoleProfile,
    RoleRequirement,
    ScaleLevel,
)
from core.audit import record_event
from core.db import utcnow
from core.errors import ValidationError
from core.users import User

DEFAULT_FRAMEWORK_FILE = "default_framework.json"
# Identifiers of the default framework are derived from codes so they are stable in every
# installation and survive export/import round trips.
PROFICIO_NAMESPACE = uuid.UUID("6d1f2c3e-6a57-4b7e-9a0c-2f1e9b8d7c55")


def stable_uuid(kind: str, code: str) -> str:
    """A deterministic UUID for a default-framework object of ``kind`` with ``code``."""
    return str(uuid.uuid5(PROFICIO_NAMESPACE, f"proficio:{kind}:{code}"))


def read_default_framework_data() -> dict[str, Any]:
    """Read the default framework shipped in ``competencies/data/``."""
    text = resources.files("competencies.data").joinpath(DEFAULT_FRAMEWORK_FILE).read_text("utf-8")
    return json.loads(text)


def build_framework(data: dict[str, Any]) -> Framework:
    """Build (unsaved) framework objects from the data-file structure; validates references."""
    meta = data["framework"]
    framework = Framework(
        uuid=meta.get("uuid") or stable_uuid("framework", meta["name"]),
        version=1,
        version_label=str(meta.get("version", "1.0")),
        name=meta["name"],
        description=meta.get("description", ""),
        source=meta.get("source", ""),
        scale_name=data["scale"]["name"],
        status=FrameworkStatus.DRAFT.value,
    )
    framework.scale_levels = [
        ScaleLevel(value=int(level["value"]), name=level["name"], description=level["description"])
        for level in data["scale"]["levels"]
    ]
    levels = {level.value for level in framework.scale_levels}
    by_code: dict[str, Competency] = {}
    problems: list[str] = []
    position = 0
    for area_position, area_data in enumerate(data["areas"]):
        area = Area(
            uuid=area_data.get("uuid") or stable_uuid("area", area_data["code"]),
            code=area_data["code"],
            name=area_data["name"],
            description=area_data.get("description", ""),
            position=area_position,
        )
        framework.areas.append(area)
        for item in area_data["competencies"]:
            code = item["code"]
            if code in by_code:
                problems.append(f"Competency code {code} appears twice.")
                continue
            position += 1
            competency = Competency(
                uuid=item.get("uuid") or stable_uuid("competency", code),
                code=code,
                name=item["name"],
                description=item.get("description", ""),
                category=item.get("category") or "",
                pmi_side=item.get("pmi_side"),
                ecf_code=item.get("ecf"),
                sfia_code=item.get("sfia"),
                icb4_element=item.get("icb4"),
                esco_uri=item.get("esco_uri"),
                position=position,
                area=area,
                framework=framework,
            )
            for level_text, description in sorted(item.get("indicators", {}).items()):
                if int(level_text) not in levels:
                    problems.append(f"{code}: indicator for unknown level {level_text}.")
                    continue
                competency.level_descriptors.append(
                    LevelDescriptor(level=int(level_text), description=description)
                )
            by_code[code] = competency
    for profile_position, profile_data in enumerate(data.get("role_profiles", [])):
        profile = RoleProfile(
            uuid=profile_data.get("uuid") or stable_uuid("role", profile_data["code"]),
            code=profile_data["code"],
            name=profile_data["name"],
            description=profile_data.get("description", ""),
            qualifications=list(profile_data.get("qualifications", [])),
            position=profile_position,
        )
        framework.role_profiles.append(profile)
        for req in profile_data["requirements"]:
            competency = by_code.get(req["code"])
            if competency is None:
                problems.append(f"Role {profile.name}: unknown competency {req['code']}.")
                continue
            if req["requirement"] not in {r.value for r in Requirement}:
                problems.append(f"Role {profile.name}: requirement must be must or can.")
                continue
            target = req.get("target")
            if target is not None and target not in levels:
                problems.append(f"Role {profile.name}: target {target} is not on the scale.")
                continue
            profile.requirements.append(
                RoleRequirement(
                    competency=competency, requirement=req["requirement"], target_level=target
                )
            )
    if problems:
        raise ValidationError("The framework data is inconsistent.", problems=problems)
    return framework


def publish_framework(session: Session, framework: Framework, actor: User | None) -> Framework:
    """Publish a draft: it becomes the current version and never changes again."""
    if framework.status != FrameworkStatus.DRAFT:
        raise ValidationError("Only a draft can be published.")
    previous = current_framework(session, framework.uuid)
    if previous is not None and previous.id != framework.id:
        previous.status = FrameworkStatus.RETIRED.value
    framework.status = FrameworkStatus.PUBLISHED.value
    framework.published_at = utcnow()
    framework.published_by_id = actor.id if actor else None
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.publish",
        entity=framework,
        after={"name": framework.name, "version": framework.version},
    )
    return framework


def seed_default_framework(session: Session, actor: User | None = None) -> tuple[Framework, bool]:
    """Load and publish the default framework unless it is already there. Returns (fw, created)."""
    data = read_default_framework_data()
    framework_uuid = data["framework"].get("uuid") or stable_uuid(
        "framework", data["framework"]["name"]
    )
    existing = session.scalar(sa.select(Framework).where(Framework.uuid == framework_uuid).limit(1))
    if existing is not None:
        return current_framework(session, framework_uuid) or existing, False
    framework = build_framework(data)
    session.add(framework)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.import",
        entity=framework,
        after={"name": framework.name, "source": DEFAULT_FRAMEWORK_FILE},
    )
    publish_framework(session, framework, actor)
    return framework, True


def current_framework(session: Session, framework_uuid: str | None = None) -> Framework | None:
    """The published version HR works with (of one lineage, or the newest of any lineage)."""
    query = sa.select(Framework).where(Framework.status == FrameworkStatus.PUBLISHED.value)
    if framework_uuid is not None:
        query = query.where(Framework.uuid == framework_uuid)
    return session.scalar(
        query.order_by(Framework.published_at.desc(), Framework.id.desc()).limit(1)
    )


def load_framework_tree(session: Session, framework_id: int) -> Framework | None:
    """A framework with areas, competencies, descriptors and profiles loaded in a few queries."""
    return session.scalar(
        sa.select(Framework)
        .where(Framework.id == framework_id)
        .options(
            selectinload(Framework.scale_levels),
            selectinload(Framework.areas)
            .selectinload(Area.competencies)
            .selectinload(Competency.level_descriptors),
            selectinload(Framework.role_profiles)
            .selectinload(RoleProfile.requirements)
            .selectinload(RoleRequirement.competency),
        )
    )


def describe_framework(framework: Framework) -> dict[str, Any]:
    """A plain description of a framework and its role profiles (for the CLI's JSON)."""
    competencies = [
        {
            "code": c.code,
            "name": c.name,
            "area": area.name,
            "area_code": area.code,
            "category": c.category,
            "pmi_side": c.pmi_side,
            "crosswalk": {"ecf": c.ecf_code, "sfia": c.sfia_code, "icb4": c.icb4_element},
            "uuid": c.uuid,
        }
        for area in framework.areas
        for c in area.competencies
    ]
    order = {c["code"]: i for i, c in enumerate(competencies)}
    profiles = []
    for profile in framework.role_profiles:
        requirements = sorted(profile.requirements, key=lambda r: order[r.competency.code])
        profiles.append(
            {
                "code": profile.code,
                "name": profile.name,
                "is_retired": profile.is_retired,
                "requirements": [
                    {
                        "code": r.competency.code,
                        "requirement": r.requirement,
                        "target": r.target_level,
                    }
                    for r in requirements
                ],
            }
        )
    return {
        "framework": {
            "name": framework.name,
            "version": framework.version_label,
            "revision": framework.version,
            "status": framework.status,
            "uuid": framework.uuid,
        },
        "scale": [{"value": s.value, "name": s.name} for s in framework.scale_levels],
        "competencies": competencies,
        "role_profiles": profiles,
    }
