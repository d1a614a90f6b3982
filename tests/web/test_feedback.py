"""Feedback rounds through the web: opening, asking, answering by link or account, progress
that never says who, results only after closing, access by relationship, and bad input."""

import re
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.users import get_user_by_email
from feedback.models import FeedbackRater, FeedbackResponse, FeedbackRound


def _mails(app, to):
    outbox = Path(app.instance_path) / "mail"
    found = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    return [m for m in found if m["To"] == to]


def _text(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def _open(client, **overrides):
    page = client.get("/feedback/new").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="competency_ids"[^>]*>', page)
    ticked = [re.search(r'value="(\d+)"', b).group(1) for b in boxes if "checked" in b]
    data = {
        "competency_ids": ticked[:2],
        "closes_on": (date.today() + timedelta(days=7)).isoformat(),
        "min_raters": "3",
    } | overrides
    if "person_id" not in data:
        data["person_id"] = re.search(r'name="person_id" value="(\d+)"', page).group(1)
    return client.post("/feedback/new", data=data)


@pytest.fixture()
def feedback_round(client_for, db_session):
    """A round about Alex, opened by Alex, asking about two competencies."""
    response = _open(client_for("candidate"))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _ask(client, round_id, email, group="peer", name=None):
    return client.post(
        f"/feedback/{round_id}/raters",
        data={"group": group, "email": email, "name": name or email.split("@")[0].title()},
    )


def _link(app, email):
    (mail,) = _mails(app, email)
    return re.search(r"http://localhost(/feedback/link/\S+)", _text(mail)).group(1)


def _answer_form(client, url, action="submit", level="3", comment=""):
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    data = {"version": version, "action": action, "comment": comment}
    for name in sorted(set(re.findall(r'name="(c\d+)"', page))):
        data[name] = level
    return client.post(url, data=data)


def test_opening_takes_the_defaults_and_an_outsider_answers_through_the_link(
    app, client_for, db_session, feedback_round
):
    alex = client_for("candidate")
    assert _ask(alex, feedback_round, "pia@example.org", name="Pia Peer").status_code == 303
    (mail,) = _mails(app, "pia@example.org")
    assert mail["Subject"] == "Alex Demo-Candidate asks for your feedback on Alex Demo-Candidate"
    assert "stored without your name" in _text(mail) and "no account is needed" in _text(mail)
    assert get_user_by_email(db_session, "pia@example.org") is None  # no account made

    outsider = app.test_client()
    url = _link(app, "pia@example.org")
    page = outsider.get(url)
    assert page.status_code == 200 and "Feedback on Alex Demo-Candidate" in page.get_data(
        as_text=True
    )
    saved = _answer_form(outsider, url, action="save", level="none")
    assert saved.status_code == 303
    assert "0 of 2 answered" not in outsider.get(url).get_data(as_text=True)
    done = _answer_form(outsider, url, action="submit", level="4", comment="Great at retros.")
    assert done.status_code == 303 and done.headers["Location"].endswith("/feedback/thanks")
    gone = outsider.get(url)
    assert gone.status_code == 404 and "not valid" in gone.get_data(as_text=True)

    db_session.expire_all()
    (response,) = db_session.scalars(sa.select(FeedbackResponse)).all()
    assert response.comment == "Great at retros." and response.attributed_to_id is None


def test_autosave_keeps_a_draft_and_tells_a_stale_window(
    app, client_for, db_session, feedback_round
):
    _ask(client_for("candidate"), feedback_round, "pia@example.org")
    url = _link(app, "pia@example.org")
    outsider = app.test_client()
    page = outsider.get(url).get_data(as_text=True)
    field = re.search(r'name="(c\d+)"', page).group(1)
    saved = outsider.post(f"{url}/autosave", data={"version": "1", field: "2"})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = outsider.post(f"{url}/autosave", data={"version": "1", field: "3"})
    assert stale.status_code == 409 and "another window" in stale.get_json()["message"]
    bad = outsider.post(f"{url}/autosave", data={"version": "2", field: "9"})
    assert bad.status_code == 422
    kept = outsider.get(url).get_data(as_text=True)
    assert re.search(rf'id="{field}-2" value="2"\s+checked', kept)


def test_an_account_answers_under_feedback_and_nobody_else_can(
    app, client_for, db_session, feedback_round
):
    _ask(client_for("candidate"), feedback_round, "candidate2@example.com", name="Sam")
    (mail,) = _mails(app, "candidate2@example.com")
    rater = db_session.scalar(
        sa.select(FeedbackRater).where(FeedbackRater.round_id == feedback_round)
    )
    assert f"/feedback/requests/{rater.id}" in _text(mail) and "/feedback/link/" not in _text(mail)
    sam = client_for("candidate2")
    listing = sam.get("/feedback/").get_data(as_text=True)
    assert "Alex Demo-Candidate" in listing and f"/feedback/requests/{rater.id}" in listing
    assert client_for("manager").get(f"/feedback/requests/{rater.id}").status_code == 404
    assert _answer_form(sam, f"/feedback/requests/{rater.id}").status_code == 303
    again = sam.get(f"/feedback/requests/{rater.id}")
    assert again.status_code == 409 and "answered this request already" in again.get_data(
        as_text=True
    )


def test_progress_counts_answers_and_never_says_who(app, client_for, db_session, feedback_round):
    alex = client_for("candidate")
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        _ask(alex, feedback_round, email)
    before = alex.get(f"/feedback/{feedback_round}").get_data(as_text=True)
    _answer_form(app.test_client(), _link(app, "b@example.org"))
    after = alex.get(f"/feedback/{feedback_round}").get_data(as_text=True)
    asked = re.compile(r'id="asked-heading".*?</ul>', re.S)
    assert asked.search(before).group(0) == asked.search(after).group(0)
    assert re.search(r"Peers</th><td class=\"text-end\">1</td><td class=\"text-end\">3", after)
    assert client_for("candidate").get(f"/feedback/{feedback_round}/results").status_code == 409


def test_a_submitted_answer_leaves_no_timed_trace(app, client_for, db_session, feedback_round):
    _ask(client_for("candidate"), feedback_round, "a@example.org")
    events = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    _answer_form(app.test_client(), _link(app, "a@example.org"))
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    datetimes = [
        c.name for c in FeedbackResponse.__table__.columns if isinstance(c.type, sa.DateTime)
    ]
    assert datetimes == []


def test_results_after_closing_show_groups_from_the_minimum_up(
    app, client_for, db_session, feedback_round
):
    alex = client_for("candidate")
    for i in range(3):
        _ask(alex, feedback_round, f"peer{i}@example.org")
    for i in range(2):
        _ask(alex, feedback_round, f"report{i}@example.org", group="report")
    for email in ("peer0", "peer1", "peer2", "report0", "report1"):
        _answer_form(app.test_client(), _link(app, f"{email}@example.org"), comment=f"by {email}")
    assert alex.post(f"/feedback/{feedback_round}/close").status_code == 303
    page = alex.get(f"/feedback/{feedback_round}/results").get_data(as_text=True)
    assert "Not shown: 2 of the at least 3 answers" in page
    assert "by peer0" in page and "by report0" not in page and "by report1" not in page
    assert "peer0@example.org" not in page

    csv = client_for("hr").get("/feedback/export.csv")
    assert csv.status_code == 200 and "report" not in csv.get_data(as_text=True).split("\n", 1)[1]
    assert client_for("candidate").get("/feedback/export.csv").status_code == 403


def test_only_the_person_the_line_manager_the_opener_and_hr_follow_a_round(
    client_for, feedback_round
):
    for role, status in (
        ("candidate", 200),
        ("manager", 200),  # Alex's line manager in the demo people
        ("hr", 200),
        ("manager2", 404),
        ("candidate2", 404),
    ):
        assert client_for(role).get(f"/feedback/{feedback_round}").status_code == status, role
        results = client_for(role).get(f"/feedback/{feedback_round}/results").status_code
        assert results == (409 if status == 200 else 404), role
    admin = client_for("admin").get(f"/feedback/{feedback_round}")
    assert admin.status_code == 403
    stranger = client_for("manager2").post(
        f"/feedback/{feedback_round}/raters",
        data={"group": "peer", "email": "x@y.test", "name": "X"},
    )
    assert stranger.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"competency_ids": []}, 422, "Choose at least one competency"),
        ({"closes_on": (date.today() - timedelta(days=1)).isoformat()}, 422, "in the past"),
        ({"closes_on": "someday"}, 400, "Enter a real date"),
        ({"min_raters": "2"}, 400, "from 3 to"),
        ({"min_raters": "5"}, 422, "Only HR can raise"),
        ({"person_id": "999999"}, 400, "Not a valid choice"),
    ],
)
def test_bad_rounds_are_refused_with_a_message(client_for, db_session, overrides, status, message):
    count = db_session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound))
    response = _open(client_for("candidate"), **overrides)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == count


