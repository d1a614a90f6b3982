"""Draft versions: a deep copy that keeps uuids, published versions that never change."""

import pytest
import sqlalchemy as sa

from competencies.competency_editing import (
    CompetencyInput,
    add_competency,
    competency_input,
    move_competency,
    remove_competency,
    update_competency,
)
from competencies.drafts import (
    PublishedVersionError,
    create_draft,
    discard_draft,
    next_version_label,
    publish_draft,
)
from competencies.editing import (
    ScaleLevelInput,
    add_area,
    remove_area,
    update_area,
    update_framework_details,
    update_scale,
)
from competencies.models import (
    Competency,
    Framework,
    FrameworkStatus,
    LevelDescriptor,
    RoleRequirement,
)
from competencies.services import current_framework, load_framework_tree, seed_default_framework
from competencies.spec import spec_from_framework
from core.audit import AuditEvent
from core.errors import ConflictError, ValidationError
from tests.factories import make_user


@pytest.fixture()
def published(session):
    framework, _ = seed_default_framework(session)
    return framework


@pytest.fixture()
def hr(session):
    return make_user(session, role="hr")


@pytest.fixture()
def draft(session, published, hr):
    return create_draft(session, published, hr)


def _competency(framework, code):
    return next(c for c in framework.competencies if c.code == code)


def _row_counts(session):
    return {
        model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Framework, Competency, LevelDescriptor, RoleRequirement)
    }


def test_a_draft_is_a_deep_copy_that_keeps_every_uuid(session, published, draft):
    source = spec_from_framework(load_framework_tree(session, published.id))
    copy = spec_from_framework(load_framework_tree(session, draft.id))
    assert draft.status == FrameworkStatus.DRAFT
    assert (draft.uuid, draft.version, draft.version_label) == (published.uuid, 2, "1.2")
    assert draft.based_on_id == published.id
    source.version_label = copy.version_label
    assert copy == source
    assert {c.id for c in draft.competencies}.isdisjoint({c.id for c in published.competencies})


def test_only_one_draft_at_a_time_and_only_from_the_current_version(session, published, draft, hr):
    with pytest.raises(ConflictError, match="already being drafted"):
        create_draft(session, published, hr)
    with pytest.raises(ConflictError, match="current version"):
        create_draft(session, draft, hr)


def test_published_versions_refuse_every_change(session, published, hr):
    counts = _row_counts(session)
    planning = _competency(published, "DEL-01")
    changes = competency_input(planning)
    changes.name = "Renamed"
    area = published.areas[0]
    calls = [
        lambda: update_competency(session, planning, hr, changes),
        lambda: update_framework_details(session, published, hr, name="X", version_label="9"),
        lambda: add_competency(session, published, hr, changes),
        lambda: remove_competency(session, planning, hr),
        lambda: move_competency(session, planning, hr, "down"),
        lambda: update_area(session, area, hr, code=area.code, name="X"),
        lambda: add_area(session, published, hr, code="NEW", name="New"),
        lambda: discard_draft(session, published, hr),
        lambda: update_scale(session, published, hr, scale_name="s", levels=[]),
    ]
    for call in calls:
        with pytest.raises(PublishedVersionError, match="is published and never changes"):
            call()
    session.expire_all()
    assert _competency(published, "DEL-01").name == "Planning"
    assert _row_counts(session) == counts


def test_editing_a_competency_in_a_draft_changes_only_the_draft(session, published, draft, hr):
    planning = _competency(draft, "DEL-01")
    changes = competency_input(planning)
    changes.descriptors[3] = "Plans carefully."
    changes.ecf_code = "E.1"
    update_competency(session, planning, hr, changes, expected_lock=planning.lock_version)
    session.expire_all()
    assert {d.level: d.description for d in planning.level_descriptors}[3] == "Plans carefully."
    assert planning.ecf_code == "E.1"
    original = _competency(published, "DEL-01")
    assert original.ecf_code == "E.2"
    assert "Plans carefully." not in [d.description for d in original.level_descriptors]
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "framework.competency.update")
    ).one()
    assert event.actor_id == hr.id
    assert event.before["ecf_code"] == "E.2" and event.after["ecf_code"] == "E.1"
    assert set(event.after) == {"ecf_code", "descriptors"}


def test_a_stale_save_is_refused_with_a_conflict(session, draft, hr):
    planning = _competency(draft, "DEL-01")
    stale = planning.lock_version
    update_competency(session, planning, hr, competency_input(planning), expected_lock=stale)
    with pytest.raises(ConflictError, match="Someone else changed competency DEL-01"):
        update_competency(session, planning, hr, competency_input(planning), expected_lock=stale)


