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

from competencies.crosswalk import exchange_pairs
from competencies.models import PmiSide
from competencies.spec import (
    CROSSWALK_LABELS,
    CompetencySpec,
    FrameworkSpec,
    competency_order,
)
from competencies.text import text_to_html
from core.csv_export import neutralise_cell

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


def normalise_header(header: str) -> str:
    """A header compared without case, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def split_ids(cell: str) -> list[str]:
    """ID numbers from a comma-separated cell (Moodle writes commas inside as %2C)."""
    return [part.strip().replace("%2C", ",") for part in cell.split(",") if part.strip()]


def join_ids(ids: list[str]) -> str:
    """ID numbers as one comma-separated cell (commas inside become %2C)."""
    return ",".join(i.replace(",", "%2C") for i in ids)


def is_truthy(cell: str) -> bool:
    """True for the ways a CSV says yes (1, true, yes)."""
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
    pairs += exchange_pairs(c.sfia_kind, c.crosswalk_levels)
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
                related=join_ids(sorted(c.related)),
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
        scalevalues=join_ids([level.name for level in spec.scale_levels]),
        scaleconfig=_scale_configuration(spec),
        exportid=spec.uuid,
        isframework="1",
        taxonomy=_taxonomy(depths),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for cells in [[header for _, header in COLUMNS], framework_row, *rows]:
        writer.writerow([neutralise_cell(cell) for cell in cells])
    return out.getvalue()
