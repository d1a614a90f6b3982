"""Issue 20: an ESCO occupation comes in as a role profile of a new draft, through HR's mapping."""

import pytest
import sqlalchemy as sa

from competencies.esco import diff_relations, plan_esco_import, skill_mappings
from competencies.esco_draft import decide_esco_skills, review_esco_import, write_esco_import
from competencies.interchange.esco_files import files_from_directory, read_esco
from competencies.models import EscoImport, Framework, FrameworkStatus
from competencies.services import current_framework, load_framework_tree, seed_default_framework
from core.audit import AuditEvent
from core.errors import ValidationError
from tests.factories import make_user
from tests.helpers import shared_fixture

ICT_PM = "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525"
PM = "http://data.europa.eu/esco/occupation/bea99fea-0383-4c63-b944-70d4799de2c5"
CONFLICT = "http://data.europa.eu/esco/skill/0ee94af1-b445-4973-9c3f-459fab250342"
RISK = "http://data.europa.eu/esco/skill/1dd23dba-dd00-45ab-abf4-642902538317"


@pytest.fixture()
def esco_files():
    return files_from_directory(shared_fixture("esco", "v1.1.1"))


@pytest.fixture()
def hr(session):
    return make_user(session, role="hr")


@pytest.fixture()
def published(session):
    framework, _ = seed_default_framework(session)
    return framework


def _profile(framework, code):
    return next(p for p in framework.role_profiles if p.code == code)


def _requirements(profile):
    return {r.competency.code: r.requirement for r in profile.requirements}


def test_the_default_framework_ships_a_mapping_for_the_fixture_occupations(
    session, published, esco_files
):
    """Every ESCO skill the mapping names exists in the fixture, and most are mapped."""
    mapping = skill_mappings(session, published.uuid)
    assert len(mapping) >= 70
    plan = plan_esco_import(session, read_esco(esco_files, ICT_PM))
    assert plan.mapped + len(plan.unmapped) == 67


def test_ict_project_manager_is_proposed_with_must_for_essential_skills(
    session, published, hr, esco_files
):
    extract = read_esco(esco_files, ICT_PM)
    plan = plan_esco_import(session, extract)
    assert (plan.essential, plan.optional) == (21, 46)
    assert plan.esco_version == "1.1" and plan.is_version_guessed
    assert plan.compared_profile == "IT Project Manager"  # an ESCO alternative label
    assert session.scalar(sa.select(sa.func.count()).select_from(EscoImport)) == 0

    record = write_esco_import(session, extract, hr)
    draft = load_framework_tree(session, record.draft_id)
    assert draft.status == FrameworkStatus.DRAFT and draft.version_label == "1.2"
    assert current_framework(session).id == published.id  # nothing published by itself
    profile = next(p for p in draft.role_profiles if p.esco_uri == ICT_PM)
    assert (profile.name, profile.isco_group, profile.esco_version) == (
        "ICT project manager",
        "1330",
        "1.1",
    )
    required = _requirements(profile)
    assert required["LEA-04"] == "must"  # apply conflict management is essential
    assert required["DEL-01"] == "must"
    assert all(r.target_level is None for r in profile.requirements)
    assert (
        session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "framework.esco_import")
        ).after["essential"]
        == 21
    )


def test_project_manager_counts_37_essential_and_25_optional(session, published, esco_files):
    plan = plan_esco_import(session, read_esco(esco_files, PM))
    assert (plan.essential, plan.optional) == (37, 25)
    assert plan.summary()["occupation_label"] == "project manager"


def test_disagreement_with_the_kept_profile_is_shown_and_hr_decides(
    session, published, hr, esco_files
):
    record = write_esco_import(session, read_esco(esco_files, ICT_PM), hr)
    plan, draft = review_esco_import(session, record)
    conflict = next(d for d in plan.disagreements if d.code == "LEA-04")
    assert (conflict.esco, conflict.ours) == ("must", "can")
    assert "apply conflict management" in conflict.skills

    decide_esco_skills(session, record, hr, {}, adopt={conflict.competency_uuid})
    draft = load_framework_tree(session, record.draft_id)
    assert _requirements(_profile(draft, "ITPM"))["LEA-04"] == "must"
    published_again = load_framework_tree(session, published.id)
    assert _requirements(_profile(published_again, "ITPM"))["LEA-04"] == "can"


