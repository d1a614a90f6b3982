"""Issue 24: reads of another person's plan, the heatmap and its CSV are in the audit log."""

import csv

import sqlalchemy as sa

from core.audit import AuditEvent
from core.users import get_user_by_email
from tests.factories import make_plan


def _events(db_session, action):
    db_session.expire_all()
    return db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_reading_someone_elses_plan_is_audited_and_ones_own_is_not(client_for, db_session):
    alex = get_user_by_email(db_session, "candidate@example.com")
    plan = make_plan(db_session, alex)
    db_session.commit()
    assert client_for("candidate").get(f"/plans/{plan.id}").status_code == 200
    assert _events(db_session, "plan.view") == []
    for who in ("hr", "manager"):  # HR, and Alex's line manager
        for page in ("", "/versions", "/compare"):
            assert client_for(who).get(f"/plans/{plan.id}{page}").status_code == 200
    events = _events(db_session, "plan.view")
    assert len(events) == 6
    assert {e.actor_email for e in events} == {"hr@example.com", "manager@example.com"}
    assert {e.after["page"] for e in events} == {"detail", "versions", "compare"}
    assert all(e.entity_id == str(plan.id) for e in events)


def test_the_heatmap_and_its_csv_are_audited_with_their_filters(client_for, db_session):
    hr = client_for("hr")
    assert hr.get("/hr/plans/heatmap?q=demo").status_code == 200
    csv = hr.get("/hr/plans/heatmap.csv?role=ITPM")
    assert csv.status_code == 200
    csv.get_data()
    events = _events(db_session, "overview.view")
    heatmap = [e for e in events if e.after["what"] == "heatmap"]
    exported = [e for e in events if e.after["what"] == "csv"]
    assert len(heatmap) == 1 and heatmap[0].after["q"] == "demo"
    assert len(exported) == 1 and exported[0].after == {"what": "csv", "role": "ITPM"}
    assert heatmap[0].actor_email == "hr@example.com"


def test_the_overview_csv_neutralises_formula_like_headers(client_for, db_session):
    """Issue 24: competency names HR typed go into the CSV's header row too."""
    from competencies.models import Competency

    competency = db_session.scalars(sa.select(Competency).order_by(Competency.id)).first()
    competency.code = '=HYPERLINK("http://evil.example")'  # from before codes were checked
    db_session.commit()
    text = client_for("hr").get("/hr/plans/heatmap.csv").get_data(as_text=True)
    cells = next(csv.reader([text.splitlines()[0]]))
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith("=") for cell in cells)
