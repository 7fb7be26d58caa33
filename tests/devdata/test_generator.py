"""The invoice generator: deterministic, arithmetically consistent, many layouts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from devdata.generator import (
    HELDOUT_LAYOUTS,
    TRAIN_LAYOUTS,
    Vendor,
    generate_set,
    load_truth,
    render_invoice,
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
