"""Rules an invoice must pass before a bot may post it, checked against the ERP's facts.

Pure functions over plain data: the consumer gathers the facts (vendor master
matches, the purchase order with its lines and goods receipts, whether the ERP
already has this invoice) and these rules say what is wrong, in words an AP
clerk understands. The first finding decides the item's exception code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher

from skills.errors import ErrorCode

# Legal forms and filler words that say nothing about which company it is.
_NOISE = {
    "gmbh", "ag", "kg", "co", "mbh", "ltd", "limited", "plc", "llp", "llc", "inc", "corp",
    "sarl", "sas", "sa", "srl", "sl", "slu", "bv", "nv", "vof", "ab", "the", "und", "and", "et",
    "y", "en", "cie",
}
NAME_MATCH = 0.85  # similarity of normalised names that counts as the same vendor


@dataclass(frozen=True)
class Vendor:
    vendor_id: str
    name: str
    vat_id: str | None
    iban: str | None
    currency: str | None = None


@dataclass(frozen=True)
class PoLine:
    line: int
    quantity: Decimal
    unit_price: Decimal
    received_quantity: Decimal


@dataclass(frozen=True)
class PurchaseOrder:
    po_number: str
    vendor_id: str
    currency: str
    status: str  # OPEN, CLOSED, ...
    lines: tuple[PoLine, ...]


@dataclass(frozen=True)
class Finding:
    code: ErrorCode
    message: str
    field: str | None = None


def compact(text: str | None) -> str:
    """Upper-case letters and digits only: how IBANs and VAT ids compare."""
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


def name_key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain.replace("&", " and "))
    return " ".join(w for w in words if w not in _NOISE)


def name_similarity(a: str, b: str) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    return SequenceMatcher(None, ka, kb).ratio()


def match_vendor(name: str | None, vat: str | None,
                 candidates: list[Vendor]) -> tuple[Vendor | None, str]:
    """The vendor master entry this invoice is from, and how it was recognised.

    A VAT id match wins: it is printed for exactly this purpose. Otherwise the
    closest name above NAME_MATCH, provided no second vendor is nearly as close.
    """
    if vat:
        by_vat = [v for v in candidates if v.vat_id and compact(v.vat_id) == compact(vat)]
        if len(by_vat) == 1:
            return by_vat[0], "VAT id"
    if not name:
        return None, "no vendor name or VAT id on the invoice"
    scored = sorted(((name_similarity(name, v.name), v) for v in candidates),
                    key=lambda sv: -sv[0])
    if not scored or scored[0][0] < NAME_MATCH:
        return None, f"no vendor named like {name!r}"
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.02:
        return None, f"{scored[0][1].name!r} and {scored[1][1].name!r} both match {name!r}"
    return scored[0][1], f"name ({scored[0][0]:.0%} alike)"


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def check_amounts(fields: dict[str, str | None]) -> list[Finding]:
    """Net + tax = total, and tax = net x rate, to the cent (a rounding cent allowed)."""
    net, tax, total = (_decimal(fields.get(k)) for k in ("net_amount", "tax_amount", "total"))
    rate = _decimal(fields.get("tax_rate"))
    findings = []
    if net is not None and tax is not None and total is not None and abs(
            net + tax - total) > Decimal("0.01"):
        findings.append(Finding(ErrorCode.LOW_CONFIDENCE,
                                f"net {net} + tax {tax} is not the total {total}", "total"))
    if net is not None and tax is not None and rate is not None and abs(
            net * rate / 100 - tax) > Decimal("0.02") + abs(net) * Decimal("0.0005"):
        findings.append(Finding(ErrorCode.LOW_CONFIDENCE,
                                f"tax {tax} is not {rate}% of the net {net}", "tax_amount"))
    return findings


def check_bank_account(fields: dict[str, str | None], vendor: Vendor) -> list[Finding]:
    printed = compact(fields.get("vendor_iban"))
    if printed and vendor.iban and printed != compact(vendor.iban):
        return [Finding(ErrorCode.BANK_ACCOUNT_CHANGED,
                        f"the invoice asks for payment to {printed}, but the vendor master has "
                        f"{compact(vendor.iban)} for {vendor.name}: confirm the change with the "
                        "vendor by phone before paying", "vendor_iban")]
    return []


def check_purchase_order(fields: dict[str, str | None], vendor: Vendor,
                         po: PurchaseOrder | None, tolerance: Decimal) -> list[Finding]:
    """2-way (invoice vs ordered) and 3-way (invoice vs received) match, within tolerance."""
    number = fields.get("po_number")
    if not number:
        return []
    if po is None:
        return [Finding(ErrorCode.PO_MISMATCH, f"purchase order {number} does not exist",
                        "po_number")]
    if po.vendor_id != vendor.vendor_id:
        return [Finding(ErrorCode.PO_MISMATCH, f"purchase order {number} belongs to vendor "
                        f"{po.vendor_id}, not {vendor.vendor_id} ({vendor.name})", "po_number")]
    if po.status.upper() != "OPEN":
        return [Finding(ErrorCode.PO_MISMATCH, f"purchase order {number} is {po.status}",
                        "po_number")]
    currency = fields.get("currency")
    if currency and po.currency and currency != po.currency:
        return [Finding(ErrorCode.PO_MISMATCH, f"the invoice is in {currency}, purchase order "
                        f"{number} in {po.currency}", "currency")]
    net = _decimal(fields.get("net_amount"))
    if net is None:
        return []
    ordered = sum((ln.quantity * ln.unit_price for ln in po.lines), Decimal(0))
    received = sum((ln.received_quantity * ln.unit_price for ln in po.lines), Decimal(0))
    slack = 1 + tolerance
    if net > ordered * slack:
        return [Finding(ErrorCode.PO_MISMATCH, f"the invoice net {net} exceeds what purchase "
                        f"order {number} ordered ({ordered}) by more than {tolerance:.0%}",
                        "net_amount")]
    if net > received * slack:
        return [Finding(ErrorCode.PO_MISMATCH, f"the invoice net {net} exceeds the goods "
                        f"received so far on {number} ({received}): wait for the goods receipt",
                        "net_amount")]
    return []


def checks(fields: dict[str, str | None], vendor: Vendor, po: PurchaseOrder | None,
           tolerance: Decimal = Decimal("0.02"),
           ) -> list[tuple[str, Callable[[], list[Finding]]]]:
    """The checks of an invoice from a known vendor, by name, most serious first, for a
    caller that runs (or times) them one by one."""
    return [("bank_account", lambda: check_bank_account(fields, vendor)),
            ("purchase_order", lambda: check_purchase_order(fields, vendor, po, tolerance)),
            ("amounts", lambda: check_amounts(fields))]


def validate(fields: dict[str, str | None], vendor: Vendor, po: PurchaseOrder | None,
             tolerance: Decimal = Decimal("0.02")) -> list[Finding]:
    """Everything wrong with an invoice from a known vendor, most serious first."""
    return [f for _, check in checks(fields, vendor, po, tolerance) for f in check()]


def confirm_suggested_currency(suggested: str, vendor: Vendor,
                               po: PurchaseOrder | None) -> bool:
    """A currency suggested from the seller's country (none could be read) stands only when
    the ERP agrees: the vendor master's currency, and the order's when there is one."""
    known = {c for c in (vendor.currency, po.currency if po else None) if c}
    return known == {suggested}
