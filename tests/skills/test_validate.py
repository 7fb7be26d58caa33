"""The posting rules, on plain data."""

from decimal import Decimal

from skills.errors import ErrorCode
from skills.validate import (
    PoLine,
    PurchaseOrder,
    Vendor,
    confirm_suggested_currency,
    match_vendor,
    validate,
)

BRENNER = Vendor("V10001", "Brenner Industriebedarf GmbH", "DE104010604",
                 "DE59100700008104482455", "EUR")
OTHER = Vendor("V10002", "Atelier Dubois SARL", "FR12345678901", "FR7630006000011234567890189")
PO = PurchaseOrder("4500001001", "V10001", "EUR", "open", (
    PoLine(10, Decimal(12), Decimal("31.45"), Decimal(12)),
    PoLine(20, Decimal(10), Decimal("209.34"), Decimal(5)),
))
RECEIVED = Decimal(12) * Decimal("31.45") + 5 * Decimal("209.34")  # 1424.10


def fields(**overrides: str | None) -> dict[str, str | None]:
    base = {"vendor_name": "Brenner Industriebedarf GmbH", "vendor_vat": "DE104010604",
            "vendor_iban": "DE59 1007 0000 8104 4824 55", "invoice_number": "INV-1",
            "po_number": "4500001001", "currency": "EUR", "net_amount": "1424.10",
            "tax_rate": "19", "tax_amount": "270.58", "total": "1694.68"}
    return {**base, **overrides}


def codes(found) -> list[str]:  # noqa: ANN001
    return [f.code for f in found]


def test_a_clean_invoice_passes() -> None:
    assert validate(fields(), BRENNER, PO) == []


def test_vendor_is_found_by_vat_id_or_by_a_close_name() -> None:
    assert match_vendor("Whatever Ltd", "DE 104 010 604", [BRENNER, OTHER])[0] == BRENNER
    vendor, how = match_vendor("BRENNER Industriebedarf", None, [BRENNER, OTHER])
    assert vendor == BRENNER and "name" in how
    assert match_vendor("Müller Logistik GmbH", None, [BRENNER, OTHER])[0] is None
    twin = Vendor("V9", "Brenner Industriebedarf AG", None, None)
    assert match_vendor("Brenner Industriebedarf", None, [BRENNER, twin])[0] is None, \
        "two equally good names: let a person decide"


def test_a_changed_bank_account_stops_the_posting() -> None:
    found = validate(fields(vendor_iban="DE02120300000000202051"), BRENNER, PO)
    assert codes(found) == [ErrorCode.BANK_ACCOUNT_CHANGED]
    assert "DE59100700008104482455" in found[0].message


def test_purchase_order_two_and_three_way_match() -> None:
    assert codes(validate(fields(po_number="4599"), BRENNER, None)) == [ErrorCode.PO_MISMATCH]
    over_received = fields(net_amount="1600.00", tax_amount="304.00", total="1904.00")
    found = validate(over_received, BRENNER, PO)
    assert codes(found) == [ErrorCode.PO_MISMATCH] and "goods received" in found[0].message
    within = str(RECEIVED * Decimal("1.01"))
    assert validate(fields(net_amount=within, tax_amount=None, total=None), BRENNER, PO) == []
    assert codes(validate(fields(vendor_iban=OTHER.iban), OTHER, PO)) == [ErrorCode.PO_MISMATCH]
    closed = PurchaseOrder(PO.po_number, PO.vendor_id, "EUR", "closed", PO.lines)
    assert "closed" in validate(fields(), BRENNER, closed)[0].message
    assert codes(validate(fields(currency="USD"), BRENNER, PO)) == [ErrorCode.PO_MISMATCH]


def test_amounts_must_add_up() -> None:
    found = validate(fields(total="1700.00"), BRENNER, PO)
    assert codes(found) == [ErrorCode.LOW_CONFIDENCE] and "is not the total" in found[0].message
    found = validate(fields(tax_amount="100.00", total="1524.10"), BRENNER, PO)
    assert "is not 19% of the net" in found[0].message


def test_a_suggested_currency_stands_only_where_the_erp_agrees() -> None:
    def vendor(currency: str | None) -> Vendor:
        return Vendor("V1", "Keller Fournitures AG", "ATU98162241", None, currency)

    def order(currency: str) -> PurchaseOrder:
        return PurchaseOrder("PO-1", "V1", currency, "OPEN", ())

    assert confirm_suggested_currency("EUR", vendor("EUR"), order("EUR"))
    assert confirm_suggested_currency("EUR", vendor("EUR"), None)
    assert not confirm_suggested_currency("EUR", vendor("EUR"), order("USD"))
    assert not confirm_suggested_currency("EUR", vendor("GBP"), None)
    assert not confirm_suggested_currency("EUR", vendor(None), None)  # nothing to agree with
