"""Demo invoices for the Control Room: a real one-page PDF made with fpdf2 and a
work item that failed the way the consumer fails it (payload per
``tasks.payloads.InvoicePayload``, with boxes where the fields are printed).

Used by the tests, the screenshots and anyone trying the app on an empty store::

    python -m tasks.room_demo sqlite:///output/workitems.db
"""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime
from decimal import Decimal

from fpdf import FPDF
from pydantic import BaseModel, Field

from tasks.payloads import (
    DocumentRef,
    ErpContext,
    Extracted,
    FieldValue,
    Finding,
    InvoicePayload,
    LineItem,
    Source,
)
from workitems import ExceptionType, Step, Store

PROCESS = "ap"
STEPS = [Step(process=PROCESS, name="producer", next_step="consumer"),
         Step(process=PROCESS, name="consumer", next_step="reporter"),
         Step(process=PROCESS, name="reporter")]


class DemoInvoice(BaseModel):
    vendor_name: str = "Nordwind Bürobedarf GmbH"
    vendor_vat: str = "DE811907980"
    vendor_iban: str = "DE89370400440532013000"
    invoice_number: str = "RE-2024-0412"
    invoice_date: str = "2024-04-12"
    due_date: str = "2024-05-12"
    po_number: str = "PO-4711"
    currency: str = "EUR"
    lines: list[tuple[str, int, str]] = Field(default_factory=lambda: [
        ("Copy paper A4, 80 g, box of 5 reams", 4, "23.90"),
        ("Toner cartridge TN-2420", 2, "64.50"),
        ("Desk organiser, steel mesh", 3, "12.40"),
    ])
    tax_rate: str = "19"
    # What the scan shows for the total, when it differs from the true sum (a smudge).
    printed_total: str | None = None

    @property
    def net(self) -> Decimal:
        return sum((Decimal(p) * q for _, q, p in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return (self.net * Decimal(self.tax_rate) / 100).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


def make_pdf(inv: DemoInvoice) -> tuple[bytes, dict[str, list[float]]]:
    """The PDF and, per header field, its box in points from the top-left."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    boxes: dict[str, list[float]] = {}

    def text(x: float, y: float, value: str, size: int = 10, field: str | None = None,
             style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_xy(x, y)
        width = pdf.get_string_width(value)
        pdf.cell(width + 2, size + 4, value)
        if field:
            boxes[field] = [x, y, x + width + 2, y + size + 4]

    text(50, 50, inv.vendor_name, 16, "vendor_name", "B")
    text(50, 74, "Hafenstrasse 12, 20457 Hamburg")
    text(50, 88, "VAT id: ")
    text(92, 88, inv.vendor_vat, field="vendor_vat")
    text(380, 50, "INVOICE", 20, style="B")
    for row, (label, field) in enumerate((("Invoice no.", "invoice_number"),
                                          ("Date", "invoice_date"), ("Due", "due_date"),
                                          ("Your PO", "po_number"))):
        y = 90 + row * 16
        text(380, y, f"{label}:")
        text(450, y, getattr(inv, field), field=field)
    text(50, 150, "Bill to: ACME Manufacturing AG, Industriestrasse 1, 80331 Munich")
    y = 190
    pdf.set_font("Helvetica", "B", 10)
    for x, head in ((50, "Description"), (340, "Qty"), (390, "Unit price"), (480, "Amount")):
        text(x, y, head, style="B")
    for description, quantity, price in inv.lines:
        y += 18
        text(50, y, description)
        text(340, y, str(quantity))
        text(390, y, price)
        text(480, y, f"{Decimal(price) * quantity:.2f}")
    y += 36
    text(390, y, "Net")
    text(480, y, f"{inv.net:.2f}", field="net_amount")
    text(390, y + 16, f"VAT {inv.tax_rate} %")
    text(445, y + 16, f"{inv.tax_rate}", field="tax_rate")
    text(480, y + 16, f"{inv.tax:.2f}", field="tax_amount")
    text(390, y + 34, "Total", 11, style="B")
    text(440, y + 34, inv.currency, 11, "currency", "B")
    text(480, y + 34, inv.printed_total or f"{inv.total:.2f}", 11, "total", "B")
    text(50, 720, f"IBAN: {inv.vendor_iban[:4]} ")
    text(50, 736, " ".join(inv.vendor_iban[i:i + 4] for i in range(0, len(inv.vendor_iban), 4)),
         field="vendor_iban")
    return bytes(pdf.output()), boxes


def invoice_payload(inv: DemoInvoice, pdf: bytes, boxes: dict[str, list[float]], *,
                    code: str = "LOW_CONFIDENCE", low_field: str = "total",
                    low_confidence: float = 0.41) -> InvoicePayload:
    sha = hashlib.sha256(pdf).hexdigest()
    values = {"vendor_name": inv.vendor_name, "vendor_vat": inv.vendor_vat,
              "vendor_iban": inv.vendor_iban, "invoice_number": inv.invoice_number,
              "invoice_date": inv.invoice_date, "due_date": inv.due_date,
              "po_number": inv.po_number, "currency": inv.currency,
              "net_amount": f"{inv.net:.2f}", "tax_amount": f"{inv.tax:.2f}",
              "tax_rate": inv.tax_rate, "total": inv.printed_total or f"{inv.total:.2f}"}
    fields = {name: FieldValue(value=value, confidence=low_confidence if name == low_field
                               else 0.97, page=1, box=boxes.get(name), method="text", raw=value)
              for name, value in values.items()}
    findings = [Finding(code=code, field=low_field,
                        message=_finding_message(code, low_field, low_confidence))]
    return InvoicePayload(
        reference=sha,
        source=Source(kind="folder", name="inbox/scans", received_at=datetime.now(UTC)),
        document=DocumentRef(filename="invoice.pdf", sha256=sha, media_type="application/pdf",
                             size=len(pdf)),
        extracted=Extracted(fields=fields, lines=[
            LineItem(description=d, quantity=str(q), unit_price=p,
                     amount=f"{Decimal(p) * q:.2f}") for d, q, p in inv.lines],
            model="demo-scorer 0.1", threshold=0.9),
        findings=findings,
        erp=ErpContext(
            vendor={"id": "V-1001", "name": inv.vendor_name, "vat": inv.vendor_vat,
                    "iban": inv.vendor_iban, "payment_terms": "30 days net"},
            purchase_order={"number": inv.po_number, "status": "open", "currency": inv.currency,
                            "lines": [{"line": n + 1, "description": d, "quantity": q,
                                       "unit_price": p} for n, (d, q, p) in
                                      enumerate(inv.lines)]},
            receipts=[{"receipt": "GR-88123", "date": inv.invoice_date, "po_line": n + 1,
                       "quantity": q} for n, (_, q, _) in enumerate(inv.lines)]),
    )


def _finding_message(code: str, field: str, confidence: float) -> str:
    if code == "LOW_CONFIDENCE":
        return f"{field} read with confidence {confidence:.2f}, below the threshold 0.90"
    return {"UNKNOWN_VENDOR": "no vendor with this name or VAT id in the vendor master",
            "PO_MISMATCH": "invoice total exceeds the PO's open amount by 12.40",
            "DUPLICATE_INVOICE": "invoice RE-2024-0412 is already posted for V-1001",
            "BANK_ACCOUNT_CHANGED": "the IBAN differs from the vendor master's"}.get(
                code, "see the message")


def seed_failed_invoice(store: Store, inv: DemoInvoice | None = None, *,
                        code: str = "LOW_CONFIDENCE", low_field: str = "total",
                        low_confidence: float = 0.41, priority: int = 0,
                        worker: str = "demo-worker",
                        findings: list[Finding] | None = None) -> int:
    """A consumer item that failed with a BUSINESS code, as the bot leaves it.

    ``findings`` replaces the one finding made from ``code`` (several reasons at once).
    It is reserved like a worker would, so the consumer's queue must hold no other
    pending item at the time."""
    inv = inv or DemoInvoice()
    store.register_process(PROCESS, STEPS, "Accounts-payable invoices")
    pdf, boxes = make_pdf(inv)
    payload = invoice_payload(inv, pdf, boxes, code=code, low_field=low_field,
                              low_confidence=low_confidence)
    if findings:
        payload.findings = findings
    item_id = store.create_item(PROCESS, "consumer", payload.model_dump(mode="json"),
                                {"invoice.pdf": pdf}, reference=payload.reference,
                                priority=priority).id
    reservation = store.reserve(PROCESS, "consumer", worker)
    assert reservation is not None and reservation.item_id == item_id, "queue not empty"
    store.fail(item_id, reservation.token, worker, ExceptionType.BUSINESS, code,
               payload.findings[0].message)
    return item_id


def seed_demo(store: Store) -> list[int]:
    """A small, varied queue plus some finished work, for trying the app."""
    store.register_process(PROCESS, STEPS, "Accounts-payable invoices")
    for n in range(12):  # straight-through items so the overview has something to show
        created = store.create_item(PROCESS, "consumer", {"n": n}, reference=f"demo-ok-{n}")
        reservation = store.reserve(PROCESS, "consumer", "demo-worker")
        assert reservation is not None and reservation.item_id == created.id
        store.complete(created.id, reservation.token, "demo-worker")
    variants = [
        (DemoInvoice(printed_total="3O3.57"), "LOW_CONFIDENCE", "total", 0.41, 1),
        (DemoInvoice(vendor_name="Kowalski Druck sp. z o.o.", invoice_number="FV/118/2024",
                     currency="PLN", vendor_vat="PL5261040828", po_number="PO-5120",
                     vendor_iban="PL61109010140000071219812874"),
         "UNKNOWN_VENDOR", "vendor_name", 0.95, 0),
        (DemoInvoice(invoice_number="RE-2024-0388", lines=[("Office chair, ergonomic", 2,
                                                            "189.00")]),
         "PO_MISMATCH", "po_number", 0.93, 0),
        (DemoInvoice(invoice_number="RE-2024-0301", invoice_date="2024-03-01",
                     lines=[("Whiteboard markers, 12 colours", 6, "8.90")]),
         "DUPLICATE_INVOICE", "invoice_number", 0.98, 0),
        (DemoInvoice(vendor_iban="GB82WEST12345698765432", invoice_number="RE-2024-0415"),
         "BANK_ACCOUNT_CHANGED", "vendor_iban", 0.96, 2),
        (DemoInvoice(invoice_number="RE-2024-0420", due_date="2024-05-20"), "LOW_CONFIDENCE",
         "invoice_date", 0.55, 0),
    ]
    return [seed_failed_invoice(store, inv, code=code, low_field=field, low_confidence=conf,
                                priority=prio) for inv, code, field, conf, prio in variants]


if __name__ == "__main__":
    from workitems import open_store

    with open_store(sys.argv[1] if len(sys.argv) > 1 else None) as demo_store:
        print("seeded items", seed_demo(demo_store))
