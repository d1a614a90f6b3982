"""The signed-in user, loaded on each request (webapp.auth), is the request session's own
object, read inside the request's transaction."""

import pytest
import sqlalchemy as sa
from flask_login import current_user

from core.users import User
from tests.helpers import login
from webapp.auth import any_signed_in
from webapp.extensions import db

EMAIL = "candidate@example.com"
# The probes are routes of the app's own, added before its first request.
pytestmark = pytest.mark.fresh_app


@pytest.fixture()
def probed_app(app, seeded):
    """The app with two probe routes (added before its first request, as Flask requires)."""

    @app.route("/_probe/first-thing")
    @any_signed_in
    def first_thing():
        user = current_user._get_current_object()
        return {
            "name": user.name,
            "the_sessions_own": db.session.get(User, user.id) is user,
            "unchanged": user not in db.session.dirty,
        }

    @app.route("/_probe/after-a-write")
    def after_a_write():
        db.session.execute(sa.update(User).where(User.email == EMAIL).values(name="Not kept"))
        held = current_user._get_current_object() in db.session
        return {"name": current_user.name, "held": held}, 409

    return app


def test_the_user_is_the_sessions_own_unchanged_object(probed_app):
    client = probed_app.test_client()
    assert login(client, EMAIL).status_code == 302
    body = client.get("/_probe/first-thing").get_json()
    assert body == {"name": "Alex Demo-Candidate", "the_sessions_own": True, "unchanged": True}


def test_after_a_write_the_user_is_read_inside_the_requests_transaction(probed_app, db_session):
    client = probed_app.test_client()
    assert login(client, EMAIL).status_code == 302
    body = client.get("/_probe/after-a-write").get_json()
    assert body == {"name": "Not kept", "held": True}
    # The request answered with an error, so the commit point rolled its write back.
    assert (
        db_session.scalar(sa.select(User.name).where(User.email == EMAIL)) == "Alex Demo-Candidate"
    )
