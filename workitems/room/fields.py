"""Typed checks of the invoice header fields a clerk corrects.

Each check takes what the clerk typed and returns the normalised value the
consumer posts (the same forms the extractor produces: ISO dates, "1234.56",
ISO currency codes, IBANs without spaces), or raises :class:`FieldError` with
the reason shown beside the field.

Dates and amounts are taken as the clerk writes them and as invoices print them
("18.10.2026", "1.151,82", "10/18/2026"), read by the same parser the extraction
uses (``skills.normalize``); where a form is ambiguous ("03/04/2026", "1.151") the
clerk's locale (:class:`~workitems.room.locale.ClerkLocale`) decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from skills.normalize import DATE_PATTERN, parse_amount, parse_date
from tasks.payloads import HEADER_FIELDS, REQUIRED_FIELDS
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

# ISO 4217 codes in circulation (funds and precious metals left out: nobody invoices in XAU).
_CURRENCY_TEXT = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_CURRENCY_TEXT.split())


class FieldError(ValueError):
    """The value a clerk typed is not acceptable; the message says why."""


def _text(value: str) -> str:
    if len(value) > 200:
        raise FieldError("at most 200 characters")
    return value


def _iso_date(value: str, locale: ClerkLocale) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise FieldError(f"{value!r} is not a real date (check the day and month)") from exc
    match = DATE_PATTERN.fullmatch(value.strip().rstrip("."))
    parsed = parse_date(value, dayfirst=locale.day_first) if match else None
    if parsed is None:
        raise FieldError(f"{value!r} is not a date; write it as {locale.date_example} "
                         "or as printed")
    return parsed.isoformat()


def _decimal(value: str, locale: ClerkLocale, *, lower: Decimal | None = None,
             upper: Decimal | None = None) -> Decimal:
    cleaned = value.replace(" ", "").replace("\u00a0", "")
    number = None
    if re.fullmatch(r"-?[\d.,'\u2019]+", cleaned):
        number = _localised(cleaned, locale)
    if number is None:
        raise FieldError(f"{value!r} is not an amount; write it like {locale.amount_example} "
                         "or as printed")
    if lower is not None and number < lower:
        raise FieldError(f"must be at least {lower}")
    if upper is not None and number > upper:
        raise FieldError(f"must be at most {upper}")
    return number


def _localised(text: str, locale: ClerkLocale) -> Decimal | None:
    """An amount with separators. "1.151" or "1,151" alone is ambiguous: the clerk's own
    decimal separator reads as one; otherwise it separates thousands, as on invoices."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    single = re.fullmatch(r"(\d+)([.,])(\d{3})", digits)
    if single and single.group(2) == locale.decimal:
        return Decimal(f"{sign}{single.group(1)}.{single.group(3)}")
    if re.fullmatch(r"\d+(\.\d{1,2})?", digits):  # 1234.56: the same in every locale
        return Decimal(sign + digits)
    parsed = parse_amount(digits)
    return None if parsed is None else (-parsed if sign else parsed)


def _amount(value: str, locale: ClerkLocale) -> str:
    """Amounts keep two decimals (as printed), more only when the invoice has them."""
    number = _decimal(value, locale, upper=Decimal("999999999999"))
    return f"{number:.2f}" if number == number.quantize(Decimal("0.01")) else str(number)


def _rate(value: str, locale: ClerkLocale) -> str:
    """A percentage in its shortest form: "19", "7.5"."""
    number = _decimal(value.strip().removesuffix("%"), locale, lower=Decimal(0),
                      upper=Decimal(100))
    return format(number.normalize(), "f")


def _currency(value: str) -> str:
    code = value.upper()
    if code not in CURRENCIES:
        raise FieldError(f"{value!r} is not an ISO 4217 currency code such as EUR or USD")
    return code


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


def _iban(value: str) -> str:
    iban = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        raise FieldError("an IBAN is a country code, two check digits and up to 30 letters "
                         "or digits")
    if not iban_is_valid(iban):
        raise FieldError("the IBAN's check digits are wrong (mod-97 check failed); "
                         "a character is probably mistyped")
    return iban


def _vat(value: str) -> str:
    vat = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{4,20}", vat):
        raise FieldError("a VAT id is 4 to 20 letters and digits")
    return vat


CHECKS: dict[str, Callable[[str], str]] = {
    "vendor_name": _text,
    "vendor_vat": _vat,
    "vendor_iban": _iban,
    "invoice_number": _text,
    "po_number": _text,
    "currency": _currency,
}
LOCAL_CHECKS: dict[str, Callable[[str, ClerkLocale], str]] = {
    "invoice_date": _iso_date,
    "due_date": _iso_date,
    "net_amount": _amount,
    "tax_amount": _amount,
    "tax_rate": _rate,
    "total": _amount,
}
assert set(CHECKS) | set(LOCAL_CHECKS) == set(HEADER_FIELDS)


def validate_fields(typed: Mapping[str, str | None], locale: ClerkLocale | None = None,
                    ) -> tuple[dict[str, str | None], dict[str, str]]:
    """Check every header field; returns (normalised values, errors by field).

    Empty optional fields become None; empty required fields are an error, because
    the consumer cannot post an invoice without them.
    """
    locale = locale or ClerkLocale()
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for name in HEADER_FIELDS:
        raw = (typed.get(name) or "").strip()
        if not raw:
            values[name] = None
            if name in REQUIRED_FIELDS:
                errors[name] = "required: the invoice cannot be posted without it"
            continue
        try:
            values[name] = (LOCAL_CHECKS[name](raw, locale) if name in LOCAL_CHECKS
                            else CHECKS[name](raw))
        except FieldError as exc:
            values[name] = raw
            errors[name] = str(exc)
    return values, errors
