"""What the development ERP stores about a posted invoice (read back by tests and the demo)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class PostingLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    position: int  # 1-based row in the entry grid
    po_line: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceDraft(BaseModel):
    """An invoice entered on the screen, checked but not yet posted."""

    model_config = ConfigDict(frozen=True)

    vendor_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    po_number: str | None
    currency: str
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    iban: str | None  # the vendor master's IBAN at posting time
    posted_by: str
    lines: tuple[PostingLine, ...]


class Posting(InvoiceDraft):
    """One posted invoice, with every header field and its lines."""

    document_number: str  # "5100001001"
    posted_at: datetime
