"""Import and export through the database: round trips, real files, and refusals."""

import json

import pytest
import sqlalchemy as sa

from competencies import interchange
from competencies.competency_editing import competency_input, update_competency
from competencies.drafts import create_draft
from competencies.interchange.csv import export_csv
from competencies.models import (
    Framework,
    FrameworkStatus,
)
from competencies.services import load_framework_tree, publish_framework, seed_default_framework
from competencies.spec import spec_from_framework
from core.audit import AuditEvent
from core.errors import ConflictError, ValidationError
from tests.helpers import shared_fixture
from tests.interchange_files import bad_files, default_spec, moodle_csv, row_counts


def _export(session, framework, file_format):
    return interchange.export_framework(load_framework_tree(session, framework.id), file_format)


def _empty_the_database(session):
    session.execute(sa.delete(Framework))
    session.execute(sa.delete(AuditEvent))
    session.flush()
    session.expunge_all()
    assert set(row_counts(session).values()) == {0}


def _import(session, text, name, file_format=None):
    preview = interchange.parse_file(text.encode("utf-8"), name, file_format)
    assert preview.problems == []
    framework = interchange.write_import(session, preview, actor=None)
    publish_framework(session, framework, None, note="Imported.")
    return framework


def _without_timestamps(text):
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "lastChangeDateTime"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(json.loads(text))


@pytest.mark.parametrize("file_format", ["csv", "case"])
def test_default_framework_export_import_into_an_empty_database_export_is_the_same(
    session, file_format
):
    framework, _ = seed_default_framework(session)
    first = _export(session, framework, file_format)
    original = spec_from_framework(load_framework_tree(session, framework.id))
    _empty_the_database(session)
    imported = _import(session, first.text, first.filename)
    second = _export(session, imported, file_format)
    if file_format == "csv":
        assert second.text == first.text
    else:
        assert _without_timestamps(second.text) == _without_timestamps(first.text)
    again = spec_from_framework(load_framework_tree(session, imported.id))
    original.role_profiles = []
    if file_format == "case":
        original.code = ""
    assert again == original
    assert imported.uuid == framework.uuid


@pytest.mark.parametrize("file_format", ["csv", "case"])
def test_a_moodle_framework_with_nesting_and_cross_references_round_trips(session, file_format):
    source = interchange.parse_file(moodle_csv(), "moodle.csv")
    written = interchange.write_import(session, source, actor=None)
    publish_framework(session, written, None, note="First version.")
    first = _export(session, written, file_format)
    _empty_the_database(session)
    imported = _import(session, first.text, first.filename)
    second = _export(session, imported, file_format)
    if file_format == "csv":
        assert second.text == first.text
    else:
        assert _without_timestamps(second.text) == _without_timestamps(first.text)
    tree = load_framework_tree(session, imported.id)
    triage = next(c for c in tree.competencies if c.code == "triage")
    assert triage.parent.code == "incidents"
    assert len(tree.relations) == 3


def test_a_moodle_layout_file_is_written_as_a_draft_with_an_audit_event(session):
    preview = interchange.parse_file(moodle_csv(), "service-desk.csv")
    framework = interchange.write_import(session, preview, actor=None)
    assert (framework.status, framework.version, framework.code) == ("draft", 1, "SVC-DESK")
    counts = row_counts(session)
    assert counts["competencies"] == 10
    assert counts["competency_relations"] == 3
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "framework.import")
    ).one()
    assert event.after["filename"] == "service-desk.csv"
    assert event.after["counts"]["competencies"] == 10


