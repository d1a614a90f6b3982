"""An ESCO occupation brought in as a role profile of a new draft, through HR's skill mapping.

ESCO lists an occupation's skills as essential or optional. An import proposes **must** for
essential and **can** for optional skills, on the competencies HR mapped those skills to
(`EscoSkillMapping`, kept per framework lineage so it outlives versions). Nothing is
published: the import writes a draft that HR checks and publishes. Skills with no mapping are
listed; HR adds one as a competency or leaves it out, and the choice is remembered. Where ESCO
disagrees with a role profile HR already keeps for the occupation, HR decides per competency.
Each import keeps what ESCO said, so the next one (of another ESCO version) shows a diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.drafts import draft_of
from competencies.interchange.esco_files import EscoExtract, attribution
from competencies.models import (
    Competency,
    EscoChoice,
    EscoImport,
    EscoSkillMapping,
    Framework,
    FrameworkStatus,
    Requirement,
    RoleProfile,
)
from competencies.services import (
    current_framework,
    load_framework_tree,
)
from core.errors import ValidationError
from core.users import User

ESCO_AREA_CODE = "ESCO"
ESCO_AREA_NAME = "Skills from ESCO"
PROPOSAL = {"essential": Requirement.MUST.value, "optional": Requirement.CAN.value}


@dataclass
class SkillLine:
    """One of the occupation's ESCO skills and where it lands in the draft."""

    uri: str
    label: str
    skill_type: str
    relation: str  # essential | optional
    choice: str | None = None  # map | add | skip, or None while HR has not decided
    competency_uuid: str | None = None
    competency_code: str | None = None
    competency_name: str | None = None

    @property
    def proposed(self) -> str:
        return PROPOSAL[self.relation]

    @property
    def is_mapped(self) -> bool:
        return self.competency_code is not None


@dataclass
class Disagreement:
    """ESCO's requirement for a competency differs from a role profile HR keeps."""

    competency_uuid: str
    code: str
    name: str
    esco: str  # must | can
    ours: str | None  # must | can | None (not required)
    skills: list[str] = field(default_factory=list)


