"""The demo mailbox's messages: one mail of each intent, saved as ``.eml`` in the watched
folder (a mail program's "save as"), each with where a correct run sends it.

They are written for the demo, in the languages AP mailboxes see, and name the demo's own
vendors and invoices: an invoice sent by mail only, a credit note, a reminder of an
invoice in the inbox, a vendor asking to change its bank details (the vendor whose invoice
in the inbox quotes a new account: the classic fraud pattern), and the mails that are no
invoice at all. None of them is used to train or measure the triage model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from devdata.demo_inbox import POSTED, Expected
from devdata.master import Master
from skills.errors import ErrorCode as C

ROUTED = "ROUTED"  # the mail's documents went on to the consumer


@dataclass
class ExpectedMail:
    file: str
    intent: str  # what the mail is about
    outcome: str  # ROUTED, or the code its item waits with in the triage queue
    alternatives: list[str] = field(default_factory=list)
    sha256: str = ""
    vendor_id: str | None = None
    later: bool = False  # delivered at a later poll, after the first batch was posted


def _message(subject: str, sender: str, body: str,
             attachments: list[tuple[str, bytes]] = ()) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ap@acme-buyer.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Nov 2026 09:30:00 +0100"
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(msg)


def write_mails(inbox: Path, expected: list[Expected], master: Master,
                later: Path | None = None) -> list[ExpectedMail]:
    """One ``.eml`` per intent in ``inbox``; returns where each must go. The payment
    reminder, about an invoice of this inbox, goes to ``later`` when given: it is delivered
    at a later poll, once that invoice was dealt with (as a real reminder comes days later)."""
    vendors = {v.vendor_id: v for v in master.vendors}
    changed = next(e for e in expected if e.outcome == C.BANK_ACCOUNT_CHANGED)
    for e in expected:  # the bank-change mail puts this vendor on hold before any posting
        if e.vendor_id == changed.vendor_id:
            e.alternatives = [*e.alternatives, e.outcome]
            e.outcome = C.VENDOR_ON_HOLD
    posted = [e for e in expected if e.outcome == POSTED and e.truth and e.vendor_id
              and not e.alternatives]
    credit = next((e for e in expected if e.outcome == C.CREDIT_NOTE), None)
    mailed = posted[-1]  # its PDF also leaves the folder: it comes by mail only
    asked = posted[0]
    bank = vendors[changed.vendor_id]  # type: ignore[index]
    mails: list[tuple[str, str, str, bytes, str | None]] = []

    def add(name: str, intent: str, outcome: str, data: bytes, vendor_id: str | None) -> None:
        mails.append((name, intent, outcome, data, vendor_id))

    pdf = (inbox / mailed.file).read_bytes()
    (inbox / mailed.file).unlink()
    v = vendors[mailed.vendor_id]  # type: ignore[index]
    add("m01-invoice.eml", "invoice", ROUTED, _message(
        f"New invoice {mailed.truth.invoice_number}",  # type: ignore[union-attr]
        "billing@vendor.example",
        f"Dear customer,\n\nattached you will find our invoice "
        f"{mailed.truth.invoice_number} for your recent order. Please pay within 30 "  # type: ignore
        f"days.\n\nBest regards,\n{v.name}",
        [(mailed.file, pdf)]), v.vendor_id)
    if credit is not None:
        v = vendors[credit.vendor_id]  # type: ignore[index]
        add("m02-credit-note.eml", "credit_note", ROUTED, _message(
            f"Gutschrift {credit.truth.invoice_number}", "buchhaltung@vendor.example",  # type: ignore
            "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unsere Gutschrift "
            f"{credit.truth.invoice_number} für die zurückgesandte Ware.\n\n"  # type: ignore
            f"Mit freundlichen Grüßen\nBuchhaltung\n{v.name}",
            [(credit.file, (inbox / credit.file).read_bytes())]), v.vendor_id)
        (inbox / credit.file).unlink()  # it comes by mail only
    v = vendors[asked.vendor_id]  # type: ignore[index]
    add("m03-reminder.eml", "reminder", C.PAYMENT_REMINDER, _message(
        f"Payment reminder: invoice {asked.truth.invoice_number}",  # type: ignore[union-attr]
        "credit-control@vendor.example",
        f"Dear Sir or Madam,\n\nthis is a friendly reminder that invoice "
        f"{asked.truth.invoice_number} over {asked.truth.total} "  # type: ignore[union-attr]
        f"{asked.truth.currency} is now overdue. Please arrange payment at your earliest "  # type: ignore
        f"convenience.\n\nKind regards,\nCredit control\n{v.name}"), v.vendor_id)
    add("m04-remittance.eml", "remittance", C.INBOX_MAIL, _message(
        "Zahlungsavis", "zahlungsverkehr@acme-kunde.example",
        "Sehr geehrte Damen und Herren,\n\nhiermit avisieren wir Ihnen die Zahlung von "
        "1.250,00 EUR für die Rechnungen 2026-311 und 2026-318. Der Betrag wird Ihrem Konto "
        "in den nächsten Tagen gutgeschrieben.\n\nMit freundlichen Grüßen\nZahlungsverkehr"),
        None)
    add("m05-bank-change.eml", "bank_change", C.BANK_DETAILS_CHANGE, _message(
        "Change of bank details", "finance@vendor-accounts.example",
        "Dear Accounts Payable team,\n\nplease note that our bank account has changed. With "
        "immediate effect please pay all open and future invoices to our new account:\n\n"
        f"IBAN {changed.truth.vendor_iban}\n\n"  # type: ignore[union-attr]
        "Please update your vendor master accordingly.\n\n"
        f"Kind regards,\nFinance department\n{bank.name}\nVAT {bank.vat_id or ''}"),
        bank.vendor_id)
    v = vendors[posted[1].vendor_id]  # type: ignore[index]
    add("m06-vendor-update.eml", "vendor_update", C.INBOX_MAIL, _message(
        "Nouvelle adresse", "contact@vendor.example",
        "Madame, Monsieur,\n\nnous vous informons que notre siège a déménagé. Notre nouvelle "
        "adresse est : 12 rue de la Paix, 75002 Paris. Merci de mettre à jour vos "
        f"données fournisseur.\n\nCordialement,\n{v.name}"), v.vendor_id)
    v = vendors[posted[2].vendor_id]  # type: ignore[index]
    add("m07-question.eml", "question", C.INBOX_MAIL, _message(
        f"Vraag over factuur {posted[2].truth.invoice_number}",  # type: ignore[union-attr]
        "administratie@vendor.example",
        "Geachte heer, mevrouw,\n\nkunt u mij laten weten wanneer factuur "
        f"{posted[2].truth.invoice_number} betaald wordt? Wij hebben nog geen betaling "  # type: ignore
        f"ontvangen.\n\nMet vriendelijke groet,\n{v.name}"), v.vendor_id)
    add("m08-delivery-note.eml", "not_invoice", C.INBOX_MAIL, _message(
        "Albarán de entrega de su pedido", "pedidos@proveedor.example",
        "Estimados señores:\n\nles enviamos el albarán de entrega de su pedido. La "
        "mercancía sale de nuestro almacén hoy.\n\n"
        "Atentamente,\nDepartamento de ventas"), None)
    add("m09-spam.eml", "spam", C.INBOX_MAIL, _message(
        "You have won! Claim your prize now", "winner@prize-draw.example",
        "Congratulations! You have been selected to receive a $1,000 gift card. Click the "
        "link below and enter your bank details to claim your prize today.\n\n"
        "Unsubscribe here."), None)
    add("m10-other.eml", "other", C.INBOX_MAIL, _message(
        "Office closed on Friday", "events@vendor.example",
        "Dear all,\n\nour office will be closed this Friday for our annual team event. "
        "We are back on Monday.\n\nBest regards,\nThe team"), None)
    out = []
    for name, intent, outcome, data, vendor_id in mails:
        late = later is not None and intent == "reminder"
        folder = later if late else inbox
        folder.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        (folder / name).write_bytes(data)  # type: ignore[operator]
        out.append(ExpectedMail(name, intent, outcome, [C.INTENT_UNSURE],
                                hashlib.sha256(data).hexdigest(), vendor_id, late))
    return out
