"""What the ERP page objects read from and type into the ERP screens (pydantic, validated)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class VendorRecord(_Record):
    """One row of the vendor master search."""

    vendor_id: str
    name: str
    vat_id: str
    city: str
    country: str
    currency: str
    iban: str | None


class PoLineView(_Record):
    line: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net_amount: Decimal
    received_quantity: Decimal


class ReceiptView(_Record):
    receipt_number: str
    line: int
    receipt_date: date
    quantity: Decimal


class PurchaseOrderView(_Record):
    """A purchase order as the PO display screen shows it, with lines and goods receipts."""

    po_number: str
    vendor_id: str
    vendor_name: str
    order_date: date
    currency: str
    status: str
    lines: tuple[PoLineView, ...]
    receipts: tuple[ReceiptView, ...]


class InvoiceEntryLine(_Record):
    description: str = Field(min_length=1)
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    po_line: int | None = None  # the purchase order item this line bills (10, 20, ...)


class InvoiceEntry(_Record):
    """An invoice to key into the ERP. Without lines, one summary line over the net is posted."""

    vendor_id: str = Field(min_length=1)
    invoice_number: str = Field(min_length=1)
    invoice_date: date
    due_date: date
    po_number: str | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    lines: tuple[InvoiceEntryLine, ...] = ()

    @model_validator(mode="after")
    def _totals_add_up(self) -> InvoiceEntry:
        if abs(self.net_amount + self.tax_amount - self.total_amount) > Decimal("0.01"):
            raise ValueError(
                f"net {self.net_amount} + tax {self.tax_amount} != total {self.total_amount}"
            )
        return self

    def grid_lines(self) -> tuple[InvoiceEntryLine, ...]:
        """The lines to type into the grid (the ERP needs at least one)."""
        if self.lines:
            return self.lines
        return (
            InvoiceEntryLine(
                description=f"Invoice {self.invoice_number}", quantity=Decimal(1),
                unit_price=self.net_amount, amount=self.net_amount,
            ),
        )
