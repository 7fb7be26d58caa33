"""What every reader shares: safe parsing, normalised values, and the sign rule.

The readers (:mod:`.cii`, :mod:`.ubl`) only find elements; everything they find goes
through these functions, so every generation yields the same kinds of strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from skills.errors import UnreadableDocument

# UNTDID 1001 document codes. EN 16931 allows these credit note codes; 384 is a corrected
# invoice, which states its amounts with the sign they have. Anything else is an invoice.
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "532"})
CORRECTED_INVOICE_CODES = frozenset({"384"})
TYPE_CODES = {"invoice": "380", "credit_note": "381", "corrected_invoice": "384"}

# The amounts a credit note turns negative (line amounts too); prices and rates keep their sign.
SIGNED_FIELDS = ("net_amount", "tax_amount", "total", "amount_due")


class NotAnEInvoice(ValueError):
    """Well-formed, harmless XML that is neither CII nor UBL."""


class HostileXml(UnreadableDocument):
    """XML that declares a DTD or entities: refused before anything is expanded."""


class BrokenXml(UnreadableDocument):
    """XML that is not well-formed (a damaged or cut file, or no XML at all)."""


def parse_safely(xml: bytes) -> Element:
    """The root element, parsed without any DTD, entity expansion or network access."""
    try:
        return safe_xml.fromstring(xml, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise HostileXml(
            f"The e-invoice XML was refused: it declares a DTD or entities ({type(exc).__name__}), "
            "which invoices never need and attackers use to exhaust memory or read files. "
            "Ask the sender for a standard ZUGFeRD, Factur-X or XRechnung file."
        ) from None
    except ParseError as exc:
        raise BrokenXml(
            f"The e-invoice XML is not well-formed ({exc}); it is probably damaged. "
            "Ask the sender to send it again."
        ) from None


# -- finding text ------------------------------------------------------------------------


def text(node: Element | None, path: str, ns: Mapping[str, str]) -> str | None:
    """The element's text with runs of whitespace made one space; None when empty or absent."""
    found = None if node is None else node.find(path, ns)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def money_in(node: Element | None, path: str, ns: Mapping[str, str],
             currency: str | None) -> str | None:
    """An amount that may be given twice (invoice and accounting currency): the invoice's."""
    amounts = [] if node is None else node.findall(path, ns)
    for amount in amounts:
        if currency is None or amount.get("currencyID") in (None, currency):
            return amount.text
    return amounts[0].text if amounts else None


# -- normalising -------------------------------------------------------------------------


def iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def amount(value: str | Decimal | None) -> str | None:
    """A decimal string with two decimals, more only when they matter.

    "1234.5" -> "1234.50", "10.0000" -> "10.00", "0.1250" -> "0.125"; "-0.00" -> "0.00".
    """
    number = value if isinstance(value, Decimal) else decimal(value)
    if number is None:
        return None
    if number == 0:
        number = abs(number)  # a negated zero must not print as "-0.00"
    if number.normalize().as_tuple().exponent >= -2:
        return f"{number:.2f}"
    return format(number.normalize(), "f")


def quantity(value: str | None) -> str | None:
    number = decimal(value)
    return None if number is None else format(number.normalize(), "f")


def main_rate(pairs: Iterable[tuple[str | None, str | None]]) -> str | None:
    """The VAT rate applying to the largest taxable amount (by size: credit notes may print
    their bases negative)."""
    rated = [(abs(decimal(basis) or Decimal(0)), decimal(rate)) for basis, rate in pairs]
    rated = [(basis, rate) for basis, rate in rated if rate is not None]
    if not rated:
        return None
    _, rate = max(rated, key=lambda pair: pair[0])
    return format(rate.normalize(), "f")


def currency(value: str | None) -> str | None:
    if value and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    return None


def compact(value: str | None) -> str | None:
    """A VAT id or IBAN without spaces, upper-cased."""
    if not value:
        return None
    return value.replace(" ", "").upper() or None


def net_from_parts(line_total: str | None, allowances: str | None,
                   charges: str | None) -> str | None:
    """Net when the document states no tax basis: line total minus allowances plus charges."""
    base = decimal(line_total)
    if base is None:
        return None
    return amount(base - (decimal(allowances) or 0) + (decimal(charges) or 0))


def summed(values: Iterable[str | None]) -> str | None:
    numbers = [n for n in (decimal(v) for v in values) if n is not None]
    return amount(sum(numbers, Decimal(0))) if numbers else None


# -- document type and sign --------------------------------------------------------------


def document_type(code: str | None) -> str:
    if code in CREDIT_NOTE_CODES:
        return "credit_note"
    if code in CORRECTED_INVOICE_CODES:
        return "corrected_invoice"
    return "invoice"


def with_sign(fields: dict[str, object]) -> dict[str, object]:
    """A credit note's amounts made negative, unless the sender printed them negative already.

    The decision is made once for the whole document, from the first amount that is not
    zero (total, net, amount due, tax, then the lines): a credit note printed positive is
    negated everywhere, one printed negative is kept as it is. So nothing is flipped twice,
    and a line that works against the credit (printed negative) stays opposite to the rest.
    """
    if fields.get("document_type") != "credit_note" or not _printed_positive(fields):
        return fields
    for name in SIGNED_FIELDS:
        fields[name] = negated(fields.get(name))
    for line in fields.get("lines") or []:
        line["amount"] = negated(line.get("amount"))
    return fields


def negated(value: object) -> str | None:
    number = decimal(None if value is None else str(value))
    return None if number is None else amount(-number)


def _printed_positive(fields: Mapping[str, object]) -> bool:
    lines = fields.get("lines") or []
    candidates = [fields.get(name) for name in ("total", "net_amount", "amount_due", "tax_amount")]
    candidates.append(summed(str(line.get("amount")) for line in lines if line.get("amount")))
    for value in candidates:
        number = decimal(None if value is None else str(value))
        if number:
            return number > 0
    return False


def profile_name(guideline: str | None) -> str | None:
    """A short name for the profile a document declares (CII guideline or UBL customization)."""
    if not guideline:
        return None
    lowered = guideline.lower()
    # Order matters: "...en16931:2017#compliant#...:basic" is BASIC, not EN 16931.
    for name in ("xrechnung", "minimum", "basicwl", "extended", "basic", "comfort", "peppol"):
        if name in lowered:
            return name
    return "en16931" if "en16931" in lowered else None
