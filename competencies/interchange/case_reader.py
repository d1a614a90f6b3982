"""Reading CASE 1.0 packages (see case.py for the mapping) into a checked preview."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft7Validator

from competencies.crosswalk import read_exchange_pair
from competencies.interchange.bounded_json import TooDeeplyNestedError, loads_bounded
from competencies.interchange.case import (
    AREA_TYPE,
    CATEGORY_KEYWORD,
    COMPETENCY_TYPE,
    DEFAULT_FEEDBACK,
    PMI_KEYWORD,
    PROFICIENT_FEEDBACK,
    SCALE_CATEGORY,
    STANDARD_SLUGS,
    URN_CROSSWALK,
)
from competencies.interchange.case_schema import IMPORT_SCHEMA
from competencies.interchange.common import CASE, ImportPreview, decode_upload
from competencies.models import PmiSide
from competencies.services import read_default_framework_data
from competencies.spec import (
    CROSSWALK_LABELS,
    AreaSpec,
    CompetencySpec,
    FrameworkSpec,
    ScaleLevelSpec,
    derived_uuid,
    is_uuid,
)
from competencies.spec_checks import validate_spec
from competencies.text import normalise_text, shorten


def _where(package: dict, path: list[Any]) -> str:
    """A readable place in the package: CFItems[3] (identifier …, code …).fullStatement."""
    if not path:
        return "The package"
    text = str(path[0])
    node: Any = package.get(path[0]) if isinstance(package, dict) else None
    for part in path[1:]:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                label = node.get("humanCodingScheme") or node.get("identifier")
                if isinstance(label, str):
                    text += f" ({label})"
        else:
            text += f".{part}"
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _sequence_number(value: object) -> int:
    """The association's place among its siblings; unnumbered ones come last."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        return int(value.strip())
    return 10**9


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def parse_case(content: bytes, filename: str = "framework.json") -> ImportPreview:
    """Read a CASE 1.0 CFPackage into a preview; nothing is written."""
    preview = ImportPreview(format=CASE, filename=filename)
    problems = preview.problems
    text, problem = decode_upload(content)
    if text is None:
        problems.append(problem or "The file cannot be read.")
        return preview
    try:
        package = loads_bounded(text)
    except TooDeeplyNestedError as error:
        problems.append(str(error))
        return preview
    except json.JSONDecodeError as error:
        ending = "ends too early" if error.pos >= len(text.rstrip()) else "breaks off"
        problems.append(
            f"The file is not complete JSON: it {ending} at line {error.lineno}, column "
            f"{error.colno} ({error.msg}). Was the download or copy cut short?"
        )
        return preview
    if not isinstance(package, dict):
        problems.append("The file is JSON but not a CASE package (an object with CFDocument).")
        return preview
    validator = Draft7Validator(IMPORT_SCHEMA)
    for error in sorted(validator.iter_errors(package), key=lambda e: list(map(str, e.path))):
        problems.append(f"{_where(package, list(error.path))}: {error.message}.")
    if problems:
        return preview
    _Reader(package, preview).read()
    return preview


