"""Seeding the default framework: published, idempotent, described for the CLI."""

import sqlalchemy as sa

from competencies.models import Competency, Framework, FrameworkStatus, RoleProfile
from competencies.services import (
    current_framework,
    describe_framework,
    load_framework_tree,
    publish_framework,
    seed_default_framework,
    stable_uuid,
)
from core.audit import AuditEvent


def test_seed_publishes_the_default_framework_once(session):
    framework, created = seed_default_framework(session)
    again, created_again = seed_default_framework(session)
    assert created and not created_again
    assert again.id == framework.id
    assert framework.status == FrameworkStatus.PUBLISHED
    assert session.scalar(sa.select(sa.func.count(Framework.id))) == 1
    assert session.scalar(sa.select(sa.func.count(Competency.id))) == 17
    assert session.scalar(sa.select(sa.func.count(RoleProfile.id))) == 4


def test_identifiers_are_stable_across_installations(session):
    seed_default_framework(session)
    planning = session.scalar(sa.select(Competency).where(Competency.code == "DEL-01"))
    assert planning.uuid == stable_uuid("competency", "DEL-01")


def test_publishing_a_new_version_retires_the_previous_one(session):
    first, _ = seed_default_framework(session)
    draft = Framework(
        uuid=first.uuid, version=2, version_label="1.1", name=first.name, scale_name="s"
    )
    session.add(draft)
    session.flush()
    publish_framework(session, draft, actor=None)
    assert first.status == FrameworkStatus.RETIRED
    assert current_framework(session).id == draft.id
    actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("framework.publish") == 2


def test_describe_framework_lists_requirements_in_framework_order(session):
    framework, _ = seed_default_framework(session)
    description = describe_framework(load_framework_tree(session, framework.id))
    codes = [c["code"] for c in description["competencies"]]
    itpm = next(p for p in description["role_profiles"] if p["name"] == "IT Project Manager")
    assert [r["code"] for r in itpm["requirements"]] == codes
    blank_targets = [
        r for p in description["role_profiles"] for r in p["requirements"] if r["target"] is None
    ]
    # A blank target stays blank (None), never silently becomes 0.
    assert all(r["target"] is None for r in blank_targets)
    assert not any(
        r["target"] == 0 for p in description["role_profiles"] for r in p["requirements"]
    )
