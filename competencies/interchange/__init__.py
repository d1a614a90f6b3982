"""Moving frameworks in and out of Proficio: Moodle-layout CSV and 1EdTech CASE 1.0 JSON.

Import is two steps: ``parse_file`` reads and checks everything and returns a preview (the
framework it would create, or one problem per line or item); ``write_import`` writes a valid
preview as a draft. Export turns a loaded framework version into file text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from competencies.interchange.case import dump_case, export_case
from competencies.interchange.case_reader import parse_case
from competencies.interchange.common import (
    CASE,
    CSV,
    FORMAT_LABELS,
    FORMATS,
    ImportPreview,
    guess_format,
)
from competencies.interchange.csv import export_csv
from competencies.interchange.csv_reader import parse_csv
from competencies.interchange.importer import ImportPlan, plan_import, write_import
from competencies.models import Framework
from competencies.spec import spec_from_framework

__all__ = [
    "CASE",
    "CSV",
    "FORMATS",
    "FORMAT_LABELS",
    "ExportedFile",
    "ImportPlan",
    "ImportPreview",
    "export_framework",
    "guess_format",
    "parse_file",
    "plan_import",
    "write_import",
]


@dataclass(frozen=True)
class ExportedFile:
    text: str
    filename: str
    mimetype: str


def parse_file(content: bytes, filename: str, file_format: str | None = None) -> ImportPreview:
    """Parse and check an uploaded file; ``file_format`` is guessed when None."""
    chosen = file_format or guess_format(filename, content)
    if chosen not in FORMATS:
        preview = ImportPreview(format=chosen, filename=filename)
        preview.problems.append(f"Unknown format {chosen!r}; use csv or case.")
        return preview
    parser = parse_csv if chosen == CSV else parse_case
    return parser(content, filename)


def export_framework(framework: Framework, file_format: str) -> ExportedFile:
    """The framework version (loaded with load_framework_tree) as a CSV or CASE file."""
    spec = spec_from_framework(framework)
    slug = re.sub(r"[^a-z0-9]+", "-", framework.name.lower()).strip("-") or "framework"
    label = re.sub(r"[^A-Za-z0-9.]+", "-", framework.version_label).strip("-")
    stem = f"{slug}-v{label}"
    if file_format == CSV:
        return ExportedFile(export_csv(spec), f"{stem}.csv", "text/csv")
    if file_format == CASE:
        package = export_case(
            spec,
            status=framework.status,
            changed_at=framework.published_at or framework.created_at,
        )
        return ExportedFile(dump_case(package), f"{stem}.case.json", "application/json")
    raise ValueError(f"unknown export format {file_format!r}")
