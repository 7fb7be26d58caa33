"""A mail as triage reads it: subject, plain-text body, and each attachment's name with
the text of its first page (PDF text layer only; a scan adds its name, not OCR).

Input is bounded: a message over ``MAX_MESSAGE_BYTES`` or a body over ``MAX_BODY_CHARS``
is cut or refused with :class:`~skills.errors.UnreadableDocument`, never read whole.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from email.message import EmailMessage
from pathlib import Path

from pydantic import BaseModel

from skills.errors import UnreadableDocument

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what mail servers commonly accept
MAX_BODY_CHARS = 20_000  # the intent is near the top; the rest is quotes and footers
MAX_ATTACHMENT_CHARS = 2_000  # the first page's opening lines name the document


class Attachment(BaseModel):
    name: str
    text: str = ""


class Message(BaseModel):
    subject: str = ""
    sender: str = ""
    body: str = ""
    attachments: list[Attachment] = []

    def model_text(self) -> str:
        """What the classifier reads: subject first, body, then the attachments."""
        parts = [self.subject, self.body]
        parts += [f"[{a.name}] {a.text}".strip() for a in self.attachments]
        return "\n".join(p for p in parts if p)

    def full_text(self) -> str:
        """What the entity extractor reads: everything, attachments included."""
        return self.model_text()


def read_message(path: Path) -> Message:
    """An ``.eml`` file as a :class:`Message`; any other file is read as the body text."""
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        raise UnreadableDocument(f"{path.name} is {size} bytes; a mail over "
                                 f"{MAX_MESSAGE_BYTES} bytes is not triaged automatically.")
    data = path.read_bytes()
    if path.suffix.lower() == ".eml":
        return parse_eml(data)
    return Message(body=_decode(data)[:MAX_BODY_CHARS])


def parse_eml(data: bytes) -> Message:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(msg, EmailMessage) or not (msg.keys() or msg.get_payload()):
        raise UnreadableDocument("The file is not an e-mail message (no headers, no body).")
    return Message(subject=str(msg.get("Subject", "")), sender=str(msg.get("From", "")),
                   body=_body(msg)[:MAX_BODY_CHARS], attachments=_attachments(msg))


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        text = _decode(part.get_payload(decode=True) or b"")
    return _strip_html(text) if part.get_content_subtype() == "html" else str(text)


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found = []
    for part in msg.iter_attachments():
        name = part.get_filename() or part.get_content_type()
        payload = part.get_payload(decode=True) or b""
        text = _first_page_text(payload) if payload.startswith(b"%PDF") else ""
        found.append(Attachment(name=name, text=text[:MAX_ATTACHMENT_CHARS]))
    return found


def _first_page_text(data: bytes) -> str:
    """The first page's text layer; an unreadable PDF adds nothing (its name still counts)."""
    from skills.pdf import open_pdf, read_text_layer  # noqa: PLC0415 - only for PDFs

    try:
        with open_pdf(data) as pdf:
            if len(pdf) == 0:
                return ""
            layer = read_text_layer(pdf[0])
            return "\n".join(line.text for line in layer.lines)
    except UnreadableDocument:
        return ""


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def _strip_html(text: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>|</tr>", "\n", text, flags=re.I)
    return html.unescape(_TAG.sub(" ", text))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
