"""The training pages run a fixed number of SQL queries, however much data there is."""

import pytest

from core.users import get_user_by_email
from tests.factories import make_self_round, make_training
from tests.helpers import counting
from training.enrollments import change_enrollment_status, plan_training

# Query counts can differ by database.
pytestmark = pytest.mark.both_databases


def _add(db_session, person, n):
    for i in range(n):
        training = make_training(db_session, weights={"DEL-01": 1.0, "LEA-01": 0.5})
        enrollment = plan_training(db_session, person, training)
        if i % 2:
            change_enrollment_status(db_session, enrollment, "in_progress", person)
    db_session.commit()


@pytest.mark.parametrize(
    "url", ["/training/", "/training/mine", "/training/recommendations", "/training/manage"]
)
def test_queries_do_not_grow_with_the_data(client_for, app_engine, db_session, url):
    person = get_user_by_email(db_session, "hr@example.com")
    make_self_round(db_session, person, {"DEL-01": 1, "LEA-01": 1}, default_level=None)
    db_session.commit()
    client = client_for("hr")
    _add(db_session, person, 3)
    client.get(url)  # warm the per-process catalogue cache the same way for both counts
    with counting(app_engine) as few:
        assert client.get(url).status_code == 200
    _add(db_session, person, 15)
    client.get(url)
    with counting(app_engine) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), url