@dataclass
class EscoDiff:
    """What changed in ESCO's list for one occupation since the previous import."""

    previous_version: str
    version: str
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    # (skill, relation before, relation now)
    flipped: list[tuple[dict[str, str], str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.flipped)


@dataclass
class EscoPlan:
    """What an import does or did: the skills, their competencies, disagreements and diff."""

    occupation_uri: str
    occupation_label: str
    isco_group: str
    esco_version: str
    is_version_guessed: bool
    lines: list[SkillLine]
    framework_name: str | None  # the lineage the draft belongs to; None when one is made
    draft_label: str | None
    compared_profile: str | None = None  # the role profile HR keeps for this occupation
    compared_role_code: str | None = None
    disagreements: list[Disagreement] = field(default_factory=list)
    diff: EscoDiff | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def essential(self) -> int:
        return sum(1 for line in self.lines if line.relation == "essential")

    @property
    def optional(self) -> int:
        return sum(1 for line in self.lines if line.relation == "optional")

    @property
    def mapped(self) -> int:
        return sum(1 for line in self.lines if line.is_mapped)

    @property
    def unmapped(self) -> list[SkillLine]:
        return [line for line in self.lines if not line.is_mapped]

    @property
    def attribution(self) -> str:
        return attribution(self.esco_version)

    def summary(self) -> dict[str, Any]:
        """The figures `competencies import-esco --json` prints."""
        return {
            "occupation_uri": self.occupation_uri,
            "occupation_label": self.occupation_label,
            "esco_version": self.esco_version,
            "essential": self.essential,
            "optional": self.optional,
            "mapped": self.mapped,
            "unmapped": len(self.unmapped),
            "draft_version": self.draft_label or "",
        }


# -- the mapping HR keeps ------------------------------------------------------------------


def skill_mappings(session: Session, framework_uuid: str) -> dict[str, EscoSkillMapping]:
    """HR's decisions for ESCO skills in one framework lineage, by skill URI."""
    rows = session.scalars(
        sa.select(EscoSkillMapping).where(EscoSkillMapping.framework_uuid == framework_uuid)
    )
    return {row.skill_uri: row for row in rows}


def seed_esco_mapping(session: Session, framework: Framework, data: dict[str, Any]) -> int:
    """Store the mapping shipped with the default framework, unless the lineage has one."""
    shipped = data.get("esco_mapping", {}).get("skills", [])
    if not shipped or skill_mappings(session, framework.uuid):
        return 0
    uuid_by_code = {c.code: c.uuid for c in framework.competencies}
    added = 0
    for item in shipped:
        competency_uuid = uuid_by_code.get(item.get("competency") or "")
        if competency_uuid is None:
            continue  # left for HR to decide at the first import
        session.add(
            EscoSkillMapping(
                framework_uuid=framework.uuid,
                skill_uri=item["skill"],
                skill_label=item.get("label", "")[:300],
                skill_type=item.get("skill_type", "")[:30],
                choice=EscoChoice.MAP.value,
                competency_uuid=competency_uuid,
            )
        )
        added += 1
    session.flush()
    return added


def remember_choice(
    session: Session,
    mappings: dict[str, EscoSkillMapping],
    framework_uuid: str,
    skill: dict[str, str],
    choice: str,
    competency_uuid: str | None,
    actor: User | None,
) -> None:
    row = mappings.get(skill["uri"])
    if row is None:
        row = EscoSkillMapping(framework_uuid=framework_uuid, skill_uri=skill["uri"])
        session.add(row)
        mappings[skill["uri"]] = row
    row.skill_label = skill.get("label", "")[:300]
    row.skill_type = skill.get("skill_type", "")[:30]
    row.choice = choice
    row.competency_uuid = competency_uuid
    row.updated_by_id = actor.id if actor is not None else None


# -- planning ------------------------------------------------------------------------------


def relation_records(extract: EscoExtract) -> list[dict[str, str]]:
    return [{**r.as_record(), "description": r.skill.description[:2000]} for r in extract.relations]


def skill_lines(
    records: list[dict[str, str]],
    mappings: dict[str, EscoSkillMapping],
    competencies: dict[str, Competency],
) -> list[SkillLine]:
    lines = []
    for record in records:
        line = SkillLine(
            uri=record["uri"],
            label=record["label"],
            skill_type=record.get("skill_type", ""),
            relation=record["relation"],
        )
        row = mappings.get(record["uri"])
        if row is not None:
            line.choice = row.choice
            competency = competencies.get(row.competency_uuid or "")
            if competency is not None:
                line.competency_uuid = competency.uuid
                line.competency_code = competency.code
                line.competency_name = competency.name
        lines.append(line)
    return lines


def proposed_requirements(lines: list[SkillLine]) -> dict[str, str]:
    """Competency uuid → must | can; one essential skill makes its competency a must."""
    proposed: dict[str, str] = {}
    for line in lines:
        if line.competency_uuid is None:
            continue
        if line.proposed == Requirement.MUST.value or line.competency_uuid not in proposed:
            proposed[line.competency_uuid] = line.proposed
    return proposed


def _hr_profile(framework: Framework, labels: set[str]) -> RoleProfile | None:
    """The role profile HR keeps for the occupation: named like one of ESCO's labels."""
    for profile in framework.role_profiles:
        if profile.esco_uri is None and not profile.is_retired:
            if profile.name.strip().casefold() in labels:
                return profile
    return None


def find_disagreements(
    lines: list[SkillLine], profile: RoleProfile, competencies: dict[str, Competency]
) -> list[Disagreement]:
    ours = {r.competency.uuid: r.requirement for r in profile.requirements}
    found = []
    for competency_uuid, esco in proposed_requirements(lines).items():
        if ours.get(competency_uuid) == esco:
            continue
        competency = competencies[competency_uuid]
        found.append(
            Disagreement(
                competency_uuid=competency_uuid,
                code=competency.code,
                name=competency.name,
                esco=esco,
                ours=ours.get(competency_uuid),
                skills=[
                    line.label
                    for line in lines
                    if line.competency_uuid == competency_uuid and line.proposed == esco
                ],
            )
        )
    return sorted(found, key=lambda d: competencies[d.competency_uuid].position)


def diff_relations(
    before: list[dict[str, str]], after: list[dict[str, str]], versions: tuple[str, str]
) -> EscoDiff:
    """Skills added, removed, and moved between essential and optional from one list to another."""
    old = {r["uri"]: r for r in before}
    new = {r["uri"]: r for r in after}
    diff = EscoDiff(previous_version=versions[0], version=versions[1])
    diff.added = [r for uri, r in new.items() if uri not in old]
    diff.removed = [r for uri, r in old.items() if uri not in new]
    diff.flipped = [
        (r, old[uri]["relation"], r["relation"])
        for uri, r in new.items()
        if uri in old and old[uri]["relation"] != r["relation"]
    ]
    return diff


def _previous_import(
    session: Session, framework_uuid: str, occupation_uri: str, before_id: int | None = None
) -> EscoImport | None:
    query = sa.select(EscoImport).where(
        EscoImport.framework_uuid == framework_uuid, EscoImport.occupation_uri == occupation_uri
    )
    if before_id is not None:
        query = query.where(EscoImport.id < before_id)
    return session.scalar(query.order_by(EscoImport.id.desc()).limit(1))


def _occupation_labels(label: str, alt_labels: list[str] | tuple[str, ...]) -> set[str]:
    return {text.strip().casefold() for text in (label, *alt_labels) if text.strip()}


def build_plan(
    session: Session,
    *,
    occupation: dict[str, Any],
    records: list[dict[str, str]],
    framework: Framework | None,
    draft_label: str | None,
    before_id: int | None = None,
) -> EscoPlan:
    plan = EscoPlan(
        occupation_uri=occupation["uri"],
        occupation_label=occupation["label"],
        isco_group=occupation.get("isco_group", ""),
        esco_version=occupation["esco_version"],
        is_version_guessed=occupation.get("is_version_guessed", False),
        lines=[],
        framework_name=framework.name if framework is not None else None,
        draft_label=draft_label,
    )
    if framework is None:
        # A database without a framework: every skill becomes a competency of a new one.
        plan.lines = [
            SkillLine(
                uri=r["uri"],
                label=r["label"],
                skill_type=r.get("skill_type", ""),
                relation=r["relation"],
                choice=EscoChoice.ADD.value,
                competency_code=new_competency_code(i),
                competency_name=competency_name_of(r["label"]),
            )
            for i, r in enumerate(records, start=1)
        ]
        return plan
    competencies = {c.uuid: c for c in framework.competencies}
    mappings = skill_mappings(session, framework.uuid)
    plan.lines = skill_lines(records, mappings, competencies)
    profile = _hr_profile(framework, _occupation_labels(plan.occupation_label, occupation["alt"]))
    if profile is not None:
        plan.compared_profile = profile.name
        plan.compared_role_code = profile.code
        plan.disagreements = find_disagreements(plan.lines, profile, competencies)
    previous = _previous_import(session, framework.uuid, plan.occupation_uri, before_id)
    if previous is not None:
        plan.diff = diff_relations(
            previous.relations, records, (previous.esco_version, plan.esco_version)
        )
    return plan


def occupation_of(extract: EscoExtract) -> dict[str, Any]:
    assert extract.occupation is not None
    return {
        "uri": extract.occupation.uri,
        "label": extract.occupation.label,
        "isco_group": extract.occupation.isco_group,
        "code": extract.occupation.code,
        "alt": list(extract.occupation.alt_labels),
        "description": extract.occupation.description,
        "esco_version": extract.esco_version,
        "is_version_guessed": extract.is_version_guessed,
    }


def import_target(session: Session) -> tuple[Framework | None, Framework | None]:
    """The lineage an import goes into (its current version) and its open draft."""
    current = current_framework(session)
    if current is None:
        lone_draft = session.scalar(
            sa.select(Framework)
            .where(Framework.status == FrameworkStatus.DRAFT.value)
            .order_by(Framework.id.desc())
            .limit(1)
        )
        return lone_draft, lone_draft
    return current, draft_of(session, current.uuid)


def plan_esco_import(session: Session, extract: EscoExtract) -> EscoPlan:
    """What importing ``extract`` would do, without writing anything."""
    if not extract.is_valid:
        raise ValidationError("The ESCO files cannot be imported.", problems=extract.problems)
    current, draft = import_target(session)
    source = draft or current
    tree = load_framework_tree(session, source.id) if source is not None else None
    plan = build_plan(
        session,
        occupation=occupation_of(extract),
        records=relation_records(extract),
        framework=tree,
        draft_label=draft.version_label if draft is not None else None,
    )
    if current is not None and draft is None:
        plan.notes.append(
            f"A new draft of {current.name} (after version {current.version_label}) is started."
        )
    elif draft is not None:
        plan.notes.append(
            f"The role profile goes into the open draft {draft.version_label} of {draft.name}."
        )
    else:
        plan.notes.append(
            "There is no framework yet: a new one is made as a draft, with each ESCO skill as "
            "a competency and the default 0–5 scale."
        )
    plan.notes.extend(extract.notes)
    return plan


# -- writing -------------------------------------------------------------------------------


def new_competency_code(number: int) -> str:
    return f"ESCO-{number:03d}"


def competency_name_of(label: str) -> str:
    return (label[:1].upper() + label[1:])[:200]
