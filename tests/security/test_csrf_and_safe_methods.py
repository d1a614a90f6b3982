"""Case 9: every state-changing route refuses a request without a CSRF token, and no GET
changes state. Both are generated over the URL map, so new routes are covered automatically."""

from __future__ import annotations

import pytest

from tests.security.world import TABLE, build_world, stand_in_pdfs, table_row_counts, url_of

STATE_CHANGING = sorted(
    (rule.endpoint, method)
    for rule in __import__("wsgi").app.url_map.iter_rules()
    for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
)


@pytest.fixture(scope="module")
def csrf_world(tmp_path_factory):
    world = build_world(tmp_path_factory.mktemp("csrf"), csrf=True)
    with stand_in_pdfs():
        yield world
    from webapp.extensions import db

    with world.app.app_context():
        db.engine.dispose()


def _allowed_role(endpoint: str) -> str:
    allowed, _ = TABLE[endpoint]
    for role in ("candidate", "hr", "admin", "manager", "anon"):
        if role in allowed:
            return role
    raise AssertionError(endpoint)


def _signed_in_with_token_form(world, role):
    """Sign in through the real form (with its token), as a browser would."""
    import re

    client = world.app.test_client()
    if role == "anon":
        return client
    from tests.security.world import PASSWORD, ROLE_EMAILS

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": ROLE_EMAILS[role], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(("endpoint", "method"), STATE_CHANGING)
def test_state_changing_route_refuses_a_missing_csrf_token(csrf_world, endpoint, method):
    role = _allowed_role(endpoint)
    client = _signed_in_with_token_form(csrf_world, role)
    rule = next(r for r in csrf_world.app.url_map.iter_rules() if r.endpoint == endpoint)
    before = table_row_counts(csrf_world)
    response = client.open(url_of(csrf_world, rule), method=method, data={"anything": "x"})
    assert response.status_code == 400, (endpoint, response.status_code)
    assert "security token" in response.get_data(as_text=True)
    assert table_row_counts(csrf_world) == before


GET_RULES = sorted(
    rule.endpoint for rule in __import__("wsgi").app.url_map.iter_rules() if "GET" in rule.methods
)


@pytest.mark.parametrize("endpoint", GET_RULES)
def test_get_never_changes_state(csrf_world, endpoint):
    allowed, _ = TABLE[endpoint]
    rule = next(r for r in csrf_world.app.url_map.iter_rules() if r.endpoint == endpoint)
    url = url_of(csrf_world, rule)
    for role in sorted(allowed):
        client = _signed_in_with_token_form(csrf_world, role)
        before = _business_rows(csrf_world)
        response = client.get(url)
        response.close()
        assert response.status_code < 500
        assert _business_rows(csrf_world) == before, f"GET {url} as {role} changed data"


def _business_rows(world) -> dict[str, int]:
    """Row counts without the audit trail: reading someone else's data is *meant* to leave an
    audit row (case 25), and that is not a change of the data itself."""
    counts = table_row_counts(world)
    counts.pop("audit_events")
    return counts
