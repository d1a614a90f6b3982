"""Outgoing mail: the outbox when nothing is configured, SMTP when MAIL_URL says so, and the
erasure of a person's outbox files."""

import stat
from email import message_from_bytes, policy

import pytest

import core.mail
from core.mail import MailSettings, OutgoingMail, deliver, erase_outbox_mails

MAIL = OutgoingMail(
    to="ann@example.test",
    subject="Hello Ann",
    text="Plain words.\n",
    html="<p>Plain <strong>words</strong>.</p>",
)


def test_without_mail_url_each_mail_is_an_owner_only_eml_file(tmp_path):
    written = deliver(MAIL, MailSettings(outbox=tmp_path / "mail"))
    path = tmp_path / "mail" / written.rsplit("/", 1)[-1]
    assert path.suffix == ".eml" and stat.S_IMODE(path.stat().st_mode) == 0o600
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "ann@example.test" and message["Subject"] == "Hello Ann"
    assert message.get_body(preferencelist=("plain",)).get_content() == "Plain words.\n"
    assert "<strong>words</strong>" in message.get_body(preferencelist=("html",)).get_content()
    assert not list((tmp_path / "mail").glob(".mail.*"))  # no partial file left behind


def test_erasure_deletes_only_the_persons_outbox_files(tmp_path):
    outbox = tmp_path / "mail"
    settings = MailSettings(outbox=outbox)
    deliver(MAIL, settings)
    deliver(OutgoingMail("bo@example.test", "Hi Bo", "x\n", "<p>x</p>"), settings)
    assert erase_outbox_mails(outbox, "ANN@example.test ") == 1
    assert erase_outbox_mails(tmp_path / "nowhere", "ann@example.test") == 0
    (left,) = outbox.glob("*.eml")
    assert b"bo@example.test" in left.read_bytes()


class _RecordingSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None, context=None):
        self.calls = [("connect", host, port)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _RecordingSMTP.sent.append(self.calls)

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))


def test_mail_url_sends_through_smtp_with_starttls_and_login(tmp_path, monkeypatch):
    monkeypatch.setattr(core.mail.smtplib, "SMTP", _RecordingSMTP)
    _RecordingSMTP.sent = []
    settings = MailSettings(outbox=tmp_path, url="smtp://mailer%40org:s%3Acret@mx.example.test")
    assert deliver(MAIL, settings) == "mx.example.test"
    assert _RecordingSMTP.sent == [
        [
            ("connect", "mx.example.test", 587),
            ("starttls",),
            ("login", "mailer@org", "s:cret"),
            ("send", "ann@example.test"),
        ]
    ]
    assert not list(tmp_path.iterdir())  # nothing written to the outbox


def test_a_mail_url_of_another_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="MAIL_URL must look like"):
        deliver(MAIL, MailSettings(outbox=tmp_path, url="http://mx.example.test"))
