"""Each role sees the navigation entries it may use, and each entry opens."""

import pytest

TRAINING = {"Trainings", "Recommendations", "My trainings"}
EXPECTED = {
    "candidate": {
        "Home",
        "Competencies",
        "Role profiles",
        "Self-assessment",
        "My profile",
        "Qualifications",
        "My evaluations",
        "Feedback",
        *TRAINING,
        "My plan",
    },
    "manager": {
        "Home",
        "Competencies",
        "Role profiles",
        "Evaluations",
        "My team",
        "Feedback",
        *TRAINING,
    },
    "hr": {
        "Home",
        "Competencies",
        "Role profiles",
        "Framework versions",
        "Import framework",
        "Evaluations",
        "Feedback",
        *TRAINING,
        "Manage catalogue",
        "Plans",
        "Overview",
        "People",
        "Certifications",
        "PDF exports",
    },
    "admin": {
        "Home",
        "Competencies",
        "Role profiles",
        "Framework versions",
        "Import framework",
        *TRAINING,
        "Users",
        "Audit log",
        "Data protection",
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
    assert html.count("dropdown-item active") == 1
    active = html[html.index("dropdown-item active") :]
    assert active[: active.index("</a>")].endswith(">Manage catalogue")
    # Its group in the bar is marked too, so the current area shows without opening it.
    assert html.count("dropdown-toggle active") == 1
    toggle = html[html.index("dropdown-toggle active") :]
    assert toggle[: toggle.index("</button>")].endswith(">Training")


def test_the_layout_links_bootstrap_under_the_apps_root(app):
    from flask import url_for

    client = app.test_client()
    # Each root twice: the second page is served the tags made for the first.
    for root in ("", "", "/proficio", "/proficio", ""):
        base_url = f"http://localhost{root}/"
        html = client.get("/login", base_url=base_url).get_data(as_text=True)
        with app.test_request_context(base_url=base_url):
            css = url_for("bootstrap.static", filename="css/bootstrap.min.css")
            js = url_for("bootstrap.static", filename="js/bootstrap.min.js")
        assert css.startswith(f"{root}/") and f'href="{css}"' in html and f'src="{js}"' in html
