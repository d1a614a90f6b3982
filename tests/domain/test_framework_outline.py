"""What the framework pages load: the outline of a version and its place in the lineage."""

import pytest

from competencies.competency_editing import CompetencyInput, add_competency
from competencies.drafts import create_draft, place_in_lineage, publish_draft
from competencies.services import (
    competency_depths,
    load_framework_outline,
    seed_default_framework,
)
from tests.factories import make_user
from tests.helpers import counting


@pytest.fixture()
def published(session):
    framework, _ = seed_default_framework(session)
    session.commit()
    return framework


@pytest.fixture()
def hr(session):
    return make_user(session, role="hr")


def test_the_outline_without_an_id_is_the_current_published_version(session, published, hr):
    draft = create_draft(session, published, hr)
    session.commit()
    session.expunge_all()
    outline = load_framework_outline(session)
    assert outline.id == published.id
    assert [level.value for level in outline.scale_levels] == [0, 1, 2, 3, 4, 5]
    assert load_framework_outline(session, draft.id).id == draft.id
    assert load_framework_outline(session, 10**6) is None


def test_the_outline_loads_in_three_queries_and_six_with_profiles(session, published, engine):
    session.expunge_all()
    with counting(engine) as plain:
        outline = load_framework_outline(session, published.id)
        names = [c.name for area in outline.areas for c in area.competencies]
    session.expunge_all()
    with counting(engine) as full:
        outline = load_framework_outline(session, published.id, with_profiles=True)
        descriptors = sum(len(c.level_descriptors) for a in outline.areas for c in a.competencies)
        requirements = sum(len(p.requirements) for p in outline.role_profiles)
    assert (len(plain), len(full)) == (3, 6)
    assert names and descriptors and requirements


def test_no_outline_when_nothing_is_published(session):
    assert load_framework_outline(session) is None


def test_sub_competencies_sit_one_level_below_their_parent(session, published, hr):
    draft = create_draft(session, published, hr)
    area = draft.areas[0]
    parent = area.competencies[0]
    child = add_competency(
        session,
        draft,
        hr,
        CompetencyInput(code="SUB-1", name="Sub", area_id=area.id, parent_id=parent.id),
    )
    grandchild = add_competency(
        session,
        draft,
        hr,
        CompetencyInput(code="SUB-2", name="Sub sub", area_id=area.id, parent_id=child.id),
    )
    session.commit()
    session.expunge_all()
    depths = competency_depths(load_framework_outline(session, draft.id))
    assert (depths[parent.id], depths[child.id], depths[grandchild.id]) == (0, 1, 2)


def test_place_in_lineage_names_the_draft_current_and_previous_versions(session, published, hr):
    second = create_draft(session, published, hr)
    publish_draft(session, second, hr, "A second version.")
    third = create_draft(session, second, hr)
    session.flush()
    of_first = place_in_lineage(session, published)
    assert (of_first.draft, of_first.current, of_first.previous) == (third, second, None)
    of_second = place_in_lineage(session, second)
    assert (of_second.draft, of_second.current, of_second.previous) == (third, second, published)
    assert place_in_lineage(session, third).previous == second


def test_without_a_recorded_base_the_previous_version_is_the_one_numbered_before(
    session, published, hr
):
    second = create_draft(session, published, hr)
    second.based_on_id = None
    session.flush()
    place = place_in_lineage(session, second)
    assert (place.draft, place.current, place.previous) == (second, published, published)
