"""Writing an ESCO import into a draft, and HR's review of it: the occupation's role profile,
the skills HR adds as competencies or leaves out, and where HR follows ESCO. What an import
would do — the preview, its mapping, diff and disagreements — is ``competencies.esco``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from competencies.drafts import create_draft, require_draft
from competencies.esco import (
    ESCO_AREA_CODE,
    ESCO_AREA_NAME,
    EscoPlan,
    build_plan,
    competency_name_of,
    find_disagreements,
    import_target,
    new_competency_code,
    occupation_of,
    plan_esco_import,
    proposed_requirements,
    relation_records,
    remember_choice,
    skill_lines,
    skill_mappings,
)
from competencies.interchange.esco_files import EscoExtract, attribution
from competencies.models import (
    Area,
    Competency,
    EscoChoice,
    EscoImport,
    EscoSkillMapping,
    Framework,
    FrameworkStatus,
    RoleProfile,
    RoleRequirement,
)
from competencies.services import (
    load_framework_tree,
    read_default_framework_data,
    spec_from_data,
)
from competencies.spec import (
    AreaSpec,
    CompetencySpec,
    FrameworkSpec,
    derived_uuid,
    framework_from_spec,
)
from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User


def _new_lineage(occupation: dict[str, Any], records: list[dict[str, str]]) -> Framework:
    default = spec_from_data(read_default_framework_data())
    spec = FrameworkSpec(
        uuid=derived_uuid("esco-framework", occupation["uri"]),
        name=f"{competency_name_of(occupation['label'])} (from ESCO)",
        code=f"ESCO-{occupation.get('code') or occupation['isco_group']}"[:100],
        version_label="1.0",
        description=occupation.get("description", ""),
        source=f"Made from the ESCO occupation {occupation['uri']}. "
        + attribution(occupation["esco_version"]),
        scale_name=default.scale_name,
        scale_levels=default.scale_levels,
        areas=[
            AreaSpec(derived_uuid("esco-area", occupation["uri"]), ESCO_AREA_CODE, ESCO_AREA_NAME)
        ],
    )
    for number, record in enumerate(records, start=1):
        spec.competencies.append(
            CompetencySpec(
                uuid=derived_uuid("esco-skill", record["uri"]),
                code=new_competency_code(number),
                name=competency_name_of(record["label"]),
                area_code=ESCO_AREA_CODE,
                description=record.get("description", ""),
                esco_uri=record["uri"],
            )
        )
    framework = framework_from_spec(spec)
    framework.version = 1
    framework.status = FrameworkStatus.DRAFT.value
    return framework


def _esco_profile(draft: Framework, occupation: dict[str, Any]) -> RoleProfile:
    for profile in draft.role_profiles:
        if profile.esco_uri == occupation["uri"]:
            profile.lock_version += 1
            break
    else:
        taken = {p.code for p in draft.role_profiles}
        base = f"ESCO-{occupation.get('code') or occupation['isco_group'] or 'OCC'}"[:36]
        code, n = base, 2
        while code in taken:
            code, n = f"{base}-{n}", n + 1
        profile = RoleProfile(
            code=code,
            position=len(draft.role_profiles),
            uuid=derived_uuid("esco-role", draft.uuid, occupation["uri"]),
            qualifications=[],
        )
        draft.role_profiles.append(profile)
    profile.name = competency_name_of(occupation["label"])
    profile.description = (
        f"{occupation.get('description', '')}\n\nESCO occupation {occupation['uri']}"
        f" (ISCO-08 group {occupation['isco_group']}). {attribution(occupation['esco_version'])}"
    ).strip()
    profile.esco_uri = occupation["uri"]
    profile.isco_group = occupation["isco_group"][:20] or None
    profile.esco_version = occupation["esco_version"][:40]
    return profile


def _set_profile_requirements(profile: RoleProfile, wanted: dict[str, str], draft: Framework):
    by_uuid = {c.uuid: c for c in draft.competencies}
    existing = {r.competency.uuid: r for r in profile.requirements if r.competency is not None}
    for competency_uuid, row in existing.items():
        if competency_uuid not in wanted:
            profile.requirements.remove(row)
    for competency_uuid, requirement in wanted.items():
        row = existing.get(competency_uuid)
        if row is None:
            profile.requirements.append(
                RoleRequirement(
                    competency=by_uuid[competency_uuid], requirement=requirement, target_level=None
                )
            )
        else:
            row.requirement = requirement


def write_esco_import(session: Session, extract: EscoExtract, actor: User | None) -> EscoImport:
    """Write the draft an import proposes and keep a record of what ESCO said."""
    plan = plan_esco_import(session, extract)
    occupation = occupation_of(extract)
    records = relation_records(extract)
    current, draft = import_target(session)
    if current is None:
        draft = _new_lineage(occupation, records)
        draft.created_by_id = actor.id if actor is not None else None
        session.add(draft)
        session.flush()
        for competency, record in zip(draft.competencies, records, strict=True):
            session.add(
                EscoSkillMapping(
                    framework_uuid=draft.uuid,
                    skill_uri=record["uri"],
                    skill_label=record["label"][:300],
                    skill_type=record.get("skill_type", "")[:30],
                    choice=EscoChoice.ADD.value,
                    competency_uuid=competency.uuid,
                    updated_by_id=actor.id if actor is not None else None,
                )
            )
    elif draft is None:
        draft = create_draft(
            session,
            current,
            actor,
            note=f"Role profile from the ESCO occupation {occupation['label']} "
            f"(ESCO v{occupation['esco_version']}).",
        )
    require_draft(draft)
    tree = load_framework_tree(session, draft.id)
    assert tree is not None
    profile = _esco_profile(tree, occupation)
    mappings = skill_mappings(session, tree.uuid)
    lines = skill_lines(records, mappings, {c.uuid: c for c in tree.competencies})
    _set_profile_requirements(profile, proposed_requirements(lines), tree)
    record = EscoImport(
        framework_uuid=tree.uuid,
        draft_id=tree.id,
        occupation_uri=occupation["uri"],
        occupation_label=occupation["label"][:300],
        isco_group=occupation["isco_group"][:20],
        esco_version=occupation["esco_version"][:40],
        is_version_guessed=occupation["is_version_guessed"],
        role_code=profile.code,
        compared_role_code=plan.compared_role_code,
        relations=records,
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.esco_import",
        entity=tree,
        after={
            **plan.summary(),
            "draft_version": tree.version_label,
            "role_profile": profile.code,
            "esco_version_guessed": occupation["is_version_guessed"],
        },
    )
    return record


# -- reviewing an import and deciding ------------------------------------------------------


def get_esco_import(session: Session, import_id: int) -> EscoImport:
    """The import record with this id, or NotFoundError."""
    record = session.get(EscoImport, import_id)
    if record is None:
        raise NotFoundError("This ESCO import does not exist.")
    return record


def review_esco_import(session: Session, record: EscoImport) -> tuple[EscoPlan, Framework | None]:
    """The import as it stands in its draft now (after HR's decisions), and that draft."""
    draft = load_framework_tree(session, record.draft_id) if record.draft_id else None
    occupation = {
        "uri": record.occupation_uri,
        "label": record.occupation_label,
        "isco_group": record.isco_group,
        "alt": [],
        "esco_version": record.esco_version,
        "is_version_guessed": record.is_version_guessed,
    }
    plan = build_plan(
        session,
        occupation=occupation,
        records=record.relations,
        framework=draft,
        draft_label=draft.version_label if draft is not None else None,
        before_id=record.id,
    )
    plan.compared_profile = None
    plan.disagreements = []
    if draft is not None and record.compared_role_code:
        profile = next(
            (p for p in draft.role_profiles if p.code == record.compared_role_code), None
        )
        if profile is not None:
            competencies = {c.uuid: c for c in draft.competencies}
            plan.compared_profile = profile.name
            plan.disagreements = find_disagreements(plan.lines, profile, competencies)
    return plan, draft


def decide_esco_skills(
    session: Session,
    record: EscoImport,
    actor: User | None,
    choices: dict[str, str],
    adopt: set[str],
) -> dict[str, int]:
    """Apply HR's choices: per skill URI ``add``, ``skip`` or a competency uuid to map to; and
    the competencies (uuids) whose requirement in HR's profile follows ESCO."""
    plan, draft = review_esco_import(session, record)
    if draft is None:
        raise ConflictError(
            "The draft this import wrote was published or discarded; import the files again."
        )
    require_draft(draft)
    by_uri = {line.uri: line for line in plan.lines}
    records = {r["uri"]: r for r in record.relations}
    competencies = {c.uuid: c for c in draft.competencies}
    problems = []
    for uri, choice in choices.items():
        if uri not in by_uri:
            problems.append(f"{uri} is not one of this import's ESCO skills.")
        elif choice not in (EscoChoice.ADD, EscoChoice.SKIP) and choice not in competencies:
            problems.append(f"Choose add, leave out or a competency of the draft for {uri}.")
    unknown = adopt - {d.competency_uuid for d in plan.disagreements}
    if unknown:
        problems.append("Only competencies where ESCO and the role profile differ can follow ESCO.")
    if problems:
        raise ValidationError("The choices were not saved.", problems=problems)
    mappings = skill_mappings(session, draft.uuid)
    counts = {"added": 0, "left out": 0, "mapped": 0, "followed ESCO": 0}
    area = next((a for a in draft.areas if a.code == ESCO_AREA_CODE), None)
    for uri, choice in choices.items():
        line = by_uri[uri]
        if choice == EscoChoice.ADD:
            if line.choice == EscoChoice.ADD and line.is_mapped:
                continue
            area = area or _esco_area(draft)
            competency = _add_competency(session, draft, area, records[uri])
            competencies[competency.uuid] = competency
            remember_choice(
                session, mappings, draft.uuid, records[uri], choice, competency.uuid, actor
            )
            counts["added"] += 1
        elif choice == EscoChoice.SKIP:
            if line.choice == EscoChoice.SKIP:
                continue
            remember_choice(session, mappings, draft.uuid, records[uri], choice, None, actor)
            counts["left out"] += 1
        elif line.competency_uuid != choice:
            remember_choice(
                session, mappings, draft.uuid, records[uri], EscoChoice.MAP, choice, actor
            )
            counts["mapped"] += 1
    session.flush()
    profile = next((p for p in draft.role_profiles if p.code == record.role_code), None)
    lines = skill_lines(record.relations, mappings, competencies)
    if profile is not None:
        _set_profile_requirements(profile, proposed_requirements(lines), draft)
        profile.lock_version += 1
    if adopt:
        hr = next((p for p in draft.role_profiles if p.code == record.compared_role_code), None)
        wanted = {
            d.competency_uuid: d.esco for d in plan.disagreements if d.competency_uuid in adopt
        }
        if hr is not None:
            current = {r.competency.uuid: r for r in hr.requirements}
            for competency_uuid, requirement in wanted.items():
                if competency_uuid in current:
                    current[competency_uuid].requirement = requirement
                else:
                    hr.requirements.append(
                        RoleRequirement(
                            competency=competencies[competency_uuid],
                            requirement=requirement,
                            target_level=None,
                        )
                    )
                counts["followed ESCO"] += 1
            hr.lock_version += 1
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.esco_decide",
        entity=draft,
        after={"import_id": record.id, **counts},
    )
    return counts


def _esco_area(draft: Framework) -> Area:
    area = Area(
        code=ESCO_AREA_CODE,
        name=ESCO_AREA_NAME,
        description="Competencies added from ESCO skills during an import.",
        position=len(draft.areas),
    )
    draft.areas.append(area)
    return area


def _add_competency(
    session: Session, draft: Framework, area: Area, record: dict[str, str]
) -> Competency:
    taken = {c.code for c in draft.competencies}
    number = 1
    while new_competency_code(number) in taken:
        number += 1
    competency = Competency(
        uuid=derived_uuid("esco-skill", record["uri"]),
        code=new_competency_code(number),
        name=competency_name_of(record["label"]),
        description=record.get("description", ""),
        category="",
        esco_uri=record["uri"],
        position=max((c.position for c in draft.competencies), default=0) + 1,
        area=area,
        framework=draft,
    )
    session.add(competency)
    return competency
