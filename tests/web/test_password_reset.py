"""Password reset by e-mail: the same answer for every address, a single-use one-hour link
stored as a digest, throttled, and every session ended on reset."""

import re
import statistics
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa

from core.db import utcnow
from core.password_resets import PasswordReset
from core.users import get_user_by_email
from tests.helpers import login

NEW_PASSWORD = "a-new-password-42"


def _mails(app, to):
    outbox = Path(app.instance_path) / "mail"
    found = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    return [m for m in found if m["To"] == to]


def _ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def _link(app, email):
    text = _mails(app, email)[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", text).group(1)


def _page_after(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_every_address_gets_the_same_answer_and_only_an_account_gets_mail(app, client, seeded):
    answers = set()
    for email in ("candidate@example.com", "nobody@example.com", "CANDIDATE2@example.com"):
        response = _ask(client, email)
        assert response.status_code == 303 and response.headers["Location"].endswith("/login")
        page = _page_after(client, response)
        answers.add(re.search(r"If an account uses this address[^<]*", page).group(0))
    assert len(answers) == 1
    assert len(_mails(app, "candidate@example.com")) == 1
    assert len(_mails(app, "candidate2@example.com")) == 1
    assert _mails(app, "nobody@example.com") == []


def test_asking_takes_about_as_long_for_an_unknown_address(app, seeded):
    """Same timing order: the path with an account does a few writes more, no hashing."""

    def median(email):
        times = []
        for _ in range(5):
            client = app.test_client()
            started = time.perf_counter()
            _ask(client, email)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median("candidate@example.com"), median("nobody@example.com")
    assert max(known, unknown) < 10 * min(known, unknown)


def test_the_link_sets_a_new_password_once_and_ends_every_session(app, client_for, seeded):
    signed_in = client_for("candidate")
    assert signed_in.get("/").status_code == 200
    visitor = app.test_client()
    _ask(visitor, "candidate@example.com")
    link = _link(app, "candidate@example.com")
    page = visitor.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "candidate@example.com" in page.get_data(as_text=True)
    done = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert "Your password is changed" in _page_after(visitor, done)
    # The other session is over, the new password works, the link is spent.
    assert signed_in.get("/").status_code == 302
    assert login(app.test_client(), "candidate@example.com", NEW_PASSWORD).status_code == 302
    again = visitor.get(link)
    assert again.status_code == 404 and "not valid" in again.get_data(as_text=True)


def test_only_the_digest_is_stored_and_an_expired_link_is_refused(app, client, db_session, seeded):
    _ask(client, "candidate@example.com")
    link = _link(app, "candidate@example.com")
    token = link.rsplit("/", 1)[1]
    reset = db_session.scalar(sa.select(PasswordReset))
    assert reset.token_sha256 != token and len(reset.token_sha256) == 64
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert client.get(link).status_code == 404


def test_a_second_request_within_minutes_sends_nothing_new(app, client, seeded):
    _ask(client, "candidate@example.com")
    _ask(client, "candidate@example.com")
    assert len(_mails(app, "candidate@example.com")) == 1


def test_a_blocked_account_gets_no_link(app, client, db_session, seeded):
    person = get_user_by_email(db_session, "candidate2@example.com")
    person.blocked_at = utcnow()
    db_session.commit()
    assert _ask(client, "candidate2@example.com").status_code == 303
    assert _mails(app, "candidate2@example.com") == []


def test_bad_input_gets_a_clear_message_and_keeps_the_link(app, client, seeded):
    assert _ask(client, "not-an-email").status_code == 400
    _ask(client, "candidate@example.com")
    link = _link(app, "candidate@example.com")
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "Use 10 to 256 characters" in short.get_data(as_text=True)
    other = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert other.status_code == 400 and "not the same" in other.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still usable
    for bad in ("nonsense", "x" * 300):
        assert client.get(f"/password/reset/{bad}").status_code == 404


def test_the_sign_in_page_offers_the_link(client, seeded):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
