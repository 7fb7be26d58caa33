"""Small invoice PDFs (fpdf2) for trying the portal without the demo's documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from devdata.master import load_master
from devdata.portal.records import PortalInvoice, write_index


def write_sample_invoices(folder: Path, count: int = 3) -> list[PortalInvoice]:
    """``count`` one-page invoices from master-data vendors, plus their index.json."""
    folder.mkdir(parents=True, exist_ok=True)
    vendors = load_master().vendors
    invoices = []
    for n in range(count):
        vendor = vendors[n % len(vendors)]
        net = Decimal(100 + 37 * n).quantize(Decimal("0.01"))
        tax = (net * vendor.tax_rate / 100).quantize(Decimal("0.01"))
        invoice = PortalInvoice(
            invoice_number=f"PRT-{2026_0001 + n}", vendor=vendor.name,
            invoice_date=date(2026, 10, 1) + timedelta(days=n),
            due_date=date(2026, 10, 31) + timedelta(days=n), amount=net + tax,
            currency=vendor.currency, filename=f"PRT-{2026_0001 + n}.pdf",
        )
        _write_pdf(folder / invoice.filename, invoice, net, tax)
        invoices.append(invoice)
    write_index(folder, invoices)
    return invoices


def _write_pdf(path: Path, invoice: PortalInvoice, net: Decimal, tax: Decimal) -> None:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # same bytes on every run
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, "INVOICE", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for text in (
        _latin1(invoice.vendor),
        f"Invoice number: {invoice.invoice_number}",
        f"Invoice date: {invoice.invoice_date.isoformat()}",
        f"Due date: {invoice.due_date.isoformat() if invoice.due_date else ''}",
        f"Net: {net} {invoice.currency}",
        f"Tax: {tax} {invoice.currency}",
        f"Total: {invoice.amount} {invoice.currency}",
    ):
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _latin1(text: str) -> str:
    # The core PDF fonts cover Latin-1 only; vendor names here stay within it.
    return text.encode("latin-1", "replace").decode("latin-1")
