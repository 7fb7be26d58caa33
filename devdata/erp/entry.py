"""Check what a user typed on the invoice entry screen, as the legacy ERP does.

Strict like the real thing: dates as DD.MM.YYYY, amounts with a decimal point, totals
that add up. Returns either a draft or the messages to show above the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from devdata.erp.db import ErpDatabase
from devdata.erp.ids import ElementIds
from devdata.erp.records import InvoiceDraft, PostingLine

CURRENCIES = ("EUR", "GBP", "USD", "CHF", "SEK", "PLN")
HEADER_FIELDS = ("vendor", "invoice_number", "invoice_date", "due_date", "po_number",
                 "currency", "net", "tax", "total")
LINE_COLUMNS = ("poline", "desc", "qty", "price", "amount")
_CENT = Decimal("0.01")
_AMOUNT = re.compile(r"-?\d+(\.\d{1,4})?")


def read_form(form: Mapping[str, str], ids: ElementIds) -> tuple[dict[str, str], list[dict]]:
    """The header values and grid rows of a submitted form, keyed by logical name."""
    header = {name: str(form.get(ids(name), "")).strip() for name in HEADER_FIELDS}
    pattern = re.compile(rf"^{re.escape(ids('grid'))}_({'|'.join(LINE_COLUMNS)})_(\d+)$")
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        if match := pattern.match(key):
            rows.setdefault(int(match.group(2)), {})[match.group(1)] = str(value).strip()
    lines = [rows[n] for n in sorted(rows)]
    return header, lines


def check(
    header: dict[str, str], lines: list[dict], db: ErpDatabase, user: str
) -> tuple[InvoiceDraft | None, list[str]]:
    errors: list[str] = []
    vendor = db.vendor(header["vendor"]) if header["vendor"] else None
    if vendor is None:
        errors.append(f"Vendor '{header['vendor']}' does not exist." if header["vendor"]
                      else "Enter a vendor.")
    if not header["invoice_number"]:
        errors.append("Enter the invoice number.")
    invoice_date = _date(header["invoice_date"], "Invoice date", errors)
    due_date = _date(header["due_date"], "Due date", errors)
    if header["currency"] not in CURRENCIES:
        errors.append("Choose a currency.")
    net = _amount(header["net"], "Net amount", errors)
    tax = _amount(header["tax"], "Tax amount", errors)
    total = _amount(header["total"], "Total amount", errors)
    if None not in (net, tax, total) and abs(net + tax - total) > _CENT:
        errors.append(f"Net {net} plus tax {tax} is not the total {total}.")
    po_number = header["po_number"] or None
    if po_number and vendor is not None:
        po = db.purchase_order(po_number)
        if po is None:
            errors.append(f"Purchase order {po_number} does not exist.")
        elif po.vendor_id != vendor.vendor_id:
            errors.append(f"Purchase order {po_number} belongs to vendor {po.vendor_id}.")
    posting_lines = _lines(lines, errors)
    if not posting_lines:
        errors.append("Enter at least one line item.")
    elif net is not None and abs(sum(ln.amount for ln in posting_lines) - net) > _CENT:
        errors.append("The line amounts do not add up to the net amount.")
    if errors or vendor is None:
        return None, errors
    draft = InvoiceDraft(
        vendor_id=vendor.vendor_id, invoice_number=header["invoice_number"],
        invoice_date=invoice_date, due_date=due_date, po_number=po_number,
        currency=header["currency"], net_amount=net, tax_amount=tax, total_amount=total,
        iban=vendor.iban, posted_by=user, lines=tuple(posting_lines),
    )
    return draft, []


def _date(text: str, label: str, errors: list[str]) -> date | None:
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        errors.append(f"{label}: enter a date as DD.MM.YYYY (got '{text}').")
        return None


def _amount(
    text: str, label: str, errors: list[str], places: Decimal | None = _CENT
) -> Decimal | None:
    if not _AMOUNT.fullmatch(text):
        errors.append(f"{label}: enter a number like 1234.50 (got '{text}').")
        return None
    try:
        return Decimal(text).quantize(places) if places else Decimal(text)
    except InvalidOperation:
        errors.append(f"{label}: '{text}' is not a number.")
        return None


def _lines(rows: list[dict], errors: list[str]) -> list[PostingLine]:
    result = []
    for row in rows:
        if not any(row.values()):
            continue  # an empty grid row is ignored, as the legacy screen does
        position = len(result) + 1
        label = f"Line {position}"
        qty = _amount(row.get("qty", ""), f"{label} quantity", errors, places=None)
        price = _amount(row.get("price", ""), f"{label} unit price", errors)
        amount = _amount(row.get("amount", ""), f"{label} amount", errors)
        po_line = row.get("poline", "")
        if po_line and not po_line.isdigit():
            errors.append(f"{label}: the PO item must be a number.")
            continue
        if not row.get("desc"):
            errors.append(f"{label}: enter a description.")
            continue
        if None in (qty, price, amount):
            continue
        result.append(PostingLine(position=position, po_line=int(po_line) if po_line else None,
                                  description=row["desc"], quantity=qty, unit_price=price,
                                  amount=amount))
    return result
