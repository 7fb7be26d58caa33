"""One message from the mailbox or the watched folder, classified by inbox triage.

Every message is read as triage reads it (subject, body, the first page's text of each
attachment) and given one intent (:mod:`skills.triage`). A mail the model is sure is an
invoice or a credit note, and that carries documents, yields those documents as before,
each marked with the mail's intent. Every other mail (another intent, below the model's
threshold, or an invoice mail without a document) becomes one :class:`IncomingMail`: the
message as sent, its document attachments as files, and what triage found; the triage
step routes it (:mod:`tasks.triage_step`).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage

from skills.errors import UnreadableDocument
from skills.triage import Message, Triage, parse_eml
from skills.triage.message import MAX_MESSAGE_BYTES
from tasks.payloads import DocumentRef, MailAttachment, MailPayload, MailTriage, Source
from tasks.sources.documents import Incoming, SourceReport, accept_document

DOCUMENT_INTENTS = frozenset({"invoice", "credit_note"})
MESSAGE_FILE = "message.eml"
Triager = Callable[[Message], Triage]


@dataclass(frozen=True)
class IncomingMail:
    """A message that becomes one item of its own, for the triage step."""

    payload: MailPayload
    files: dict[str, bytes]

    @property
    def sha256(self) -> str:
        return self.payload.reference

    @property
    def filename(self) -> str:
        return self.payload.message.filename

    def hold_request(self) -> tuple[str, str, str | None] | None:
        """(vendor id, name, requested IBAN) when this mail asks to change a known vendor's
        bank details: the model's likeliest intent, sure or not (a fraudster's mail the
        model doubts must still stop payments until a person has looked)."""
        vendor = self.payload.triage.entities.get("vendor")
        if self.payload.triage.intent != "bank_change" or not vendor:
            return None
        return (vendor["vendor_id"], vendor.get("name", ""),
                self.payload.triage.entities.get("new_iban"))


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def document_attachments(message: EmailMessage, source: Source,
                         report: SourceReport) -> Iterator[Incoming]:
    """The attached documents (PDF, image, XML) of a message; its own text parts and
    images embedded in its HTML body are not attachments."""
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename and part.get_content_maintype() == "text":
            continue  # the message's own text, not an attachment
        if part.get_content_disposition() == "inline" and part["Content-ID"]:
            report.found += 1  # a logo or signature image shown in the HTML body
            report.skip(repr(filename or part.get_content_type()), "embedded in the message "
                        "body (a logo or signature image), not attached")
            continue
        data = part.get_payload(decode=True) or b""
        if (document := accept_document(filename, data, source, report)) is not None:
            yield document


def route_message(raw: bytes, source: Source, report: SourceReport,
                  triager: Triager) -> Iterator[Incoming | IncomingMail]:
    """The message's documents (a sure invoice or credit-note mail), or the message as one
    mail item. A message triage cannot read is skipped, and the report says why."""
    shown = source.name
    if len(raw) > MAX_MESSAGE_BYTES:
        report.found += 1
        report.skip(shown, f"a message of {len(raw)} bytes is over the {MAX_MESSAGE_BYTES} "
                           "bytes triage reads")
        return
    try:
        message = parse_eml(raw)
    except UnreadableDocument as exc:
        report.found += 1
        report.skip(shown, exc.message or str(exc))
        return
    documents = list(document_attachments(parse(raw), source, report))
    result = triager(message)
    reference = hashlib.sha256(raw).hexdigest()
    if result.intent in DOCUMENT_INTENTS and not result.needs_person and documents:
        for document in documents:
            yield replace(document, intent=result.intent, confidence=result.confidence,
                          mail_reference=reference)
        return
    yield IncomingMail(_payload(raw, reference, source, message, result, documents),
                       {MESSAGE_FILE: raw, **{d.filename: d.data for d in documents}})


def _payload(raw: bytes, reference: str, source: Source, message: Message, result: Triage,
             documents: list[Incoming]) -> MailPayload:
    files = {d.filename for d in documents}
    attachments = [MailAttachment(name=d.filename, file=d.filename, media_type=d.media_type,
                                  sha256=d.sha256, size=len(d.data)) for d in documents]
    attachments += [MailAttachment(name=a.name) for a in message.attachments
                    if a.name not in files]
    triaged = MailTriage(intent=result.intent, confidence=result.confidence,
                         needs_person=result.needs_person, model_version=result.model_version,
                         threshold=result.threshold, ranked=result.ranked,
                         entities=result.entities.model_dump(mode="json"),
                         text=message.model_text()[:4000])
    return MailPayload(reference=reference, source=source,
                       message=DocumentRef(filename=MESSAGE_FILE, sha256=reference,
                                           media_type="message/rfc822", size=len(raw)),
                       subject=message.subject, sender=message.sender, body=message.body,
                       attachments=attachments, triage=triaged)


def default_triager(vendor_master=None) -> Triager:  # noqa: ANN001 - a folder or None
    """Triage with the registered model and the vendor master, both loaded on first use
    (a run that meets no message loads neither)."""
    loaded: dict = {}

    def classify(message: Message) -> Triage:
        if not loaded:
            from skills.triage import triage  # noqa: PLC0415 - onnxruntime, on first mail
            from skills.triage.vendors import master_vendors  # noqa: PLC0415

            loaded["triage"] = triage
            loaded["vendors"] = master_vendors(vendor_master)
        return loaded["triage"](message, loaded["vendors"])

    return classify
