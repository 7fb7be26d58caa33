"""The master data every development system shares: vendors, purchase orders, receipts.

The development ERP is seeded from these records, and the demo renders invoices for
the same vendors, so both sides agree on names, tax ids, bank accounts and orders.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Address(_Record):
    street: str
    postcode: str
    city: str
    country: str  # ISO 3166 alpha-2


class Vendor(_Record):
    vendor_id: str  # "V10001"
    name: str
    vat_id: str  # EU VAT id ("DE123456789"); a US vendor carries its EIN ("94-1234567")
    iban: str | None  # None for vendors paid by other means (US ACH)
    address: Address
    currency: str  # ISO 4217
    tax_rate: Decimal  # percent charged on this vendor's invoices, e.g. Decimal("19")


class PoLine(_Record):
    line: int  # 10, 20, 30 ... as legacy ERPs number them
    description: str
    quantity: Decimal
    unit: str  # EA, KG, H, M
    unit_price: Decimal

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class GoodsReceipt(_Record):
    receipt_number: str  # "5000000001"
    po_number: str
    line: int
    receipt_date: date
    quantity: Decimal


class PurchaseOrder(_Record):
    po_number: str  # "4500001001"
    vendor_id: str
    order_date: date
    currency: str
    status: str  # "open" or "closed"
    lines: tuple[PoLine, ...]
    receipts: tuple[GoodsReceipt, ...] = ()

    @property
    def net_amount(self) -> Decimal:
        return sum((line.net_amount for line in self.lines), Decimal("0.00"))

    def received_quantity(self, line: int) -> Decimal:
        return sum((r.quantity for r in self.receipts if r.line == line), Decimal("0"))


class Master(_Record):
    vendors: tuple[Vendor, ...]
    purchase_orders: tuple[PurchaseOrder, ...]

    def vendor(self, vendor_id: str) -> Vendor | None:
        return next((v for v in self.vendors if v.vendor_id == vendor_id), None)

    def purchase_order(self, po_number: str) -> PurchaseOrder | None:
        return next((p for p in self.purchase_orders if p.po_number == po_number), None)

    def orders_for(self, vendor_id: str) -> list[PurchaseOrder]:
        return [p for p in self.purchase_orders if p.vendor_id == vendor_id]
