"""Loading, finding and describing competency frameworks and role profiles."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from competencies.crosswalk import ESCO_CROSSWALK_VERSION, esco_attribution
from competencies.models import (
    Area,
    Competency,
    Framework,
    FrameworkStatus,
    RoleProfile,
    RoleRequirement,
)
from competencies.spec import (
    AreaSpec,
    CompetencySpec,
    FrameworkSpec,
    RequirementSpec,
    RoleProfileSpec,
    ScaleLevelSpec,
    framework_from_spec,
)
from competencies.spec_checks import validate_spec
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


def spec_from_data(data: dict[str, Any]) -> FrameworkSpec:
    """The plain spec of a framework written in the data-file structure (``competencies/data``)."""
    meta = data["framework"]
    spec = FrameworkSpec(
        uuid=meta.get("uuid") or stable_uuid("framework", meta["name"]),
        code=meta.get("code", ""),
        name=meta["name"],
        version_label=str(meta.get("version", "1.0")),
        description=meta.get("description", ""),
        source=meta.get("source", ""),
        scale_name=data["scale"]["name"],
        scale_levels=[
            ScaleLevelSpec(
                value=int(level["value"]),
                name=level["name"],
                description=level.get("description", ""),
                is_default=bool(level.get("default", False)),
                is_proficient=bool(level.get("proficient", False)),
            )
            for level in data["scale"]["levels"]
        ],
    )
    uuid_by_code: dict[str, str] = {}
    for area in data["areas"]:
        spec.areas.append(
            AreaSpec(
                uuid=area.get("uuid") or stable_uuid("area", area["code"]),
                code=area["code"],
                name=area["name"],
                description=area.get("description", ""),
            )
        )
        for item in area["competencies"]:
            code = item["code"]
            uuid_by_code.setdefault(code, item.get("uuid") or stable_uuid("competency", code))
            spec.competencies.append(
                CompetencySpec(
                    uuid=item.get("uuid") or stable_uuid("competency", code),
                    code=code,
                    name=item["name"],
                    area_code=area["code"],
                    description=item.get("description", ""),
                    parent_code=item.get("parent"),
                    category=item.get("category") or "",
                    pmi_side=item.get("pmi_side"),
                    ecf_code=item.get("ecf"),
                    sfia_code=item.get("sfia"),
                    icb4_element=item.get("icb4"),
                    esco_uri=item.get("esco_uri"),
                    sfia_kind=item.get("sfia_kind"),
                    crosswalk_levels={
                        name: [int(low), int(high)]
                        for name, (low, high) in (item.get("crosswalk_levels") or {}).items()
                    },
                    descriptors={int(k): v for k, v in item.get("indicators", {}).items()},
                    related=list(item.get("related", [])),
                )
            )
    for profile in data.get("role_profiles", []):
        spec.role_profiles.append(
            RoleProfileSpec(
                uuid=profile.get("uuid") or stable_uuid("role", profile["code"]),
                code=profile["code"],
                name=profile["name"],
                description=profile.get("description", ""),
                qualifications=list(profile.get("qualifications", [])),
                requirements={
                    uuid_by_code.get(req["code"], req["code"]): RequirementSpec(
                        req["requirement"], req.get("target")
                    )
                    for req in profile["requirements"]
                },
            )
        )
    return spec


def build_framework(data: dict[str, Any]) -> Framework:
    """Build (unsaved) framework objects from the data-file structure; validates references."""
    spec = spec_from_data(data)
    problems = validate_spec(spec)
    if problems:
        raise ValidationError("The framework data is inconsistent.", problems=problems)
    framework = framework_from_spec(spec)
    framework.version = 1
    framework.status = FrameworkStatus.DRAFT.value
    return framework


def publish_framework(
    session: Session, framework: Framework, actor: User | None, note: str | None = None
) -> Framework:
    """Publish a draft: it becomes the current version and never changes again."""
    if framework.status != FrameworkStatus.DRAFT:
        raise ValidationError("Only a draft can be published.")
    previous = current_framework(session, framework.uuid)
    if previous is not None and previous.id != framework.id:
        previous.status = FrameworkStatus.RETIRED.value
    if note is not None:
        framework.change_note = note
    framework.status = FrameworkStatus.PUBLISHED.value
    framework.published_at = utcnow()
    framework.published_by_id = actor.id if actor else None
    framework.lock_version += 1
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.publish",
        entity=framework,
        before={
            "status": FrameworkStatus.DRAFT.value,
            "current_version_id": previous.id if previous is not None else None,
        },
        after={
            "name": framework.name,
            "version": framework.version,
            "version_label": framework.version_label,
            "status": framework.status,
            "change_note": framework.change_note,
        },
    )
    return framework


def seed_default_framework(session: Session, actor: User | None = None) -> tuple[Framework, bool]:
    """Load and publish the default framework unless it is already there. Returns (fw, created)."""
    data = read_default_framework_data()
    framework_uuid = data["framework"].get("uuid") or stable_uuid(
        "framework", data["framework"]["name"]
    )
    # The mapping of ESCO skills lives beside the framework; imported late to avoid a cycle.
    from competencies.esco import seed_esco_mapping

    existing = session.scalar(sa.select(Framework).where(Framework.uuid == framework_uuid).limit(1))
    if existing is not None:
        current = current_framework(session, framework_uuid) or existing
        current = _upgrade_default_framework(session, current, data, actor)
        seed_esco_mapping(session, current, data)
        return current, False
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
    publish_framework(session, framework, actor, note=data["framework"].get("change_note"))
    seed_esco_mapping(session, framework, data)
    return framework, True


# What a newer default framework may correct in a database seeded with an older one.
UPGRADED_FIELDS = (
    "pmi_side",
    "ecf_code",
    "sfia_code",
    "sfia_kind",
    "icb4_element",
    "esco_uri",
    "crosswalk_levels",
)


def _upgrade_default_framework(
    session: Session, current: Framework, data: dict[str, Any], actor: User | None
) -> Framework:
    """Publish the data file's newer version over the seeded 1.0, as a version of its own.

    Only crosswalk references, the scale's name and the framework's description and source
    change, by competency code; HR's own edits stay. Assessments keep the version they were
    made on. Nothing happens when HR has a draft open or the lineage is past 1.0.
    """
    from competencies.drafts import create_draft, draft_of

    label = str(data["framework"].get("version", "1.0"))
    if current.version_label != "1.0" or label == "1.0" or not current.is_published:
        return current
    if draft_of(session, current.uuid) is not None:
        return current
    spec = spec_from_data(data)
    draft = create_draft(session, current, actor, note=data["framework"].get("change_note", ""))
    wanted = {c.code: c for c in spec.competencies}
    for competency in draft.competencies:
        source = wanted.get(competency.code)
        if source is None:
            continue
        for name in UPGRADED_FIELDS:
            value = getattr(source, name)
            setattr(competency, name, value or None)
    draft.version_label = label
    draft.scale_name = spec.scale_name
    draft.description = spec.description
    draft.source = spec.source
    session.flush()
    return publish_framework(session, draft, actor, note=draft.change_note)


def current_framework(session: Session, framework_uuid: str | None = None) -> Framework | None:
    """The published version HR works with (of one lineage, or the newest of any lineage)."""
    query = sa.select(Framework).where(Framework.status == FrameworkStatus.PUBLISHED.value)
    if framework_uuid is not None:
        query = query.where(Framework.uuid == framework_uuid)
    return session.scalar(
        query.order_by(Framework.published_at.desc(), Framework.id.desc()).limit(1)
    )


def current_framework_id_query() -> sa.ScalarSelect:
    """The id of the newest published version, as a subquery to put inside another query."""
    return (
        sa.select(Framework.id)
        .where(Framework.status == FrameworkStatus.PUBLISHED.value)
        .order_by(Framework.published_at.desc(), Framework.id.desc())
        .limit(1)
        .scalar_subquery()
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
            selectinload(Framework.relations),
        )
    )


def load_framework_outline(
    session: Session, framework_id: int | None = None, *, with_profiles: bool = False
) -> Framework | None:
    """A version as the framework pages show it: its scale, areas and competencies.

    ``framework_id`` None stands for the current published version, found in the same query.
    Three queries; ``with_profiles`` adds the competencies' level descriptors and the role
    profiles with their requirements (three more). Relations and the requirements'
    competencies are left to `load_framework_tree`.
    """
    options = [
        # A scale has a handful of levels: joining them to the one version row saves a query.
        joinedload(Framework.scale_levels),
        selectinload(Framework.areas).selectinload(Area.competencies),
    ]
    if with_profiles:
        options += [
            selectinload(Framework.areas)
            .selectinload(Area.competencies)
            .selectinload(Competency.level_descriptors),
            selectinload(Framework.role_profiles).selectinload(RoleProfile.requirements),
        ]
    wanted = current_framework_id_query() if framework_id is None else framework_id
    return (
        session.execute(sa.select(Framework).where(Framework.id == wanted).options(*options))
        .unique()
        .scalar_one_or_none()
    )


def competency_depths(framework: Framework) -> dict[int, int]:
    """How deep each competency of a loaded outline sits under its parents (0 at the top)."""
    depth: dict[int, int] = {}
    # Position order puts every parent before its sub-competencies.
    ordered = sorted(
        (c for area in framework.areas for c in area.competencies), key=lambda c: c.position
    )
    for c in ordered:
        depth[c.id] = depth.get(c.parent_id, -1) + 1 if c.parent_id else 0
    return depth


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
            "crosswalk": {
                "ecf": c.ecf_code,
                "sfia": c.sfia_code,
                "sfia_kind": c.sfia_kind,
                "icb4": c.icb4_element,
                "esco": c.esco_uri,
                "levels": dict(c.crosswalk_levels or {}),
            },
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
    uses_esco = any(c["crosswalk"]["esco"] for c in competencies) or any(
        p.esco_uri for p in framework.role_profiles
    )
    return {
        "framework": {
            "name": framework.name,
            "version": framework.version_label,
            "attribution": [esco_attribution(ESCO_CROSSWALK_VERSION)] if uses_esco else [],
            "revision": framework.version,
            "status": framework.status,
            "uuid": framework.uuid,
        },
        "scale": [{"value": s.value, "name": s.name} for s in framework.scale_levels],
        "competencies": competencies,
        "role_profiles": profiles,
    }
