"""Printed values in many locales become one canonical form."""

from __future__ import annotations

import pytest

from skills.normalize import (
    month_number,
    normalize_amount,
    normalize_currency,
    normalize_date,
    normalize_field,
    normalize_iban,
    normalize_rate,
    normalize_vat,
    repair_digits,
    slash_date_order,
)


@pytest.mark.parametrize("text", [
    "15.03.2024", "15/03/2024", "2024-03-15", "15-03-2024", "15.03.24", "15 March 2024",
    "March 15, 2024", "15 Mar 2024", "15-Mar-2024", "15. März 2024", "15 mars 2024",
    "15 de marzo de 2024", "15 maart 2024", "15th March 2024", "March 15 , 2024",
])
def test_dates_in_many_formats(text: str) -> None:
    assert normalize_date(text) == "2024-03-15"


def test_month_first_dates() -> None:
    assert normalize_date("03/15/2024") == "2024-03-15"  # unambiguous either way
    assert normalize_date("03/04/2024", dayfirst=False) == "2024-03-04"
    assert normalize_date("03/04/2024", dayfirst=True) == "2024-04-03"
    assert slash_date_order(["Date 03/15/2024"]) is False
    assert slash_date_order(["Date 15/03/2024"]) is True
    assert slash_date_order(["15.03.2024"]) is None


@pytest.mark.parametrize("text", ["1 - July 31", "31.02.2024", "Invoice 12", "", "99/99/9999"])
def test_not_dates(text: str) -> None:
    assert normalize_date(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1 234,56", "1234.56"),
    ("1\u00a0234,56", "1234.56"), ("1'234.56", "1234.56"), ("€1,234.56", "1234.56"),
    ("1.234,56 EUR", "1234.56"), ("12.345.678,90", "12345678.90"), ("9.00", "9.00"),
    ("1234", "1234.00"), ("-12,00", "-12.00"), ("(5.00)", "-5.00"), ("RM9.00", "9.00"),
])
def test_amounts(text: str, value: str) -> None:
    assert normalize_amount(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.34.5"])
def test_not_amounts(text: str) -> None:
    assert normalize_amount(text) is None


@pytest.mark.parametrize(("text", "code"), [
    ("€", "EUR"), ("EUR", "EUR"), ("$", "USD"), ("£", "GBP"), ("CHF", "CHF"), ("kr", "SEK"),
    ("sek", "SEK"), ("Rs.", "INR"),
])
def test_currencies(text: str, code: str) -> None:
    assert normalize_currency(text) == code


def test_unknown_currency() -> None:
    assert normalize_currency("XYZ") is None


def test_iban_needs_a_valid_checksum() -> None:
    assert normalize_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert normalize_iban("IBAN: GB29 NWBK 6016 1331 9268 19") == "GB29NWBK60161331926819"
    assert normalize_iban("DE89 3704 0044 0532 0130 01") is None  # one digit off
    assert normalize_iban("DE89 3704") is None


@pytest.mark.parametrize(("text", "vat"), [
    ("DE 123 456 789", "DE123456789"), ("CHE-123.456.789 MWST", "CHE123456789MWST"),
    ("NL123456789B01", "NL123456789B01"), ("FR12345678901", "FR12345678901"),
    ("ESB1234567X", "ESB1234567X"), ("ATU12345678", "ATU12345678"),
])
def test_vat_ids(text: str, vat: str) -> None:
    assert normalize_vat(text) == vat


def test_not_a_vat_id() -> None:
    assert normalize_vat("DE12345") is None


def test_rates_and_field_dispatch() -> None:
    assert normalize_rate("19 %") == "19.00"
    assert normalize_rate("8,1%") == "8.10"
    assert normalize_field("total", "1.234,56 €") == "1234.56"
    assert normalize_field("invoice_date", "15.03.2024") == "2024-03-15"
    assert normalize_field("invoice_number", " INV-1: ") == "INV-1"


@pytest.mark.parametrize(("text", "iso"), [
    ("15. 0ktober 2024", "2024-10-15"), ("3 0ctober 2024", "2024-10-03"),
    ("24. Dezernber 2024", "2024-12-24"), ("1O.03.2024", "2024-03-10"),
    ("l5/03/2024", "2024-03-15"), ("15 Septernber 2024", "2024-09-15"),
    ("15 Okt0ber 2024", "2024-10-15"), ("October 1O, 2024", None), ("25 DEC 2018", "2018-12-25"),
    ("25-DEC-2018", "2018-12-25"), ("15 Ju1i 2024", "2024-07-15"),
])
def test_ocr_slips_in_dates_are_read_when_unambiguous(text: str, iso: str | None) -> None:
    assert normalize_date(text) == iso


def test_month_slips_that_fit_two_months_are_refused() -> None:
    assert month_number("0ktober") == 10
    assert month_number("Dezernber") == 12
    assert month_number("Jun") == 6
    assert month_number("Ju1") is None  # "Jul", or French "Juin" cut short?
    assert month_number("Member") is None
    assert month_number("Noverber") == 11


def test_digits_are_repaired_only_inside_numeric_dates() -> None:
    assert repair_digits("Date 1O.03.2024, Room 1O1, INV-1O.2") == (
        "Date 10.03.2024, Room 1O1, INV-1O.2")
    assert len(repair_digits("l5/O3/2O24")) == len("l5/O3/2O24")


def test_ocr_spacing_around_punctuation_is_taken_out_of_names() -> None:
    from skills.normalize import normalize_name

    assert normalize_name("MR D . I . Y . ( M ) SDN BHD") == "MR D.I.Y. (M) SDN BHD"
    assert normalize_name("Foo , Bar & Co .") == "Foo, Bar & Co."
    assert normalize_name("Dr. Oetker") == "Dr. Oetker"


def _with_check_digits(country: str, bban: str) -> str:
    """An IBAN-shaped string whose mod-97 checksum holds, whatever its length."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def test_an_iban_must_have_its_countrys_length_and_structure() -> None:
    from skills.normalize import iban_checksum_ok

    assert iban_checksum_ok(_with_check_digits("DE", "370400440532013000"))
    # The checksum holds, but a German IBAN has 22 characters, an Italian one a letter first.
    assert not iban_checksum_ok(_with_check_digits("DE", "3704004405320130"))
    assert not iban_checksum_ok(_with_check_digits("IT", "96077506300069728872161"[:23]))
    assert not iban_checksum_ok(_with_check_digits("PR", "173689251626925306"))  # no IBANs


def test_an_iban_ocr_misread_is_put_right_only_where_its_structure_says() -> None:
    from skills.normalize import repair_iban

    # The Italian CIN is a letter: "L" read as "1", "S" as "5", "Q" as "0".
    assert repair_iban("IT9719607750630006972887216") == "IT97L9607750630006972887216"
    assert repair_iban("IT1159032569146249794750791") == "IT11S9032569146249794750791"
    assert repair_iban("IT3106615008532481986581816") == "IT31Q6615008532481986581816"
    # German account numbers are digits: an "O" is a zero.
    assert repair_iban("DE89370400440532O13000") == "DE89370400440532013000"
    # A digit misread as another digit is no structural slip: nothing to put right.
    assert repair_iban("DE89370400440532013001") is None
    assert repair_iban("XX89370400440532013000") is None
