"""Each role sees the navigation entries it may use, and each entry opens."""

import pytest

EXPECTED = {
    "candidate": {
        "Home",
        "Framework",
        "Role profiles",
        "Self-assessment",
        "My profile",
        "Qualifications",
        "My evaluations",
    },
    "manager": {"Home", "Framework", "Role profiles", "Evaluations"},
    "hr": {"Home", "Framework", "Role profiles", "Evaluations"},
    "admin": {"Home", "Framework", "Role profiles", "Users", "Audit log"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_navigation_matches_the_role_and_every_link_opens(app, client_for, role):
    from flask import url_for

    from webapp.navigation import NAV_ITEMS

    client = client_for(role)
    html = client.get("/").get_data(as_text=True)
    shown = {item.label for item in NAV_ITEMS if f">{item.label}</a>" in html}
    assert shown == EXPECTED[role]
    for item in NAV_ITEMS:
        if item.label in shown:
            with app.test_request_context():
                url = url_for(item.endpoint)
            assert client.get(url).status_code == 200
