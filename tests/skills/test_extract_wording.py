"""How labels are worded and laid out beyond the phrases listed one by one: labels composed
from their words, leader dots, IBANs a narrow column wraps, receipts without a net."""

from __future__ import annotations

from skills.extract import extract
from skills.extract.candidates import build_candidates
from skills.extract.labels import fields_named_by, find_labels, squash
from skills.schema import Document, Page, ReadMethod
from tests.skills.test_extract import INVOICE, _doc, _line


def _field_of(text: str) -> set[str]:
    return set(fields_named_by(squash(text)))


def test_your_order_is_the_purchase_order_and_our_order_is_not() -> None:
    for yours in ("Ihre Auftrags-Nr.", "Votre réf. commande", "Uw ordernr.", "Su pedido"):
        assert _field_of(yours) == {"po_number"}, yours
    for ours in ("Unsere Auftrags-Nr.", "Notre commande", "Ons ordernummer"):
        assert _field_of(ours) == {"other_id"}, ours


def test_a_date_label_names_its_event() -> None:
    for invoice in ("Datum factuur", "Fecha factura", "Émise le", "Data fattura"):
        assert _field_of(invoice) == {"invoice_date"}, invoice
    for other in ("PO date", "Datum bestelling", "Date d'exécution", "Shipped on",
                  "Fecha de entrega"):
        assert _field_of(other) == {"other_date"}, other
    assert _field_of("Betalen vóór") == {"due_date"}


def test_a_document_or_credit_note_number_is_the_invoice_number() -> None:
    for label in ("Nr. documento", "Documentnummer", "Rg.-Nr.", "Credit memo #",
                  "Numéro de l'avoir", "N° pièce"):
        assert _field_of(label) == {"invoice_number"}, label
    assert _field_of("Total cuota") == {"tax_amount"}


def test_leader_dots_lead_to_the_value_on_their_row_only() -> None:
    rows = [("Ihre Auftrags-Nr.: ........................ B676463", 280, 300),
            ("Kreditoren-Nr.: ........................... 7333711", 280, 314)]
    doc = _doc(rows)
    label = next(lab for lab in find_labels(doc.pages[0].lines) if lab.field == "po_number")
    assert label.reach > label.box[2] + 50  # the dots are its reach, not its words
    po = {c.value: c.features for c in build_candidates(doc) if c.field == "po_number"}
    assert po["B676463"]["d_right"] < 0.02  # right after the dots
    # The label on the row below is not "above" the value of the row under it.
    numbers = {c.value: c.features for c in build_candidates(doc)
               if c.field == "invoice_number"}
    assert numbers["7333711"]["d_below_other"] == 1.0


def test_an_iban_a_narrow_column_wraps_is_joined_and_checked() -> None:
    rows = [("IBAN GB22 LJRP 0721 3899", 186, 778), ("6928 32", 186, 788),
            ("IBAN DE89 3704 0044", 300, 778), ("0532 0130 01", 300, 788)]  # wrong check
    ibans = {c.value for c in build_candidates(_doc(rows)) if c.field == "vendor_iban"}
    assert ibans == {"GB22LJRP07213899692832"}


def test_a_till_slip_may_print_no_net_and_that_is_never_accepted_alone() -> None:
    rows = [("KEDAI RUNCIT MAJU", 20, 20), ("Cashier: Ali", 20, 40), ("Receipt No: 4711", 20, 52),
            ("Date: 03/12/2026", 20, 64), ("Milk 2 x 3.50", 20, 90), ("7.00", 160, 90),
            ("Total RM 7.00", 20, 120), ("Cash 10.00", 20, 132), ("Change 3.00", 20, 144)]
    page = Page(1, 210.0, 600.0, ReadMethod.TEXT, [_line(t, x, y) for t, x, y in rows])
    result = extract(Document("slip.pdf", "0" * 64, "application/pdf", [page]))
    assert result.fields["net_amount"].value is None
    assert result.fields["net_amount"].confidence < result.threshold_of("net_amount")
    # An invoice always has a net amount: it is read, not reported absent.
    assert extract(_doc(INVOICE)).fields["net_amount"].value == "1234.00"


