"""Issue 20: the default framework's crosswalks say what the standards say, as version 1.1."""

import sqlalchemy as sa

from competencies.crosswalk import ecf_equivalent
from competencies.models import Competency, Framework, FrameworkStatus, PmiSide
from competencies.services import (
    current_framework,
    describe_framework,
    load_framework_tree,
    seed_default_framework,
)
from tests.factories import make_self_round, make_user


def _by_code(framework):
    return {c.code: c for c in framework.competencies}


def test_the_seeded_framework_is_version_1_1_with_a_change_note(session):
    framework, created = seed_default_framework(session)
    assert created and framework.version_label == "1.1"
    assert "assessments made on 1.0 keep 1.0" in framework.change_note
    assert "e-CF aligned" not in framework.scale_name
    assert "ESCO v1.1.1, European Commission" in framework.source


def test_crosswalks_follow_the_standards(session):
    framework, _ = seed_default_framework(session)
    c = _by_code(framework)
    assert (c["TEC-01"].ecf_code, c["TEC-01"].sfia_code) == (None, None)
    assert c["TEC-02"].ecf_code == "C.5"
    assert c["PER-02"].ecf_code is None
    assert (c["LEA-01"].sfia_code, c["LEA-01"].sfia_kind) == ("LEAD", "attribute")
    assert (c["LEA-02"].sfia_code, c["LEA-02"].sfia_kind) == ("COMM", "attribute")
    assert (c["PER-02"].sfia_code, c["PER-02"].sfia_kind) == ("LADV", "attribute")
    assert (c["STR-01"].sfia_code, c["STR-01"].sfia_kind) == ("BENM", "skill")
    assert c["STR-02"].sfia_code == "COMG"
    assert c["LEA-05"].icb4_element == "People 5 Leadership; People 9 Negotiation"
    assert c["TEC-03"].icb4_element == "People 8 Resourcefulness"
    assert not any("4.4." in (x.icb4_element or "") for x in framework.competencies)
    assert c["TEC-01"].pmi_side == c["TEC-02"].pmi_side == PmiSide.BUSINESS_ACUMEN
    assert c["STR-02"].pmi_side == PmiSide.WAYS_OF_WORKING
    assert [side.label for side in PmiSide] == [
        "Ways of Working",
        "Power Skills",
        "Business Acumen",
    ]


def test_a_level_outside_a_standard_s_range_has_no_equivalent(session):
    framework, _ = seed_default_framework(session)
    strategy = _by_code(framework)["STR-01"]
    assert strategy.crosswalk_levels["ecf_code"] == [4, 5]
    assert strategy.ecf_equivalent(2) == "A.1: no equivalent at this level"
    assert strategy.ecf_equivalent(4) == "A.1 at e-4"
    refs = {r.standard: r for r in strategy.crosswalk_references}
    assert refs["e-CF 4.0"].levels_text == "e-4 to e-5"
    assert refs["SFIA 9"].kind == "professional skill"
    assert ecf_equivalent(None, None, 3) == ""


def test_list_json_shows_esco_uris_and_the_attribution(session):
    framework, _ = seed_default_framework(session)
    described = describe_framework(load_framework_tree(session, framework.id))
    by_code = {c["code"]: c for c in described["competencies"]}
    assert by_code["LEA-04"]["crosswalk"]["esco"] == (
        "http://data.europa.eu/esco/skill/0ee94af1-b445-4973-9c3f-459fab250342"
    )
    assert by_code["LEA-01"]["crosswalk"]["sfia_kind"] == "attribute"
    assert sum(1 for c in described["competencies"] if c["crosswalk"]["esco"]) == 7
    assert described["framework"]["attribution"] == [
        "ESCO v1.1.1, European Commission, https://esco.ec.europa.eu (CC BY 4.0)"
    ]


def test_a_database_seeded_with_1_0_gets_1_1_and_its_assessments_keep_1_0(session):
    """A seeded 1.0 (old crosswalks) is upgraded by `seed`: a new version, not an edit."""
    old, _ = seed_default_framework(session)
    old.version_label = "1.0"
    technical = _by_code(old)["TEC-01"]
    technical.ecf_code, technical.sfia_code = "B.1", "DLMG"
    session.flush()
    person = make_user(session, role="candidate")
    assessment = make_self_round(session, person)
    assert assessment.framework_id == old.id

    upgraded, created = seed_default_framework(session)
    assert not created and upgraded.id != old.id
    assert (upgraded.version_label, upgraded.status) == ("1.1", FrameworkStatus.PUBLISHED)
    assert "Crosswalks corrected" in upgraded.change_note
    assert current_framework(session).id == upgraded.id
    session.refresh(old)
    assert old.status == FrameworkStatus.RETIRED
    assert (_by_code(old)["TEC-01"].ecf_code, assessment.framework_id) == ("B.1", old.id)
    tree = load_framework_tree(session, upgraded.id)
    assert _by_code(tree)["TEC-01"].ecf_code is None
    # Seeding again changes nothing more.
    again, _ = seed_default_framework(session)
    assert again.id == upgraded.id
    count = session.scalar(sa.select(sa.func.count()).select_from(Framework))
    assert count == 2
    assert session.scalar(
        sa.select(sa.func.count())
        .select_from(Competency)
        .where(Competency.framework_id == upgraded.id)
    ) == len(old.competencies)


def test_the_case_export_names_esco_as_the_source_of_its_uris(session):
    from competencies.interchange import export_framework

    framework, _ = seed_default_framework(session)
    text = export_framework(load_framework_tree(session, framework.id), "case").text
    assert "ESCO v1.1.1, European Commission, https://esco.ec.europa.eu (CC BY 4.0)" in text
    assert "Crosswalk to ESCO (source: ESCO v1.1.1" in text
    assert "SFIA kind: generic attribute" in text and "e-CF levels: 4-5" in text
