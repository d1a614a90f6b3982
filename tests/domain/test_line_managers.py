"""Line managers: only HR sets them, only active hiring managers can be one, all audited."""

import pytest
import sqlalchemy as sa

from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import PermissionDeniedError, ValidationError
from core.line_managers import direct_reports, is_line_manager_of, set_line_manager
from core.users import Role
from plans.access import can_view_plan, sees_candidate
from tests.factories import make_plan, make_project, make_user


@pytest.fixture()
def people(session):
    seed_default_framework(session)
    return {
        "hr": make_user(session, role=Role.HR),
        "person": make_user(session, role=Role.CANDIDATE),
        "boss": make_user(session, role=Role.MANAGER),
        "other": make_user(session, role=Role.MANAGER),
        "admin": make_user(session, role=Role.ADMIN),
    }


def test_hr_sets_and_clears_a_line_manager_and_each_change_is_audited(session, people):
    set_line_manager(session, people["person"], people["boss"], actor=people["hr"])
    assert is_line_manager_of(session, people["boss"].id, people["person"].id)
    assert [p.id for p in direct_reports(session, people["boss"].id)] == [people["person"].id]
    set_line_manager(session, people["person"], None, actor=people["hr"])
    assert not is_line_manager_of(session, people["boss"].id, people["person"].id)
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "user.line_manager")
    ).all()
    assert len(actions) == 2


@pytest.mark.parametrize("who", ["boss", "person", "admin"])
def test_nobody_but_hr_sets_a_line_manager(session, people, who):
    with pytest.raises(PermissionDeniedError):
        set_line_manager(session, people["person"], people["boss"], actor=people[who])
    assert people["person"].line_manager_id is None


def test_only_an_active_hiring_manager_other_than_the_person_can_be_line_manager(session, people):
    with pytest.raises(ValidationError):
        set_line_manager(session, people["person"], people["admin"], actor=people["hr"])
    with pytest.raises(ValidationError):
        set_line_manager(session, people["boss"], people["boss"], actor=people["hr"])
    people["other"].is_active = False
    with pytest.raises(ValidationError):
        set_line_manager(session, people["person"], people["other"], actor=people["hr"])


def test_evaluating_a_person_on_a_project_grants_no_plan_access(session, people):
    """Issue 24: a manager could put anyone on a project of their own and read their plans."""
    make_project(session, people["other"], candidates=[people["person"]])
    plan = make_plan(session, people["person"])
    assert not sees_candidate(session, people["other"], people["person"].id)
    assert not can_view_plan(session, people["other"], plan)
    set_line_manager(session, people["person"], people["boss"], actor=people["hr"])
    assert can_view_plan(session, people["boss"], plan)
    assert can_view_plan(session, people["hr"], plan)
    assert not can_view_plan(session, people["admin"], plan)