def test_unmapped_skill_added_as_competency_or_left_out_is_remembered(
    session, published, hr, esco_files
):
    record = write_esco_import(session, read_esco(esco_files, ICT_PM), hr)
    plan, _ = review_esco_import(session, record)
    unmapped = {line.uri: line for line in plan.unmapped}
    assert RISK in unmapped and unmapped[RISK].label == "perform risk analysis"
    other = next(uri for uri in unmapped if uri != RISK)

    counts = decide_esco_skills(session, record, hr, {RISK: "add", other: "skip"}, adopt=set())
    assert counts["added"] == 1 and counts["left out"] == 1
    draft = load_framework_tree(session, record.draft_id)
    added = next(c for c in draft.competencies if c.esco_uri == RISK)
    assert added.name == "Perform risk analysis" and added.area.code == "ESCO"
    assert _requirements(_profile(draft, record.role_code))[added.code] == "must"

    plan, _ = review_esco_import(session, record)
    still_open = {line.uri for line in plan.unmapped if line.choice is None}
    assert RISK not in still_open and other not in still_open
    assert skill_mappings(session, published.uuid)[other].choice == "skip"


def test_a_choice_outside_the_import_is_refused(session, published, hr, esco_files):
    record = write_esco_import(session, read_esco(esco_files, ICT_PM), hr)
    with pytest.raises(ValidationError) as refused:
        decide_esco_skills(session, record, hr, {"http://example.org/x": "add"}, adopt=set())
    assert "not one of this import's ESCO skills" in refused.value.problems[0]


def test_reimport_with_one_relation_flipped_shows_exactly_that_change(
    session, published, hr, esco_files
):
    write_esco_import(session, read_esco(esco_files, ICT_PM, "1.1.1"), hr)
    relations = esco_files["occupationSkillRelations.csv"].decode()
    before = f"{ICT_PM},essential,skill/competence,{CONFLICT}"
    assert before in relations
    flipped = dict(esco_files)
    flipped["occupationSkillRelations_en.csv"] = relations.replace(
        before, f"{ICT_PM},optional,skill/competence,{CONFLICT}"
    ).encode()
    del flipped["occupationSkillRelations.csv"]
    extract = read_esco(flipped, ICT_PM)
    assert extract.esco_version == "1.2" and extract.is_version_guessed
    plan = plan_esco_import(session, extract)
    assert plan.diff is not None
    assert (plan.diff.previous_version, plan.diff.version) == ("1.1.1", "1.2")
    assert plan.diff.added == [] and plan.diff.removed == []
    assert [(r["label"], a, b) for r, a, b in plan.diff.flipped] == [
        ("apply conflict management", "essential", "optional")
    ]
    second = write_esco_import(session, extract, hr)
    review, draft = review_esco_import(session, second)
    assert [r["uri"] for r, _, _ in review.diff.flipped] == [CONFLICT]
    # Both imports went into the same draft, and the ESCO profile follows the newer list.
    assert second.draft_id == draft.id
    assert len([p for p in draft.role_profiles if p.esco_uri == ICT_PM]) == 1


def test_diff_relations_tells_added_removed_and_flipped_apart():
    before = [{"uri": "a", "relation": "essential"}, {"uri": "b", "relation": "optional"}]
    after = [{"uri": "a", "relation": "optional"}, {"uri": "c", "relation": "essential"}]
    diff = diff_relations(before, after, ("1.1", "1.2"))
    assert [r["uri"] for r in diff.added] == ["c"]
    assert [r["uri"] for r in diff.removed] == ["b"]
    assert [(r["uri"], x, y) for r, x, y in diff.flipped] == [("a", "essential", "optional")]


def test_import_into_an_empty_database_makes_a_new_framework_draft(session, hr, esco_files):
    record = write_esco_import(session, read_esco(esco_files, PM), hr)
    framework = session.get(Framework, record.draft_id)
    assert framework.status == FrameworkStatus.DRAFT
    assert current_framework(session) is None
    tree = load_framework_tree(session, framework.id)
    assert len(tree.competencies) == 62
    assert all(c.esco_uri for c in tree.competencies)
    assert "ESCO v1.1, European Commission" in tree.source
    profile = tree.role_profiles[0]
    assert sum(1 for r in profile.requirements if r.requirement == "must") == 37
