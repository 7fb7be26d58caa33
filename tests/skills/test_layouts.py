"""Layout memory: fingerprints, places, teaching and recalling, on generated invoices
that share a vendor's layout (devdata.generator, ``house``), read as the bots read them."""

from __future__ import annotations

from functools import cache

import pytest

from devdata.generator import render_invoice
from skills.documents import read_document
from skills.extract import document_candidates, extract, values_match
from skills.extract.candidates import Candidate
from skills.extract.extraction import Decision, Field
from skills.extract.learned import with_learned
from skills.layouts import (
    MIN_SIMILARITY,
    FieldMemory,
    InMemoryLayouts,
    StaleLayout,
    fingerprint,
    recall,
    similarity,
    teach,
)
from skills.layouts.learn import read_places
from skills.layouts.memory import Layout
from skills.layouts.places import find, find_printed, fold, label_word, learn_place
from skills.schema import Document, Line, Page, ReadMethod, Word

FAMILY = "procedural-heldout"


@cache
def _invoice(house: int, nth: int) -> tuple[Document, dict[str, str | None]]:
    """The ``nth`` one-page invoice (no credit note: its title and totals differ) of vendor
    ``house`` (one layout per house), read, with its truth."""
    seen = -1
    for index in range(100):
        data, _, generated = render_invoice(7, index, FAMILY, house=house)
        if generated.truth.document_type == "invoice" and generated.rendering.pages == 1:
            seen += 1
            if seen == nth:
                return read_document(data, f"{house}-{index}.pdf"), generated.truth.header()
    raise AssertionError("the generator made too few one-page invoices")


def _taught(*docs: tuple[int, int]) -> InMemoryLayouts:
    memory = InMemoryLayouts()
    for house, index in docs:
        doc, truth = _invoice(house, index)
        teach(memory, doc, document_candidates(doc).all, truth)
    return memory


def test_invoices_of_one_layout_share_their_fingerprint_and_others_do_not() -> None:
    one, same, other = (fingerprint(_invoice(h, i)[0]) for h, i in ((0, 0), (0, 1), (1, 2)))
    assert similarity(one, same) > similarity(one, other)
    assert similarity(one, other) < MIN_SIMILARITY


def test_one_correction_teaches_where_the_fields_are() -> None:
    memory = _taught((0, 0))
    doc, truth = _invoice(0, 1)
    found = recall(memory, doc, document_candidates(doc).all)
    assert found is not None and found.layout.documents == 1
    read = {name: pick.candidate.value for name, pick in found.picks.items()}
    for name in ("invoice_number", "invoice_date", "total"):
        assert values_match(name, read.get(name), truth[name]), (name, read, truth)
    # A place never tested is worth an even chance: not enough to accept anything alone.
    assert all(pick.confidence == 0.5 for pick in found.picks.values())


def test_another_vendors_invoice_is_not_taken_for_a_learned_layout() -> None:
    memory = _taught((0, 0))
    doc, _ = _invoice(1, 2)
    assert recall(memory, doc, document_candidates(doc).all) is None


def test_teaching_counts_what_the_layout_read_right_and_wrong() -> None:
    memory = _taught((0, 0), (0, 1), (0, 2))
    (layout,) = memory.all()
    assert layout.documents == 3 and layout.version == 3
    total = layout.fields["total"]
    assert total.confirmed == 2 and total.contradicted == 0
    assert total.confidence() == pytest.approx(3 / 4)


def test_confidence_comes_from_the_layouts_own_history() -> None:
    assert FieldMemory().confidence() == 0.5
    assert FieldMemory(confirmed=18).confidence() == pytest.approx(19 / 20)
    assert FieldMemory(confirmed=18, contradicted=2).confidence() < FieldMemory(
        confirmed=18).confidence()


def test_a_wrong_lesson_never_makes_a_value_auto_accepted() -> None:
    """A clerk who approved the net amount as the total teaches a wrong place; the next
    invoice's total read there fails the arithmetic check, so it is not accepted."""
    doc, truth = _invoice(0, 0)
    wrong = {**truth, "total": truth["net_amount"]}
    memory = InMemoryLayouts()
    teach(memory, doc, document_candidates(doc).all, wrong)
    nxt, nxt_truth = _invoice(0, 1)
    result = extract(nxt, layouts=memory)
    total = result.fields["total"]
    accepted = result.accepted()
    assert "total" not in accepted or values_match("total", total.value, nxt_truth["total"])
    for name, field in result.fields.items():
        if field.layout is not None and name in accepted:
            # accepted only where the model itself was sure of the same value
            alone = extract(nxt).fields[name]
            assert alone.value == field.value and alone.confidence >= result.threshold_of(name)


