"""Reading Moodle-layout CSV (see csv.py for the layout and the mapping) into a checked preview."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from competencies.crosswalk import read_exchange_pair
from competencies.interchange.bounded_json import TooDeeplyNestedError, loads_bounded
from competencies.interchange.common import CSV, ImportPreview, decode_upload
from competencies.interchange.csv import (
    ALIASES,
    ATTRIBUTE_LABELS,
    ATTRIBUTES_CLASS,
    DESCRIPTOR_SUFFIX,
    FORMAT_HTML,
    FORMAT_MARKDOWN,
    FORMAT_MOODLE,
    FORMAT_PLAIN,
    FRAMEWORK_ATTRIBUTES,
    HEADER_OF,
    REQUIRED,
    is_truthy,
    normalise_header,
    split_ids,
)
from competencies.models import PmiSide
from competencies.spec import (
    CROSSWALK_FIELDS,
    AreaSpec,
    CompetencySpec,
    FrameworkSpec,
    ScaleLevelSpec,
    derived_uuid,
    is_uuid,
)
from competencies.spec_checks import validate_spec
from competencies.text import html_to_text, looks_like_html, normalise_text
from core.csv_export import restore_cell


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    children: list[_Row] = field(default_factory=list)
    level: int | None = None

    def get(self, key: str) -> str:
        return self.cells.get(key, "")

    @property
    def idnumber(self) -> str:
        return self.get("idnumber").strip()

    @property
    def parent(self) -> str:
        return self.get("parent").strip()


def _sniff_delimiter(first_line: str) -> str:
    best, best_hits = ",", -1
    for delimiter in (",", ";", "\t", ":"):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        hits = sum(1 for cell in cells if normalise_header(cell) in ALIASES)
        if hits > best_hits:
            best, best_hits = delimiter, hits
    return best


def _read_rows(text: str, problems: list[str]) -> tuple[list[_Row], list[str]]:
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line), strict=True
    )
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        problems.append(f"Line 1: the header row cannot be read ({error}).")
        return [], []
    keys: list[str | None] = []
    for cell in header:
        key = ALIASES.get(normalise_header(cell))
        keys.append(key if key not in keys else None)
    missing = [HEADER_OF[key] for key in REQUIRED if key not in keys]
    for name in missing:
        problems.append(f"Line 1: the column “{name}” is missing.")
    if missing:
        return [], keys  # type: ignore[return-value]
    rows: list[_Row] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"Line {line}: {error} (a quote is probably not closed).")
            break
        if any(cell.strip() for cell in cells):
            extra = [cell for cell in cells[len(keys) :] if cell.strip()]
            if extra:
                problems.append(
                    f"Line {line}: {len(cells)} cells but the header names {len(keys)} columns."
                )
            values = {
                key: restore_cell(cell)
                for key, cell in zip(keys, cells, strict=False)
                if key is not None
            }
            rows.append(_Row(line=line, cells=values))
        line = reader.line_num + 1
    return rows, keys  # type: ignore[return-value]


def _description(row: _Row, problems: list[str]) -> tuple[str, list[tuple[str, str]]]:
    fmt = row.get("format").strip() or FORMAT_HTML
    raw = row.get("description")
    if fmt == FORMAT_HTML or (fmt == FORMAT_MOODLE and looks_like_html(raw)):
        return html_to_text(raw, ATTRIBUTES_CLASS)
    if fmt in {FORMAT_MOODLE, FORMAT_PLAIN, FORMAT_MARKDOWN}:
        return normalise_text(raw), []
    problems.append(
        f"Line {row.line}: description format {fmt!r} is unknown "
        "(Moodle uses 0 auto, 1 HTML, 2 plain text, 4 Markdown)."
    )
    return "", []


def _scale(row: _Row, problems: list[str], notes: list[str]) -> tuple[str, list[ScaleLevelSpec]]:
    names = split_ids(row.get("scalevalues"))
    if not names:
        problems.append(f"Line {row.line}: the framework row has no scale values.")
        return "", []
    levels = [ScaleLevelSpec(value=i, name=name) for i, name in enumerate(names, start=1)]
    scale_name = ""
    raw = row.get("scaleconfig").strip()
    if not raw:
        notes.append("The scale has no configuration: no level is marked default or proficient.")
        return scale_name, levels
    try:
        config = loads_bounded(raw)
    except TooDeeplyNestedError as error:
        problems.append(f"Line {row.line}: {error}")
        return scale_name, levels
    except json.JSONDecodeError as error:
        problems.append(
            f"Line {row.line}: the scale configuration is not valid JSON ({error.msg})."
        )
        return scale_name, levels
    if not isinstance(config, list) or not config or not isinstance(config[0], dict):
        problems.append(
            f"Line {row.line}: the scale configuration must be a JSON list that starts with "
            '{"scaleid": …}.'
        )
        return scale_name, levels
    if isinstance(config[0].get("name"), str):
        scale_name = config[0]["name"]
    for entry in config[1:]:
        item = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(item, int) or isinstance(item, bool):
            problems.append(
                f"Line {row.line}: every scale configuration entry needs a numeric id "
                f"(found {json.dumps(entry)[:60]})."
            )
            continue
        if not 1 <= item <= len(levels):
            problems.append(
                f"Line {row.line}: the scale configuration refers to scale value {item}, but the "
                f"scale has {len(levels)} values ({', '.join(names)})."
            )
            continue
        level = levels[item - 1]
        level.is_default = bool(entry.get("scaledefault"))
        level.is_proficient = bool(entry.get("proficient"))
        if "value" in entry:
            value = entry["value"]
            if isinstance(value, int) and not isinstance(value, bool):
                level.value = value
            else:
                problems.append(f"Line {row.line}: scale value {item} has a non-integer level.")
        if isinstance(entry.get("description"), str):
            level.description = normalise_text(entry["description"])
    values = [level.value for level in levels]
    if values != sorted(set(values)):
        problems.append(
            f"Line {row.line}: the levels of the scale must rise in the order of its values "
            f"(found {values})."
        )
    return scale_name, levels


def parse_csv(content: bytes, filename: str = "framework.csv") -> ImportPreview:
    """Read a Moodle-layout CSV into a preview; nothing is written."""
    preview = ImportPreview(format=CSV, filename=filename)
    problems, notes = preview.problems, preview.notes
    text, problem = decode_upload(content)
    if text is None:
        problems.append(problem or "The file cannot be read.")
        return preview
    rows, _ = _read_rows(text, problems)
    if problems:
        return preview
    framework_rows = [r for r in rows if is_truthy(r.get("isframework"))]
    if not framework_rows:
        problems.append("No row is marked “Is framework” = 1: the framework row is missing.")
        return preview
    for extra in framework_rows[1:]:
        problems.append(
            f"Line {extra.line}: a second framework row (the first is on line "
            f"{framework_rows[0].line}); a file holds one framework."
        )
    top = framework_rows[0]
    nodes = [r for r in rows if not is_truthy(r.get("isframework"))]

    by_id: dict[str, _Row] = {}
    for node in nodes:
        if not node.idnumber:
            problems.append(f"Line {node.line}: the ID number is empty.")
        elif node.idnumber in by_id:
            problems.append(
                f"Line {node.line}: ID number {node.idnumber} is already used on line "
                f"{by_id[node.idnumber].line} (duplicate code)."
            )
        else:
            by_id[node.idnumber] = node
        if not node.get("shortname").strip():
            problems.append(f"Line {node.line}: the short name is empty.")
    framework_code = top.idnumber
    roots: list[_Row] = []
    for node in nodes:
        if not node.idnumber or by_id.get(node.idnumber) is not node:
            continue
        parent = node.parent
        if not parent or parent == framework_code:
            roots.append(node)
        elif parent not in by_id:
            problems.append(
                f"Line {node.line}: parent ID number {parent!r} of {node.idnumber} does not "
                "exist in the file (unknown parent)."
            )
        else:
            by_id[parent].children.append(node)
    _report_cycles(nodes, by_id, framework_code, problems)
    scale_name, levels = _scale(top, problems, notes)
    if problems:
        return preview

    level_values = {level.value for level in levels}
    taxonomy = [t.strip().lower() for t in top.get("taxonomy").split(",")]
    framework_description, framework_attributes = _description(top, problems)
    attributes = dict(framework_attributes)
    version_label = attributes.get(FRAMEWORK_ATTRIBUTES["version_label"], "") or "1.0"
    lineage_key = framework_code or top.get("shortname").strip()
    exportid = top.get("exportid").strip()
    spec = FrameworkSpec(
        uuid=exportid.lower() if is_uuid(exportid) else derived_uuid("moodle", lineage_key),
        code=framework_code,
        name=normalise_text(top.get("shortname")),
        version_label=version_label,
        description=framework_description,
        source=attributes.get(FRAMEWORK_ATTRIBUTES["source"], ""),
        scale_name=scale_name or f"{normalise_text(top.get('shortname'))} scale",
        scale_levels=levels,
    )
    framework_scale = top.get("scalevalues").strip()

    def node_uuid(node: _Row) -> str:
        given = node.get("exportid").strip()
        return (
            given.lower() if is_uuid(given) else derived_uuid("moodle", lineage_key, node.idnumber)
        )

    def descriptor_level(node: _Row, parent: _Row) -> int | None:
        match = DESCRIPTOR_SUFFIX.search(node.idnumber)
        if match and node.idnumber[: match.start()] == parent.idnumber and not node.children:
            return int(match.group(1))
        return None

    general: AreaSpec | None = None
    rules_seen = 0

    def add_competency(node: _Row, area_code: str, parent_code: str | None) -> None:
        nonlocal rules_seen
        description, pairs = _description(node, problems)
        competency = CompetencySpec(
            uuid=node_uuid(node),
            code=node.idnumber,
            name=normalise_text(node.get("shortname")),
            area_code=area_code,
            description=description,
            parent_code=parent_code,
            related=[i for i in split_ids(node.get("related"))],
        )
        _apply_attributes(competency, pairs, node.line, problems, notes)
        own_scale = node.get("scalevalues").strip()
        if own_scale and own_scale != framework_scale:
            problems.append(
                f"Line {node.line}: {node.idnumber} has a scale of its own ({own_scale}); "
                "Proficio rates every competency of a framework on the framework's scale."
            )
        if node.get("ruletype").strip():
            rules_seen += 1
        spec.competencies.append(competency)
        for child in node.children:
            level = descriptor_level(child, node)
            if level is None:
                add_competency(child, area_code, node.idnumber)
                continue
            if level not in level_values:
                problems.append(
                    f"Line {child.line}: level {level} of {node.idnumber} is not a value of the "
                    f"scale ({', '.join(map(str, sorted(level_values)))}) — unknown scale value."
                )
                continue
            text, _ = _description(child, problems)
            competency.descriptors[level] = text

    for root in roots:
        real_children = [c for c in root.children if descriptor_level(c, root) is None]
        is_area = bool(real_children) or (taxonomy[:1] == ["domain"])
        if is_area:
            description, _ = _description(root, problems)
            spec.areas.append(
                AreaSpec(
                    uuid=node_uuid(root),
                    code=root.idnumber,
                    name=normalise_text(root.get("shortname")),
                    description=description,
                )
            )
            for child in root.children:
                if descriptor_level(child, root) is not None:
                    problems.append(
                        f"Line {child.line}: {root.idnumber} groups other competencies, so its "
                        "levels cannot be described; describe the levels of its competencies."
                    )
                else:
                    add_competency(child, root.idnumber, None)
        else:
            if general is None:
                general = AreaSpec(
                    uuid=derived_uuid("moodle", lineage_key, "area:general"),
                    code="GENERAL",
                    name="General",
                )
                spec.areas.append(general)
                notes.append(
                    "Competencies at the top of the file were placed in an area called General."
                )
            add_competency(root, general.code, None)
    # Relations are stored once per pair; Moodle lists them on both rows.
    known = {c.code for c in spec.competencies}
    for competency in spec.competencies:
        for other in competency.related:
            if other not in known:
                line = by_id[competency.code].line
                what = "an area or a level row" if other in by_id else "not in the file"
                problems.append(
                    f"Line {line}: cross-referenced ID number {other!r} of {competency.code} is "
                    f"{what}."
                )
    if problems:
        return preview
    for competency in spec.competencies:
        for other in competency.related:
            target = next(c for c in spec.competencies if c.code == other)
            if competency.code not in target.related:
                target.related.append(competency.code)
    for competency in spec.competencies:
        competency.related = sorted(set(competency.related))
    if rules_seen:
        which = "1 competency has" if rules_seen == 1 else f"{rules_seen} competencies have"
        notes.append(
            f"{which} Moodle completion rules; Proficio does not use them and leaves them out."
        )
    problems.extend(validate_spec(spec))
    preview.spec = spec
    return preview


def _apply_attributes(
    competency: CompetencySpec,
    pairs: list[tuple[str, str]],
    line: int,
    problems: list[str],
    notes: list[str],
) -> None:
    by_label = {label.lower(): key for key, label in ATTRIBUTE_LABELS.items()}
    sides = {side.label.lower(): side.value for side in PmiSide} | {
        side.value: side.value for side in PmiSide
    }
    for term, value in pairs:
        key = by_label.get(term.lower())
        try:
            detail = read_exchange_pair(term, value)
        except ValueError as error:
            problems.append(f"Line {line}: {term}: {error}")
            continue
        if detail is not None:
            what, read = detail
            if what == "sfia_kind":
                competency.sfia_kind = read
            else:
                field, pair = read
                competency.crosswalk_levels[field] = pair
        elif key is None:
            notes.append(f"Line {line}: the attribute {term!r} is not known and was left out.")
        elif key == "pmi_side":
            side = sides.get(value.lower())
            if side is None:
                problems.append(
                    f"Line {line}: {value!r} is not a side of the PMI Talent Triangle "
                    f"({', '.join(s.label for s in PmiSide)})."
                )
            competency.pmi_side = side
        elif key in CROSSWALK_FIELDS or key == "category":
            setattr(competency, key, value)


def _report_cycles(
    nodes: list[_Row], by_id: dict[str, _Row], framework_code: str, problems: list[str]
) -> None:
    reported: set[str] = set()
    for node in nodes:
        path: list[str] = []
        current: str = node.idnumber
        while current and current in by_id and current not in path:
            path.append(current)
            parent = by_id[current].parent
            current = "" if parent == framework_code else parent
        if current and current in path and not reported & set(path):
            loop = path[path.index(current) :]
            reported |= set(loop)
            lines = ", ".join(str(by_id[i].line) for i in loop)
            problems.append(
                f"Lines {lines}: {' → '.join([*loop, current])} is a cycle — each is the "
                "other's parent, so none of them hangs under the framework."
            )
