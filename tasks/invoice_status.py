"""Where an invoice a vendor asks about stands: posted (when, due when), waiting in the
exception queue (with its code), being worked on, or never received.

Asked of the work-item store first (every invoice item the process holds, whatever its
state), then of the ERP (an invoice posted by other means). Used by the triage step for
payment reminders and questions; the answer is one sentence for the clerk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from tasks.payloads import InvoicePayload
from workitems import Item, ItemState, Store

MAX_ITEMS = 100_000  # the store is searched in Python: enough for a mailbox's lookups


@dataclass(frozen=True)
class Status:
    number: str
    state: str  # posted, exception, in_progress, closed, erp_only, not_read_yet, never_received
    sentence: str
    item_id: int | None = None
    due_date: str | None = None
    posted_on: str | None = None
    document_number: str | None = None


def _key(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", number.upper())


def _fields(payload: InvoicePayload) -> dict[str, str | None]:
    if payload.review is not None and payload.review.fields:
        return dict(payload.review.fields)
    extracted = payload.extracted.fields if payload.extracted else {}
    return {name: f.value for name, f in extracted.items()}


def invoice_items(store: Store, process: str) -> list[tuple[Item, InvoicePayload]]:
    found = []
    for item in store.list_items(process=process, limit=MAX_ITEMS):
        try:
            found.append((item, InvoicePayload.model_validate(item.payload)))
        except ValidationError:
            continue  # a trigger or a mail
    return found


def status_of(number: str, vendor_id: str | None, items: list[tuple[Item, InvoicePayload]],
              erp=None) -> Status:  # noqa: ANN001 - a function giving an ErpSession, or None
    """Where ``number`` (of ``vendor_id``, when known) stands. The ERP is only asked (``erp()``
    opens it) when the store has no such invoice."""
    wanted = _key(number)
    matches = [(i, p) for i, p in items if _key(_fields(p).get("invoice_number") or "") == wanted
               and (vendor_id is None or _vendor_of(p) in (None, vendor_id))]
    if matches:
        item, payload = max(matches, key=lambda m: (m[1].posting is not None, m[0].id))
        return _from_item(number, item, payload)
    if erp is not None and vendor_id:
        row = erp().posted_invoice(vendor_id, number)
        if row:
            return Status(number, "erp_only",
                          f"Invoice {number}: in the ERP as document {row.get('Document no.')} "
                          f"(invoice date {row.get('Invoice date')}, {row.get('Total')} "
                          f"{row.get('Currency')}), posted outside this mailbox.",
                          document_number=row.get("Document no."))
    unread = sum(1 for i, p in items if _unread(i, p))
    if unread:
        # Its number is only known once the consumer has read it: no "never received" yet.
        return Status(number, "not_read_yet",
                      f"Invoice {number}: not among the invoices read so far and not posted in "
                      f"the ERP; {unread} received document(s) are not read yet and may hold "
                      "it: look again once they are read.")
    return Status(number, "never_received",
                  f"Invoice {number}: never received (not in the ERP, not among the items): "
                  "ask the vendor for a copy.")


def _unread(item: Item, payload: InvoicePayload) -> bool:
    return (item.state in (ItemState.PENDING, ItemState.IN_PROGRESS)
            and payload.extracted is None and payload.review is None)


def _vendor_of(payload: InvoicePayload) -> str | None:
    if payload.posting is not None and payload.posting.vendor_id:
        return payload.posting.vendor_id
    vendor = payload.erp.vendor if payload.erp else None
    return vendor.get("vendor_id") if vendor else None


def _from_item(number: str, item: Item, payload: InvoicePayload) -> Status:
    due = _fields(payload).get("due_date")
    if payload.posting is not None:
        posted = payload.posting.posted_at.date().isoformat()
        return Status(number, "posted",
                      f"Invoice {number}: posted as ERP document "
                      f"{payload.posting.document_number} on {posted}"
                      + (f", due on {due}" if due else "") + f" (item {item.id}).",
                      item.id, due, posted, payload.posting.document_number)
    if item.state is ItemState.FAILED:
        why = (item.exception_message or "").split("\n")[0][:160]
        return Status(number, "exception",
                      f"Invoice {number}: received, waiting in the exception queue as item "
                      f"{item.id} ({item.exception_code}: {why}).", item.id, due)
    if item.state is ItemState.DONE:
        review = payload.review
        what = f"closed by {review.by}: {review.reason}" if review else "closed"
        return Status(number, "closed", f"Invoice {number}: received and {what} "
                      f"(item {item.id}), not posted by the bots.", item.id, due)
    return Status(number, "in_progress", f"Invoice {number}: received, being processed "
                  f"(item {item.id}, {item.state.value.lower()}).", item.id, due)