def test_net_equal_to_total_makes_the_tax_zero_for_a_person_to_confirm() -> None:
    rows = [(text, x, y) for text, x, y in INVOICE if not text.startswith(("MwSt", "234,46"))]
    rows = [("Gesamtbetrag:", 380, 348), ("1.234,00 EUR", 480, 348)] + [
        r for r in rows if not r[0].startswith(("Gesamtbetrag", "1.468,46"))]
    rows.append(("Reverse Charge: Steuerschuldnerschaft des Leistungsempfängers", 50, 400))
    fields = extract(_doc(rows)).fields
    assert fields["net_amount"].value == fields["total"].value == "1234.00"
    tax = fields["tax_amount"]
    assert (tax.value, tax.method) == ("0.00", "inferred")
    assert tax.confidence < extract(_doc(rows)).threshold_of("tax_amount")


def test_a_date_something_runs_from_or_a_period_ends_on_is_not_the_invoice_date() -> None:
    assert _field_of("À partir du") == {"other_date"}
    assert _field_of("Vanaf") == {"other_date"}
    rows = [("Facture n° 562044387 du 02 Juillet 2015", 50, 100),
            ("Abonnement du 1er au 31 Juillet 2015", 50, 300),
            ("Prélèvement à partir du : 05 Juillet 2015", 50, 500)]
    dates = {c.value for c in build_candidates(_doc(rows)) if c.field == "invoice_date"}
    assert "2015-07-31" not in dates  # the period's end is no date of ours
    assert extract(_doc(rows)).fields["invoice_date"].value == "2015-07-02"


def test_a_bare_reference_is_suggested_as_the_number_when_nothing_names_it() -> None:
    rows = [("Northwind Supplies Ltd", 50, 40), ("Station Road 113 · Leeds LS1 4AP", 50, 54),
            ("Invoice", 260, 190), ("Reference:", 58, 225), ("FA089477", 115, 225),
            ("Tax point:", 62, 237), ("16 Jan 2022", 115, 237),
            ("Total due", 330, 400), ("£1,200.00", 480, 400)]
    number = extract(_doc(rows)).fields["invoice_number"]
    assert (number.value, number.method) == ("FA089477", "inferred")
    # On a scan too, where OCR's calibration keeps a floor above the text layer's.
    scanned = extract(_doc(rows, ReadMethod.OCR)).fields["invoice_number"]
    assert (scanned.value, scanned.method) == ("FA089477", "inferred")
    # With a label of its own, the invoice's number is the model's to read.
    labelled = [*rows, ("Invoice no: 2024-0815", 330, 120)]
    assert extract(_doc(labelled)).fields["invoice_number"].value == "2024-0815"


def test_a_bank_code_label_is_no_number_of_ours() -> None:
    for label in ("BIC/SWIFT", "BIC-Code", "Swift code", "Code BIC"):
        assert _field_of(label) == {"other_id"}, label


def test_with_several_rates_the_rate_is_the_largest_bases_and_the_tax_their_sum() -> None:
    rows = [("Nordwind Bürotechnik GmbH", 50, 50), ("Rechnung Nr. RE-2024-0815", 50, 120),
            ("Rechnungsdatum: 15.03.2024", 50, 134),
            ("Nettobetrag", 245, 560), ("1.293,52", 480, 560),
            ("USt. 21 % von 101,65 ..........", 245, 578), ("21,35", 480, 578),
            ("USt. 6 % von 1.191,87 ..........", 245, 594), ("71,51", 480, 594),
            ("Gesamtbetrag", 245, 612), ("1.386,38", 480, 612)]
    fields = extract(_doc(rows)).fields
    assert fields["tax_rate"].value == "6.00"
    assert fields["total"].value == "1386.38"


def test_a_rates_tax_half_a_row_off_its_basis_still_makes_its_row() -> None:
    from skills.extract.extraction import _rate_rows

    rows = [("Nordwind Bürotechnik GmbH", 50, 50), ("Rechnung Nr. RE-2024-0815", 50, 120),
            ("USt. 19 % von 37,60", 245, 560), ("7,14", 480, 568),
            ("USt. 7 % von 9729,80", 245, 590), ("681,09", 480, 600),
            ("Gesamtbetrag", 245, 640), ("10455,63", 480, 640)]
    candidates = build_candidates(_doc(rows, ReadMethod.OCR))
    ranked: dict = {}
    for c in candidates:
        ranked.setdefault(c.field, []).append((0.5, c))
    found = {(str(r.basis), str(r.tax)) for r in _rate_rows(ranked)}
    assert {("37.60", "7.14"), ("9729.80", "681.09")} <= found
    fields = extract(_doc(rows, ReadMethod.OCR)).fields
    assert fields["tax_rate"].value == "7.00"


