"""Case 22: with the database unreachable, people get a friendly 503 and no internals."""

import pytest

from tests.conftest import TEST_SECRET_KEY


@pytest.fixture()
def broken_app(tmp_path):
    from webapp import create_app

    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
            "SECRET_KEY": TEST_SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def test_healthz_says_the_database_is_unreachable(broken_app):
    response = broken_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_sign_in_answers_a_friendly_503_without_sql(broken_app):
    response = broken_app.test_client().post(
        "/login", data={"email": "candidate@example.com", "password": "proficio-demo"}
    )
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "The database cannot be reached right now" in body
    assert "SELECT" not in body and "sqlite" not in body.lower()


def test_the_app_recovers_without_a_restart(broken_app, tmp_path):
    client = broken_app.test_client()
    assert client.get("/healthz").status_code == 503
    (tmp_path / "no-such-dir").mkdir()
    assert client.get("/healthz").status_code == 200
