"""Reading what a layout means beyond labels: document kind, party roles, signs, and the
checks that keep a confident but unchecked value from being auto-accepted."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from skills.doctype import DocumentType, document_type, title_kind
from skills.extract import Extraction, Field, decide, extract
from skills.extract.candidates import Candidate, build_candidates
from skills.extract.checks import (
    CHECK_CAP,
    _in_sentence,
    _label_before,
    amounts_close,
    label_familiarity,
    tax_rates_printed,
)
from skills.extract.labels import find_labels
from skills.extract.suggestions import _vat_below
from skills.party_roles import OurCompanies, OurCompany, role_features
from skills.schema import Document, Page, ReadMethod
from skills.train import MIN_AUTO_ACCEPT
from tests.skills.test_extract import INVOICE, _doc, _line


def test_title_names_the_kind_of_document() -> None:
    assert title_kind(_line("Gutschrift Nr. 2024-12", 50, 50)) == DocumentType.CREDIT_NOTE
    assert title_kind(_line("Avoir n° 3 du 05/03/2024", 50, 50)) == DocumentType.CREDIT_NOTE
    assert title_kind(_line("Nota di credito n. 5", 50, 50)) == DocumentType.CREDIT_NOTE
    assert title_kind(_line("Rechnungskorrektur", 50, 50)) == DocumentType.CORRECTED_INVOICE
    assert title_kind(_line("Rechnung Nr. 12 vom 05.03.2024", 50, 50)) == DocumentType.INVOICE
    # Title words inside sentences, or words that only look like one, are not titles.
    assert title_kind(_line("Avoir une question ? Contactez-nous", 50, 50)) is None
    assert title_kind(_line("Stornogebühr 12,00", 50, 50)) is None
    assert title_kind(_line("Der Betrag wird Ihnen als Gutschrift auf Ihrem Konto "
                            "gutgeschrieben und verrechnet", 50, 50)) is None
    assert document_type(_doc(INVOICE)) == DocumentType.INVOICE


def test_a_credit_note_reports_negative_amounts_whatever_is_printed() -> None:
    rows = [("Gutschrift", 400, 50) if text == "Rechnung" else (text, x, y)
            for text, x, y in INVOICE]
    result = extract(_doc(rows))
    assert result.document_type == "credit_note"
    values = result.values()
    assert values["total"] == "-1468.46"
    assert values["net_amount"] == "-1234.00"
    assert values["tax_amount"] == "-234.46"


def test_a_minus_printed_before_or_after_an_amount_is_read() -> None:
    doc = _doc([("Gesamtbetrag: -1.468,46 EUR", 380, 348), ("Skonto 12,00-", 380, 370),
                ("Range 10-13.00", 380, 390)])
    amounts = {c.value for c in build_candidates(doc) if c.field == "total"}
    assert {"-1468.46", "-12.00"} <= amounts
    assert "-13.00" not in amounts and "13.00" not in amounts  # a range, not an amount


def test_values_in_the_buyers_block_are_marked_as_the_buyers() -> None:
    page = Page(1, 595.0, 842.0, ReadMethod.TEXT, [
        _line("Verkäufer", 50, 100), _line("Käufer", 320, 100),
        _line("Name: Nordwind GmbH", 50, 114), _line("Name: Contoso Retail GmbH", 320, 114),
        _line("USt-IdNr.: DE123456789", 50, 128), _line("USt-IdNr.: DE811907980", 320, 128),
        _line("Gesamtbetrag: 100,00", 320, 700),
    ])
    boxes = np.array([ln.box for ln in page.lines[2:]], dtype=float)
    roles = role_features(boxes, find_labels(page.lines), page)
    buyer, seller = roles[:, 0], roles[:, 1]
    assert seller[0] > 0.9 and buyer[0] == 0  # the seller's name, left block
    assert buyer[1] > 0.9 and seller[1] == 0  # the buyer's name, right block
    assert seller[2] > 0.8 and buyer[3] > 0.8  # their VAT ids
    assert buyer[4] == 0 and seller[4] == 0  # a total far below belongs to no party


def test_the_vat_id_in_the_buyers_block_is_never_the_sellers() -> None:
    rows = [("Martin Installaties AG", 57, 36), ("Besteller", 134, 111),
            ("Rechnungssteller", 349, 111), ("Firmenname:", 62, 129),
            ("Coho Europe S.L.U.", 134, 129), ("Martin Installaties AG", 349, 129),
            ("Straße, Ort:", 62, 147), ("Calle de Alcalá, 124", 134, 147),
            ("Mariahilfer Str. 97", 349, 147), ("USt-ID:", 62, 183), ("ESB2698329X", 134, 183),
            ("Rechnung Nr. 2023-77", 62, 240), ("Datum: 30.03.2023", 62, 252),
            ("Gesamtbetrag: 100,00 EUR", 320, 600)]
    vat = extract(_doc(rows)).fields["vendor_vat"]
    assert vat.value != "ESB2698329X"
    # The seller's own, printed in its block too, is taken instead.
    both = [*rows, ("USt-ID: ATU12345675", 349, 183)]
    assert extract(_doc(both)).fields["vendor_vat"].value == "ATU12345675"


def test_our_own_companies_are_never_the_vendor() -> None:
    rows = INVOICE + [("Contoso Retail GmbH · USt-IdNr. DE811907980", 50, 40)]
    own = OurCompanies(companies=[OurCompany(name="Contoso Retail GmbH", vat="DE 811907980")])
    result = extract(_doc(rows), own=own)
    assert result.fields["vendor_name"].value != "Contoso Retail GmbH"
    assert result.fields["vendor_vat"].value == "DE123456789"
    candidates = build_candidates(_doc(rows), own=own)
    assert not [c for c in candidates if c.field == "vendor_vat" and c.value == "DE811907980"]


def test_amounts_close_only_when_they_add_up() -> None:
    d = Decimal
    assert amounts_close(d("100.00"), d("19.00"), d("119.00"), [])
    assert not amounts_close(d("100.00"), d("19.00"), d("120.00"), [])
    assert not amounts_close(d("100.00"), None, d("119.00"), [])
    # A zero tax proves nothing, unless the lines make the net.
    assert not amounts_close(d("100.00"), d("0.00"), d("100.00"), [])
    assert amounts_close(d("100.00"), d("0.00"), d("100.00"), [d("60.00"), d("40.00")])
    assert amounts_close(d("-100.00"), d("-19.00"), d("-119.00"), [])


def test_amounts_that_do_not_add_up_are_never_auto_accepted() -> None:
    rows = [(t.replace("1.468,46", "1.500,00"), x, y) for t, x, y in INVOICE]
    result = extract(_doc(rows))
    total = result.fields["total"]
    assert total.confidence <= CHECK_CAP < MIN_AUTO_ACCEPT
    assert "add up" in (total.check or "")
    assert "total" not in result.accepted()


def test_a_page_of_unknown_labels_is_unfamiliar() -> None:
    known = _doc(INVOICE)
    assert label_familiarity(known) == 1.0  # too few "Label:" lines to tell
    words = ("Xylofon", "Quirl", "Wimpel", "Zunder", "Brosche", "Kiesel")
    odd = _doc([(f"{w}: {i}", 50, 100 + 14 * i) for i, w in enumerate(words)]
               + [("Rechnungsnummer: 12", 50, 300)])
    assert label_familiarity(odd) < 0.5
    result = extract(odd)
    assert all(f.confidence <= CHECK_CAP for f in result.fields.values() if f.value)


def test_checks_leave_e_invoice_fields_alone() -> None:
    doc = Document("x.xml", "0" * 64, "application/xml", [], einvoice={
        "vendor_name": "ACME GmbH", "invoice_number": "1", "invoice_date": "2024-03-05",
        "currency": "EUR", "total": "-119.00", "net_amount": "-100.00", "tax_amount": "-19.00",
        "document_type": "credit_note"})
    result: Extraction = extract(doc)
    assert result.document_type == "credit_note"
    assert all(isinstance(f, Field) and (f.value is None or f.confidence == 1.0)
               for f in result.fields.values())


def test_a_name_after_its_label_is_a_name_and_the_buyers_is_left_out() -> None:
    doc = _doc([
        ("Verkäufer", 50, 100), ("Käufer", 320, 100),
        ("Firma: Nordwind Bürotechnik GmbH", 50, 114), ("Firma: Contoso Retail GmbH", 320, 114),
        ("Rechnung Nr. RE-12 vom 05.03.2024", 50, 200), ("Gesamtbetrag: 119,00", 320, 700),
    ])
    names = {c.value for c in build_candidates(doc) if c.field == "vendor_name"}
    assert "Nordwind Bürotechnik GmbH" in names
    assert not any("Contoso" in n for n in names)
    assert not any(n.startswith("Firma") for n in names)


def test_a_date_after_a_label_known_only_in_part_is_shown_to_a_person() -> None:
    rows = [(t, x, y) for t, x, y in INVOICE if not t.startswith(("Rechnungsdatum", "15.03"))]
    rows += [("Datum Ihrer Bestellung: 15.03.2024", 330, 114)]
    result = extract(_doc(rows))
    date = result.fields["invoice_date"]
    assert date.value == "2024-03-15"
    assert date.confidence <= CHECK_CAP and date.check  # the order date's label: not sure


def test_no_order_number_is_not_sure_beside_a_label_the_bot_does_not_know() -> None:
    rows = INVOICE + [("Votre réf. cmd: 4500001026", 330, 142)]
    result = extract(_doc(rows))
    po = result.fields["po_number"]
    assert po.value is None
    assert po.confidence <= CHECK_CAP and "'Votre réf. cmd'" in (po.check or "")


def test_a_number_with_letters_before_it_is_not_sure() -> None:
    rows = [("Rechnungsnummer: FT 2411/2024", 330, 100) if t.startswith("Rechnungsnummer")
            else (t, x, y) for t, x, y in INVOICE if t != "RE-2024-0815"]
    result = extract(_doc(rows))
    number = result.fields["invoice_number"]
    assert number.value == "2411/2024"
    assert number.confidence <= CHECK_CAP and "'FT'" in (number.check or "")


def test_a_negative_total_on_an_invoice_is_not_sure() -> None:
    rows = [(t.replace("1.468,46 EUR", "-1.468,46 EUR"), x, y) for t, x, y in INVOICE]
    result = extract(_doc(rows))
    assert result.document_type == "invoice"
    assert result.fields["total"].value == "-1468.46"
    assert result.fields["total"].confidence <= CHECK_CAP


def test_a_tax_no_vat_rate_allows_does_not_balance() -> None:
    d = Decimal
    # Two VAT bases add up to the net total just as net and tax make the total.
    assert not amounts_close(d("14989.50"), d("11638.20"), d("26627.70"), [])
    assert not amounts_close(d("100.00"), d("-19.00"), d("81.00"), [])  # signs disagree
    assert amounts_close(d("100.00"), d("27.00"), d("127.00"), [])


def test_a_number_or_date_inside_a_sentence_is_not_sure() -> None:
    rows = [("Replaces invoice V2020-3531 dated 1 August 2020", 50, 600)] + [
        r for r in INVOICE if r[0] not in ("Rechnungsnummer:", "RE-2024-0815")]
    number = extract(_doc(rows)).fields["invoice_number"]
    assert number.value == "V2020-3531"  # the only number left: another invoice's
    assert number.confidence <= CHECK_CAP and "sentence" in (number.check or "")
    assert _in_sentence("Replaces invoice ") and _in_sentence("Pagar antes del ")
    assert _in_sentence("Annule et remplace la facture ")
    assert not _in_sentence("Rechnung Nr. ") and not _in_sentence("Facture n° ")
    assert not _in_sentence("Datum levering ...... ") and not _in_sentence("Invoice Date ")
    assert not _in_sentence("")


def test_a_date_whose_label_names_another_date_is_not_sure() -> None:
    rows = [(t, x, y) for t, x, y in INVOICE if not t.startswith(("Rechnungsdatum", "15.03"))]
    rows += [("Lieferdatum ............ 15.03.2024", 330, 114)]
    date = extract(_doc(rows)).fields["invoice_date"]
    assert date.value == "2024-03-15" and date.confidence <= CHECK_CAP and date.check
    labelled = _label_before(_doc(rows), 1, (430.0, 114.0, 475.0, 123.0))
    assert labelled == "Lieferdatum "  # leader dots end a label like a colon


def test_one_rates_line_among_several_is_not_the_documents_amount() -> None:
    rows = [(t, x, y) for t, x, y in INVOICE if not t.startswith(
        ("Nettobetrag", "1.234,00", "MwSt", "234,46", "Gesamtbetrag", "1.468,46"))]
    rows += [("Nettobetrag: 1.234,00", 380, 320), ("MwSt. 19 % auf 1.000,00: 190,00", 300, 334),
             ("MwSt. 7 % auf 234,00: 16,38", 300, 348), ("Gesamtbetrag: 1.440,38", 380, 362)]
    assert tax_rates_printed(_doc(rows)) == {Decimal("19"), Decimal("7")}
    result = extract(_doc(rows))
    assert result.fields["tax_amount"].value == "190.00"  # one rate's tax, not 206.38
    for name in ("net_amount", "tax_amount", "total"):
        field = result.fields[name]
        assert field.confidence <= CHECK_CAP and "several VAT rates" in (field.check or "")


def test_several_currencies_leave_the_currency_to_a_person() -> None:
    rows = INVOICE + [("Hafenstraße 12 · 00184 Roma (RM)", 50, 780)]
    result = extract(_doc(rows))
    currency = result.fields["currency"]
    assert currency.confidence <= CHECK_CAP and "several currencies" in (currency.check or "")


def test_a_credit_notes_amounts_go_to_a_person() -> None:
    rows = [("Gutschrift", 400, 50) if text == "Rechnung" else (text, x, y)
            for text, x, y in INVOICE]
    result = extract(_doc(rows))
    assert result.document_type == "credit_note"
    assert all(result.fields[n].confidence <= CHECK_CAP
               for n in ("net_amount", "tax_amount", "total"))


def test_the_vat_id_under_the_sellers_name_is_suggested() -> None:
    rows = [("Verkäufer", 50, 100), ("Käufer", 320, 100),
            ("Nordwind Bürotechnik GmbH", 50, 114), ("Contoso Retail GmbH", 320, 114),
            ("Steuer-ID DE123456789", 50, 128), ("Steuer-ID DE811907980", 320, 128)]
    rows += [r for r in INVOICE if r[1] >= 200 or r[0] == "Rechnung"]
    result = extract(_doc(rows))
    assert result.fields["vendor_name"].value == "Nordwind Bürotechnik GmbH"
    vat = result.fields["vendor_vat"]
    assert vat.value == "DE123456789" and vat.method == "inferred"
    assert vat.confidence < MIN_AUTO_ACCEPT
    vats = [c for c in build_candidates(_doc(rows)) if c.field == "vendor_vat"]
    assert _vat_below(1, 320, 114, vats).value == "DE811907980"
    assert _vat_below(1, 180, 114, vats) is None  # between the columns: no one's


def test_the_due_date_follows_from_the_payment_term() -> None:
    rows = [(t, x, y) for t, x, y in INVOICE if not t.startswith(("Fällig", "14.04"))]
    rows += [("Zahlbar innerhalb 30 Tagen netto, 10 Tage 2 % Skonto.", 50, 600)]
    result = extract(_doc(rows))
    due = result.fields["due_date"]
    assert due.value == "2024-04-14"  # 15 March + 30 days
    assert due.method == "inferred" and due.confidence < MIN_AUTO_ACCEPT
    assert "30 Tagen" in (due.raw or "")


def test_a_date_with_a_digit_set_apart_before_it_is_not_sure() -> None:
    rows = [(t, x, y) for t, x, y in INVOICE if not t.startswith(("Rechnungsdatum", "15.03"))]
    rows += [("Rechnungsdatum: 1 5.03.2024", 330, 114)]  # OCR split "15.03.2024"
    date = extract(_doc(rows)).fields["invoice_date"]
    assert date.value == "2024-03-05"
    assert date.confidence <= CHECK_CAP and "digit" in (date.check or "")


def test_a_vat_id_under_another_companys_name_is_not_sure() -> None:
    # The blocks' headings are words the bot does not know: only the layout tells.
    rows = [("Debiteur", 50, 100), ("Verzender", 320, 100),
            ("Tailspin Handel N.V.", 50, 114), ("Nordwind Bürotechnik GmbH", 320, 114),
            ("Keizersgracht 130", 50, 128), ("Hafenstraße 12", 320, 128)]
    rows += [r for r in INVOICE if r[1] >= 200 or r[0] in ("Rechnung", "Nordwind Bürotechnik GmbH")]
    # With a label the model takes it, and the check holds it back.
    labelled = extract(_doc(rows + [("USt-IdNr.: NL991293964B01", 50, 142)]))
    assert labelled.fields["vendor_name"].value == "Nordwind Bürotechnik GmbH"
    vat = labelled.fields["vendor_vat"]
    assert vat.value == "NL991293964B01"
    assert vat.confidence <= CHECK_CAP and "Tailspin" in (vat.check or "")
    # Without one, it is not suggested as the vendor's either.
    bare = extract(_doc(rows + [("NL991293964B01", 50, 142)]))
    assert bare.fields["vendor_vat"].value is None


def test_the_tax_that_closes_the_sum_is_taken_though_the_model_scores_it_low() -> None:
    # On a layout it never saw, the model ranks the real tax fifth: net + tax = total
    # still picks it out of every amount printed, not only the four likeliest.
    def cand(field: str, value: str, y: float) -> Candidate:
        return Candidate(field, value, value, 1, (400.0, y, 450.0, y + 9), 1.0, "text")

    scored = [(cand("net_amount", "100.00", 300), 0.9), (cand("total", "119.00", 340), 0.9)]
    scored += [(cand("tax_amount", v, 400 + i * 12), p) for i, (v, p) in enumerate(
        [("55.00", 0.5), ("42.00", 0.4), ("33.00", 0.3), ("21.00", 0.2), ("19.00", 0.05)])]
    decisions = decide([c for c, _ in scored], np.array([p for _, p in scored]))
    assert decisions["tax_amount"].value == "19.00"


def test_a_tax_that_is_not_the_printed_rate_of_the_net_is_not_sure() -> None:
    rows = [(t.replace("MwSt. 19 %:", "MwSt. 7 %:"), x, y) for t, x, y in INVOICE]
    result = extract(_doc(rows))
    assert result.fields["tax_rate"].value == "7.00"
    total = result.fields["total"]
    assert total.confidence <= CHECK_CAP and "7 %" in (total.check or "")