def test_with_several_rates_in_a_grid_the_rate_nearest_the_tax_over_the_net_is_taken() -> None:
    from skills.extract.extraction import Decision, _main_rate

    rows = [("Taux TVA 20%", 80, 430), ("Taux TVA 5,50%", 80, 460)]
    rates = [c for c in build_candidates(_doc(rows)) if c.field == "tax_rate"]
    five = next(c for c in rates if c.value == "5.50")
    twenty = next(c for c in rates if c.value == "20.00")

    def chosen(net: str, tax: str) -> str | None:
        decisions = {"net_amount": Decision("net_amount", net, 0.9, "value"),
                     "tax_amount": Decision("tax_amount", tax, 0.9, "value"),
                     "tax_rate": Decision("tax_rate", "5.50", 0.95, "value", five)}
        _main_rate(decisions, [(0.95, five), (0.94, twenty)])
        return decisions["tax_rate"].value

    assert chosen("10612.04", "2118.90") == "20.00"  # 19.97 %: mostly at 20 %
    assert chosen("1000.00", "60.00") == "5.50"  # 6 %: mostly at 5.5 %
    assert chosen("1000.00", "300.00") == "5.50"  # 30 %: no mix of these; left alone


def test_the_invoice_a_correction_replaces_is_not_its_own() -> None:
    for text in ("Replaces invoice V2020-3531 dated 1 August 2020",
                 "Annule et remplace la facture FT-3987/2022 du 14.10.2022",
                 "Corrects invoice 2023-6820 of 2023-07-08"):
        fields = {lab.field for lab in find_labels([_line(text, 50, 50)])}
        assert "invoice_number" not in fields and "invoice_date" not in fields, text
    rows = [("Nordwind Bürotechnik GmbH", 50, 50), ("Invoice correction", 50, 100),
            ("Invoice number:", 50, 130), ("2986/A", 140, 130),
            ("Invoice date:", 50, 142), ("15 September 2020", 140, 142),
            ("Replaces invoice V2020-3531 dated 1 August 2020", 50, 480),
            ("Total due", 330, 400), ("1,200.00", 480, 400)]
    fields = extract(_doc(rows)).fields
    assert fields["invoice_number"].value == "2986/A"
    assert fields["invoice_date"].value == "2020-09-15"


def test_a_rate_of_zero_makes_the_tax_zero_for_a_person_to_confirm() -> None:
    rows = [("Nordwind Bürotechnik GmbH", 50, 50), ("Rechnung Nr. RE-2024-0815", 50, 120),
            ("Rechnungsdatum: 15.03.2024", 50, 134), ("Gesamtbetrag", 245, 560),
            ("1.234,00 EUR", 480, 560), ("USt. 0 %", 245, 578),
            ("Reverse Charge: Die Umsatzsteuer schuldet der Leistungsempfänger.", 50, 600)]
    fields = extract(_doc(rows)).fields  # one amount printed, read as net and total
    assert fields["net_amount"].value == fields["total"].value == "1234.00"
    assert fields["tax_rate"].value == "0.00"
    tax = fields["tax_amount"]
    assert (tax.value, tax.method) == ("0.00", "inferred")


def test_a_scanned_iban_is_joined_across_overlapping_boxes_and_its_misread_cin_put_right() -> None:
    # OCR's boxes of close lines overlap (the second starts a point above the first's
    # end); the Italian CIN, a letter, was read as "1".
    rows = [("IBAN IT97 1960 7750 6300", 186, 778), ("0697 2887 216", 186, 786)]
    ibans = {c.value for c in build_candidates(_doc(rows, ReadMethod.OCR))
             if c.field == "vendor_iban"}
    assert ibans == {"IT97L9607750630006972887216"}


def test_a_rate_below_presence_counts_when_the_net_and_tax_give_it() -> None:
    from skills.extract.extraction import Decision, _rate_that_closes

    def decisions(net: str, tax: str) -> dict[str, Decision]:
        return {"net_amount": Decision("net_amount", net, 0.9, "value"),
                "tax_amount": Decision("tax_amount", tax, 0.9, "value"),
                "tax_rate": Decision("tax_rate", None, 0.52, "none")}

    cands = [c for c in build_candidates(_doc([("Impuestos 21,00 %", 245, 578),
                                               ("Base 10,00 %", 245, 590)]))
             if c.field == "tax_rate"]
    by_value = {c.value: c for c in cands}
    options = [(0.48, by_value["10.00"]), (0.45, by_value["21.00"])]
    closed = decisions("9.42", "1.98")
    _rate_that_closes(closed, options)
    assert (closed["tax_rate"].value, closed["tax_rate"].kind) == ("21.00", "value")
    nothing_closes = decisions("9.42", "3.00")
    _rate_that_closes(nothing_closes, options)
    assert nothing_closes["tax_rate"].value is None
    too_unlikely = decisions("9.42", "1.98")
    _rate_that_closes(too_unlikely, [(0.48, by_value["10.00"]), (0.1, by_value["21.00"])])
    assert too_unlikely["tax_rate"].value is None


