"""The profile cache serves a built profile until anything the profile shows changes."""

import pytest
import sqlalchemy as sa

from assessments.credentials import add_qualification, remove_qualification
from assessments.target_roles import choose_target_role
from competencies.models import RoleProfile
from competencies.services import seed_default_framework
from person_profile.build import build_person_profile
from person_profile.cache import PROFILES, profile_with_key
from tests.factories import make_project_assessment, make_self_round, make_user


@pytest.fixture()
def person(session):
    seed_default_framework(session)
    person = make_user(session)
    choose_target_role(session, person, _role(session, "ITPM").id)
    make_self_round(session, person, {"DEL-01": 1})
    session.flush()
    return person


def _role(session, code):
    return session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))


def _profile(session, person_id, **options):
    return profile_with_key(session, person_id, **options)[0]


def test_an_unchanged_profile_is_served_from_the_cache(session, person):
    first, key = profile_with_key(session, person.id)
    again, same_key = profile_with_key(session, person.id)
    assert again is first and same_key == key
    assert (PROFILES.hits, PROFILES.misses) == (1, 1)
    assert first == build_person_profile(session, person.id)


def test_a_new_self_round_is_seen_at_once(session, person):
    assert _profile(session, person.id).row("DEL-01").self_level == 1
    make_self_round(session, person, {"DEL-01": 4})
    session.flush()
    assert _profile(session, person.id).row("DEL-01").self_level == 4


def test_a_released_evaluation_is_seen_at_once(session, person):
    assert not _profile(session, person.id).has_evaluations
    manager = make_user(session, role="manager")
    make_project_assessment(session, person, manager, {"DEL-01": 3})
    session.flush()
    profile = _profile(session, person.id)
    assert profile == build_person_profile(session, person.id)
    assert profile.has_evaluations


def test_a_changed_target_role_is_seen_at_once(session, person):
    assert _profile(session, person.id).role.code == "ITPM"
    choose_target_role(session, person, _role(session, "SITPM").id)
    session.flush()
    assert _profile(session, person.id).role.code == "SITPM"


def test_added_and_removed_qualifications_are_seen_at_once(session, person):
    before = _profile(session, person.id)
    added = add_qualification(
        session, person, kind="technical_informatics", title="BSc Informatics"
    )
    session.flush()
    with_it = _profile(session, person.id)
    assert with_it == build_person_profile(session, person.id) and with_it != before
    remove_qualification(session, person, added.id)
    session.flush()
    assert _profile(session, person.id) == before
