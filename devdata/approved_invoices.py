"""Consumer items for invoices the development ERP expects, already approved by a clerk.

The consumer posts such an item as it is (a person validated its fields; no reading,
no OCR), which makes them the quickest real work for tests and runs that are about
the posting itself: exactly once, through crashes, outages and reconciliation.

    ids = approved_invoices(store, ["RE-1", "RE-2"])
"""

from __future__ import annotations

from datetime import UTC, datetime

from devdata.master import load_master
from tasks.payloads import InvoicePayload, Review
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import Store


def an_invoice_the_erp_expects(invoice_number: str = "RE-7781") -> DemoInvoice:
    """A real vendor's invoice for what it delivered on one of its purchase orders, with
    a smudged total (so that the bot stopped on it)."""
    master = load_master()
    po = next(o for o in master.purchase_orders
              if all(line.quantity == int(line.quantity) for line in o.lines))
    vendor = master.vendor(po.vendor_id)
    assert vendor is not None
    return DemoInvoice(
        vendor_name=vendor.name, vendor_vat=vendor.vat_id, vendor_iban=vendor.iban or "",
        invoice_number=invoice_number, invoice_date="2026-10-20", due_date="2026-11-19",
        po_number=po.po_number, currency=po.currency, tax_rate=str(vendor.tax_rate),
        lines=[(line.description, int(po.received_quantity(line.line)), str(line.unit_price))
               for line in po.lines if po.received_quantity(line.line) > 0],
        printed_total="8O8.08")


def approved_invoices(store: Store, numbers: list[str]) -> list[int]:
    """One approved consumer item per invoice number, waiting in the consumer's queue."""
    invoices = [an_invoice_the_erp_expects(n) for n in numbers]
    seeded = [(seed_failed_invoice(store, inv), inv) for inv in invoices]  # seeding takes
    for item_id, invoice in seeded:                                       # the next item
        payload = InvoicePayload.model_validate(store.get_item(item_id).payload)
        fields = {name: f.value for name, f in payload.extracted.fields.items()}
        fields["total"] = str(invoice.total)
        payload.review = Review(action="approve", fields=fields, by="clerk",
                                at=datetime.now(UTC))
        payload.findings = []
        store.retry(item_id, "clerk", payload=payload.model_dump(mode="json"))
    return [item_id for item_id, _ in seeded]
