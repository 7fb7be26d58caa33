"""The invoice header fields a clerk corrects in the Control Room: labels, which are
required, and the check each one gets (IBAN and VAT id checks are accounts payable's;
dates, amounts and currencies use the Control Room's own checks)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tasks.payloads import HEADER_FIELDS, REQUIRED_FIELDS
from workitems.room import fields as checks
from workitems.room.fields import FieldError
from workitems.room.item_views import ReviewField
from workitems.room.locale import ClerkLocale

LABELS = {
    "vendor_name": "Vendor",
    "vendor_vat": "Vendor VAT id",
    "vendor_iban": "Vendor IBAN",
    "invoice_number": "Invoice number",
    "invoice_date": "Invoice date",
    "due_date": "Due date",
    "po_number": "PO number",
    "currency": "Currency",
    "net_amount": "Net amount",
    "tax_amount": "Tax amount",
    "tax_rate": "Tax rate (%)",
    "total": "Total",
}


def group_iban(iban: str) -> str:
    """An IBAN as people read it: in groups of four ("DE89 3704 0044 ...")."""
    compact = re.sub(r"\s+", "", iban)
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def iban_is_valid(iban: str) -> bool:
    """The ISO 13616 check: move the first four characters to the end, letters to
    numbers (A=10 ... Z=35), and the result modulo 97 must be 1."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _iban(value: str, locale: ClerkLocale | None = None) -> str:
    iban = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        raise FieldError("an IBAN is a country code, two check digits and up to 30 letters "
                         "or digits")
    if not iban_is_valid(iban):
        raise FieldError("the IBAN's check digits are wrong (mod-97 check failed); "
                         "a character is probably mistyped")
    return iban


def _vat(value: str, locale: ClerkLocale | None = None) -> str:
    vat = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{4,20}", vat):
        raise FieldError("a VAT id is 4 to 20 letters and digits")
    return vat


_CHECKS = {"vendor_vat": _vat, "vendor_iban": _iban, "currency": checks.currency,
           "invoice_date": checks.iso_date, "due_date": checks.iso_date,
           "net_amount": checks.amount, "tax_amount": checks.amount, "tax_rate": checks.rate,
           "total": checks.amount}
INVOICE_FIELDS = tuple(ReviewField(name, LABELS[name], name in REQUIRED_FIELDS,
                                   _CHECKS.get(name, checks.text)) for name in HEADER_FIELDS)


def validate_fields(typed: Mapping[str, str | None], locale: ClerkLocale | None = None,
                    ) -> tuple[dict[str, str | None], dict[str, str]]:
    """Check every header field; returns (normalised values, errors by field)."""
    return checks.validate_fields(INVOICE_FIELDS, typed, locale)
