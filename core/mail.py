"""Outgoing e-mail: one message shape, and one way to deliver it.

With ``MAIL_URL`` set (``smtp://user:password@host:587`` with STARTTLS, ``smtps://…:465`` with
TLS from the start), mails go to that server. Without it (``make run``), each mail is written
to the outbox folder as an ``.eml`` file and its subject logged, so a newcomer can open what
Proficio would have sent. Delivery runs in the job worker, never inside a request
(``webapp.mail``).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

DEFAULT_SENDER = "Proficio <no-reply@proficio.invalid>"


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one person, in plain text and HTML (both already rendered)."""

    to: str
    subject: str
    text: str
    html: str

    def as_message(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="proficio.invalid")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message

    def as_dict(self) -> dict[str, str]:
        """Plain values, for the job queue."""
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html}


@dataclass(frozen=True)
class MailSettings:
    """Where mails go: an SMTP server, or (no ``url``) the outbox folder."""

    outbox: Path
    url: str | None = None
    sender: str = DEFAULT_SENDER
    timeout: float = 30.0

    @classmethod
    def from_environment(cls, outbox: Path) -> MailSettings:
        return cls(
            outbox=outbox,
            url=os.environ.get("MAIL_URL") or None,
            sender=os.environ.get("MAIL_SENDER") or DEFAULT_SENDER,
        )


def deliver(mail: OutgoingMail, settings: MailSettings) -> str:
    """Send ``mail``; returns where it went (the server's host or the file written).

    Raises on a failure, so the job queue can try again.
    """
    message = mail.as_message(settings.sender)
    if settings.url:
        return _send_smtp(message, settings)
    return str(_write_outbox(message, settings.outbox))


def _send_smtp(message: EmailMessage, settings: MailSettings) -> str:
    parts = urlsplit(settings.url or "")
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("MAIL_URL must look like smtp://user:password@host:587 or smtps://…")
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            parts.hostname, parts.port or 465, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 587, timeout=settings.timeout)
    with client:
        if parts.scheme == "smtp":
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
    return parts.hostname


def _write_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    # Readable by the owner only (mails carry names and links), renamed when complete.
    fd, temporary = tempfile.mkstemp(dir=outbox, prefix=".mail.", suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    stamp = message["Message-ID"].strip("<>").split("@")[0]
    target = outbox / f"{stamp}.eml"
    os.replace(temporary, target)
    log.info("mail to the outbox: %s (%s)", message["Subject"], target.name)
    return target


def erase_outbox_mails(outbox: Path, address: str) -> int:
    """Delete the outbox files addressed to ``address`` (erasure of a person); returns how many."""
    from email import message_from_binary_file, policy

    if not outbox.is_dir():
        return 0
    removed = 0
    for path in outbox.glob("*.eml"):
        with path.open("rb") as handle:
            recipient = message_from_binary_file(handle, policy=policy.default)["To"] or ""
        if recipient.strip().lower() == address.strip().lower():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
