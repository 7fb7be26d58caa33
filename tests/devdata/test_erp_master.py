"""The seed master data: counts, valid identifiers, and a faithful spreadsheet round trip."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from devdata.master import MasterDataError, generate, load_master, numbers


@pytest.fixture(scope="module")
def master():
    return load_master()


def _iban_mod97(iban: str) -> int:
    # Written out here rather than imported, so the check does not trust the generator.
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97


def test_counts_and_countries(master) -> None:
    assert len(master.vendors) == 25
    assert len(master.purchase_orders) == 40
    countries = Counter(v.address.country for v in master.vendors)
    assert set(countries) == {"DE", "FR", "ES", "NL", "GB", "US"}
    assert all(po.lines for po in master.purchase_orders)
    assert sum(len(po.receipts) for po in master.purchase_orders) > 40
    assert {v.vendor_id for v in master.vendors} >= {p.vendor_id for p in master.purchase_orders}


def test_ibans_have_valid_check_digits(master) -> None:
    ibans = [v.iban for v in master.vendors if v.iban]
    assert len(ibans) == 23  # the two US vendors are paid by ACH
    lengths = {"DE": 22, "FR": 27, "ES": 24, "NL": 18, "GB": 22}
    for iban in ibans:
        assert _iban_mod97(iban) == 1, iban
        assert len(iban) == lengths[iban[:2]], iban
    assert not numbers.iban_is_valid(ibans[0][:-1] + str((int(ibans[0][-1]) + 1) % 10))


def test_vat_ids_are_plausible(master) -> None:
    formats = {
        "DE": r"DE\d{9}", "FR": r"FR\d{11}", "ES": r"ESB\d{8}", "NL": r"NL\d{9}B01",
        "GB": r"GB\d{9}", "US": r"\d{2}-\d{7}",
    }
    for v in master.vendors:
        assert re.fullmatch(formats[v.address.country], v.vat_id), v.vat_id
        if v.address.country == "DE":
            assert numbers.de_vat_check(v.vat_id[2:10]) == v.vat_id[10]
        if v.address.country == "FR":  # key = (12 + 3 * (SIREN mod 97)) mod 97
            assert int(v.vat_id[2:4]) == (12 + 3 * (int(v.vat_id[4:]) % 97)) % 97
        if v.address.country == "GB":  # weighted sum plus check digits is a multiple of 97
            digits = v.vat_id[2:]
            weighted = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
            assert (weighted + int(digits[7:])) % 97 == 0


def test_known_check_digits() -> None:
    # Published examples: a German IBAN and a UK IBAN from the ISO 13616 registry.
    assert numbers.iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert numbers.iban("GB", "NWBK60161331926819") == "GB29NWBK60161331926819"
    assert numbers.iban_is_valid("FR14 2004 1010 0505 0001 3M02 606")


def test_amounts_and_receipts_are_consistent(master) -> None:
    for po in master.purchase_orders:
        assert po.currency == master.vendor(po.vendor_id).currency
        for line in po.lines:
            assert 0 <= po.received_quantity(line.line) <= line.quantity
        assert po.net_amount == sum(line.quantity * line.unit_price for line in po.lines)


def test_generator_writes_what_is_committed(tmp_path: Path, master) -> None:
    generate.write(tmp_path)
    assert load_master(tmp_path) == master


def test_broken_spreadsheet_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "vendors.xlsx").write_bytes(b"this is not a spreadsheet")
    with pytest.raises(MasterDataError, match="cannot read master data vendors.xlsx"):
        load_master(tmp_path)