class _Reader:
    """Turns a structurally valid package into a FrameworkSpec, collecting problems."""

    def __init__(self, package: dict[str, Any], preview: ImportPreview) -> None:
        self.package = package
        self.preview = preview
        self.problems = preview.problems
        self.notes = preview.notes

    def read(self) -> None:
        document = self.package["CFDocument"]
        doc_id = document["identifier"]
        items = self._items()
        parents, order = self._parents(doc_id, items)
        if self.problems:
            return
        scale_name, levels = self._scale(document)
        spec = FrameworkSpec(
            uuid=doc_id.lower() if is_uuid(doc_id) else derived_uuid("case", doc_id),
            name=normalise_text(document["title"]),
            version_label=normalise_text(document.get("version") or "") or "1.0",
            description=normalise_text(document.get("description") or ""),
            source=normalise_text(document.get("notes") or ""),
            scale_name=scale_name,
            scale_levels=levels,
        )
        if not is_uuid(doc_id):
            self.notes.append(f"The document identifier {doc_id!r} is not a UUID; one was derived.")
        children: dict[str, list[str]] = {}
        for item_id in order:
            children.setdefault(parents[item_id], []).append(item_id)
        codes = self._codes(items, children, doc_id)
        if self.problems:
            return
        self._tree(spec, items, children, codes, doc_id)
        by_item = {c.uuid: c for c in spec.competencies}
        uuid_of = {item_id: self._uuid(item_id) for item_id in items}
        self._associations(by_item, uuid_of, items)
        self._rubric(spec, by_item, uuid_of)
        if self.problems:
            return
        self.problems.extend(validate_spec(spec))
        self.preview.spec = spec

    def _uuid(self, identifier: str) -> str:
        return identifier.lower() if is_uuid(identifier) else derived_uuid("case", identifier)

    def _items(self) -> dict[str, dict[str, Any]]:
        items: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(self.package.get("CFItems") or []):
            identifier = item["identifier"]
            if identifier in items:
                self.problems.append(
                    f"CFItems[{index}]: identifier {identifier} is used by two items."
                )
            items[identifier] = item
        odd = [i for i in items if not is_uuid(i)]
        if odd:
            self.notes.append(
                f"{_count(len(odd), 'item identifier')} not UUIDs; UUIDs were derived."
            )
        return items

    def _parents(
        self, doc_id: str, items: dict[str, dict[str, Any]]
    ) -> tuple[dict[str, str], list[str]]:
        """Each item's parent (an item or the document), and the items in reading order."""
        parent: dict[str, str] = {}
        sequence: dict[str, tuple[int, int]] = {}
        extra_parents = 0
        for index, association in enumerate(self.package.get("CFAssociations") or []):
            if association["associationType"] != "isChildOf":
                continue
            origin = association["originNodeURI"]["identifier"]
            destination = association["destinationNodeURI"]["identifier"]
            if origin not in items:
                if origin != doc_id:
                    self.notes.append(
                        f"CFAssociations[{index}]: isChildOf from {origin}, which is not an item "
                        "of this package, was left out."
                    )
                continue
            if destination != doc_id and destination not in items:
                code = items[origin].get("humanCodingScheme") or origin
                self.problems.append(
                    f"CFAssociations[{index}]: the parent {destination} of item {code} is "
                    "neither the document nor an item in the package (unknown parent)."
                )
                continue
            if origin in parent:
                extra_parents += 1
                continue
            parent[origin] = destination
            sequence[origin] = (_sequence_number(association.get("sequenceNumber")), index)
        if extra_parents:
            self.notes.append(
                f"{_count(extra_parents, 'item')} under more than one parent; Proficio keeps "
                "the first place of each."
            )
        orphans = [i for i in items if i not in parent]
        for item_id in orphans:
            parent[item_id] = doc_id
        if orphans:
            self.notes.append(
                f"{_count(len(orphans), 'item')} without an isChildOf association were put at "
                "the top."
            )
        self._cycles(parent, items, doc_id)
        file_order = {item_id: index for index, item_id in enumerate(items)}
        order = sorted(items, key=lambda i: (sequence.get(i, (10**9, 10**9)), file_order[i]))
        return parent, order

    def _cycles(self, parent: dict[str, str], items: dict[str, dict], doc_id: str) -> None:
        reported: set[str] = set()
        for start in items:
            path: list[str] = []
            node = start
            while node != doc_id and node in parent and node not in path:
                path.append(node)
                node = parent[node]
            if node != doc_id and node in path and not reported & set(path):
                loop = path[path.index(node) :]
                reported |= set(loop)
                names = [items[i].get("humanCodingScheme") or i for i in [*loop, node]]
                self.problems.append(
                    f"Items {' → '.join(names)} are each other's parents (a cycle); none of "
                    "them hangs under the document."
                )

    def _codes(
        self, items: dict[str, dict], children: dict[str, list[str]], doc_id: str
    ) -> dict[str, str]:
        codes: dict[str, str] = {}
        seen: dict[str, str] = {}
        for item_id, item in items.items():
            code = normalise_text(item.get("humanCodingScheme") or "")
            if not code:
                continue
            if code in seen:
                self.problems.append(
                    f"Items {seen[code]} and {item_id} have the same code {code} "
                    "(humanCodingScheme): codes must be unique."
                )
            seen[code] = item_id
            codes[item_id] = code
        counter = 0
        stack = list(reversed(children.get(doc_id, [])))
        uncoded = 0
        while stack:
            item_id = stack.pop()
            stack.extend(reversed(children.get(item_id, [])))
            if item_id in codes:
                continue
            uncoded += 1
            while True:
                counter += 1
                candidate = f"ITEM-{counter:03d}"
                if candidate not in seen:
                    break
            codes[item_id] = candidate
            seen[candidate] = item_id
        if uncoded:
            self.notes.append(
                f"{_count(uncoded, 'item')} without a code (humanCodingScheme) got codes "
                "ITEM-001… in reading order."
            )
        return codes

    def _tree(
        self,
        spec: FrameworkSpec,
        items: dict[str, dict],
        children: dict[str, list[str]],
        codes: dict[str, str],
        doc_id: str,
    ) -> None:
        general: AreaSpec | None = None

        def names(item: dict) -> tuple[str, str]:
            full = normalise_text(item["fullStatement"])
            short = normalise_text(item.get("abbreviatedStatement") or "")
            if short:
                return short, full
            name = shorten(full, 200)
            return name, ("" if full == name else full)

        def add(item_id: str, area_code: str, parent_code: str | None) -> None:
            item = items[item_id]
            name, description = names(item)
            competency = CompetencySpec(
                uuid=self._uuid(item_id),
                code=codes[item_id],
                name=name or codes[item_id],
                area_code=area_code,
                description=description,
                parent_code=parent_code,
            )
            for keyword in item.get("conceptKeywords") or []:
                if keyword.startswith(CATEGORY_KEYWORD):
                    competency.category = keyword[len(CATEGORY_KEYWORD) :].strip()
                elif keyword.startswith(PMI_KEYWORD):
                    label = keyword[len(PMI_KEYWORD) :].strip().lower()
                    side = next((s.value for s in PmiSide if s.label.lower() == label), None)
                    if side is None:
                        self.problems.append(
                            f"Item {codes[item_id]}: {label!r} is not a side of the PMI Talent "
                            "Triangle."
                        )
                    competency.pmi_side = side
                elif ":" in keyword:
                    term, _, value = keyword.partition(":")
                    try:
                        detail = read_exchange_pair(term, value)
                    except ValueError as error:
                        self.problems.append(f"Item {codes[item_id]}: {term}: {error}")
                        detail = None
                    if detail is not None and detail[0] == "sfia_kind":
                        competency.sfia_kind = detail[1]
                    elif detail is not None:
                        field, pair = detail[1]
                        competency.crosswalk_levels[field] = pair
            spec.competencies.append(competency)
            for child in children.get(item_id, []):
                add(child, area_code, competency.code)

        for item_id in children.get(doc_id, []):
            item = items[item_id]
            is_area = item.get("CFItemType") == AREA_TYPE or (
                bool(children.get(item_id)) and item.get("CFItemType") != COMPETENCY_TYPE
            )
            if is_area:
                name, description = names(item)
                spec.areas.append(
                    AreaSpec(
                        self._uuid(item_id), codes[item_id], name or codes[item_id], description
                    )
                )
                for child in children.get(item_id, []):
                    add(child, codes[item_id], None)
                continue
            if general is None:
                general = AreaSpec(
                    derived_uuid("case", doc_id, "area:general"), "GENERAL", "General"
                )
                spec.areas.append(general)
                self.notes.append(
                    "Items without children at the top were placed in an area called General."
                )
            add(item_id, general.code, None)

    def _associations(
        self, by_item: dict[str, CompetencySpec], uuid_of: dict[str, str], items: dict
    ) -> None:
        fields_by_standard = {label.lower(): name for name, label in CROSSWALK_LABELS.items()}
        fields_by_slug = {slug: name for name, slug in STANDARD_SLUGS.items()}
        groupings = {
            g.get("identifier"): g.get("title")
            for g in ((self.package.get("CFDefinitions") or {}).get("CFAssociationGroupings") or [])
            if isinstance(g, dict)
        }
        ignored: dict[str, int] = {}
        for association in self.package.get("CFAssociations") or []:
            kind = association["associationType"]
            if kind == "isChildOf":
                continue
            origin = uuid_of.get(association["originNodeURI"]["identifier"])
            destination_node = association["destinationNodeURI"]
            competency = by_item.get(origin) if origin else None
            if kind == "exactMatchOf" and competency is not None:
                grouping = association.get("CFAssociationGroupingURI") or {}
                title = grouping.get("title") if isinstance(grouping, dict) else None
                title = title or groupings.get(
                    grouping.get("identifier") if isinstance(grouping, dict) else None
                )
                field_name = fields_by_standard.get(str(title or "").lower())
                uri = str(destination_node.get("uri") or "")
                if field_name is None and uri.startswith(URN_CROSSWALK):
                    field_name = fields_by_slug.get(uri[len(URN_CROSSWALK) :].split(":", 1)[0])
                if field_name is None and "data.europa.eu/esco" in uri:
                    field_name = "esco_uri"
                if field_name is not None:
                    value = (
                        uri
                        if field_name == "esco_uri"
                        else str(destination_node.get("title") or "")
                    )
                    if value and not getattr(competency, field_name):
                        setattr(competency, field_name, value)
                        continue
            if kind == "isRelatedTo" and competency is not None:
                other = by_item.get(uuid_of.get(destination_node["identifier"], ""))
                if other is not None and other is not competency:
                    if other.code not in competency.related:
                        competency.related.append(other.code)
                    if competency.code not in other.related:
                        other.related.append(competency.code)
                    continue
            ignored[kind] = ignored.get(kind, 0) + 1
        for competency in by_item.values():
            competency.related.sort()
        if ignored:
            listed = ", ".join(f"{n} {kind}" for kind, n in sorted(ignored.items()))
            self.notes.append(
                f"Associations Proficio cannot keep were left out ({listed}): they point "
                "outside the package or to standards other than e-CF, SFIA, IPMA ICB4 and ESCO."
            )

    def _scale(self, document: dict) -> tuple[str, list[ScaleLevelSpec]]:
        rubrics = self.package.get("CFRubrics") or []
        for rubric in rubrics:
            for criterion in rubric.get("CFRubricCriteria") or []:
                if str(
                    criterion.get("category") or ""
                ).lower() == SCALE_CATEGORY.lower() and not criterion.get("CFItemURI"):
                    levels = []
                    for level in criterion.get("CFRubricCriterionLevels") or []:
                        value = self._score(level, "the scale")
                        if value is None:
                            continue
                        feedback = str(level.get("feedback") or "")
                        levels.append(
                            ScaleLevelSpec(
                                value=value,
                                name=normalise_text(level.get("quality") or "") or f"Level {value}",
                                description=normalise_text(level.get("description") or ""),
                                is_default=DEFAULT_FEEDBACK in feedback,
                                is_proficient=PROFICIENT_FEEDBACK in feedback,
                            )
                        )
                    title = normalise_text(
                        rubric.get("title") or criterion.get("description") or ""
                    )
                    return title or f"{document['title']} scale", sorted(
                        levels, key=lambda lv: lv.value
                    )
        default = read_default_framework_data()["scale"]
        if rubrics:
            self.notes.append(
                "The rubric has no criterion with category Scale; the Proficio 0–5 scale is used."
            )
        else:
            self.notes.append(
                "The package has no rubric (no scale); the Proficio 0–5 scale is used and no "
                "level indicators are set."
            )
        return default["name"], [
            ScaleLevelSpec(
                value=int(level["value"]),
                name=level["name"],
                description=level.get("description", ""),
                is_default=bool(level.get("default")),
                is_proficient=bool(level.get("proficient")),
            )
            for level in default["levels"]
        ]

    def _score(self, level: dict, where: str) -> int | None:
        score = level.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or score != int(score):
            self.problems.append(
                f"Rubric level {level.get('identifier')} of {where}: score {score!r} is not a "
                "whole number, so it is not a level of the scale."
            )
            return None
        return int(score)

    def _rubric(
        self, spec: FrameworkSpec, by_item: dict[str, CompetencySpec], uuid_of: dict[str, str]
    ) -> None:
        values = set(spec.level_values)
        for rubric in self.package.get("CFRubrics") or []:
            for criterion in rubric.get("CFRubricCriteria") or []:
                link = criterion.get("CFItemURI")
                if not link:
                    continue
                target = uuid_of.get(link["identifier"])
                competency = by_item.get(target) if target else None
                if competency is None:
                    self.problems.append(
                        f"Rubric criterion {criterion.get('identifier')}: item "
                        f"{link['identifier']} is not a competency of this package."
                    )
                    continue
                for level in criterion.get("CFRubricCriterionLevels") or []:
                    value = self._score(level, competency.code)
                    if value is None:
                        continue
                    if value not in values:
                        self.problems.append(
                            f"Rubric level {level.get('identifier')} of {competency.code}: score "
                            f"{value} is not a value of the scale "
                            f"({', '.join(map(str, sorted(values)))}) — unknown scale value."
                        )
                        continue
                    text = normalise_text(level.get("description") or "")
                    if text:
                        competency.descriptors[value] = text
