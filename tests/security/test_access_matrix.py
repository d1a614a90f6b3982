"""Case 6: every URL rule × every role × owner / non-owner, against the table in world.py.

Objects in the URLs belong to candidate@example.com (the owner); candidate2@example.com is a
non-owner. "allow" means the role gets the page or its normal answer (200, a redirect, or a
4xx about the *input*, such as 400/409/422); "deny" means 403 or 404 for a signed-in person
and a redirect to the login page for an anonymous one — never the data. A rule missing from
the table fails the test, so no new page ships unclassified.
"""

from __future__ import annotations

import pytest

from tests.security.world import ROLES, TABLE, build_world, stand_in_pdfs, url_of

DENIED = {401, 403, 404}


@pytest.fixture(scope="module")
def built_world(tmp_path_factory):
    world = build_world(tmp_path_factory.mktemp("access"))
    with stand_in_pdfs():
        yield world
    from webapp.extensions import db

    with world.app.app_context():
        db.engine.dispose()


@pytest.fixture()
def world(built_world):
    """The shared world, put back to its snapshot after each test."""
    yield built_world
    built_world.restore()


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def _denied(role: str, response) -> bool:
    if role == "anon":
        # login_required sends anonymous visitors to the login page with ?next=.
        return response.status_code in DENIED or (
            response.status_code == 302 and "/login?next=" in response.headers.get("Location", "")
        )
    return response.status_code in DENIED


def test_every_url_rule_is_in_the_table(world):
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert sorted(endpoints - set(TABLE)) == [], "classify these routes in TABLE"
    assert sorted(set(TABLE) - endpoints) == [], "these routes no longer exist"


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_route_answers_each_role_as_the_table_says(world, endpoint):
    rules = [r for r in _rules(world.app) if r.endpoint == endpoint]
    assert rules, f"{endpoint} is not a route any more"
    allowed, _ = TABLE[endpoint]
    wrong = []
    # Denied roles first, so an allowed POST cannot change what a denied one would see.
    for role in sorted(ROLES, key=lambda r: r in allowed):
        for rule in rules:
            url = url_of(world, rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                # A fresh sign-in each time: a restored database may have rotated sessions.
                response = world.client(role).open(url, method=method, data={})
                denied = _denied(role, response)
                if denied == (role in allowed):
                    wrong.append(f"{method} {url} as {role}: {response.status_code}")
                response.close()
                assert response.status_code < 500, f"{method} {url} as {role}"
                if method != "GET":
                    world.restore()
    print("\n".join(wrong))
    assert wrong == []


def test_matrix_size(world):
    """How many route × role × method checks the matrix makes (reported in the note)."""
    checks = sum(len(ROLES) * len(rule.methods - {"HEAD", "OPTIONS"}) for rule in _rules(world.app))
    print(f"\naccess matrix: {len(TABLE)} endpoints, {checks} route × role × method checks")
    assert checks >= len(TABLE) * len(ROLES)
