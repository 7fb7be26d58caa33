"""The typed checks behind the clerk's corrections."""

from __future__ import annotations

import pytest

from tasks.invoice_fields import group_iban, iban_is_valid, validate_fields
from workitems.room.locale import from_accept_language

VALID = {"vendor_name": "ACME GmbH", "invoice_number": "RE-1", "invoice_date": "2024-04-12",
         "currency": "EUR", "total": "303.57"}


def test_valid_fields_are_normalised() -> None:
    values, errors = validate_fields({**VALID, "currency": "eur", "total": "1 234.5",
                                      "vendor_iban": "de89 3704 0044 0532 0130 00",
                                      "tax_rate": "19%", "vendor_vat": "DE 811.907.980"})
    assert errors == {}
    assert values["currency"] == "EUR"
    assert values["total"] == "1234.50"
    assert values["vendor_iban"] == "DE89370400440532013000"
    assert values["tax_rate"] == "19"
    assert values["vendor_vat"] == "DE811907980"
    assert values["due_date"] is None  # optional and empty


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("invoice_date", "12.04.2024 or so", "not a date; write it as 31.12.2026"),
    ("invoice_date", "2024-02-30", "not a real date"),
    ("invoice_date", "31.02.2024", "not a date"),
    ("total", "303,5,7", "not an amount"),
    ("total", "3O3.57", "not an amount"),
    ("currency", "EURO", "ISO 4217"),
    ("currency", "XYZ", "ISO 4217"),
    ("vendor_iban", "DE89370400440532013001", "mod-97"),
    ("vendor_iban", "12345", "country code"),
    ("tax_rate", "120", "at most 100"),
    ("vendor_name", "", "required"),
])
def test_invalid_values_are_refused_with_the_reason(field: str, value: str, reason: str) -> None:
    values, errors = validate_fields({**VALID, field: value})
    assert reason in errors[field]
    assert list(errors) == [field]
    assert values[field] == (value or None)  # what was typed is shown back


def test_iban_checksum() -> None:
    assert iban_is_valid("GB82WEST12345698765432")
    assert iban_is_valid("PL61109010140000071219812874")
    assert not iban_is_valid("GB82WEST12345698765433")


@pytest.mark.parametrize(("accept_language", "typed", "expected"), [
    # as printed on a German invoice, and as a German clerk types it
    ("de-DE,de;q=0.9", {"invoice_date": "18.10.2026", "total": "1.151,82"},
     {"invoice_date": "2026-10-18", "total": "1151.82"}),
    ("de-DE", {"total": "1.151", "tax_rate": "7,5 %"}, {"total": "1151.00", "tax_rate": "7.5"}),
    ("de-DE", {"total": "1,151"}, {"total": "1.151"}),
    # a US clerk: month first, a decimal point, commas for thousands
    ("en-US,en;q=0.8", {"invoice_date": "10/03/2026", "total": "1,151.82"},
     {"invoice_date": "2026-10-03", "total": "1151.82"}),
    ("en-US", {"total": "1,151"}, {"total": "1151.00"}),
    # a British clerk: day first
    ("en-GB", {"invoice_date": "10/03/2026", "due_date": "18 Oct 2026"},
     {"invoice_date": "2026-03-10", "due_date": "2026-10-18"}),
    # ISO forms mean the same everywhere
    ("fr-FR", {"invoice_date": "2026-10-18", "total": "1151.82"},
     {"invoice_date": "2026-10-18", "total": "1151.82"}),
])
def test_dates_and_amounts_in_the_clerks_locale_and_as_printed(
        accept_language: str, typed: dict[str, str], expected: dict[str, str]) -> None:
    values, errors = validate_fields({**VALID, **typed}, from_accept_language(accept_language))
    assert errors == {}
    assert {name: values[name] for name in expected} == expected


def test_ibans_are_shown_in_groups_of_four() -> None:
    assert group_iban("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert group_iban("de89 3704 0044 0532013000") == "de89 3704 0044 0532 0130 00"
