"""Suggested replies to vendors' mails: a template per route, filled with ERP facts.

No generative model: each route has one English template, the facts are the bot's own
findings (where each invoice stands, as :mod:`tasks.invoice_status` worded it) and the
mail's extracted facts. The clerk reads, edits and sends it; nothing is sent by the bot.
"""

from __future__ import annotations

from datetime import date

from tasks.invoice_status import Status

_OPEN = "Dear {name},\n\nthank you for your message"
_CLOSE = "\n\nKind regards,\nAccounts Payable"

_TEMPLATES = {
    "reminder": "{open} about our payment.\n\n{facts}{close}",
    "question": "{open}.\n\n{facts}{close}",
    "remittance": ("{open} and the payment advice. We will match the payment against your "
                   "open items; if anything does not match, we will get back to you.{close}"),
    "vendor_update": ("{open}. Before we change your details in our vendor master, we will "
                      "confirm them with you by phone on the number we have on file. Please "
                      "also send the change on your letterhead.{close}"),
    "bank_change": ("{open}. For your and our protection we change bank details only after a "
                    "call-back on the phone number we have on file; until then payments go to "
                    "the account we know.{close}"),
    "not_invoice": ("{open}. We have filed your document; it is not an invoice, so nothing "
                    "is paid on it. Please send invoices as PDF to this address.{close}"),
    "invoice": ("{open}. Your mail announces an invoice, but no invoice document was "
                "attached. Please send it again as a PDF.{close}"),
    "credit_note": ("{open}. Your mail announces a credit note, but no document was attached. "
                    "Please send it again as a PDF.{close}"),
    "other": "{open}. We will look into it and get back to you.{close}",
}
_STATE_HINT = {
    "posted": "It is scheduled for payment on its due date.",
    "exception": "We are clarifying it internally and will come back to you shortly.",
    "in_progress": "It is being processed.",
    "closed": "We will check it and come back to you.",
    "erp_only": "It is scheduled for payment on its due date.",
    "not_read_yet": "We are checking it and will come back to you shortly.",
    "never_received": "We have not received it: please send us a copy as a PDF.",
}


def vendor_sentence(status: Status) -> str:
    """What the vendor may be told of one invoice (no item numbers, no internal codes)."""
    if status.state in ("posted", "erp_only"):
        due = f", due on {status.due_date}" if status.due_date else ""
        on = f" on {status.posted_on}" if status.posted_on else ""
        hint = _STATE_HINT[status.state]
        if status.due_date and status.due_date < date.today().isoformat():
            hint = "It is past its due date; it goes into our next payment run."
        return f"Invoice {status.number} was booked{on}{due}. {hint}"
    return f"Invoice {status.number}: {_STATE_HINT[status.state]}"


def suggest_reply(route: str, vendor_name: str | None, statuses: list[Status]) -> str | None:
    """The reply a clerk may send, or None where none should be sent (spam)."""
    if route in ("spam", "unsure"):
        return None
    template = _TEMPLATES.get(route, _TEMPLATES["other"])
    facts = "\n".join(vendor_sentence(s) for s in statuses) or (
        "Your message names no invoice number; please tell us which invoice you mean.")
    return template.format(open=_OPEN.format(name=vendor_name or "Sir or Madam"),
                           facts=facts, close=_CLOSE)