def test_a_stale_save_is_refused() -> None:
    memory = _taught((0, 0))
    (layout,) = memory.all()
    memory.save(layout)
    with pytest.raises(StaleLayout):
        memory.save(layout)  # still at the version read before the first save


# ---------------------------------------------------------------- places on a drawn page


def _line(*words: tuple[str, float], y: float) -> Line:
    """One line of words, each (text, x0), 6 points a letter, 10 points high."""
    boxed = tuple(Word(text, (x, y, x + 6 * len(text), y + 10), 1.0) for text, x in words)
    box = (boxed[0].box[0], y, boxed[-1].box[2], y + 10)
    return Line(" ".join(w.text for w in boxed), box, 1.0, boxed)


def _page(*lines: Line) -> Document:
    return Document("drawn.pdf", "0" * 64, "application/pdf",
                    [Page(1, 595, 842, ReadMethod.TEXT, list(lines))])


def _cand(field: str, value: str, x: float, y: float) -> Candidate:
    return Candidate(field, value, value, 1, (x, y, x + 6 * len(value), y + 10), 1.0, "text")


def test_a_currency_is_part_of_the_amount_not_its_label() -> None:
    """A totals grid: labels in one row, "EUR 123,00" below each. The total's place is
    anchored on its label above it, not on the "EUR" before it (printed beside every
    amount), and the label over the column is taken whole."""
    assert label_word(Word("EUR", (0, 0, 1, 1), 1.0)) is None
    assert label_word(Word("(GBP):", (0, 0, 1, 1), 1.0)) is None
    assert label_word(Word("Total", (0, 0, 1, 1), 1.0)) == "total"
    doc = _page(_line(("Net", 100), ("Total", 300), ("général", 336), ("(EUR)", 384), y=500),
                _line(("EUR", 100), ("10,00", 124), ("EUR", 370), ("12,00", 394), y=515))
    place = learn_place(doc, _cand("total", "12.00", 394, 515))
    assert place.relation == "below" and place.anchor == ["total", "general"]


def test_another_blocks_label_is_not_the_learned_one() -> None:
    """The vendor's VAT id was learned right of "VAT:" in the left column; an invoice
    printing only the buyer's, right of the same label in the right column, has none."""
    taught = _page(_line(("VAT:", 60), ("DE123456789", 100), y=160),
                   _line(("VAT:", 320), ("DE987654321", 360), y=160))
    place = learn_place(taught, _cand("vendor_vat", "DE123456789", 100, 160))
    other = _page(_line(("VAT:", 320), ("DE555555555", 360), y=160))
    buyer = _cand("vendor_vat", "DE555555555", 360, 160)
    assert find(other, fold(other), [buyer], place) is None
    moved = _page(_line(("VAT:", 70), ("DE555555555", 110), y=200))
    vendor = _cand("vendor_vat", "DE555555555", 110, 200)
    assert find(moved, fold(moved), [vendor], place) == vendor


def test_a_label_is_found_on_the_last_page_before_the_place_is_guessed() -> None:
    """Taught on a one-page invoice, the total sits right of its label on the last page of
    a two-page one; the first page's item amount where the total was is not taken."""
    one = _page(_line(("Total", 300), ("99,00", 400), y=500))
    place = learn_place(one, _cand("total", "99.00", 400, 500))
    first = Page(1, 595, 842, ReadMethod.TEXT, [_line(("Item", 60), ("55,00", 400), y=500)])
    last = Page(2, 595, 842, ReadMethod.TEXT, [_line(("Total", 300), ("120,00", 400), y=300)])
    two = Document("two.pdf", "1" * 64, "application/pdf", [first, last])
    item = _cand("total", "55.00", 400, 500)
    total = Candidate("total", "120.00", "120,00", 2, (400, 300, 436, 310), 1.0, "text")
    assert find(two, fold(two), [item, total], place, always=True) == total


def test_the_rate_is_left_to_the_model_on_a_page_printing_several() -> None:
    """Which of several printed rates is "the" rate depends on the bases, not the place."""
    taught = _page(_line(("VAT", 300), ("20", 400), y=500))
    place = learn_place(taught, _cand("tax_rate", "20", 400, 500))
    layout = Layout(vendor="name:x", fingerprint=[],
                    fields={"tax_rate": FieldMemory(places=[place])})
    doc = _page(_line(("VAT", 300), ("20", 400), y=520), _line(("VAT", 300), ("7", 400), y=535))
    one = [_cand("tax_rate", "20", 400, 520)]
    assert read_places(layout, doc, one)["tax_rate"] == one[0]
    assert "tax_rate" not in read_places(layout, doc, [*one, _cand("tax_rate", "7", 400, 535)])


