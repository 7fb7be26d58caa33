"""Typed checks of the fields a clerk corrects, and the check of a whole form.

Each check takes what the clerk typed and returns the normalised value the
bot uses (the same forms the extraction produces: ISO dates, "1234.56",
ISO currency codes), or raises :class:`FieldError` with the reason shown beside
the field. A process names, per reviewable field, which check applies
(:class:`~workitems.room.item_views.ReviewField`).

Dates and amounts are taken as the clerk writes them and as invoices print them
("18.10.2026", "1.151,82", "10/18/2026"), read by the same parser the extraction
uses (``skills.normalize``); where a form is ambiguous ("03/04/2026", "1.151") the
clerk's locale (:class:`~workitems.room.locale.ClerkLocale`) decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from skills.normalize import DATE_PATTERN, parse_amount, parse_date
from workitems.room.locale import ClerkLocale

if TYPE_CHECKING:
    from workitems.room.item_views import ReviewField

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


def text(value: str, locale: ClerkLocale | None = None) -> str:
    """Any text up to 200 characters."""
    if len(value) > 200:
        raise FieldError("at most 200 characters")
    return value


def iso_date(value: str, locale: ClerkLocale) -> str:
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


def amount(value: str, locale: ClerkLocale) -> str:
    """Amounts keep two decimals (as printed), more only when the invoice has them."""
    number = _decimal(value, locale, upper=Decimal("999999999999"))
    return f"{number:.2f}" if number == number.quantize(Decimal("0.01")) else str(number)


def rate(value: str, locale: ClerkLocale) -> str:
    """A percentage in its shortest form: "19", "7.5"."""
    number = _decimal(value.strip().removesuffix("%"), locale, lower=Decimal(0),
                      upper=Decimal(100))
    return format(number.normalize(), "f")


def currency(value: str, locale: ClerkLocale | None = None) -> str:
    code = value.upper()
    if code not in CURRENCIES:
        raise FieldError(f"{value!r} is not an ISO 4217 currency code such as EUR or USD")
    return code


def validate_fields(fields: Sequence[ReviewField], typed: Mapping[str, str | None],
                    locale: ClerkLocale | None = None,
                    ) -> tuple[dict[str, str | None], dict[str, str]]:
    """Check every reviewable field; returns (normalised values, errors by field).

    Empty optional fields become None; empty required fields are an error, because
    the bot cannot finish the item without them.
    """
    locale = locale or ClerkLocale()
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = (typed.get(field.name) or "").strip()
        if not raw:
            values[field.name] = None
            if field.required:
                errors[field.name] = "required: the item cannot be finished without it"
            continue
        try:
            values[field.name] = field.check(raw, locale)
        except FieldError as exc:
            values[field.name] = raw
            errors[field.name] = str(exc)
    return values, errors
