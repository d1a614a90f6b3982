"""CASE 1.0 packages: our export validates against the CFPackage schema and reads back."""

import json
from datetime import datetime

import pytest
from jsonschema import Draft7Validator

from competencies.interchange import parse_file
from competencies.interchange.case import dump_case, export_case
from competencies.interchange.case_reader import parse_case
from competencies.interchange.csv_reader import parse_csv
from tests.helpers import shared_fixture
from tests.interchange_files import STAMP, bad_files, default_case, default_spec, moodle_csv


def _schema_errors(package: dict) -> list[str]:
    schema = json.loads(shared_fixture("case", "case-v1p0-cfpackage-schema.json").read_text())
    validator = Draft7Validator(schema)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(package)]


def _datetimes(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "lastChangeDateTime":
                yield value
            else:
                yield from _datetimes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _datetimes(value)


def test_our_case_export_validates_against_the_cfpackage_schema():
    package = default_case()
    assert _schema_errors(package) == []
    # The schema's formats are not checked by jsonschema without extra packages: check them.
    assert all(datetime.fromisoformat(stamp).tzinfo is not None for stamp in _datetimes(package))
    assert all(item["uri"].startswith("urn:uuid:") for item in package["CFItems"])


def test_a_rich_framework_also_validates_sub_competencies_and_relations_included():
    spec = parse_csv(moodle_csv()).spec
    assert _schema_errors(export_case(spec, status="draft", changed_at=STAMP)) == []


def test_the_case_export_carries_codes_statements_crosswalk_and_rubric():
    package = default_case()
    spec = default_spec()
    assert package["CFDocument"]["identifier"] == spec.uuid
    planning = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "DEL-01")
    assert planning["identifier"] == spec.competency_by_uuid()[planning["identifier"]].uuid
    assert planning["CFItemType"] == "Competency"
    assert planning["abbreviatedStatement"] == "Planning"
    area = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "DEL")
    assert area["CFItemType"] == "Competency area"
    assert planning["fullStatement"].startswith("Turns objectives into a structured")
    matches = [
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "exactMatchOf"
        and a["originNodeURI"]["identifier"] == planning["identifier"]
    ]
    standards = {
        a["CFAssociationGroupingURI"]["title"]: a["destinationNodeURI"]["title"] for a in matches
    }
    assert standards["e-CF"] == "E.2"
    parent = next(
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["originNodeURI"]["identifier"] == planning["identifier"]
    )
    assert parent["destinationNodeURI"]["title"] == "DEL" and parent["sequenceNumber"] == 1
    rubric = package["CFRubrics"][0]
    scale = rubric["CFRubricCriteria"][0]
    assert scale["category"] == "Scale"
    assert [lv["score"] for lv in scale["CFRubricCriterionLevels"]] == [0, 1, 2, 3, 4, 5]
    criterion = next(
        c for c in rubric["CFRubricCriteria"] if c.get("CFItemURI", {}).get("title") == "DEL-01"
    )
    assert [lv["score"] for lv in criterion["CFRubricCriterionLevels"]] == [1, 2, 3, 4, 5]


def test_case_round_trip_keeps_the_framework_and_every_identifier():
    package = default_case()
    preview = parse_case(dump_case(package).encode())
    assert preview.problems == [] and preview.notes == []
    expected = default_spec()
    # The framework code (Moodle's ID number) has no place in a CASE document.
    expected.code = ""
    assert preview.spec == expected
    again = export_case(preview.spec, status="published", changed_at=STAMP)
    assert again == package


def test_a_rich_framework_survives_a_case_round_trip():
    spec = parse_csv(moodle_csv()).spec
    back = parse_case(dump_case(export_case(spec, status="draft", changed_at=STAMP)).encode())
    assert back.problems == []
    spec.code = ""
    assert back.spec == spec


OPENSALT = [
    "opensalt-AdoptedTestFramework.json",
    "opensalt-ItemTypeTestFramework.json",
    "opensalt-MarkdownFramework.json",
    "opensalt-SequenceNumberFramework.json",
    "opensalt-SmartLevelFramework.json",
    "opensalt-Utf8TestFramework.json",
    "opensalt-sample-framework.json",
]


@pytest.mark.parametrize("name", OPENSALT)
def test_every_opensalt_fixture_parses_and_survives_a_round_trip(name):
    path = shared_fixture("case", name)
    preview = parse_file(path.read_bytes(), name)
    assert preview.problems == []
    source = json.loads(path.read_text())
    assert len(preview.spec.competencies) + len(
        [a for a in preview.spec.areas if a.code != "GENERAL"]
    ) == len(source["CFItems"])
    assert preview.spec.uuid == source["CFDocument"]["identifier"]
    exported = export_case(preview.spec, status="draft", changed_at=STAMP)
    assert _schema_errors(exported) == []
    again = parse_case(dump_case(exported).encode())
    assert again.problems == []
    assert again.spec == preview.spec


def test_opensalt_sequence_numbers_decide_the_order():
    path = shared_fixture("case", "opensalt-SequenceNumberFramework.json")
    spec = parse_case(path.read_bytes()).spec
    assert [c.name for c in spec.competencies] == [
        "Second added item, but should be first",
        "First Added Item",
    ]


def test_opensalt_sample_keeps_its_codes_and_nesting_and_says_what_it_left_out():
    preview = parse_case(shared_fixture("case", "opensalt-sample-framework.json").read_bytes())
    spec = preview.spec
    assert [a.code for a in spec.areas] == ["CCSS.Math.Content.6.RP.A", "CCSS.Math.Content.7.RP.A"]
    by_code = {c.code: c for c in spec.competencies}
    assert by_code["CCSS.Math.Content.6.RP.A.3a"].parent_code == "CCSS.Math.Content.6.RP.A.3"
    assert by_code["CCSS.Math.Content.6.RP.A.1"].area_code == "CCSS.Math.Content.6.RP.A"
    assert any("16 exactMatchOf" in note for note in preview.notes)
    assert any("no rubric" in note for note in preview.notes)


def test_opensalt_utf8_text_is_kept():
    spec = parse_case(shared_fixture("case", "opensalt-Utf8TestFramework.json").read_bytes()).spec
    assert spec.name == "UTF8 𝑑 Test"
    assert spec.competencies[0].name == "Item 𝑑 1"


@pytest.mark.parametrize(
    ("kind", "name", "content", "phrase"),
    [f for f in bad_files() if f[0].startswith("case")],
    ids=lambda value: value if isinstance(value, str) and value.startswith("case") else "",
)
def test_each_kind_of_bad_case_package_is_refused_with_a_message(kind, name, content, phrase):
    preview = parse_file(content, name)
    assert not preview.is_valid
    assert any(phrase in problem for problem in preview.problems), preview.problems


def test_a_missing_field_names_the_item():
    bad = next(f for f in bad_files() if f[0] == "case-missing-field")
    problems = parse_file(bad[2], bad[1]).problems
    index = [i["humanCodingScheme"] for i in default_case()["CFItems"]].index("PER-01")
    assert problems == [f"CFItems[{index}] (PER-01): 'fullStatement' is a required property."]
