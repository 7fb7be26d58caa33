"""Mails for the routing tests: hand-written messages (kept out of the triage model's
training), with or without a PDF attached, and mail items put in the triage queue as the
triage step leaves them."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from fpdf import FPDF

from skills.triage import Triage
from tasks.payloads import Finding, Source
from tasks.sources import SourceReport
from tasks.sources.mail import IncomingMail, default_triager, route_message
from workitems import ExceptionType, Store

HAND = Path(__file__).resolve().parents[1] / "skills" / "fixtures" / "triage" / "handwritten"
PROCESS = "ap"
_TRIAGER = default_triager()


def triager(message) -> Triage:  # noqa: ANN001 - the real model, loaded once for the tests
    return _TRIAGER(message)


def hand_written(name: str) -> bytes:
    return (HAND / name).read_bytes()


def invoice_pdf(number: str = "RE-2026-0042", text: str = "") -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in (text or f"Invoice {number}\nDate 05.11.2026\nTotal 1,190.00 EUR").split("\n"):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def message(subject: str, body: str, attachments: list[tuple[str, bytes]] = (),
            sender: str = "billing@vendor.example") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ap@acme-buyer.example"
    msg["Subject"] = subject
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(msg)


def with_attachment(raw: bytes, name: str, data: bytes) -> bytes:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(msg)


def vague_mail() -> bytes:
    """A mail whose words and file name say nothing of what its PDF is: the model is
    unsure of it (measured: below the threshold, no intent above 0.7)."""
    return message("Unterlagen", "Hallo,\n\nanbei die Unterlagen wie besprochen.\n\nGruß",
                   [("scan.pdf", invoice_pdf("2026-0871"))])


def routed(raw: bytes, name: str = "mail.eml") -> list:
    report = SourceReport("folder", "test")
    source = Source(kind="folder", name=name, received_at=datetime.now(UTC))
    return list(route_message(raw, source, report, triager))


def queued_mail(store: Store, raw: bytes, code: str, name: str = "mail.eml",
                hold: str | None = None) -> int:
    """A mail item FAILED at the triage step with ``code``, as the triage step leaves it."""
    [mail] = routed(raw, name)
    assert isinstance(mail, IncomingMail)
    mail.payload.route = mail.payload.wanted_route()  # type: ignore[assignment]
    mail.payload.hold = hold
    mail.payload.findings = [Finding(code=code, message=f"test: {code}")]
    item_id = store.create_item(PROCESS, "triage", mail.payload.model_dump(mode="json"),
                                mail.files, reference=mail.sha256).id
    reservation = store.reserve(PROCESS, "triage", "test-worker")
    assert reservation is not None and reservation.item_id == item_id
    store.fail(item_id, reservation.token, "test-worker", ExceptionType.BUSINESS, code,
               f"test: {code}")
    return item_id