def test_competency_edit_rules_are_reported_together(session, draft, hr):
    planning = _competency(draft, "DEL-01")
    changes = competency_input(planning)
    changes.code = "TEC-01"
    changes.name = ""
    changes.pmi_side = "nonsense"
    changes.esco_uri = "not a link"
    changes.descriptors[9] = "Beyond the scale"
    with pytest.raises(ValidationError) as caught:
        update_competency(session, planning, hr, changes)
    problems = " ".join(caught.value.problems)
    assert "already has the code TEC-01" in problems
    assert "Enter a name" in problems
    assert "PMI Talent Triangle" in problems
    assert "web address" in problems
    assert "Level 9 is not on this version's scale" in problems


def test_add_move_and_remove_competencies_in_a_draft(session, draft, hr):
    area = next(a for a in draft.areas if a.code == "DEL")
    added = add_competency(
        session,
        draft,
        hr,
        CompetencyInput(
            code="DEL-03",
            name="Risk management",
            area_id=area.id,
            descriptors={1: "Keeps a risk list."},
        ),
    )
    codes = [c.code for c in sorted(area.competencies, key=lambda c: c.position)]
    assert codes[-1] == "DEL-03"
    move_competency(session, added, hr, "up")
    session.expire_all()
    codes = [c.code for c in sorted(area.competencies, key=lambda c: c.position)]
    assert codes == ["DEL-01", "DEL-03", "DEL-02"]
    positions = [c.position for c in sorted(draft.competencies, key=lambda c: c.position)]
    assert positions == list(range(1, len(positions) + 1))
    with pytest.raises(ValidationError, match="already the first"):
        move_competency(session, _competency(draft, "DEL-01"), hr, "up")
    remove_competency(session, added, hr)
    session.expire_all()
    assert "DEL-03" not in [c.code for c in draft.competencies]
    actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert {
        "framework.competency.create",
        "framework.competency.move",
        "framework.competency.delete",
    } <= set(actions)


def test_removing_a_competency_drops_its_role_requirements_in_the_draft_only(
    session, published, draft, hr
):
    planning = _competency(draft, "DEL-01")
    remove_competency(session, planning, hr)
    session.expire_all()
    draft_profiles = {p.code: p for p in draft.role_profiles}
    assert all(r.competency.code != "DEL-01" for r in draft_profiles["ITPM"].requirements)
    published_itpm = next(p for p in published.role_profiles if p.code == "ITPM")
    assert any(r.competency.code == "DEL-01" for r in published_itpm.requirements)
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "framework.competency.delete")
    ).one()
    assert "ITPM" in event.before["required_by"]


def test_areas_can_be_added_renamed_and_removed_when_empty(session, draft, hr):
    area = add_area(session, draft, hr, code="GOV", name="Governance")
    update_area(session, area, hr, code="GOV", name="Governance and compliance")
    assert area.name == "Governance and compliance"
    with pytest.raises(ValidationError, match="still holds"):
        remove_area(session, draft.areas[0], hr)
    remove_area(session, area, hr)
    session.expire_all()
    assert "GOV" not in [a.code for a in draft.areas]


def test_scale_level_names_can_change_but_levels_cannot_be_added(session, draft, hr):
    levels = [
        ScaleLevelInput(level.value, level.name, level.description) for level in draft.scale_levels
    ]
    levels[1].name = "Beginner (e-1)"
    update_scale(session, draft, hr, scale_name="Proficio scale", levels=levels)
    assert draft.scale_levels[1].name == "Beginner (e-1)"
    with pytest.raises(ValidationError) as caught:
        update_scale(
            session, draft, hr, scale_name="s", levels=[*levels, ScaleLevelInput(6, "Six")]
        )
    assert "cannot be added or removed" in caught.value.problems[0]


def test_publishing_needs_a_note_and_retires_the_previous_version(session, published, draft, hr):
    with pytest.raises(ValidationError, match="cannot be published"):
        publish_draft(session, draft, hr, "   ")
    publish_draft(session, draft, hr, "Sharper planning indicators.")
    assert draft.status == FrameworkStatus.PUBLISHED
    assert draft.change_note == "Sharper planning indicators."
    assert published.status == FrameworkStatus.RETIRED
    assert current_framework(session, published.uuid).id == draft.id
    with pytest.raises(PublishedVersionError):
        publish_draft(session, draft, hr, "again")


def test_discarding_a_draft_leaves_the_published_version_alone(session, published, draft, hr):
    discard_draft(session, draft, hr)
    session.flush()
    assert session.scalars(sa.select(Framework.id)).all() == [published.id]
    assert published.status == FrameworkStatus.PUBLISHED
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "framework.draft.discard")
    ).one()
    assert event.before["version_label"] == "1.2"


@pytest.mark.parametrize(
    ("label", "expected"), [("1.0", "1.1"), ("1.9", "1.10"), ("2", "3"), ("2024-A", "2024-A.1")]
)
def test_next_version_label(label, expected):
    assert next_version_label(label) == expected