def test_a_manager_opens_a_round_for_a_report_and_not_for_others(client_for, db_session):
    alex = get_user_by_email(db_session, "candidate@example.com")
    sam = get_user_by_email(db_session, "candidate2@example.com")
    manager = client_for("manager")
    assert _open(manager, person_id=str(alex.id)).status_code == 303
    refused = _open(manager, person_id=str(sam.id))
    assert refused.status_code == 400


def test_hr_raises_the_minimum_and_cannot_lower_it(client_for, db_session, feedback_round):
    hr = client_for("hr")
    assert (
        hr.post(f"/feedback/{feedback_round}/minimum", data={"min_raters": "5"}).status_code == 303
    )
    lower = hr.post(f"/feedback/{feedback_round}/minimum", data={"min_raters": "4"})
    assert lower.status_code == 422 and "can only be raised" in lower.get_data(as_text=True)
    candidate = client_for("candidate").post(
        f"/feedback/{feedback_round}/minimum", data={"min_raters": "9"}
    )
    assert candidate.status_code == 403


def test_bad_rater_input_is_refused_and_nobody_is_mailed(app, client_for, feedback_round):
    alex = client_for("candidate")
    assert _ask(alex, feedback_round, "not-an-email").status_code == 400
    assert _ask(alex, feedback_round, "x@example.org", group="boss").status_code == 400
    own = _ask(alex, feedback_round, "candidate@example.com")
    assert own.status_code == 422 and "cannot rate themself" in own.get_data(as_text=True)
    assert _ask(alex, feedback_round, "x@example.org").status_code == 303
    twice = _ask(alex, feedback_round, "X@Example.org")
    assert twice.status_code == 422 and "already been asked" in twice.get_data(as_text=True)
    assert len(_mails(app, "x@example.org")) == 1


