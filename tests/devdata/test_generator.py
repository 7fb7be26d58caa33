"""The invoice generator: deterministic, arithmetically consistent, many layouts, receipts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from devdata.generator import (
    HELDOUT_LAYOUTS,
    RECEIPT_HELDOUT_LAYOUTS,
    RECEIPT_TRAIN_LAYOUTS,
    TRAIN_LAYOUTS,
    Vendor,
    generate_set,
    load_truth,
    render_invoice,
    render_receipt,
)
from devdata.generator.__main__ import main
from devdata.generator.canvas import available_fonts
from skills.normalize import iban_checksum_ok, normalize_vat


def _text(pdf_bytes: bytes) -> str:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        return pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()


def test_layout_families_are_disjoint_and_many() -> None:
    assert not set(TRAIN_LAYOUTS) & set(HELDOUT_LAYOUTS)
    assert len(TRAIN_LAYOUTS) + len(HELDOUT_LAYOUTS) >= 8
    assert {"helvetica", "times", "courier"} <= set(available_fonts())


def test_same_seed_same_invoice() -> None:
    a = render_invoice(seed=3, index=5)
    b = render_invoice(seed=3, index=5)
    c = render_invoice(seed=3, index=6)
    assert a[2] == b[2]
    assert _text(a[0]) == _text(b[0])
    assert a[2].truth != c[2].truth


@pytest.mark.parametrize("family", ["train", "heldout"])
def test_truth_is_consistent_and_printed(family: str) -> None:
    for index in range(5):
        data, suffix, generated = render_invoice(seed=11, index=index, family=family)
        truth = generated.truth
        assert suffix == ".pdf"
        assert generated.rendering.layout in (TRAIN_LAYOUTS if family == "train"
                                              else HELDOUT_LAYOUTS)
        lines = sum(Decimal(i.amount) for i in truth.line_items)
        for item in truth.line_items:
            expected = (Decimal(item.quantity) * Decimal(item.unit_price)).quantize(Decimal("0.01"))
            assert abs(expected - Decimal(item.amount)) <= Decimal("0.01")
        assert Decimal(truth.net_amount) == lines
        assert Decimal(truth.net_amount) + Decimal(truth.tax_amount) == Decimal(truth.total)
        assert abs(Decimal(truth.net_amount) * Decimal(truth.tax_rate) / 100
                   - Decimal(truth.tax_amount)) <= Decimal("0.005")
        if truth.vendor_iban:
            assert iban_checksum_ok(truth.vendor_iban)
        if truth.vendor_vat:
            assert normalize_vat(truth.vendor_vat) == truth.vendor_vat
        text = _text(data)
        assert truth.invoice_number in text
        assert truth.vendor_name.split()[0] in text


def test_explicit_vendors_and_po_numbers_are_used(tmp_path: Path) -> None:
    vendor = Vendor(name="Kappa Office Supplies GmbH", vat="DE811234567",
                    iban="DE89370400440532013000", address=["Hafenweg 5", "20457 Hamburg"])
    files = generate_set(tmp_path, 2, seed=1, vendors=[vendor], po_numbers=["PO-777001"])
    for path in files:
        truth = load_truth(path).truth
        assert truth.vendor_name == vendor.name
        assert truth.vendor_iban == vendor.iban
        assert truth.po_number == "PO-777001"


def test_scanned_documents_are_150_dpi_jpegs(tmp_path: Path) -> None:
    files = generate_set(tmp_path, 2, seed=4, scanned_share=1.0)
    for path in files:
        assert path.suffix == ".jpg"
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert abs(image.width - 595.28 * 150 / 72) < 3
        assert load_truth(path).rendering.scanned


def test_command_line_writes_documents_and_truth(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path), "--count", "3", "--seed", "2",
                 "--family", "heldout"]) == 0
    truths = sorted(tmp_path.glob("*.json"))
    assert len(truths) == 3
    data = json.loads(truths[0].read_text())
    assert data["rendering"]["family"] == "heldout"
    assert (tmp_path / data["file"]).exists()
    assert "3 invoices written" in capsys.readouterr().out


def test_unknown_family_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="family"):
        generate_set(tmp_path, 1, seed=1, family="test")


@pytest.mark.parametrize("family", ["train", "heldout"])
def test_receipts_print_their_truth_on_narrow_slips(family: str) -> None:
    layouts = RECEIPT_TRAIN_LAYOUTS if family == "train" else RECEIPT_HELDOUT_LAYOUTS
    seen = set()
    for index in range(8):
        data, suffix, generated = render_receipt(seed=21, index=index, family=family)
        truth, rendering = generated.truth, generated.rendering
        assert suffix == ".pdf" and rendering.kind == "receipt"
        assert rendering.layout in layouts
        seen.add(rendering.layout)
        pdf = pdfium.PdfDocument(data)
        try:
            width, height = pdf[0].get_size()
        finally:
            pdf.close()
        assert width < 240 and height > width  # a till roll, as long as it needs
        text = _text(data)
        for value in (truth.vendor_name, truth.invoice_number):
            assert value in text
        assert f"{Decimal(truth.total):.2f}" in text.replace(",", "")
        assert truth.due_date is None and truth.po_number is None
        net = Decimal(truth.net_amount or "0")
        tax = Decimal(truth.tax_amount or "0")
        if truth.net_amount is not None and truth.tax_amount is not None:
            # net + tax + cash rounding = the amount to pay (net is printed tax-exclusive)
            assert net + tax + Decimal(truth.rounding) == Decimal(truth.total)
        assert abs(Decimal(truth.rounding)) <= Decimal("0.02")
    assert len(seen) >= 2


def test_receipt_layouts_are_disjoint_from_each_other_and_the_invoices() -> None:
    assert not set(RECEIPT_TRAIN_LAYOUTS) & set(RECEIPT_HELDOUT_LAYOUTS)
    assert not (set(RECEIPT_TRAIN_LAYOUTS) | set(RECEIPT_HELDOUT_LAYOUTS)) & (
        set(TRAIN_LAYOUTS) | set(HELDOUT_LAYOUTS))


def test_receipt_share_mixes_receipts_in_without_changing_the_invoices(tmp_path: Path) -> None:
    plain = generate_set(tmp_path / "plain", 6, seed=8)
    mixed = generate_set(tmp_path / "mixed", 6, seed=8, receipt_share=0.5,
                         receipt_scanned_share=1.0)
    kinds = [load_truth(p).rendering.kind for p in mixed]
    assert "receipt" in kinds and "invoice" in kinds
    for a, b in zip(plain, mixed, strict=True):
        if load_truth(b).rendering.kind == "invoice":
            assert load_truth(a) == load_truth(b).model_copy(update={"file": a.name})
            assert _text(a.read_bytes()) == _text(b.read_bytes())
        else:
            assert b.suffix == ".jpg" and load_truth(b).rendering.scanned
            with Image.open(b) as image:
                assert image.format == "JPEG"


@pytest.mark.parametrize("family", ["heldout", "procedural-heldout"])
def test_a_vendor_prints_its_own_layout_again_and_again(tmp_path: Path, family: str) -> None:
    """--layout-repeat: count/N vendors take turns, each with one layout and wording."""
    files = generate_set(tmp_path, 4, seed=3, family=family, layout_repeat=2)
    docs = [load_truth(f) for f in files]
    for a, b in ((0, 2), (1, 3)):  # the same vendor
        assert docs[a].truth.vendor_name == docs[b].truth.vendor_name
        assert docs[a].rendering.layout == docs[b].rendering.layout
        assert docs[a].truth.invoice_number != docs[b].truth.invoice_number
        shared = docs[a].rendering.wordings.keys() & docs[b].rendering.wordings.keys()
        assert all(docs[a].rendering.wordings[k] == docs[b].rendering.wordings[k]
                   for k in shared)
    assert docs[0].truth.vendor_name != docs[1].truth.vendor_name
