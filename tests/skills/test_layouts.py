"""Layout memory: fingerprints, places, teaching and recalling, on generated invoices
that share a vendor's layout (devdata.generator, ``house``), read as the bots read them."""

from __future__ import annotations

from functools import cache

import pytest

from devdata.generator import render_invoice
from skills.documents import read_document
from skills.extract import document_candidates, extract, values_match
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
from skills.schema import Document

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
