"""Moodle's competency-framework CSV (the column layout of ``tool_lpimportcsv``), both ways.

One row per node. The framework row (``Is framework`` = 1) carries the scale: its values as a
comma-separated list and its configuration as JSON (``[{"scaleid": …}, {"id": 1,
"scaledefault": 1, "proficient": 1}, …]``, item ids counting from 1). Every other row names its
parent by ID number, holds an HTML description, Moodle's completion rule (type, outcome,
config — often the word ``null``) and the ID numbers of related competencies.

How Proficio maps the tree: rows at the top are areas (or, when a top row has no children and
the taxonomy does not call it a domain, a competency in a "General" area); their children are
competencies, and deeper rows are sub-competencies. A child row whose ID number is the
parent's followed by ``.L`` and a level (``TEC-01.L3``) holds the behavioural indicator of that
level. What Moodle has no column for travels inside the HTML description as a definition list
``<dl class="proficio-attributes">`` (category, PMI side and crosswalk codes for competencies;
version and source for the framework), in extra keys of the scale configuration (each level's
value and description, the scale's name) and in ``Exported ID`` (the uuid). Moodle keeps all
of these when it imports and exports the file, so a framework goes back and forth unchanged.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field

from competencies.interchange.common import CSV, ImportPreview, decode_upload
from competencies.models import PmiSide
from competencies.spec import (
    CROSSWALK_FIELDS,
    CROSSWALK_LABELS,
    AreaSpec,
    CompetencySpec,
    FrameworkSpec,
    ScaleLevelSpec,
    competency_order,
    derived_uuid,
    is_uuid,
    validate_spec,
)
from competencies.text import html_to_text, looks_like_html, normalise_text, text_to_html

ATTRIBUTES_CLASS = "proficio-attributes"
DESCRIPTOR_SUFFIX = re.compile(r"\.L(-?\d+)$")
FORMAT_HTML, FORMAT_MOODLE, FORMAT_PLAIN, FORMAT_MARKDOWN = "1", "0", "2", "4"
MOODLE_SHORTNAME_LIMIT = 100

# Column keys in Moodle's order, with the header Moodle writes today.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("parent", "Parent ID number"),
    ("idnumber", "ID number"),
    ("shortname", "Short name"),
    ("description", "Description"),
    ("format", "Description format"),
    ("scalevalues", "Scale values"),
    ("scaleconfig", "Scale configuration"),
    ("ruletype", "Rule type (optional)"),
    ("ruleoutcome", "Rule outcome (optional)"),
    ("ruleconfig", "Rule config (optional)"),
    ("related", "Cross-referenced competency ID numbers"),
    ("exportid", "Exported ID (optional)"),
    ("isframework", "Is framework"),
    ("taxonomy", "Taxonomy"),
)
# Header spellings seen in Moodle versions, compared without case, spaces or punctuation.
ALIASES = {
    "parentidnumber": "parent",
    "idnumber": "idnumber",
    "shortname": "shortname",
    "description": "description",
    "descriptionformat": "format",
    "scalevalues": "scalevalues",
    "scaleconfiguration": "scaleconfig",
    "ruletype": "ruletype",
    "ruletypeoptional": "ruletype",
    "ruleoutcome": "ruleoutcome",
    "ruleoutcomeoptional": "ruleoutcome",
    "ruleconfig": "ruleconfig",
    "ruleconfigoptional": "ruleconfig",
    "crossreferencedcompetencyidnumbers": "related",
    "relatedidnumbers": "related",
    "exportedid": "exportid",
    "exportedidoptional": "exportid",
    "exportid": "exportid",
    "isframework": "isframework",
    "taxonomy": "taxonomy",
    "taxonomies": "taxonomy",
}
REQUIRED = (
    "parent",
    "idnumber",
    "shortname",
    "description",
    "scalevalues",
    "scaleconfig",
    "isframework",
)
HEADER_OF = dict(COLUMNS)
ATTRIBUTE_LABELS = {
    "category": "Category",
    "pmi_side": "PMI Talent Triangle",
    **CROSSWALK_LABELS,
}
FRAMEWORK_ATTRIBUTES = {"version_label": "Version", "source": "Source"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _neutralise(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (see security case 12)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _restore(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _split_ids(cell: str) -> list[str]:
    return [part.strip().replace("%2C", ",") for part in cell.split(",") if part.strip()]


def _join_ids(ids: list[str]) -> str:
    return ",".join(i.replace(",", "%2C") for i in ids)


def _truthy(cell: str) -> bool:
    return cell.strip().lower() in {"1", "true", "yes", "y"}


# --- export ------------------------------------------------------------------------------------


def _attributes_html(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    items = "\n".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(value)}</dd>" for term, value in pairs
    )
    return f'\n<dl class="{ATTRIBUTES_CLASS}">\n{items}\n</dl>'


def _scale_configuration(spec: FrameworkSpec) -> str:
    levels = spec.scale_levels
    default = next((lv.value for lv in levels if lv.is_default), None)
    proficient = {lv.value for lv in levels if lv.is_proficient}
    # Moodle refuses a scale without a default and a proficient value: fall back to the top.
    if not proficient and levels:
        proficient = {levels[-1].value}
    if default is None and levels:
        default = min(proficient)
    config: list[dict] = [{"scaleid": "0", "name": spec.scale_name}]
    for index, level in enumerate(levels, start=1):
        config.append(
            {
                "id": index,
                "scaledefault": int(level.value == default),
                "proficient": int(level.value in proficient),
                "value": level.value,
                "description": level.description,
            }
        )
    return json.dumps(config, ensure_ascii=False, separators=(",", ":"))


def _competency_attributes(c: CompetencySpec) -> list[tuple[str, str]]:
    pairs = []
    if c.category:
        pairs.append((ATTRIBUTE_LABELS["category"], c.category))
    if c.pmi_side:
        pairs.append((ATTRIBUTE_LABELS["pmi_side"], PmiSide(c.pmi_side).label))
    pairs += [(CROSSWALK_LABELS[name], value) for name, value in c.crosswalk.items()]
    return pairs


def _taxonomy(depths: list[tuple[int, bool]]) -> str:
    deepest = max((d for d, _ in depths), default=1)
    terms = []
    for depth in range(1, deepest + 1):
        kinds = [is_descriptor for d, is_descriptor in depths if d == depth]
        if depth == 1:
            terms.append("domain")
        elif kinds and all(kinds):
            terms.append("indicator")
        else:
            terms.append("competency")
    return ",".join(terms)


def export_csv(spec: FrameworkSpec) -> str:
    """The framework as Moodle competency-framework CSV text."""
    level_names = {level.value: level.name for level in spec.scale_levels}
    rows: list[list[str]] = []
    depths: list[tuple[int, bool]] = []

    def row(**cells: str) -> list[str]:
        return [cells.get(key, "") for key, _ in COLUMNS]

    code = spec.code or re.sub(r"[^A-Za-z0-9]+", "-", spec.name).strip("-").upper()[:100]
    attributes = [
        (FRAMEWORK_ATTRIBUTES["version_label"], spec.version_label),
        *([(FRAMEWORK_ATTRIBUTES["source"], spec.source)] if spec.source else []),
    ]
    children: dict[str | None, list[CompetencySpec]] = {}
    for c in competency_order(spec):
        children.setdefault(c.parent_code, []).append(c)

    def add_competency(c: CompetencySpec, parent: str, depth: int) -> None:
        rows.append(
            row(
                parent=parent,
                idnumber=c.code,
                shortname=c.name,
                description=text_to_html(c.description)
                + _attributes_html(_competency_attributes(c)),
                format=FORMAT_HTML,
                ruleoutcome="0",
                ruleconfig="null",
                related=_join_ids(sorted(c.related)),
                exportid=c.uuid,
            )
        )
        depths.append((depth, False))
        for level, text in sorted(c.descriptors.items()):
            label = f"Level {level}: {level_names.get(level, '')}".rstrip(": ")
            rows.append(
                row(
                    parent=c.code,
                    idnumber=f"{c.code}.L{level}",
                    shortname=f"{c.code} {label}"[:MOODLE_SHORTNAME_LIMIT],
                    description=text_to_html(text),
                    format=FORMAT_HTML,
                    ruleoutcome="0",
                    ruleconfig="null",
                )
            )
            depths.append((depth + 1, True))
        for child in children.get(c.code, []):
            add_competency(child, c.code, depth + 1)

    for area in spec.areas:
        rows.append(
            row(
                idnumber=area.code,
                shortname=area.name,
                description=text_to_html(area.description),
                format=FORMAT_HTML,
                ruleoutcome="0",
                ruleconfig="null",
                exportid=area.uuid,
            )
        )
        depths.append((1, False))
        for c in children.get(None, []):
            if c.area_code == area.code:
                add_competency(c, area.code, 2)

    framework_row = row(
        idnumber=code,
        shortname=spec.name,
        description=text_to_html(spec.description) + _attributes_html(attributes),
        format=FORMAT_HTML,
        scalevalues=_join_ids([level.name for level in spec.scale_levels]),
        scaleconfig=_scale_configuration(spec),
        exportid=spec.uuid,
        isframework="1",
        taxonomy=_taxonomy(depths),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([header for _, header in COLUMNS])
    for cells in [framework_row, *rows]:
        writer.writerow([_neutralise(cell) for cell in cells])
    return out.getvalue()


# --- import ------------------------------------------------------------------------------------


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
        hits = sum(1 for cell in cells if _normalise_header(cell) in ALIASES)
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
        key = ALIASES.get(_normalise_header(cell))
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
                key: _restore(cell)
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
    names = _split_ids(row.get("scalevalues"))
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
        config = json.loads(raw)
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
    framework_rows = [r for r in rows if _truthy(r.get("isframework"))]
    if not framework_rows:
        problems.append("No row is marked “Is framework” = 1: the framework row is missing.")
        return preview
    for extra in framework_rows[1:]:
        problems.append(
            f"Line {extra.line}: a second framework row (the first is on line "
            f"{framework_rows[0].line}); a file holds one framework."
        )
    top = framework_rows[0]
    nodes = [r for r in rows if not _truthy(r.get("isframework"))]

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
            related=[i for i in _split_ids(node.get("related"))],
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
        if key is None:
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
