"""Moodle-layout CSV: reading a file like Moodle's own, writing one Moodle can read back."""

import csv
import io
import json

import pytest

from competencies.interchange import parse_file
from competencies.interchange.csv import COLUMNS, export_csv
from competencies.interchange.csv_reader import parse_csv
from tests.interchange_files import bad_files, default_csv_text, default_spec, moodle_csv


def test_a_file_in_moodles_layout_imports_with_its_tree_scale_and_cross_references():
    preview = parse_csv(moodle_csv(), "moodle.csv")
    assert preview.problems == []
    spec = preview.spec
    assert (spec.name, spec.code) == ("Service desk lead", "SVC-DESK")
    # The framework row carries the scale and its JSON configuration (item ids from 1).
    assert [(lv.value, lv.name) for lv in spec.scale_levels] == [
        (1, "Not yet competent"),
        (2, "Developing"),
        (3, "Competent"),
    ]
    assert [lv.value for lv in spec.scale_levels if lv.is_default and lv.is_proficient] == [3]
    assert [a.code for a in spec.areas] == ["stages", "skills"]
    by_code = {c.code: c for c in spec.competencies}
    assert by_code["triage"].parent_code == "incidents"
    assert by_code["INC-1"].parent_code == "triage"
    assert by_code["incidents"].area_code == "skills"
    # Multi-line HTML becomes text: source line breaks are spaces, <br> and <p> are breaks.
    assert by_code["triage"].description == (
        "Triage is the ability to judge the urgency and impact of an incident quickly, "
        "and to route it to the right group."
    )
    assert by_code["incidents"].description == "Keeping incidents moving & customers informed"
    assert spec.description.endswith(
        "• Handling incidents\n• Working with people\n• Improving the service"
    )
    # Cross-references are kept once per pair, visible from both sides.
    assert by_code["stage-1"].related == ["INC-1", "INC-2", "PPL-1"]
    assert by_code["INC-1"].related == ["stage-1"]
    assert any("completion rules" in note for note in preview.notes)


def test_importing_the_same_moodle_file_twice_gives_the_same_identifiers():
    first = parse_csv(moodle_csv()).spec
    second = parse_csv(moodle_csv()).spec
    assert first.uuid == second.uuid
    assert [c.uuid for c in first.competencies] == [c.uuid for c in second.competencies]


def test_our_export_follows_moodles_column_layout():
    text = default_csv_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [header for _, header in COLUMNS]
    framework, area, competency, indicator = rows[1], rows[2], rows[3], rows[4]
    assert framework[12] == "1" and framework[13] == "domain,competency,indicator"
    assert framework[5].split(",")[0] == "Not yet demonstrated"
    config = json.loads(framework[6])
    assert config[0]["scaleid"] == "0"
    assert [(c["id"], c["value"]) for c in config[1:]] == [(i + 1, i) for i in range(6)]
    assert any(c["scaledefault"] for c in config[1:]) and any(c["proficient"] for c in config[1:])
    assert (area[0], area[1], area[12]) == ("", "TEC", "")
    assert (competency[0], competency[1], competency[9]) == ("TEC", "TEC-01", "null")
    assert competency[3].startswith("<p>") and "\n" in competency[3]
    assert (
        '<dl class="proficio-attributes">' in competency[3]
        and "<dt>PMI Talent Triangle</dt><dd>Business Acumen</dd>" in competency[3]
    )
    assert (indicator[0], indicator[1]) == ("TEC-01", "TEC-01.L1")
    assert competency[11] == default_spec().competency_by_uuid()[competency[11]].uuid


def test_csv_round_trip_of_the_default_framework_is_exact():
    text = default_csv_text()
    preview = parse_csv(text.encode())
    assert preview.problems == []
    assert preview.spec == default_spec()
    assert export_csv(preview.spec) == text


def test_cells_that_look_like_formulas_are_neutralised_and_restored():
    spec = default_spec()
    spec.competencies[0].name = '=HYPERLINK("http://evil")'
    spec.competencies[1].category = "@risk"
    text = export_csv(spec)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells and "'@risk" not in cells
    back = parse_csv(text.encode()).spec
    assert back.competencies[0].name == spec.competencies[0].name
    assert back.competencies[1].category == "@risk"


def test_semicolon_separated_files_are_understood():
    rows = list(csv.reader(io.StringIO(moodle_csv().decode())))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    preview = parse_file(out.getvalue().encode(), "excel.csv")
    assert preview.problems == []
    assert len(preview.spec.competencies) == 10


def test_a_utf8_bom_is_accepted():
    assert parse_csv(b"\xef\xbb\xbf" + moodle_csv()).problems == []


@pytest.mark.parametrize(
    ("kind", "name", "content", "phrase"),
    [f for f in bad_files() if f[0].startswith("csv")],
    ids=lambda value: value if isinstance(value, str) and value.startswith("csv") else "",
)
def test_each_kind_of_bad_csv_is_refused_with_a_message(kind, name, content, phrase):
    preview = parse_file(content, name)
    assert not preview.is_valid
    assert any(phrase in problem for problem in preview.problems), preview.problems


def test_every_problem_in_a_file_is_reported_not_only_the_first():
    text = moodle_csv().decode()
    text = text.replace("incidents,triage,", "nowhere,triage,").replace(
        "people,coaching,Coaching", "people,escalation,Coaching"
    )
    problems = parse_csv(text.encode()).problems
    assert any("unknown parent" in p for p in problems)
    assert any("duplicate code" in p for p in problems)
    assert all(p.startswith("Line ") for p in problems)


def test_a_competency_with_its_own_scale_is_refused():
    row_end = 'solve problems themselves.<br></p>",1,'
    text = moodle_csv().decode().replace(row_end + ",", row_end + '"Low,High",')
    problems = parse_csv(text.encode()).problems
    assert any("has a scale of its own (Low,High)" in p for p in problems)


def test_a_file_without_a_framework_row_is_refused():
    text = moodle_csv().decode().replace(',1,"competency,competency', ',0,"competency,competency')
    assert parse_csv(text.encode()).problems == [
        "No row is marked “Is framework” = 1: the framework row is missing."
    ]


def test_an_unclosed_quote_names_its_line():
    good = moodle_csv().decode()
    broken_line = good.count("\n") + 1
    text = good + 'skills,broken,"Broken,<p>no end</p>,1,,,,0,null,,,,\n'
    problems = parse_csv(text.encode()).problems
    assert problems == [
        f"Line {broken_line}: unexpected end of data (a quote is probably not closed)."
    ]


@pytest.mark.parametrize("code", ["=CMD", "+PLAN", "-LEAD", "@TEAM"])
def test_an_import_refuses_codes_a_spreadsheet_would_run(code):
    """Issue 24: codes end up in CSV headers and cells; one starting like a formula is refused."""
    from competencies.spec_checks import validate_spec

    spec = default_spec()
    spec.competencies[0].code = code
    problems = validate_spec(spec)
    assert any("spreadsheets run as a formula" in p for p in problems), problems
