"""`seed --demo` gives both demo candidates a target role, two rounds with growth and a draft."""

import sqlalchemy as sa

from assessments.models import Assessment
from core.users import get_user_by_email
from person_profile.build import build_person_profile


def test_seed_demo_creates_rounds_once_and_labels_them(runner, db_session):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "round 3 open as a draft" in first.output
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0 and "Demo self-assessments" in second.output
    assert "already present" in second.output
    rounds = db_session.scalars(
        sa.select(Assessment).where(Assessment.kind == "self").order_by(Assessment.id)
    ).all()
    assert len(rounds) == 5
    assert all("Demo data" in r.note for r in rounds)
    alex = get_user_by_email(db_session, "candidate@example.com")
    sam = get_user_by_email(db_session, "candidate2@example.com")
    statuses = [(r.subject_id, r.round_number, r.status) for r in rounds]
    assert (alex.id, 3, "draft") in statuses
    assert [s for s in statuses if s[0] == sam.id] == [
        (sam.id, 1, "submitted"),
        (sam.id, 2, "submitted"),
    ]
    for person in (alex, sam):
        profile = build_person_profile(db_session, person.id)
        assert profile.role is not None and len(profile.rounds) == 2
        assert any(row.trend_delta for row in profile.rows), "round 2 shows visible growth"
        assert profile.rounds[0].submitted_at < profile.rounds[1].submitted_at


def test_demo_candidate_sees_the_demo_profile(runner, app):
    runner.invoke(args=["seed", "--demo"])
    client = app.test_client()
    client.post("/login", data={"email": "candidate@example.com", "password": "proficio-demo"})
    html = client.get("/profile/").get_data(as_text=True)
    assert "<svg" in html and "Round 2" in html
    history = client.get("/assessments/").get_data(as_text=True)
    assert "Round 3 is open" in history and "Demo data" in history
