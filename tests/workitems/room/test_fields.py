"""The typed checks behind the clerk's corrections."""

from __future__ import annotations

import pytest

from workitems.room.fields import iban_is_valid, validate_fields

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
    ("invoice_date", "12.04.2024", "YYYY-MM-DD"),
    ("invoice_date", "2024-02-30", "not a real date"),
    ("total", "303,57", "amount like 1234.56"),
    ("total", "3O3.57", "amount like 1234.56"),
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