def test_the_date_the_net_is_due_by_in_a_sentence_of_terms_is_suggested_as_due_date() -> None:
    rows = [(text, x, y) for text, x, y in INVOICE if not text.startswith(("Fällig", "14.04"))]
    rows.append(("Bei Zahlung bis 25.03.2024 gewähren wir 2 % Skonto, netto bis 14. April "
                 "2024.", 50, 420))
    due = extract(_doc(rows)).fields["due_date"]
    assert (due.value, due.method) == ("2024-04-14", "inferred")
    rows[-1] = ("Zahlbar bis 14.04.2024 ohne Abzug.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value == "2024-04-14"
    rows[-1] = ("2 % di sconto entro il 25.03.2024, altrimenti il 14.04.2024.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value == "2024-04-14"
    rows[-1] = ("2 % di sconto entro i1 25.03.2024, altrimenti i1 14.04.2024.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value == "2024-04-14"  # OCR's "il"
    rows[-1] = ("Bitte überweisen Sie den Betrag bis zum 14.04.2024.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value == "2024-04-14"
    rows[-1] = ("Pagar antes del 14 de abril de 2024.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value == "2024-04-14"
    rows[-1] = ("Bei Zahlung bis 25.03.2024 gewähren wir 2 % Skonto.", 50, 420)
    assert extract(_doc(rows)).fields["due_date"].value is None  # a discount's date only


def test_an_amount_ocr_broke_apart_is_also_read_whole() -> None:
    from skills.extract.candidates import _spans_on_line

    def amounts(text: str) -> set[str]:
        return {s.value for s in _spans_on_line(_line(text, 0, 0), 0, True) if s.kind == "amount"}

    assert amounts("GBP 1281 19.29") == {"19.29", "128119.29"}  # both, for the sums to weigh
    assert amounts("€1 15184,61") == {"15184.61", "115184.61"}
    assert amounts("€252617 , 51") == {"252617.51"}
    assert amounts("EUR 1 234,56") == {"1234.56"}  # thousands set apart: one amount already
    assert amounts("3 x 165,51") == {"165.51"}  # a quantity is no broken amount
    assert "6111.26" in amounts("6.1 1 1,26 EUR")  # digits set apart inside their group
    assert amounts("6.111,26 EUR") == {"6111.26"}


def test_ocr_ids_set_apart_are_read_whole_and_a_period_is_no_id() -> None:
    from skills.extract.candidates import _spans_on_line

    def ids(text: str, ocr: bool = True) -> set[str]:
        return {s.value for s in _spans_on_line(_line(text, 0, 0), 0, True, ocr=ocr)
                if s.kind == "id"}

    assert ids("F2020 / 9844") == {"F2020/9844"}
    assert ids("F2020 / 9844", ocr=False) == {"F2020", "9844"}  # a text layer means it
    assert ids("Seite 1 / 2") == set()
    assert ids("Période facturée : 01/01-31/01/2020") == set()


def test_an_id_printed_in_two_places_is_present_though_neither_place_is_sure() -> None:
    from skills.extract.extraction import _PRESENT, _presence

    cands = build_candidates(_doc([("USt-IdNr. DE123456789", 50, 170), ("Total 12,00 EUR", 50, 300),
                                   ("DE123456789 · Sparkasse", 50, 780), ("12,00", 480, 320)]))
    vat = [c for c in cands if c.field == "vendor_vat"]
    assert len(vat) == 2
    assert _presence(0.31, vat[0], [(0.31, vat[0]), (0.3, vat[1])]) > _PRESENT
    assert _presence(0.31, vat[0], [(0.31, vat[0])]) < _PRESENT
    totals = [c for c in cands if c.field == "total"]
    assert len(totals) == 2  # the same amount twice says nothing about which field it is
    assert _presence(0.31, totals[0], [(0.31, totals[0]), (0.3, totals[1])]) == 0.31
