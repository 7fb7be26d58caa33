"""Read the seed spreadsheets back into :class:`Master` records (openpyxl, read-only)."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from devdata.master.models import Address, GoodsReceipt, Master, PoLine, PurchaseOrder, Vendor

HERE = Path(__file__).resolve().parent


class MasterDataError(ValueError):
    """A seed spreadsheet is missing, unreadable or has a malformed row."""


def load_master(folder: Path | str | None = None) -> Master:
    """Vendors, purchase orders with lines, and goods receipts from ``folder``'s spreadsheets."""
    folder = Path(folder) if folder else HERE
    vendors = [_vendor(row) for row in _rows(folder / "vendors.xlsx", "Vendors")]
    lines: dict[str, list[PoLine]] = defaultdict(list)
    for row in _rows(folder / "purchase_orders.xlsx", "Lines"):
        lines[str(row["PO number"])].append(
            PoLine(
                line=int(row["Line"]),
                description=str(row["Description"]),
                quantity=_decimal(row["Quantity"]),
                unit=str(row["Unit"]),
                unit_price=_decimal(row["Unit price"], "0.01"),
            )
        )
    receipts: dict[str, list[GoodsReceipt]] = defaultdict(list)
    for row in _rows(folder / "goods_receipts.xlsx", "Receipts"):
        receipts[str(row["PO number"])].append(
            GoodsReceipt(
                receipt_number=str(row["Receipt number"]),
                po_number=str(row["PO number"]),
                line=int(row["Line"]),
                receipt_date=_date(row["Receipt date"]),
                quantity=_decimal(row["Quantity"]),
            )
        )
    orders = [
        PurchaseOrder(
            po_number=(po := str(row["PO number"])),
            vendor_id=str(row["Vendor ID"]),
            order_date=_date(row["Order date"]),
            currency=str(row["Currency"]),
            status=str(row["Status"]),
            lines=tuple(lines[po]),
            receipts=tuple(receipts[po]),
        )
        for row in _rows(folder / "purchase_orders.xlsx", "Orders")
    ]
    return Master(vendors=tuple(vendors), purchase_orders=tuple(orders))


def _vendor(row: dict[str, Any]) -> Vendor:
    return Vendor(
        vendor_id=str(row["Vendor ID"]),
        name=str(row["Name"]),
        vat_id=str(row["VAT ID"]),
        iban=str(row["IBAN"]) if row["IBAN"] else None,
        address=Address(
            street=str(row["Street"]),
            postcode=str(row["Postcode"]),
            city=str(row["City"]),
            country=str(row["Country"]),
        ),
        currency=str(row["Currency"]),
        tax_rate=_decimal(row["Tax rate %"]),
    )


def _rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        # a missing file, not an xlsx at all, or a broken zip
        raise MasterDataError(f"cannot read master data {path.name}: {exc}") from exc
    try:
        if sheet not in book.sheetnames:
            raise MasterDataError(f"{path.name} has no sheet named {sheet!r}")
        values = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    if not values:
        return []
    header = [str(h).strip() if h is not None else "" for h in values[0]]
    return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]


def _decimal(value: Any, places: str | None = None) -> Decimal:
    # Spreadsheet numbers are floats; str() first so 18.3 stays 18.3, not 18.2999...
    number = Decimal(str(value))
    if places:
        return number.quantize(Decimal(places))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
