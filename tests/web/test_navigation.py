"""Each role sees the navigation entries it may use, and each entry opens."""

import pytest

TRAINING = {"Trainings", "Recommendations", "My trainings"}
EXPECTED = {
    "candidate": {
        "Home",
        "Framework",
        "Role profiles",
        "Self-assessment",
        "My profile",
        "Qualifications",
        *TRAINING,
        "My plan",
    },
    "manager": {"Home", "Framework", "Role profiles", *TRAINING},
    "hr": {
        "Home",
        "Framework",
        "Role profiles",
        "Framework versions",
        "Import framework",
        *TRAINING,
        "Manage catalogue",
        "Plans",
        "Overview",
        "PDF exports",
    },
    "admin": {
        "Home",
        "Framework",
        "Role profiles",
        "Framework versions",
        "Import framework",
        *TRAINING,
        "Users",
        "Audit log",
    },
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


def test_exactly_one_entry_is_marked_current_on_a_training_page(client_for):
    html = client_for("hr").get("/training/manage/new").get_data(as_text=True)
    assert html.count("nav-link active") == 1
    active = html[html.index("nav-link active") :]
    assert active[: active.index("</a>")].endswith(">Manage catalogue")