def test_reminders_go_once_a_day_with_a_fresh_link(app, client_for, feedback_round):
    alex = client_for("candidate")
    _ask(alex, feedback_round, "a@example.org")
    first = _link(app, "a@example.org")
    assert alex.post(f"/feedback/{feedback_round}/remind").status_code == 303
    mails = _mails(app, "a@example.org")
    assert len(mails) == 2
    reminder = next(m for m in mails if m["Subject"].startswith("Reminder"))
    fresh = re.search(r"http://localhost(/feedback/link/\S+)", _text(reminder)).group(1)
    outsider = app.test_client()
    assert outsider.get(first).status_code == 404 and outsider.get(fresh).status_code == 200
    assert alex.post(f"/feedback/{feedback_round}/remind").status_code == 303
    assert len(_mails(app, "a@example.org")) == 2  # not again the same day


def test_bad_links_and_long_comments_get_clear_answers(app, client_for, feedback_round):
    outsider = app.test_client()
    for token in ("nonsense", "x" * 300):
        response = outsider.get(f"/feedback/link/{token}")
        assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    _ask(client_for("candidate"), feedback_round, "a@example.org")
    long = _answer_form(outsider, _link(app, "a@example.org"), comment="x" * 2001)
    assert long.status_code == 400 and "2000" in long.get_data(as_text=True)
