"""Good and bad interchange files for tests, each bad one broken in exactly one way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from competencies.interchange.case import dump_case, export_case
from competencies.interchange.csv import export_csv
from competencies.models import (
    Area,
    Competency,
    CompetencyRelation,
    Framework,
    LevelDescriptor,
    RoleProfile,
    RoleRequirement,
    ScaleLevel,
)
from competencies.services import read_default_framework_data, spec_from_data
from competencies.spec import FrameworkSpec
from core.audit import AuditEvent

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "interchange"
MOODLE_LAYOUT_CSV = FIXTURES / "moodle-layout-framework.csv"
STAMP = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def default_spec() -> FrameworkSpec:
    """The default framework as a spec, without role profiles (the formats carry none)."""
    spec = spec_from_data(read_default_framework_data())
    spec.role_profiles = []
    return spec


def moodle_csv() -> bytes:
    return MOODLE_LAYOUT_CSV.read_bytes()


def default_case() -> dict:
    return export_case(default_spec(), status="published", changed_at=STAMP)


def _csv_lines() -> str:
    return moodle_csv().decode("utf-8")


def _case(mutate) -> bytes:
    package = default_case()
    mutate(package)
    return dump_case(package).encode("utf-8")


def _item(package: dict, code: str) -> dict:
    return next(i for i in package["CFItems"] if i.get("humanCodingScheme") == code)


def _child_of(package: dict, code: str) -> dict:
    item = _item(package, code)
    return next(
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["originNodeURI"]["identifier"] == item["identifier"]
    )


def _case_unknown_parent(package: dict) -> None:
    _child_of(package, "DEL-01")["destinationNodeURI"]["identifier"] = (
        "99999999-9999-4999-8999-999999999999"
    )


def _case_duplicate_code(package: dict) -> None:
    _item(package, "DEL-02")["humanCodingScheme"] = "DEL-01"


def _case_cycle(package: dict) -> None:
    first, second = _item(package, "LEA-01"), _item(package, "LEA-02")
    _child_of(package, "LEA-01")["destinationNodeURI"]["identifier"] = second["identifier"]
    _child_of(package, "LEA-02")["destinationNodeURI"]["identifier"] = first["identifier"]


def _case_unknown_level(package: dict) -> None:
    criterion = package["CFRubrics"][0]["CFRubricCriteria"][1]
    criterion["CFRubricCriterionLevels"][0]["score"] = 9


def _case_missing_statement(package: dict) -> None:
    del _item(package, "PER-01")["fullStatement"]


def bad_files() -> list[tuple[str, str, bytes, str]]:
    """(kind, file name, content, a phrase the problem must contain) for every bad-file kind."""
    csv_text = _csv_lines()
    case_text = dump_case(default_case())
    cut = case_text[: len(case_text) // 2]
    return [
        (
            "csv-wrong-encoding",
            "latin1.csv",
            csv_text.replace("Triage", "Triage é").encode("latin-1", "replace"),
            "is not UTF-8 encoded",
        ),
        (
            "csv-missing-columns",
            "columns.csv",
            csv_text.replace('"Scale values",', "", 1).replace('"Is framework",', "", 1).encode(),
            "the column “Scale values” is missing",
        ),
        (
            "csv-unknown-parent",
            "parent.csv",
            csv_text.replace("incidents,triage,Triage", "incident,triage,Triage").encode(),
            "parent ID number 'incident' of triage does not exist",
        ),
        (
            "csv-duplicate-code",
            "duplicate.csv",
            csv_text.replace("people,coaching,Coaching", "people,escalation,Coaching").encode(),
            "ID number escalation is already used on line",
        ),
        (
            "csv-cycle",
            "cycle.csv",
            csv_text.replace("skills,incidents,", "triage,incidents,").encode(),
            "is a cycle",
        ),
        (
            "csv-unknown-scale-value",
            "scale.csv",
            csv_text.replace('""id"":3,', '""id"":7,').encode(),
            "refers to scale value 7, but the scale has 3 values",
        ),
        (
            "csv-unknown-level",
            "level.csv",
            (csv_text + "coaching,coaching.L8,Level 8,<p>Too high</p>,1,,,,0,null,,,,\n").encode(),
            "level 8 of coaching is not a value of the scale (1, 2, 3) — unknown scale value",
        ),
        (
            "case-wrong-encoding",
            "latin1.json",
            case_text.replace("Planning", "Planung für").encode("latin-1", "replace"),
            "is not UTF-8 encoded",
        ),
        ("case-truncated-json", "cut.json", cut.encode(), "The file is not complete JSON"),
        (
            "case-missing-field",
            "statement.json",
            _case(_case_missing_statement),
            "'fullStatement' is a required property",
        ),
        ("case-unknown-parent", "parent.json", _case(_case_unknown_parent), "(unknown parent)"),
        (
            "case-duplicate-code",
            "duplicate.json",
            _case(_case_duplicate_code),
            "have the same code DEL-01",
        ),
        ("case-cycle", "cycle.json", _case(_case_cycle), "(a cycle)"),
        (
            "case-unknown-scale-value",
            "scale.json",
            _case(_case_unknown_level),
            "score 9 is not a value of the scale (0, 1, 2, 3, 4, 5) — unknown scale value",
        ),
    ]


def default_csv_text() -> str:
    return export_csv(default_spec())


def json_of(content: bytes) -> dict:
    return json.loads(content.decode("utf-8"))


TABLES = (
    Framework,
    ScaleLevel,
    Area,
    Competency,
    LevelDescriptor,
    CompetencyRelation,
    RoleProfile,
    RoleRequirement,
    AuditEvent,
)


def row_counts(session) -> dict[str, int]:
    """Rows per framework table and audit events: what an import must leave unchanged."""
    return {
        model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in TABLES
    }