def test_a_vendors_own_iban_is_found_where_a_scan_split_it_over_two_lines() -> None:
    """OCR read "IBAN AT91 8533 5441 4498" and "2342" as two lines, with another column's
    line between them in reading order: no candidate holds the IBAN, the layout that
    knows its vendor's IBAN finds it on the page."""
    doc = _page(_line(("IBAN", 44), ("AT91", 80), ("8533", 110), ("5441", 140),
                      ("4498", 170), y=770),
                _line(("SIRET", 300), ("91341200", 340), y=770),
                _line(("2342", 46), y=780))
    found = find_printed(doc, "AT918533544144982342", "vendor_iban")
    assert found is not None and found.field == "vendor_iban"
    assert found.value == "AT918533544144982342" and found.box[3] == 790
    assert find_printed(doc, "AT918533544144980000", "vendor_iban") is None
    layout = Layout(vendor="name:x", fingerprint=[], fields={
        "vendor_iban": FieldMemory(constant="AT918533544144982342")})
    assert read_places(layout, doc, [])["vendor_iban"].value == "AT918533544144982342"


def test_a_vendors_identifier_is_kept_only_while_every_invoice_agrees() -> None:
    memory = _taught((0, 0), (0, 1))
    (layout,) = memory.all()
    _, truth = _invoice(0, 0)
    assert layout.fields["vendor_iban"].constant == truth["vendor_iban"]
    doc, nxt = _invoice(0, 2)
    changed = {**nxt, "vendor_iban": "DE02120300000000202051"}
    teach(memory, doc, document_candidates(doc).all, changed)
    (layout,) = memory.all()
    assert layout.fields["vendor_iban"].constant is None  # a changed account: no constant


# ------------------------------------------------- where the bot's reading was corrected


def _order_page(order: str, number: str, vat: str | None = None,
                buyer_vat: str | None = None) -> tuple[Document, list]:
    """A vendor's page: its name, "Order no" and "Invoice no" with their numbers on one
    row, the vendor's VAT id right of "VAT id" and the buyer's right of "Customer VAT
    id" further down, each when given."""
    lines = [_line(("Acme", 60), ("Trading", 90), ("Ltd", 140), y=60),
             _line(("Order", 60), ("no", 96), (order, 130), y=150),
             _line(("Invoice", 300), ("no", 348), (number, 380), y=150)]
    cands = [_cand("vendor_name", "Acme Trading Ltd", 60, 60),
             _cand("invoice_number", order, 130, 150), _cand("invoice_number", number, 380, 150)]
    if vat is not None:
        lines.append(_line(("VAT", 300), ("id", 324), (vat, 350), y=250))
        cands.append(_cand("vendor_vat", vat, 350, 250))
    if buyer_vat is not None:
        lines.append(_line(("Customer", 60), ("VAT", 114), ("id", 138), (buyer_vat, 160),
                           y=400))
        cands.append(_cand("vendor_vat", buyer_vat, 160, 400))
    return _page(*lines), cands


def _model_fields(**values: tuple[str, float]) -> tuple[dict, dict]:
    fields = {n: Field(value=v, confidence=p) for n, (v, p) in values.items()}
    decisions = {n: Decision(n, v, p, "value") for n, (v, p) in values.items()}
    return fields, decisions


def test_a_value_read_where_one_was_corrected_before_gives_way_to_the_layouts() -> None:
    """The bot took the order number for the invoice number; the clerk corrected it. On
    the next invoice the model, sure of the order number again, gives way to the value at
    the learned place, which is never auto-accepted on one example."""
    memory = InMemoryLayouts()
    doc, cands = _order_page("4711", "R-1")
    approved = {"vendor_name": "Acme Trading Ltd", "invoice_number": "R-1"}
    teach(memory, doc, cands, approved, {"invoice_number": "4711"})
    (layout,) = memory.all()
    assert [p.anchor for p in layout.fields["invoice_number"].wrong] == [["order", "no"]]
    nxt, nxt_cands = _order_page("4712", "R-2")
    found = recall(memory, nxt, nxt_cands)
    assert found is not None and found.doubted["invoice_number"].value == "4712"
    fields, decisions = _model_fields(vendor_name=("Acme Trading Ltd", 0.99),
                                      invoice_number=("4712", 0.95))
    chosen, _ = with_learned(found, fields, decisions, lambda f, d: None)
    assert chosen["invoice_number"].value == "R-2"
    assert chosen["invoice_number"].confidence == 0.5
    # The same teaching without the bot's reading marks no place wrong: the model stays.
    plain = InMemoryLayouts()
    teach(plain, doc, cands, approved)
    again = recall(plain, nxt, nxt_cands)
    assert again is not None and not again.doubted
    assert with_learned(again, *_model_fields(invoice_number=("4712", 0.95)),
                        lambda f, d: None)[0]["invoice_number"].value == "4712"


