"""1EdTech CASE 1.0 packages (CFPackage JSON), both ways.

Export: the framework is the CFDocument (identifier = the framework's lineage uuid); areas and
competencies are CFItems (``CFItemType`` "Competency area" / "Competency", ``humanCodingScheme``
= code, ``abbreviatedStatement`` = name, ``fullStatement`` = description) tied together with
``isChildOf`` associations in order (``sequenceNumber``); crosswalk codes are ``exactMatchOf``
associations grouped per standard (e-CF, SFIA, IPMA ICB4, ESCO); related competencies are
``isRelatedTo``; the scale and the behavioural indicators form one CFRubric: a criterion with
category "Scale" lists the levels (Moodle's default and proficient flags in the level's
``feedback``), and one criterion per competency gives its indicator per level (``score`` =
level value). Every identifier is the object's uuid or derived from uuids, so exporting twice
gives the same identifiers, and an import keeps them. The framework code (Moodle's ID number)
has no place in CASE; importing a new version of a framework keeps the code it had.

Import accepts what real packages contain (OpenSALT exports have nulls where the schema wants
strings, items without codes, associations to other documents) and refuses, item by item, what
cannot be understood.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from competencies.crosswalk import ESCO_CROSSWALK_VERSION, esco_attribution, exchange_pairs
from competencies.models import FrameworkStatus, PmiSide
from competencies.spec import (
    CROSSWALK_LABELS,
    FrameworkSpec,
    ScaleLevelSpec,
    competency_order,
    derived_uuid,
)

AREA_TYPE = "Competency area"
COMPETENCY_TYPE = "Competency"
SCALE_CATEGORY = "Scale"
COMPETENCY_CATEGORY = "Competency"
ADOPTION_STATUS = {
    FrameworkStatus.DRAFT.value: "Draft",
    FrameworkStatus.PUBLISHED.value: "Adopted",
    FrameworkStatus.RETIRED.value: "Deprecated",
}
STANDARD_SLUGS = {"ecf_code": "e-cf", "sfia_code": "sfia", "icb4_element": "ipma-icb4"}
CATEGORY_KEYWORD = "Category: "
PMI_KEYWORD = "PMI Talent Triangle: "
URN_CROSSWALK = "urn:proficio:crosswalk:"
PROFICIENT_FEEDBACK = "Counts as proficient."
DEFAULT_FEEDBACK = "Default rating."


def _uri(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _constant_uuid(name: str) -> str:
    return derived_uuid("proficio-case", name)


def _link(title: str, identifier: str, uri: str | None = None) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": uri or _uri(identifier)}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


# --- export ------------------------------------------------------------------------------------


def export_case(spec: FrameworkSpec, *, status: str, changed_at: datetime) -> dict[str, Any]:
    """The framework as a CASE 1.0 CFPackage (a JSON-ready dict)."""
    stamp = _timestamp(changed_at)
    doc_link = _link(spec.name, spec.uuid)
    types = {
        AREA_TYPE: _constant_uuid("item-type:area"),
        COMPETENCY_TYPE: _constant_uuid("item-type:competency"),
    }
    document: dict[str, Any] = {
        "identifier": spec.uuid,
        "uri": _uri(spec.uuid),
        "creator": "Proficio",
        "title": spec.name,
        "lastChangeDateTime": stamp,
        "description": spec.description,
        "language": "en",
        "version": spec.version_label,
        "adoptionStatus": ADOPTION_STATUS.get(status, "Draft"),
    }
    if spec.source:
        document["notes"] = spec.source
    if not spec.description:
        del document["description"]

    def item(identifier: str, code: str, name: str, description: str, kind: str) -> dict:
        # Without a description the name is the full statement; with one, the name goes to
        # abbreviatedStatement, which tells the importer that fullStatement is a description.
        entry: dict[str, Any] = {
            "identifier": identifier,
            "uri": _uri(identifier),
            "fullStatement": description or name,
            **({"abbreviatedStatement": name} if description else {}),
            "humanCodingScheme": code,
            "CFItemType": kind,
            "CFItemTypeURI": _link(kind, types[kind]),
            "language": "en",
            "lastChangeDateTime": stamp,
            "CFDocumentURI": doc_link,
        }
        return entry

    items: list[dict] = []
    associations: list[dict] = []
    groupings: dict[str, dict] = {}

    def associate(kind: str, origin: dict, destination: dict, **extra: Any) -> None:
        identifier = derived_uuid(
            "case-association", kind, origin["identifier"], destination["identifier"]
        )
        entry = {
            "identifier": identifier,
            "associationType": kind,
            "uri": _uri(identifier),
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": stamp,
            "CFDocumentURI": doc_link,
            **extra,
        }
        associations.append(entry)

    area_links = {}
    for position, area in enumerate(spec.areas, start=1):
        items.append(item(area.uuid, area.code, area.name, area.description, AREA_TYPE))
        area_links[area.code] = _link(area.code, area.uuid)
        associate("isChildOf", area_links[area.code], doc_link, sequenceNumber=position)

    ordered = competency_order(spec)
    links = {c.code: _link(c.code, c.uuid) for c in ordered}
    sequence: dict[tuple[str, str | None], int] = {}
    for c in ordered:
        entry = item(c.uuid, c.code, c.name, c.description, COMPETENCY_TYPE)
        keywords = []
        if c.category:
            keywords.append(CATEGORY_KEYWORD + c.category)
        if c.pmi_side:
            keywords.append(PMI_KEYWORD + PmiSide(c.pmi_side).label)
        keywords += [
            f"{label}: {value}" for label, value in exchange_pairs(c.sfia_kind, c.crosswalk_levels)
        ]
        if keywords:
            entry["conceptKeywords"] = keywords
        items.append(entry)
        key = (c.area_code, c.parent_code)
        sequence[key] = sequence.get(key, 0) + 1
        parent = links[c.parent_code] if c.parent_code else area_links[c.area_code]
        associate("isChildOf", links[c.code], parent, sequenceNumber=sequence[key])
        for field_name, code in c.crosswalk.items():
            standard = CROSSWALK_LABELS[field_name]
            grouping = groupings.setdefault(
                standard,
                {
                    "identifier": _constant_uuid(f"grouping:{standard}"),
                    "uri": _uri(_constant_uuid(f"grouping:{standard}")),
                    "title": standard,
                    "description": f"Crosswalk to {standard}"
                    + (
                        f" (source: {esco_attribution(ESCO_CROSSWALK_VERSION)})"
                        if field_name == "esco_uri"
                        else ""
                    ),
                    "lastChangeDateTime": stamp,
                },
            )
            uri = (
                code
                if field_name == "esco_uri"
                else f"{URN_CROSSWALK}{STANDARD_SLUGS[field_name]}:{code}"
            )
            destination = _link(code, derived_uuid("crosswalk", standard, code), uri)
            associate(
                "exactMatchOf",
                links[c.code],
                destination,
                CFAssociationGroupingURI=_link(standard, grouping["identifier"], grouping["uri"]),
            )
    for c in ordered:
        for other in c.related:
            if c.code < other:
                associate("isRelatedTo", links[c.code], links[other])

    rubric_id = derived_uuid("case-rubric", spec.uuid)
    criteria = [_scale_criterion(spec, rubric_id, stamp)]
    level_names = {level.value: level.name for level in spec.scale_levels}
    for position, c in enumerate(ordered, start=1):
        if not c.descriptors:
            continue
        criterion_id = derived_uuid("case-criterion", c.uuid)
        criteria.append(
            {
                "identifier": criterion_id,
                "uri": _uri(criterion_id),
                "category": COMPETENCY_CATEGORY,
                "description": c.name,
                "CFItemURI": links[c.code],
                "position": position,
                "rubricId": rubric_id,
                "lastChangeDateTime": stamp,
                "CFRubricCriterionLevels": [
                    _level(criterion_id, value, level_names.get(value, ""), text, index, stamp)
                    for index, (value, text) in enumerate(sorted(c.descriptors.items()))
                ],
            }
        )
    package: dict[str, Any] = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFConcepts": [],
            "CFSubjects": [],
            "CFLicenses": [],
            "CFItemTypes": [
                {
                    "identifier": identifier,
                    "uri": _uri(identifier),
                    "title": title,
                    "description": title,
                    "hierarchyCode": str(index),
                    "typeCode": title,
                    "lastChangeDateTime": stamp,
                }
                for index, (title, identifier) in enumerate(types.items(), start=1)
            ],
            "CFAssociationGroupings": list(groupings.values()),
        },
        "CFRubrics": [
            {
                "identifier": rubric_id,
                "uri": _uri(rubric_id),
                "title": spec.scale_name,
                "description": f"Behavioural indicators per level of {spec.name}",
                "lastChangeDateTime": stamp,
                "CFRubricCriteria": criteria,
            }
        ],
    }
    return package


def _level(
    criterion_id: str,
    value: int,
    quality: str,
    text: str,
    position: int,
    stamp: str,
    feedback: str = "",
) -> dict[str, Any]:
    identifier = derived_uuid("case-level", criterion_id, str(value))
    entry: dict[str, Any] = {
        "identifier": identifier,
        "uri": _uri(identifier),
        "quality": quality,
        "score": value,
        "position": position,
        "rubricCriterionId": criterion_id,
        "lastChangeDateTime": stamp,
    }
    if text:
        entry["description"] = text
    if feedback:
        entry["feedback"] = feedback
    return entry


def _scale_feedback(level: ScaleLevelSpec) -> str:
    """The scale's Moodle flags in words, in the only free field a rubric level has."""
    parts = []
    if level.is_proficient:
        parts.append(PROFICIENT_FEEDBACK)
    if level.is_default:
        parts.append(DEFAULT_FEEDBACK)
    return " ".join(parts)


def _scale_criterion(spec: FrameworkSpec, rubric_id: str, stamp: str) -> dict[str, Any]:
    criterion_id = derived_uuid("case-criterion", spec.uuid, "scale")
    return {
        "identifier": criterion_id,
        "uri": _uri(criterion_id),
        "category": SCALE_CATEGORY,
        "description": spec.scale_name,
        "position": 0,
        "rubricId": rubric_id,
        "lastChangeDateTime": stamp,
        "CFRubricCriterionLevels": [
            _level(
                criterion_id,
                level.value,
                level.name,
                level.description,
                index,
                stamp,
                _scale_feedback(level),
            )
            for index, level in enumerate(spec.scale_levels)
        ],
    }


def dump_case(package: dict[str, Any]) -> str:
    """The package as JSON text (UTF-8, readable indentation)."""
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
