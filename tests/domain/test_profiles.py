"""The role-profile editor: must / can / not required, targets on the scale, blank ≠ 0."""

import pytest
import sqlalchemy as sa

from competencies.drafts import PublishedVersionError, create_draft
from competencies.models import RoleRequirement
from competencies.role_profiles import (
    RequirementChoice,
    copy_profile,
    create_profile,
    set_profile_retired,
    set_requirements,
    update_profile_details,
)
from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import ConflictError, ValidationError
from tests.factories import make_user


@pytest.fixture()
def hr(session):
    return make_user(session, role="hr")


@pytest.fixture()
def draft(session, hr):
    published, _ = seed_default_framework(session)
    return create_draft(session, published, hr)


def _profile(framework, code):
    return next(p for p in framework.role_profiles if p.code == code)


def _ids(framework):
    return {c.code: c.id for c in framework.competencies}


def _requirement(profile, competency_id):
    return next((r for r in profile.requirements if r.competency_id == competency_id), None)


def test_blank_target_is_stored_as_none_and_zero_as_zero(session, draft, hr):
    profile = _profile(draft, "ITPM")
    ids = _ids(draft)
    set_requirements(
        session,
        profile,
        hr,
        {
            ids["LEA-04"]: RequirementChoice("can", None),
            ids["PER-03"]: RequirementChoice("can", 0),
        },
    )
    session.expire_all()
    assert _requirement(profile, ids["LEA-04"]).target_level is None
    assert _requirement(profile, ids["PER-03"]).target_level == 0


def test_not_required_removes_the_row_and_must_adds_one(session, draft, hr):
    profile = _profile(draft, "ITPM")
    ids = _ids(draft)
    set_requirements(
        session,
        profile,
        hr,
        {ids["PER-04"]: RequirementChoice(None, None), ids["LEA-02"]: RequirementChoice("must", 4)},
    )
    session.expire_all()
    assert _requirement(profile, ids["PER-04"]) is None
    communication = _requirement(profile, ids["LEA-02"])
    assert (communication.requirement, communication.target_level) == ("must", 4)
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "role_profile.requirements.update")
    ).one()
    assert event.after["PER-04"] is None
    assert event.before["LEA-02"] == {"requirement": "can", "target": 3}
    assert event.after["LEA-02"] == {"requirement": "must", "target": 4}


def test_targets_outside_the_scale_and_targets_without_requirement_are_refused(session, draft, hr):
    profile = _profile(draft, "ITPM")
    ids = _ids(draft)
    before = session.scalars(
        sa.select(RoleRequirement.target_level).where(RoleRequirement.role_profile_id == profile.id)
    ).all()
    with pytest.raises(ValidationError) as caught:
        set_requirements(
            session,
            profile,
            hr,
            {
                ids["TEC-01"]: RequirementChoice("must", 6),
                ids["TEC-02"]: RequirementChoice("must", -1),
                ids["TEC-03"]: RequirementChoice(None, 2),
                ids["DEL-01"]: RequirementChoice("maybe", 2),
                999999: RequirementChoice("can", 1),
            },
        )
    problems = caught.value.problems
    assert "TEC-01: target 6 is not on the scale (0–5)." in problems
    assert "TEC-02: target -1 is not on the scale (0–5)." in problems
    assert any(p.startswith("TEC-03: a target needs a requirement") for p in problems)
    assert "DEL-01: choose must, can or not required." in problems
    assert "Competency #999999 is not part of this version." in problems
    session.expire_all()
    after = session.scalars(
        sa.select(RoleRequirement.target_level).where(RoleRequirement.role_profile_id == profile.id)
    ).all()
    assert after == before


def test_stale_profile_save_is_a_conflict(session, draft, hr):
    profile = _profile(draft, "ITPM")
    stale = profile.lock_version
    set_requirements(session, profile, hr, {}, expected_lock=stale)
    with pytest.raises(ConflictError):
        set_requirements(session, profile, hr, {}, expected_lock=stale)


def test_create_copy_and_retire_profiles(session, draft, hr):
    created = create_profile(
        session,
        draft,
        hr,
        code="PMO",
        name="PMO Analyst",
        qualifications=["PRINCE2 Foundation", " ", "PRINCE2 Foundation"],
    )
    assert created.requirements == [] and created.qualifications == ["PRINCE2 Foundation"]
    itpm = _profile(draft, "ITPM")
    copy = copy_profile(session, itpm, hr, code="ITPM-EXT", name="IT Project Manager (external)")
    assert copy.uuid != itpm.uuid
    assert {(r.competency_id, r.requirement, r.target_level) for r in copy.requirements} == {
        (r.competency_id, r.requirement, r.target_level) for r in itpm.requirements
    }
    with pytest.raises(ValidationError):
        create_profile(session, draft, hr, code="ITPM", name="Duplicate")
    set_profile_retired(session, copy, hr, True)
    assert copy.is_retired
    with pytest.raises(ValidationError, match="already retired"):
        set_profile_retired(session, copy, hr, True)
    update_profile_details(session, created, hr, code="PMO", name="PMO Lead", description="Leads")
    actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {
        "role_profile.create",
        "role_profile.copy",
        "role_profile.retire",
        "role_profile.update",
    } <= actions


def test_profiles_of_a_published_version_cannot_change(session, hr):
    published, _ = seed_default_framework(session)
    profile = _profile(published, "ITPM")
    with pytest.raises(PublishedVersionError):
        set_requirements(session, profile, hr, {})
    with pytest.raises(PublishedVersionError):
        set_profile_retired(session, profile, hr, True)
    with pytest.raises(PublishedVersionError):
        copy_profile(session, profile, hr, code="X", name="X")
    with pytest.raises(PublishedVersionError):
        create_profile(session, published, hr, code="X", name="X")