@pytest.mark.parametrize(
    "name",
    [
        "opensalt-AdoptedTestFramework.json",
        "opensalt-ItemTypeTestFramework.json",
        "opensalt-MarkdownFramework.json",
        "opensalt-SequenceNumberFramework.json",
        "opensalt-SmartLevelFramework.json",
        "opensalt-Utf8TestFramework.json",
        "opensalt-sample-framework.json",
    ],
)
def test_each_opensalt_package_imports_into_the_database(session, name):
    content = shared_fixture("case", name).read_bytes()
    preview = interchange.parse_file(content, name)
    framework = interchange.write_import(session, preview, actor=None)
    tree = load_framework_tree(session, framework.id)
    document = json.loads(content)["CFDocument"]
    assert tree.uuid == document["identifier"] and tree.name == document["title"]
    assert len(tree.competencies) == preview.counts["competencies"] > 0
    item_ids = {i["identifier"] for i in json.loads(content)["CFItems"]}
    assert {c.uuid for c in tree.competencies} <= item_ids
    assert [level.value for level in tree.scale_levels] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("kind", "name", "content", "phrase"),
    bad_files(),
    ids=lambda value: value if isinstance(value, str) and "-" in value else "",
)
def test_a_bad_file_is_rejected_whole_and_nothing_changes(session, kind, name, content, phrase):
    seed_default_framework(session)
    session.flush()
    before = row_counts(session)
    preview = interchange.parse_file(content, name)
    with pytest.raises(ValidationError) as caught:
        interchange.write_import(session, preview, actor=None)
    assert any(phrase in problem for problem in caught.value.problems), caught.value.problems
    session.flush()
    assert row_counts(session) == before


def test_importing_a_known_framework_makes_a_new_draft_version_that_keeps_role_profiles(session):
    published, _ = seed_default_framework(session)
    spec = default_spec()
    spec.competencies = [c for c in spec.competencies if c.code != "PER-04"]
    spec.competencies[0].name = "Technical skills and architecture"
    preview = interchange.parse_file(export_csv(spec).encode(), "next.csv")
    plan = interchange.plan_import(session, preview)
    assert not plan.is_new_framework and plan.base.id == published.id
    assert plan.version_label == "1.2"
    assert any("PER-04 is not in the file" in note for note in plan.notes)
    draft = interchange.write_import(session, preview, actor=None)
    assert (draft.version, draft.status, draft.based_on_id) == (2, "draft", published.id)
    assert published.status == FrameworkStatus.PUBLISHED
    itpm = next(p for p in draft.role_profiles if p.code == "ITPM")
    published_itpm = next(p for p in published.role_profiles if p.code == "ITPM")
    assert len(itpm.requirements) == len(published_itpm.requirements) - 1
    assert {r.competency.framework_id for r in itpm.requirements} == {draft.id}


def test_no_import_while_a_draft_is_open(session):
    published, _ = seed_default_framework(session)
    create_draft(session, published, None)
    session.flush()
    before = row_counts(session)
    preview = interchange.parse_file(export_csv(default_spec()).encode(), "again.csv")
    with pytest.raises(ConflictError) as caught:
        interchange.write_import(session, preview, actor=None)
    assert "already has a draft (version 1.2)" in caught.value.problems[0]
    assert row_counts(session) == before


def test_an_imported_code_outside_our_pattern_does_not_block_editing(session):
    text = moodle_csv().decode().replace("INC-1", "INC 1")
    framework = interchange.write_import(
        session, interchange.parse_file(text.encode(), "spaces.csv"), actor=None
    )
    competency = next(c for c in framework.competencies if c.code == "INC 1")
    changes = competency_input(competency)
    changes.descriptors[2] = "Asks for impact first, every time."
    update_competency(session, competency, None, changes)
    assert competency.level_descriptors[0].description == "Asks for impact first, every time."
    changes.code = "INC 2"
    with pytest.raises(ValidationError) as caught:
        update_competency(session, competency, None, changes)
    assert "letters, digits" in caught.value.problems[0]


def test_an_esco_reference_must_be_a_web_address():
    spec = default_spec()
    spec.competencies[0].esco_uri = "javascript:alert(1)"
    problems = interchange.parse_file(export_csv(spec).encode(), "esco.csv").problems
    assert problems == [
        "Competency TEC-01: the ESCO reference 'javascript:alert(1)' is not a web address."
    ]


def test_discarding_an_imported_draft_with_nesting_and_relations_removes_all_of_it(session):
    from competencies.drafts import discard_draft

    framework = interchange.write_import(
        session, interchange.parse_file(moodle_csv(), "m.csv"), actor=None
    )
    session.flush()
    discard_draft(session, framework, None)
    counts = row_counts(session)
    assert counts["frameworks"] == counts["competencies"] == counts["competency_relations"] == 0
