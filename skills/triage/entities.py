"""The facts a clerk needs from a mail, found by rules: invoice numbers, amounts with their
currency, IBANs (check digits verified), dates, and the vendor matched to the vendor master.

Rules, not a token model: each fact has a shape (an IBAN's check digits, a currency
beside a number, a number after a document word) that patterns find reliably in five
languages, and the number parsers are the ones invoice extraction already uses.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from skills.normalize import (
    CURRENCY_CODES,
    CURRENCY_SYMBOLS,
    DATE_PATTERN,
    format_decimal,
    normalize_iban,
    normalize_vat,
    parse_amount,
    parse_date,
)
from skills.validate import Vendor, compact, name_key

_SHORTEST_IBAN = 15  # Norway's; anything shorter cannot be an IBAN (a French VAT id has 13)
MAX_EACH = 10  # a clerk reads a handful; a mail listing hundreds is a statement, not a fact


class Amount(BaseModel):
    value: str  # plain decimal, "1418.40"
    currency: str  # ISO 4217
    text: str  # as printed


class VendorMatch(BaseModel):
    vendor_id: str
    name: str
    matched_by: str  # "VAT id", "IBAN", "name"
    master_iban: str | None = None


class Entities(BaseModel):
    invoice_numbers: list[str] = []
    amounts: list[Amount] = []
    ibans: list[str] = []  # valid check digits only, compact
    invalid_ibans: list[str] = []  # IBAN-shaped but the check digits fail
    dates: list[str] = []  # ISO 8601
    vendor: VendorMatch | None = None
    new_iban: str | None = None  # a valid IBAN in the mail that is not the vendor's on file


_DOC_WORD = (r"(?:invoices?|inv|bill|credit\s+(?:note|memo)|rechnung(?:en)?|re|beleg|"
             r"gutschrift|factures?|facturas?|factuur|facturen|avoir|pi[eè]ce|documento|"
             r"nota(?:\s+de\s+(?:cr[eé]dito|abono))?|creditnota|creditfactuur|stuk|"
             r"rechnungskorrektur|rectificativa|abono|nc)")
_NUMBER = r"(?=[A-Z0-9./\-]*\d)[A-Z0-9][A-Z0-9./\-]{2,24}[A-Z0-9]"
_NO = r"(?:no\.?|nr\.?|n°|n\.º|nº|number|nummer|num\.?|#|:)?"
_INVOICE = re.compile(
    rf"\b{_DOC_WORD}\s*{_NO}\s*({_NUMBER}(?:\s*(?:,|and|und|et|y|en|&)\s*{_NUMBER})*)",
    re.IGNORECASE)
_SPLIT_NUMBERS = re.compile(r"\s*(?:,|\band\b|\bund\b|\bet\b|\by\b|\ben\b|&)\s*", re.I)
_CUR = "|".join(sorted([re.escape(c) for c in (*CURRENCY_CODES, "€", "£", "$")], key=len,
                       reverse=True))
_NUM = r"-?\d{1,3}(?:[.,'\u00a0\u202f ]\d{3})*(?:[.,]\d{2})?|-?\d+(?:[.,]\d{2})?"
_AMOUNT = re.compile(rf"(?<![\w.,])(?:({_CUR})\s?({_NUM})|({_NUM})\s?({_CUR}))(?![\w])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
_VAT = re.compile(r"\b[A-Z]{2}[A-Z0-9]?\d[\dA-Z]{6,12}\b")


def extract(text: str, vendors: list[Vendor] | None = None, sender: str = "") -> Entities:
    ibans, invalid = _ibans(text)
    found = Entities(invoice_numbers=_invoice_numbers(text), amounts=_amounts(text),
                     ibans=ibans, invalid_ibans=invalid, dates=_dates(text))
    if vendors:
        vendor = match_vendor(text, sender, ibans, vendors)
        if vendor is not None:
            found.vendor = VendorMatch(vendor_id=vendor[0].vendor_id, name=vendor[0].name,
                                       matched_by=vendor[1], master_iban=vendor[0].iban)
            on_file = compact(vendor[0].iban)
            found.new_iban = next((i for i in ibans if i != on_file), None)
    return found


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))[:MAX_EACH]


def _invoice_numbers(text: str) -> list[str]:
    numbers = []
    for m in _INVOICE.finditer(text):
        for number in _SPLIT_NUMBERS.split(m.group(1)):
            number = number.strip(".-/")
            # A year or a bare day is not an invoice number; an IBAN is not either.
            if re.fullmatch(r"\d{1,4}", number) or _IBAN.fullmatch(number):
                continue
            numbers.append(number)
    return _unique(numbers)


def _amounts(text: str) -> list[Amount]:
    found = []
    for m in _AMOUNT.finditer(text):
        symbol, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        value = parse_amount(number)
        currency = symbol.upper() if symbol.upper() in CURRENCY_CODES else \
            CURRENCY_SYMBOLS.get(symbol.lower())
        if value is None or currency is None:
            continue
        found.append(Amount(value=format_decimal(value), currency=currency,
                            text=m.group(0).strip()))
    return list({(a.value, a.currency): a for a in found}.values())[:MAX_EACH]


def _ibans(text: str) -> tuple[list[str], list[str]]:
    valid, invalid = [], []
    for m in _IBAN.finditer(text):
        printed = m.group(0)
        iban = normalize_iban(printed)
        if iban:
            valid.append(iban)
        elif len(compact_printed := re.sub(r"\s", "", printed)) >= _SHORTEST_IBAN:
            invalid.append(compact_printed)  # shorter: a VAT id or an order number
    return _unique(valid), _unique(invalid)


def _dates(text: str) -> list[str]:
    dates = []
    for m in DATE_PATTERN.finditer(text):
        day = parse_date(m.group(0))
        if day is not None:
            dates.append(day.isoformat())
    return _unique(dates)


def match_vendor(text: str, sender: str, ibans: list[str],
                 vendors: list[Vendor]) -> tuple[Vendor, str] | None:
    """The master vendor this mail is from: by VAT id, by a known IBAN, then by its name
    printed in the mail (the longest such name wins: "Van der Berg" inside a longer one)."""
    vats = {v for v in (normalize_vat(m.group(0)) for m in _VAT.finditer(text)) if v}
    for vendor in vendors:
        if vendor.vat_id and compact(vendor.vat_id) in vats:
            return vendor, "VAT id"
    for vendor in vendors:
        if vendor.iban and compact(vendor.iban) in ibans:
            return vendor, "IBAN"
    haystack = f" {name_key(text)} "
    named = [v for v in vendors if name_key(v.name) and f" {name_key(v.name)} " in haystack]
    if named:
        return max(named, key=lambda v: len(name_key(v.name))), "name"
    return None
