"""Field extraction with the committed scorer: e-invoices, text layers, OCR-style text."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from devdata.generator import generate_set, load_truth
from skills.documents import read_document
from skills.extract import REQUIRED_FIELDS, Extraction, Field, decide, extract, values_match
from skills.extract.candidates import FIELDS, Candidate, build_candidates
from skills.extract.model import MODELS_DIR, ModelMissing, default_scorer, load_scorer
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
    model = tmp_path / "invoice-fields.onnx"  # the registered one, not a kept earlier one
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ModelMissing, match="sha256"):
        load_scorer(tmp_path)
    with pytest.raises(ModelMissing, match="python -m skills.train"):
        load_scorer(tmp_path / "empty")


def _cand(fld: str, value: str, box: tuple[float, float, float, float], page: int = 1,
          method: str = "ocr") -> Candidate:
    return Candidate(fld, value, value, page, box, 0.97, method, {})


def test_one_printed_date_never_serves_both_dates() -> None:
    # An OCR slip ("0ktober") left the invoice date unreadable: its best candidate is
    # the due date's own words, which the due date scores higher.
    due_box = (430.0, 128.0, 480.0, 137.0)
    cands = [_cand("invoice_date", "2024-11-14", due_box),
             _cand("due_date", "2024-11-14", due_box)]
    decisions = decide(cands, np.array([0.96, 0.99]))
    assert decisions["due_date"].value == "2024-11-14"
    assert decisions["invoice_date"].value is None
    assert decisions["invoice_date"].kind == "missing"
    # With another reading of the invoice date elsewhere, that one is taken instead.
    cands.append(_cand("invoice_date", "2024-10-15", (430.0, 114.0, 480.0, 123.0)))
    decisions = decide(cands, np.array([0.96, 0.99, 0.4]))
    assert decisions["invoice_date"].value == "2024-10-15"
    assert decisions["due_date"].value == "2024-11-14"
    # The invoice date keeps the words when it scores them higher; the due date, which
    # has nothing else, is then absent, and no more sure of that than it was of the date.
    decisions = decide(cands[:2], np.array([0.99, 0.7]))
    assert decisions["invoice_date"].value == "2024-11-14"
    assert decisions["due_date"].value is None
    assert decisions["due_date"].score == pytest.approx(0.3)
    # The same date printed twice (two places) may serve both.
    other = _cand("due_date", "2024-11-14", (50.0, 700.0, 100.0, 709.0))
    decisions = decide([cands[0], other], np.array([0.99, 0.99]))
    assert decisions["invoice_date"].value == decisions["due_date"].value == "2024-11-14"


def test_ocr_date_slip_end_to_end() -> None:
    rows = [("Nordwind Bürotechnik GmbH", 50, 50), ("Rechnungsnummer: RE-2024-0815", 330, 100),
            ("Rechnungsdatum: 15. 0ktober 2024", 330, 114), ("Fällig am: 14.11.2024", 330, 128),
            ("Gesamtbetrag: 1.468,46 EUR", 380, 348)]
    result = extract(_doc(rows, ReadMethod.OCR, conf=0.95))
    assert result.fields["invoice_date"].value == "2024-10-15"
    assert result.fields["due_date"].value == "2024-11-14"
    assert result.fields["invoice_date"].box != result.fields["due_date"].box


def test_each_field_is_accepted_at_its_reading_methods_threshold() -> None:
    fields = {name: Field(value="x", confidence=0.95, method="text") for name in FIELDS}
    fields["total"] = Field(value="1.00", confidence=0.95, method="ocr")
    fields["currency"] = Field(value="EUR", confidence=1.0, method="xml")
    result = Extraction(fields=fields, model_name="m", model_version="1", threshold=0.9,
                        thresholds={"text": 0.9, "ocr": 0.97})
    assert result.threshold_of("total") == 0.97
    assert result.threshold_of("currency") == 0.9  # no threshold of its own: the text one
    assert "total" not in result.accepted() and "vendor_name" in result.accepted()
    assert result.below_threshold(required_only=True) == ["total"]
    assert not result.straight_through()
    assert "total" in result.accepted(0.9)  # one explicit threshold still applies to all
    old = Extraction(fields=fields, model_name="m", model_version="1", threshold=0.9)
    assert old.thresholds == {} and "total" in old.accepted()


@pytest.mark.parametrize(("predicted", "expected", "fair", "strict"), [
    ("Coolblue B.V", "Coolblue B.V.", True, True),
    ("Amazon EU S.a.r.l.", "Amazon", True, False),
    ("MR D.I.Y. (M) SDN BHD", "MR DIY", True, False),
    ("Free Service Abonné", "Free", True, False),
    ("Au verso, vous trouverez le détail de votre facture Free", "Free", False, False),
    ("Oravel Stays Private Limited", "OYO", False, False),
    ("Nordwind GmbH", "Nordwind Logistik GmbH", True, False),
])
def test_vendor_names_fair_and_strict(predicted: str, expected: str, fair: bool,
                                      strict: bool) -> None:
    assert values_match("vendor_name", predicted, expected) is fair
    assert values_match("vendor_name", predicted, expected, strict=True) is strict
    assert values_match("total", "1.00", "1.00", strict=True)


def test_the_name_after_a_sold_by_label_is_the_candidate() -> None:
    rows = [("Retail Invoice", 200, 20), ("Sold By : WS Retail Services Pvt. Ltd.,", 10, 55),
            ("Invoice No: R-1", 400, 40), ("Grand Total 319.00", 380, 300)]
    names = [c.value for c in build_candidates(_doc(rows)) if c.field == "vendor_name"]
    assert "WS Retail Services Pvt. Ltd" in names
    assert not any(n.startswith("Sold By") for n in names)


def _values(rows: list[tuple[str, float, float]], fld: str,
            method: ReadMethod = ReadMethod.TEXT) -> set[str]:
    return {c.value for c in build_candidates(_doc(rows, method)) if c.field == fld}


def test_receipt_amounts_glued_to_a_code_or_split_by_ocr_are_candidates() -> None:
    rows = [("TOTAL", 20, 300), ("RM88.61", 150, 300), ("CASH", 20, 314), ("RM 100 .00", 150, 314),
            ("ROUNDED TOTAL (RM):", 20, 328), ("73. 00", 150, 328)]
    assert {"88.61", "100.00", "73.00"} <= _values(rows, "total")
    assert "MYR" in _values(rows, "currency")


def test_an_iban_printed_right_after_a_vat_id_is_found() -> None:
    rows = [("BTW-nummer BE0498640483 IBAN BE77159390912425", 50, 80)]
    assert _values(rows, "vendor_iban") == {"BE77159390912425"}
    assert _values(rows, "vendor_vat") == {"BE0498640483"}


def test_ocr_labels_with_one_letter_misread_still_count() -> None:
    rows = [("Tatal Sales (lnclusive of GST) :", 20, 300), ("32.70", 200, 300)]
    assert any(c.features.get("d_right", 1.0) < 0.5
               for c in build_candidates(_doc(rows, ReadMethod.OCR))
               if c.field == "total" and c.value == "32.70")
    assert not any(c.features.get("d_right", 1.0) < 0.5
                   for c in build_candidates(_doc(rows))  # a text layer: exact labels only
                   if c.field == "total" and c.value == "32.70")


def test_table_headings_and_sender_lines_as_names() -> None:
    rows = [("Item Amount (MYR) GST (MYR)", 50, 300),
            ("Kappa GmbH · Hafenweg 5 · 20457 Hamburg", 50, 120)]
    names = _values(rows, "vendor_name")
    assert "Item Amount (MYR) GST (MYR)" not in names
    assert "Kappa GmbH" in names


def test_net_tax_and_total_are_chosen_so_that_they_add_up() -> None:
    box = iter((float(i), 0.0, float(i) + 1, 9.0) for i in range(100))
    cands = [_cand("net_amount", "20.00", next(box)), _cand("tax_amount", "1.20", next(box)),
             _cand("total", "20.00", next(box)), _cand("total", "21.20", next(box))]
    # "Total (MYR) 20.00 / GST 1.20 / Net Total (MYR) 21.20": the label says 20.00 ...
    decisions = decide(cands, np.array([0.9, 0.9, 0.8, 0.6]))
    assert decisions["total"].value == "21.20"  # ... the arithmetic says 21.20
    # A zero tax balances anything: it is no reason to move off the likelier total.
    cands[1] = _cand("tax_amount", "0.00", cands[1].box)
    assert decide(cands, np.array([0.9, 0.9, 0.8, 0.6]))["total"].value == "20.00"
    # Cash rounding to 5 cents: 179.00 + 10.74 = 189.74, paid 189.75.
    cands = [_cand("net_amount", "179.00", next(box)), _cand("tax_amount", "10.74", next(box)),
             _cand("total", "179.00", next(box)), _cand("total", "189.75", next(box))]
    assert decide(cands, np.array([0.9, 0.9, 0.5, 0.3]))["total"].value == "189.75"


def test_the_account_holder_is_a_seller_name_and_names_come_from_page_one() -> None:
    rows = [("ALEXINUX", 380, 110), ("Facture n° 2022089083", 240, 176),
            ("Virement BANQUE – Titulaire du compte : NETPRESSE", 120, 513),
            ("contact@example.com", 120, 600), ("# invoice_number_1", 400, 60)]
    doc = _doc(rows)
    doc.pages.append(Page(2, 595.0, 842.0, ReadMethod.TEXT, [_line("Détail des options", 50, 40)]))
    names = {c.value: c for c in build_candidates(doc) if c.field == "vendor_name"}
    assert names["NETPRESSE"].features["name_seller"] == 1.0
    assert "Détail des options" not in names  # page 2
    assert "contact@example.com" not in names and "# invoice_number_1" not in names


def test_the_buyers_name_is_never_a_vendor_candidate_wherever_it_is_printed() -> None:
    rows = [("Free Service Abonné", 40, 84), ("de Lattre Alexis", 300, 151),
            ("Nom de l’abonné", 255, 254), ("de Lattre Alexis", 255, 263),
            ("Destinataire", 200, 89), ("Litware Nordic AB", 200, 99),
            # "An" is a buyer's label only standing alone: here it is part of a name.
            ("Bäckerei An der Ecke GmbH", 40, 20), ("Sunny Days Ltd", 40, 32)]
    names = _values(rows, "vendor_name")
    assert "de Lattre Alexis" not in names and "Litware Nordic AB" not in names
    assert {"Free Service Abonné", "Bäckerei An der Ecke GmbH", "Sunny Days Ltd"} <= names


def test_a_title_after_the_name_and_prose_are_not_part_of_names() -> None:
    rows = [("Amazon Web Services Invoice", 257, 68), ("Kopie factuur", 44, 259),
            ("The issuer encapsulated their company data in the image below:", 40, 700)]
    names = _values(rows, "vendor_name")
    assert "Amazon Web Services" in names and "Amazon Web Services Invoice" not in names
    assert "Kopie factuur" in names  # one word would be left: kept whole for the model
    assert not any(n.startswith("The issuer") for n in names)


def test_ocr_slips_in_amounts_rates_and_label_boxes() -> None:
    rows = [("Net amount", 315, 333), ("SEK 9, 348.24", 470, 333), ("VAT 12 ：", 316, 349),
            ("VAT Reg. No.", 20, 86), ("ATU98162241", 21, 95.3)]
    doc = _doc(rows, ReadMethod.OCR, conf=0.97)
    # OCR boxes are padded: the id's box starts above the label box's bottom edge (95).
    line = doc.pages[0].lines[3]
    doc.pages[0].lines[3] = Line(line.text, (20, 86, 64, 97.3), line.confidence, line.words)
    cands = build_candidates(doc)
    assert "9348.24" in {c.value for c in cands if c.field == "net_amount"}
    assert "12.00" in {c.value for c in cands if c.field == "tax_rate"}
    vat = next(c for c in cands if c.field == "vendor_vat")
    assert vat.features["d_below"] < 0.02


def test_a_currency_nobody_printed_is_suggested_from_the_sellers_country() -> None:
    rows = [("Keller Fournitures AG", 20, 39), ("Invoice Number", 20, 146), ("F2023/8852", 21, 156),
            ("IBAN", 20, 108), ("AT37 8242 1502 9655 2808", 21, 117),
            ("Total", 336, 244), ("1,916.10", 519, 245)]  # "€" is beyond the OCR's alphabet
    result = extract(_doc(rows, ReadMethod.OCR, conf=0.97))
    currency = result.fields["currency"]
    assert (currency.value, currency.method) == ("EUR", "inferred")
    assert currency.raw == "vendor_iban AT378242150296552808"
    assert "currency" not in result.accepted()  # a suggestion for a person, never posted alone
    printed = extract(_doc([*rows, ("Currency: CHF", 20, 200)], ReadMethod.OCR, conf=0.97))
    assert printed.fields["currency"].value == "CHF" and printed.fields["currency"].method == "ocr"


def test_a_name_ends_with_its_legal_form() -> None:
    rows = [("e-Luscious Nederland B.V. iov Saeco.com", 43, 724),
            ("Helios Print GmbH & Co. KG", 40, 40)]
    names = _values(rows, "vendor_name")
    assert "e-Luscious Nederland B.V" in names  # the whole line stays a candidate too
    assert "Helios Print GmbH & Co. KG" in names and "Helios Print GmbH" not in names


def test_an_amount_is_right_when_its_number_is() -> None:
    assert values_match("tax_amount", "0.00", "-0.00")  # a credit note's zero tax
    assert not values_match("total", "1.00", "-1.00")
    assert not values_match("invoice_number", "0.00", "-0.00")  # an id is its characters


def _rate_rows(second_tax: str) -> list[Candidate]:
    """A totals block printing each VAT rate with its tax only ("Imposta 22%: 432,93"),
    the net, the tax total and the total below; the item lines print no rate."""
    def cand(field: str, value: str, x: float, y: float) -> Candidate:
        return Candidate(field, value, value, 1, (x, y, x + 30, y + 10), 1.0, "text")

    return [cand("tax_rate", "22.00", 280, 500), cand("tax_amount", "432.93", 500, 500),
            cand("tax_rate", "10.00", 280, 515), cand("tax_amount", second_tax, 500, 515),
            cand("net_amount", "4897.20", 500, 485), cand("tax_amount", "725.86", 500, 530),
            cand("total", "5623.06", 500, 545)]


def test_of_several_rates_printed_with_their_tax_only_the_rate_of_the_largest_basis() -> None:
    """22 % of 1,967.86 and 10 % of 2,929.30: the taxes make total - net and their bases
    the net, so the rate is 10 % though the model liked 22 % better."""
    probs = np.array([0.6, 0.5, 0.5, 0.4, 0.9, 0.9, 0.9])
    assert decide(_rate_rows("292.93"), probs)["tax_rate"].value == "10.00"
    # Figures that do not add up prove nothing by themselves: the model's choice stays
    # (what decides then is the tax over the net, skills.extract's _main_rate).
    from skills.extract.extraction import _rate_by_one_figure

    ranked: dict[str, list[tuple[float, Candidate]]] = {}
    for cand, p in zip(_rate_rows("290.00"), probs, strict=True):
        ranked.setdefault(cand.field, []).append((float(p), cand))
    for options in ranked.values():
        options.sort(key=lambda o: -o[0])
    choice = dict.fromkeys(ranked, 0)
    _rate_by_one_figure(ranked, choice)
    assert ranked["tax_rate"][choice["tax_rate"]][1].value == "22.00"
