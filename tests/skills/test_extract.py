"""Field extraction with the committed scorer: e-invoices, text layers, OCR-style text."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devdata.generator import generate_set, load_truth
from skills.documents import read_document
from skills.extract import REQUIRED_FIELDS, Extraction, extract, values_match
from skills.extract_candidates import FIELDS
from skills.extract_model import MODELS_DIR, ModelMissing, default_scorer, load_scorer
from skills.schema import Document, Line, Page, ReadMethod, Word

ROOT = Path(__file__).resolve().parents[2]


def _line(text: str, x: float, y: float, conf: float = 1.0, size: float = 9) -> Line:
    words, cursor = [], x
    for token in text.split():
        width = len(token) * size * 0.5
        words.append(Word(token, (cursor, y, cursor + width, y + size), conf))
        cursor += width + size * 0.3
    return Line(text, (x, y, cursor, y + size), conf, tuple(words))


def _doc(rows: list[tuple[str, float, float]], method: ReadMethod = ReadMethod.TEXT,
         conf: float = 1.0) -> Document:
    page = Page(1, 595.0, 842.0, method, [_line(t, x, y, conf) for t, x, y in rows])
    return Document("test.pdf", "0" * 64, "application/pdf", [page])


INVOICE = [
    ("Nordwind Bürotechnik GmbH", 50, 50), ("Hafenstraße 12", 50, 64), ("20457 Hamburg", 50, 76),
    ("Rechnung", 400, 50),
    ("Rechnungsnummer:", 330, 100), ("RE-2024-0815", 430, 100),
    ("Rechnungsdatum:", 330, 114), ("15.03.2024", 430, 114),
    ("Fällig am:", 330, 128), ("14.04.2024", 430, 128),
    ("Kunde", 50, 150), ("Contoso Retail GmbH", 50, 162), ("Market Square 3", 50, 174),
    ("Bezeichnung", 50, 250), ("Menge", 300, 250), ("Einzelpreis", 380, 250), ("Betrag", 500, 250),
    ("Beratung", 50, 266), ("10", 300, 266), ("100,00", 380, 266), ("1.000,00", 500, 266),
    ("Wartung", 50, 280), ("2", 300, 280), ("117,00", 380, 280), ("234,00", 500, 280),
    ("Nettobetrag:", 380, 320), ("1.234,00 EUR", 480, 320),
    ("MwSt. 19 %:", 380, 334), ("234,46 EUR", 480, 334),
    ("Gesamtbetrag:", 380, 348), ("1.468,46 EUR", 480, 348),
    ("USt-IdNr.: DE123456789", 50, 780), ("IBAN: DE89 3704 0044 0532 0130 00", 250, 780),
]


def test_fields_from_a_text_layer() -> None:
    result = extract(_doc(INVOICE))
    values = result.values()
    assert values["invoice_number"] == "RE-2024-0815"
    assert values["invoice_date"] == "2024-03-15"
    assert values["due_date"] == "2024-04-14"
    assert values["currency"] == "EUR"
    assert values["net_amount"] == "1234.00"
    assert values["tax_amount"] == "234.46"
    assert values["tax_rate"] == "19.00"
    assert values["total"] == "1468.46"
    assert values["vendor_iban"] == "DE89370400440532013000"
    assert values["vendor_vat"] == "DE123456789"
    assert values["vendor_name"] == "Nordwind Bürotechnik GmbH"
    total = result.fields["total"]
    assert total.method == "text" and total.page == 1 and total.raw == "1.468,46"
    assert total.box is not None and total.box[0] >= 480
    assert [(i.quantity, i.unit_price, i.amount) for i in result.line_items] == [
        ("10", "100.00", "1000.00"), ("2", "117.00", "234.00")]


def test_ocr_text_without_spaces() -> None:
    rows = [("ACME Supplies Ltd", 50, 40), ("InvoiceNo:INV-1", 50, 80),
            ("Date:15/03/2024", 50, 94), ("Net:1.000,00", 300, 300), ("VAT20%:200,00", 300, 314),
            ("Total:1.200,00 EUR", 300, 328)]
    result = extract(_doc(rows, ReadMethod.OCR, conf=0.97))
    assert result.fields["invoice_number"].value == "INV-1"
    assert result.fields["invoice_date"].value == "2024-03-15"
    assert result.fields["total"].value == "1200.00"
    assert result.fields["total"].method == "ocr"


def test_contradicting_amounts_lower_the_confidence() -> None:
    consistent = extract(_doc(INVOICE)).fields["total"].confidence
    broken = [(t.replace("1.468,46", "1.568,46"), x, y) for t, x, y in INVOICE]
    contradicted = extract(_doc(broken)).fields["total"]
    assert contradicted.value == "1568.46"
    assert contradicted.confidence < consistent


def test_einvoice_fields_are_taken_as_they_are() -> None:
    doc = _doc([("whatever the page says", 50, 50)])
    doc.einvoice = {"vendor_name": "Kappa GmbH", "invoice_number": "K-1",
                    "invoice_date": "2024-03-15", "currency": "EUR", "total": "119.00",
                    "net_amount": "100.00", "tax_amount": "19.00", "tax_rate": "19",
                    "lines": [{"description": "Item", "quantity": "1", "unit_price": "100",
                               "amount": "100.00"}]}
    result = extract(doc)
    assert result.fields["total"].value == "119.00"
    assert result.fields["tax_rate"].value == "19.00"
    assert result.fields["po_number"].value is None
    assert all(f.confidence == 1.0 and f.method == "xml" for f in result.fields.values())
    assert result.straight_through()
    assert result.line_items[0].amount == "100.00"


def test_extraction_is_json_serialisable_with_provenance() -> None:
    result = extract(_doc(INVOICE))
    payload = json.loads(json.dumps(result.model_dump(mode="json")))
    assert set(payload["fields"]) == set(FIELDS)
    again = Extraction.model_validate(payload)
    assert again.values() == result.values()
    scorer = default_scorer()
    assert (result.model_name, result.model_version) == (scorer.name, scorer.version)
    assert result.threshold == scorer.threshold
    assert 0 < result.threshold <= 1


def test_threshold_splits_accepted_from_the_rest() -> None:
    result = extract(_doc(INVOICE))
    accepted = result.accepted(0.5)
    below = result.below_threshold(0.5)
    assert set(accepted) | set(below) == set(FIELDS)
    assert not set(accepted) & set(below)
    assert result.below_threshold(1.01) == list(FIELDS)
    assert not result.straight_through(1.01)
    assert set(result.below_threshold(1.01, required_only=True)) == set(REQUIRED_FIELDS)


def test_generated_documents_of_unseen_layouts(tmp_path: Path) -> None:
    files = generate_set(tmp_path, 6, seed=424242, family="heldout")
    right = total = 0
    for path in files:
        truth = load_truth(path).truth.header()
        result = extract(read_document(path.read_bytes(), path.name))
        for name in FIELDS:
            total += 1
            right += values_match(name, result.fields[name].value, truth[name])
    assert right / total >= 0.9, f"{right}/{total} fields right"


def test_einvoice_pdf_end_to_end(tmp_path: Path) -> None:
    [path] = generate_set(tmp_path, 1, seed=5, einvoice_share=1.0)
    truth = load_truth(path)
    assert truth.rendering.einvoice
    result = extract(read_document(path.read_bytes(), path.name))
    assert result.fields["total"].method == "xml"
    for name in FIELDS:
        assert values_match(name, result.fields[name].value, truth.truth.header()[name]), name


@pytest.mark.slow
def test_runs_without_scikit_learn() -> None:
    code = ("import sys; from tests.skills.test_extract import _doc, INVOICE; "
            "from skills.extract import extract; extract(_doc(INVOICE)); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    for item in MODELS_DIR.iterdir():
        if item.suffix in (".onnx", ".json"):
            shutil.copy(item, tmp_path / item.name)
    assert load_scorer(tmp_path).name == "invoice-fields"
    model = next(tmp_path.glob("*.onnx"))
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ModelMissing, match="sha256"):
        load_scorer(tmp_path)
    with pytest.raises(ModelMissing, match="python -m skills.train"):
        load_scorer(tmp_path / "empty")
