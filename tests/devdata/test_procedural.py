"""The procedural invoice grammar: deterministic, exact amounts, credit notes negative,
held-out built only from reserved blocks, every truth value printed, no text on text."""

from __future__ import annotations

import itertools
import json
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from devdata.generator import Vendor, generate_set, load_truth, render_invoice
from devdata.generator.__main__ import main
from devdata.generator.procedural import BLOCKS, render, reserved_variants, reserved_wordings
from devdata.generator.procedural.facts import (
    facts_from_truth,
    italian_iban,
    italian_vat,
    make_seller,
    to_truth,
)
from devdata.generator.procedural.grammar import RESERVED_FONTS
from devdata.generator.procedural.wording import WORDS
from devdata.generator.style import format_number
from devdata.generator.truth import InvoiceTruth, LineItem
from skills.normalize import (
    DATE_PATTERN,
    normalize_date,
    normalize_iban,
    normalize_rate,
    normalize_vat,
)

COUNT = 24  # documents per family in the checks below


def _pages(pdf_bytes: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@cache
def _docs(family: str):
    return [render(31, index, family) for index in range(COUNT)]


def test_same_seed_same_document() -> None:
    a = render_invoice(seed=3, index=4, family="procedural")
    b = render_invoice(seed=3, index=4, family="procedural")
    other = render_invoice(seed=3, index=5, family="procedural")
    assert a[2] == b[2]
    assert _pages(a[0]) == _pages(b[0])
    assert a[2].truth != other[2].truth
    held = render_invoice(seed=3, index=4, family="procedural-heldout")
    assert held[2].rendering.layout != a[2].rendering.layout


@pytest.mark.parametrize("family", ["procedural", "procedural-heldout"])
def test_amounts_add_up(family: str) -> None:
    for printed in _docs(family):
        facts, truth = printed.facts, printed.truth
        assert facts.lines_total - facts.discount + facts.shipping == facts.net
        for group in facts.groups:
            assert group.tax == _cents(group.basis * group.rate / 100)
        for line in facts.lines:
            assert line.amount == _cents(line.quantity * line.unit_price)
        assert Decimal(truth.net_amount) + Decimal(truth.tax_amount) == Decimal(truth.total)
        largest = max(facts.groups, key=lambda g: g.basis)
        assert Decimal(truth.tax_rate) == largest.rate
        if truth.amount_due is not None:
            assert Decimal(truth.amount_due) == Decimal(truth.total) - facts.prepaid
            assert truth.amount_due != truth.total
        if truth.vendor_vat:
            assert normalize_vat(truth.vendor_vat) == truth.vendor_vat
        if truth.vendor_iban:
            assert normalize_iban(truth.vendor_iban) == truth.vendor_iban


def test_credit_notes_are_negative_in_the_truth() -> None:
    docs = _docs("procedural") + _docs("procedural-heldout")
    kinds = {p.truth.document_type for p in docs}
    assert kinds == {"invoice", "credit_note", "corrected_invoice"}
    for printed in docs:
        truth = printed.truth
        amounts = [Decimal(v) for v in (truth.net_amount, truth.tax_amount, truth.total)]
        if truth.document_type == "credit_note":
            assert all(a <= 0 for a in amounts) and amounts[2] < 0
            assert all(Decimal(i.amount) < 0 for i in truth.line_items)
        else:
            assert all(a >= 0 for a in amounts)
    assert any(p.pages > 1 for p in docs)
    assert any(p.truth.amount_due for p in docs)
    assert any(len(p.facts.groups) > 1 for p in docs)
    assert any(p.facts.reverse_charge for p in docs) and any(p.facts.insurance for p in docs)


def test_reserved_wordings_are_never_shared_wordings() -> None:
    for language, keys in WORDS.items():
        shared = {w for words in keys.values() for w in words if not w.startswith("!")}
        assert not shared & reserved_wordings(language), language


def test_heldout_uses_only_reserved_variants_and_procedural_never() -> None:
    reserved = reserved_variants()
    for printed in _docs("procedural"):
        assert not set(printed.blocks.items()) & reserved
        assert printed.font not in RESERVED_FONTS
        assert not set(printed.wordings.values()) & reserved_wordings(printed.language)
    used_reserved_wordings = 0
    for printed in _docs("procedural-heldout"):
        assert set(printed.blocks.items()) <= reserved
        assert set(printed.blocks) == set(BLOCKS)
        used_reserved_wordings += bool(set(printed.wordings.values())
                                       & reserved_wordings(printed.language))
    assert used_reserved_wordings == COUNT


def _amount_printed(text: str, value: str, number_format: str) -> bool:
    """The amount, without its sign, in the document's number format (spaces aside: a
    no-break space between thousands reads back as a space or not at all)."""
    printed = re.sub(r"\s", "", format_number(abs(Decimal(value)), number_format))
    return printed in re.sub(r"\s", "", text)


_DATE = re.compile(rf"(?<![\d/.-])(?:{DATE_PATTERN.pattern})(?![\w/])")


def _dates(text: str) -> set[str]:
    found = set()
    for m in _DATE.finditer(text):
        found |= {normalize_date(m.group(0), True), normalize_date(m.group(0), False)}
    return found


@pytest.mark.parametrize("family", ["procedural", "procedural-heldout"])
def test_every_truth_value_is_printed(family: str) -> None:
    for printed in _docs(family):
        _check_printed(printed.truth, printed.pdf, printed.number_format)


def _check_printed(truth: InvoiceTruth, pdf: bytes, number_format: str) -> None:
    """Every header value of ``truth`` can be read on the page."""
    text = "\n".join(_pages(pdf))
    compact = re.sub(r"[\s.\-]", "", text)
    assert truth.vendor_name in text
    assert truth.invoice_number in text
    if truth.po_number:
        assert truth.po_number in text
    if truth.vendor_vat:
        assert truth.vendor_vat in compact
    if truth.vendor_iban:
        assert truth.vendor_iban in compact
    dates = _dates(text)
    assert truth.invoice_date in dates
    if truth.due_date:
        assert truth.due_date in dates
    for name in ("net_amount", "tax_amount", "total", "amount_due"):
        value = getattr(truth, name)
        if value is not None:
            assert _amount_printed(text, value, number_format), (name, value)
    rates = {normalize_rate(m.group(0)) for m in re.finditer(r"\d+(?:[.,]\d+)? ?%", text)}
    assert truth.tax_rate in rates
    signs = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF", "SEK": "kr"}
    assert truth.currency in text or signs[truth.currency] in text


BUYER_VAT = "DE814741237"


def _given(document_type: str = "invoice", *, vendor_vat: str | None = "DE104010604",
           vendor_iban: str | None = "DE59100700008104482455") -> InvoiceTruth:
    """An invoice as the demo bills it (a credit note's amounts negative)."""
    s = "-" if document_type == "credit_note" else ""
    return InvoiceTruth(
        vendor_name="Brenner Industriebedarf GmbH", vendor_vat=vendor_vat,
        vendor_iban=vendor_iban, invoice_number="INV-482913", invoice_date="2026-10-14",
        due_date=None if s else "2026-11-13", po_number="4500001001", currency="EUR",
        net_amount=f"{s}2170.88", tax_amount=f"{s}412.47", tax_rate="19.00",
        total=f"{s}2583.35",
        line_items=[LineItem(description="Warehouse shelving bay", quantity="10",
                             unit_price=f"{s}209.34", amount=f"{s}2093.40"),
                    LineItem(description="Copy paper A4 80 g, box of 5 reams", quantity="2.5",
                             unit_price=f"{s}30.99", amount=f"{s}77.48")],
        buyer_name="Acme Buyer GmbH", buyer_address=["Am Hafen 1", "20457 Hamburg"],
        vendor_address=["Hafenstraße 12", "20457 Hamburg"], document_type=document_type)


@pytest.mark.parametrize("family", ["procedural", "procedural-heldout"])
@pytest.mark.parametrize("truth", [_given(), _given("credit_note"),
                                   _given(vendor_vat=None, vendor_iban=None)],
                         ids=["invoice", "credit_note", "no_vat_no_iban"])
def test_a_given_truth_is_printed_exactly(family: str, truth: InvoiceTruth) -> None:
    for index in range(4):
        facts = facts_from_truth(truth, random.Random(index), buyer_vat=BUYER_VAT)
        assert to_truth(facts).header() == truth.header()
        assert to_truth(facts).document_type == truth.document_type
        data, suffix, generated = render_invoice(5, index, family, truth=truth, country="DE",
                                                 buyer_vat=BUYER_VAT)
        assert suffix == ".pdf" and generated.rendering.family == family
        assert generated.truth.header() == truth.header()
        assert generated.truth.document_type == truth.document_type
        _check_printed(truth, data, generated.rendering.number_format)
        # The buyer's VAT id is printed, always, for a reader to tell it from the seller's.
        assert BUYER_VAT in re.sub(r"[\s.\-]", "", "\n".join(_pages(data)))
        assert not _overlaps(data), _overlaps(data)[:3]
        again = render_invoice(5, index, family, truth=truth, country="DE", buyer_vat=BUYER_VAT)
        assert _pages(again[0]) == _pages(data)
    if family == "procedural-heldout":
        assert set(generated.rendering.blocks.items()) <= reserved_variants()


def test_a_truth_that_does_not_add_up_is_refused() -> None:
    truth = _given().model_copy(update={"net_amount": "2170.00"})
    with pytest.raises(ValueError, match="add up"):
        facts_from_truth(truth, random.Random(1))


def _overlaps(pdf_bytes: bytes) -> list[tuple[str, str]]:
    """Pairs of text runs on a page whose boxes overlap (shrunk a little for rounding),
    and text running off the page."""
    found = []
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        for page in pdf:
            tp = page.get_textpage()
            width, height = page.get_size()
            rects = []
            for i in range(tp.count_rects()):
                left, bottom, right, top = tp.get_rect(i)
                if left < 0 or bottom < 0 or right > width or top > height:
                    found.append(("off the page", tp.get_text_bounded(left, bottom, right, top)))
                rects.append((left + 0.8, bottom + 0.8, right - 0.8, top - 0.8,
                              tp.get_text_bounded(left, bottom, right, top)))
            for a, b in itertools.combinations(rects, 2):
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    found.append((a[4], b[4]))
    finally:
        pdf.close()
    return found


@pytest.mark.parametrize("family", ["procedural", "procedural-heldout"])
def test_no_text_runs_into_other_text(family: str) -> None:
    for printed in _docs(family)[:12]:
        assert not _overlaps(printed.pdf), (printed.layout, _overlaps(printed.pdf)[:3])


def test_italian_documents_and_identifiers() -> None:
    import random  # noqa: PLC0415

    languages = {p.language for fam in ("procedural", "procedural-heldout") for p in _docs(fam)}
    assert "it" in languages and {"de", "fr"} <= languages
    rng = random.Random(1)
    for _ in range(20):
        vat, iban = italian_vat(rng), italian_iban(rng)
        assert normalize_vat(vat) == vat and len(vat) == 13
        assert normalize_iban(iban) == iban and len(iban) == 27 and iban[4].isalpha()
        seller = make_seller(rng, "IT")
        assert seller.vat.startswith("IT") and seller.iban.startswith("IT")


def test_sets_scans_and_command_line(tmp_path: Path) -> None:
    files = generate_set(tmp_path / "scan", 2, seed=2, family="procedural", scanned_share=1.0)
    for path in files:
        assert path.suffix == ".jpg"
        with Image.open(path) as image:
            assert image.format == "JPEG"
        generated = load_truth(path)
        assert generated.rendering.scanned and generated.rendering.pages == 1
    assert main(["--out", str(tmp_path / "cli"), "--count", "2", "--seed", "1",
                 "--family", "procedural-heldout"]) == 0
    data = json.loads(sorted((tmp_path / "cli").glob("*.json"))[0].read_text())
    assert data["rendering"]["family"] == "procedural-heldout"
    assert data["rendering"]["layout"].startswith("procedural:")
    assert data["truth"]["document_type"] in ("invoice", "credit_note", "corrected_invoice")


def test_fixed_layout_files_keep_their_old_shape(tmp_path: Path) -> None:
    """The fields added for the procedural families stay out of train/heldout JSON while
    they hold their defaults, so those files are the same as before."""
    for path in generate_set(tmp_path, 2, seed=3, family="train"):
        data = json.loads(path.with_suffix(".json").read_text())
        assert "document_type" not in data["truth"] and "amount_due" not in data["truth"]
        assert not {"blocks", "wordings", "pages", "details"} & set(data["rendering"])
        assert load_truth(path).truth.document_type == "invoice"


def test_vendor_master_with_letters_beyond_latin1(tmp_path: Path) -> None:
    vendor = Vendor(name="Łódź Dostawy Sp. z o.o.", vat="PL1234567890",
                    address=["ul. Długa 5", "90-001 Łódź"], country="PL")
    for path in generate_set(tmp_path, 2, seed=1, family="procedural", vendors=[vendor],
                             po_numbers=["PO-777001"]):
        generated = load_truth(path)
        assert generated.truth.vendor_name == vendor.name
        assert generated.truth.po_number == "PO-777001"
        assert vendor.name in "\n".join(_pages(path.read_bytes()))


def test_pagination_keeps_room_for_the_totals() -> None:
    from devdata.generator.procedural.items import paginate  # noqa: PLC0415

    assert paginate(5, first=500, later=700, row_h=20, carry_h=20, tail_h=150,
                    carry=True) == [5]
    rows = paginate(40, first=300, later=700, row_h=20, carry_h=20, tail_h=150, carry=True)
    assert sum(rows) == 40 and len(rows) > 1
    assert rows[0] * 20 + 20 <= 300  # page 1: its rows and the carry row at its foot
    assert 20 + rows[-1] * 20 + 150 <= 700  # last page: carry row, rows, totals
    assert rows[-1] >= 1  # the totals never stand alone
