"""The profile cache serves a built profile until anything the profile shows changes."""

import pytest
import sqlalchemy as sa

from assessments.credentials import add_qualification, remove_qualification
from assessments.target_roles import choose_target_role
from competencies.models import RoleProfile
from competencies.services import seed_default_framework
from person_profile.build import build_person_profile
from person_profile.cache import PersonProfileCache
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


def test_an_unchanged_profile_is_served_from_the_cache(session, person):
    cache = PersonProfileCache()
    first, key = cache.get(session, person.id)
    again, same_key = cache.get(session, person.id)
    assert again is first and same_key == key
    assert (cache.hits, cache.misses) == (1, 1)
    assert first == build_person_profile(session, person.id)


def test_a_new_self_round_is_seen_at_once(session, person):
    cache = PersonProfileCache()
    assert cache.get(session, person.id)[0].row("DEL-01").self_level == 1
    make_self_round(session, person, {"DEL-01": 4})
    session.flush()
    assert cache.get(session, person.id)[0].row("DEL-01").self_level == 4


def test_a_released_evaluation_is_seen_at_once(session, person):
    cache = PersonProfileCache()
    assert not cache.get(session, person.id)[0].has_evaluations
    manager = make_user(session, role="manager")
    make_project_assessment(session, person, manager, {"DEL-01": 3})
    session.flush()
    profile = cache.get(session, person.id)[0]
    assert profile == build_person_profile(session, person.id)
    assert profile.has_evaluations


def test_a_changed_target_role_is_seen_at_once(session, person):
    cache = PersonProfileCache()
    assert cache.get(session, person.id)[0].role.code == "ITPM"
    choose_target_role(session, person, _role(session, "SITPM").id)
    session.flush()
    assert cache.get(session, person.id)[0].role.code == "SITPM"


def test_added_and_removed_qualifications_are_seen_at_once(session, person):
    cache = PersonProfileCache()
    before = cache.get(session, person.id)[0]
    added = add_qualification(
        session, person, kind="technical_informatics", title="BSc Informatics"
    )
    session.flush()
    with_it = cache.get(session, person.id)[0]
    assert with_it == build_person_profile(session, person.id) and with_it != before
    remove_qualification(session, person, added.id)
    session.flush()
    assert cache.get(session, person.id)[0] == before


def test_the_cache_keeps_at_most_its_size(session, person):
    cache = PersonProfileCache(max_entries=1)
    cache.get(session, person.id)
    cache.get(session, person.id, role_profile_id=_role(session, "SITPM").id)
    cache.get(session, person.id)
    assert (cache.hits, cache.misses) == (0, 3)


def test_derived_values_are_made_once_per_profile_version(session, person):
    cache = PersonProfileCache()
    _, key = cache.get(session, person.id)
    calls = []
    for _ in range(2):
        cache.derived(key, "chart", lambda: calls.append(1) or "svg")
    assert calls == [1]
