"""An IMAP mailbox: the document attachments of every message in one folder.

Read with Python's ``imaplib`` rather than rpaframework's ``RPA.Email.ImapSmtp``: that
class always opens ``IMAP4_SSL`` (it cannot speak plain IMAP or STARTTLS on port 143)
and does not verify the server's certificate. Here port 993 means implicit TLS and any
other port plain IMAP, upgraded with STARTTLS whenever the server offers it; both verify
the certificate against the system's trust store.

The folder is opened read-only and messages are fetched with ``BODY.PEEK[]``, so nothing
is marked as seen, moved or deleted.
"""

from __future__ import annotations

import contextlib
import email.utils
import imaplib
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from tasks.payloads import Source
from tasks.settings import BotSettings
from tasks.sources.documents import Incoming, SourceReport
from tasks.sources.mail import (
    IncomingMail,
    Triager,
    document_attachments,
    parse,
    route_message,
)

log = logging.getLogger(__name__)
IMPLICIT_TLS_PORT = 993
TIMEOUT_SECONDS = 30.0


class MailboxError(RuntimeError):
    """The mail server refused the connection, the login or the folder."""


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"

    @classmethod
    def from_settings(cls, settings: BotSettings) -> Mailbox:
        return cls(settings.imap_host or "", settings.imap_port, settings.imap_user,
                   settings.imap_password, settings.imap_folder)

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"

    def collect(self, report: SourceReport,
                triager: Triager | None = None) -> Iterator[Incoming | IncomingMail]:
        """Each message, classified (see :mod:`tasks.sources.mail`); without a triager,
        only the messages' documents, as before triage."""
        with self._session() as conn:
            for uid in self._uids(conn):
                raw = self._fetch(conn, uid)
                if raw is None:
                    continue
                if triager is None:
                    yield from _attachments(parse(raw), uid, self.label, report)
                else:
                    source = _source(parse(raw), uid, self.label)
                    yield from route_message(raw, source, report, triager)

    def _session(self) -> imaplib.IMAP4:
        try:
            if self.port == IMPLICIT_TLS_PORT:
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=ssl.create_default_context(),
                    timeout=TIMEOUT_SECONDS)
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=TIMEOUT_SECONDS)
                if "STARTTLS" in conn.capabilities:
                    _starttls(conn)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"cannot reach the mail server {self.host}:{self.port} "
                               f"({exc})") from exc
        try:
            conn.login(self.user, self.password)
            status, detail = conn.select(_quoted(self.folder), readonly=True)
            if status != "OK":
                raise MailboxError(f"the mail server has no folder {self.folder!r} "
                                   f"({_text(detail)})")
        except imaplib.IMAP4.error as exc:
            _logout(conn)
            raise MailboxError(f"the mail server refused the login of {self.user!r} "
                               f"({_text(exc.args)}); check AP_IMAP_USER and "
                               "AP_IMAP_PASSWORD") from exc
        except MailboxError:
            _logout(conn)
            raise
        return conn

    @staticmethod
    def _uids(conn: imaplib.IMAP4) -> list[bytes]:
        status, data = conn.uid("SEARCH", None, "ALL")
        if status != "OK":
            raise MailboxError(f"the mail server could not list the messages ({_text(data)})")
        return data[0].split() if data and data[0] else []

    @staticmethod
    def _fetch(conn: imaplib.IMAP4, uid: bytes) -> bytes | None:
        status, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((part[1] for part in data or [] if isinstance(part, tuple)), None)
        if status != "OK" or raw is None:
            log.warning("message uid %s vanished before it could be read", uid.decode())
            return None
        return raw


def _source(message: EmailMessage, uid: bytes, mailbox: str) -> Source:
    message_id = str(message.get("Message-ID", "")).strip() or f"uid {uid.decode()}"
    return Source(kind="imap", name=f"{mailbox} {message_id}", received_at=received(message))


def _attachments(message: EmailMessage, uid: bytes, mailbox: str,
                 report: SourceReport) -> Iterator[Incoming]:
    return document_attachments(message, _source(message, uid, mailbox), report)


def received(message: EmailMessage) -> datetime | None:
    try:
        sent = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return None
    return sent.astimezone(UTC) if sent.tzinfo else sent.replace(tzinfo=UTC)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _starttls(conn: imaplib.IMAP4) -> None:
    try:
        conn.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error):
        with contextlib.suppress(OSError):  # no logout: the session cannot say goodbye
            conn.shutdown()
        raise


def _text(data: object) -> str:
    """The server's words from imaplib's answers (lists of bytes) and exceptions."""
    if isinstance(data, list | tuple) and data:
        data = data[0]
    return data.decode(errors="replace") if isinstance(data, bytes) else str(data)


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()