def test_another_partys_vat_id_is_not_the_vendors_where_the_vendors_is_not_printed() -> None:
    """The layout knows its vendor's VAT id (taught from an invoice printing it); an
    invoice printing only another id has no vendor VAT id, read at 0.5 (never accepted).
    An invoice taught without the id keeps the vendor's id known."""
    memory = InMemoryLayouts()
    doc, cands = _order_page("4711", "R-1", vat="GB123456789")
    teach(memory, doc, cands, {"vendor_name": "Acme Trading Ltd", "vendor_vat": "GB123456789"})
    doc, cands = _order_page("4712", "R-2")
    teach(memory, doc, cands, {"vendor_name": "Acme Trading Ltd", "vendor_vat": None})
    (layout,) = memory.all()
    assert layout.fields["vendor_vat"].constant == "GB123456789"
    nxt, nxt_cands = _order_page("4713", "R-3", buyer_vat="DE987654321")
    found = recall(memory, nxt, nxt_cands)
    assert found is not None and "vendor_vat" not in found.picks
    chosen, _ = with_learned(found, *_model_fields(vendor_vat=("DE987654321", 0.85)),
                             lambda f, d: None)
    assert chosen["vendor_vat"].value is None and chosen["vendor_vat"].confidence == 0.5
    own, own_cands = _order_page("4714", "R-4", vat="GB123456789", buyer_vat="DE987654321")
    found = recall(memory, own, own_cands)
    chosen, _ = with_learned(found, *_model_fields(vendor_vat=("GB123456789", 0.85)),
                             lambda f, d: None)
    assert chosen["vendor_vat"].value == "GB123456789"


def test_a_label_is_found_without_its_last_word_but_never_without_its_first() -> None:
    """"Votre réf. commande" (the buyer's order) was learned; "Notre réf. commande" (the
    vendor's own) is another label, though only its first word differs; "Votre réf."
    is the same label with its last word left out."""
    taught = _page(_line(("Votre", 60), ("réf.", 96), ("commande:", 126), ("PO-1", 190), y=265))
    place = learn_place(taught, _cand("po_number", "PO-1", 190, 265))
    assert place.anchor == ["votre", "ref", "commande"]
    ours = _page(_line(("Notre", 60), ("réf.", 96), ("commande:", 126), ("AB-7", 190), y=265))
    assert find(ours, fold(ours), [_cand("po_number", "AB-7", 190, 265)], place) is None
    shorter = _page(_line(("Votre", 60), ("réf.", 96), ("PO-2", 190), y=265))
    po = _cand("po_number", "PO-2", 190, 265)
    assert find(shorter, fold(shorter), [po], place) == po


def test_a_number_is_found_where_it_was_when_its_label_changed_and_the_block_moved() -> None:
    """Learned right of "N° pièce"; the credit note prints "N° d'avoir" instead, and its
    block sits a little further left: the number is still taken near where it was."""
    taught = _page(_line(("N°", 144), ("pièce", 160), ("RE-2019-98894", 192), y=238))
    place = learn_place(taught, _cand("invoice_number", "RE-2019-98894", 192, 238))
    credit = _page(_line(("N°", 121), ("d'avoir", 133), ("R274610", 174), y=238))
    number = _cand("invoice_number", "R274610", 174, 238)
    assert find(credit, fold(credit), [number], place) is None  # optional: label not printed
    assert find(credit, fold(credit), [number], place, always=True) == number


def test_a_value_in_a_grid_cell_is_anchored_on_its_cells_label() -> None:
    """Labels left-aligned over their cells, values right-aligned in them: no label is
    over the total's column, the one whose cell it ends in is its label."""
    doc = _page(_line(("Nettobetrag", 40), ("Mehrwertsteuer", 300), y=395),
                _line(("1'302.31", 122), ("105.49", 400), y=408),
                _line(("Endbetrag", 40), y=428), _line(("1'407.80", 117), y=441))
    total = learn_place(doc, _cand("total", "1407.80", 117, 441))
    assert total.relation == "below" and total.anchor == ["endbetrag"]
    tax = learn_place(doc, _cand("tax_amount", "105.49", 400, 408))
    assert tax.anchor == ["mehrwertsteuer"]
