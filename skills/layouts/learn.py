"""Recall a learned layout while reading, and teach one from the values a clerk approved.

    found = recall(memory, doc, candidates)      # while extracting
    found.picks["invoice_number"].candidate      # the value at the learned place
    teach(memory, doc, candidates, approved)     # after a clerk approved the fields

A layout is found by its vendor (a VAT id or a name printed on the page, as learned)
and then by its fingerprint: at least MIN_SIMILARITY of the layout's printed words
must be on the page. Teaching compares what the layout would have read with the
approved values (confirmed or contradicted, per field), learns a new place for each
value read wrongly or not at all, and saves the layout at its next version.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from skills.extract.candidates import Candidate
from skills.extract.extraction import values_match
from skills.layouts.memory import MAX_PLACES, FieldMemory, Layout, LayoutMemory, StaleLayout
from skills.layouts.places import Folded, Place, find, find_printed, fold, learn_place
from skills.layouts.printed import fingerprint, merge, similarity
from skills.normalize import normalize_text, normalize_vat
from skills.party_roles import OurCompanies
from skills.schema import Document

# Fields every invoice prints: looked for where they were even without their anchor words.
ALWAYS_PRINTED = frozenset({"vendor_name", "invoice_number", "invoice_date", "currency",
                            "net_amount", "tax_amount", "total"})
# Amounts move up and down with the number of line items: only their labels find them,
# never the place on the page they had on another invoice.
MOVING = frozenset({"net_amount", "tax_amount", "total"})
# Fields whose right value depends on what the invoice holds more than on where it is
# printed: with several VAT rates printed, "the" rate is that of the largest base, a
# different line from one invoice to the next. The layout reads them only when the page
# prints one value of them.
BY_CONTENT = frozenset({"tax_rate"})
# A vendor's own identifiers: the same on every invoice it sends (see
# FieldMemory.constant).
OWN_IDENTIFIERS = frozenset({"vendor_iban", "vendor_vat"})
# Of those, the one a vendor never has two of: another VAT id on its layout is another
# party's (the buyer's), where the vendor's own is not printed. A bank account may change
# and must then reach a person as read.
ONE_PER_VENDOR = frozenset({"vendor_vat"})
# Share of a layout's printed words a page must print to be that layout.
MIN_SIMILARITY = 0.35
_SAVE_ATTEMPTS = 5


@dataclass(slots=True)
class Pick:
    """A value read at a learned place, and how far that place is trusted."""

    candidate: Candidate
    confidence: float  # from the layout's own history (FieldMemory.confidence)
    contradicted: int
    confirmed: int


@dataclass(slots=True)
class Recalled:
    layout: Layout
    similarity: float
    picks: dict[str, Pick]
    # Per field, the value at a place where a value read before was corrected.
    doubted: dict[str, Candidate] = field(default_factory=dict)


def vendor_keys(candidates: list[Candidate]) -> set[str]:
    """The keys a layout of this document may be kept under: every VAT id printed, and
    every line that may be the vendor's name."""
    keys = set()
    for c in candidates:
        if c.field == "vendor_vat":
            keys.add(f"vat:{normalize_vat(c.value) or c.value.upper()}")
        elif c.field == "vendor_name":
            keys.add(f"name:{normalize_text(c.value)}")
    return keys


def match(memory: LayoutMemory, candidates: list[Candidate],
          printed: frozenset[str]) -> tuple[Layout, float] | None:
    """The most similar layout of a vendor this page names, if similar enough."""
    best: tuple[Layout, float] | None = None
    for layout in memory.layouts_of(vendor_keys(candidates)):
        score = similarity(layout.fingerprint, printed)
        if score >= MIN_SIMILARITY and (best is None or score > best[1]):
            best = (layout, score)
    return best


def _by_field(candidates: list[Candidate]) -> dict[str, list[Candidate]]:
    by_field: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_field.setdefault(c.field, []).append(c)
    return by_field


def read_doubted(layout: Layout, doc: Document, candidates: list[Candidate],
                 folded: Folded | None = None) -> dict[str, Candidate]:
    """Per field, the candidate at the first of its wrong places (see FieldMemory.wrong)
    that holds one."""
    by_field = _by_field(candidates)
    folded = folded or fold(doc)
    out = {}
    for name, memory in layout.fields.items():
        for place in memory.wrong:
            cand = find(doc, folded, by_field.get(name, []), place)
            if cand is not None:
                out[name] = cand
                break
    return out


def read_places(layout: Layout, doc: Document, candidates: list[Candidate],
                folded: Folded | None = None) -> dict[str, Candidate]:
    """Per field, the candidate at the first of its learned places that holds one."""
    by_field = _by_field(candidates)
    folded = folded or fold(doc)
    out = {}
    for name in BY_CONTENT:
        if len({c.value for c in by_field.get(name, [])}) > 1:
            by_field.pop(name)
    for name, memory in layout.fields.items():
        fixed = name in ALWAYS_PRINTED and name not in MOVING
        for place in memory.places:
            if name in MOVING and place.relation == "page":
                continue
            cand = find(doc, folded, by_field.get(name, []), place, fixed)
            if cand is not None:
                out[name] = cand
                break
        if name not in out and memory.constant is not None:
            # Not at a learned place, or not offered as a candidate at all (split over
            # two lines): the vendor's own identifier where the page prints it.
            printed = find_printed(doc, memory.constant, name)
            if printed is not None:
                out[name] = printed
    return out


def recall(memory: LayoutMemory, doc: Document, candidates: list[Candidate]) -> Recalled | None:
    """The learned layout of ``doc`` and the values at its places, or None."""
    found = match(memory, candidates, fingerprint(doc))
    if found is None:
        return None
    layout, score = found
    folded = fold(doc)
    picks = {name: Pick(cand, layout.fields[name].confidence(),
                        layout.fields[name].contradicted, layout.fields[name].confirmed)
             for name, cand in read_places(layout, doc, candidates, folded).items()}
    return Recalled(layout, score, picks, read_doubted(layout, doc, candidates, folded))


def teach(memory: LayoutMemory, doc: Document, candidates: list[Candidate],
          approved: Mapping[str, str | None],
          read: Mapping[str, str | None] | None = None) -> Layout | None:
    """Learn from the values a person approved for ``doc``; returns the saved layout, or
    None when the document names no vendor to keep it under. ``read``: the values the bot
    read, where known: a value it read and the person changed marks its place as wrong."""
    printed = fingerprint(doc)
    for _ in range(_SAVE_ATTEMPTS):
        layout = _taught(memory, doc, candidates, approved, printed, read or {})
        if layout is None:
            return None
        try:
            return memory.save(layout)
        except StaleLayout:
            continue  # another worker taught it meanwhile: read it again
    raise StaleLayout(f"layout {layout.id} kept changing while it was taught")


def _taught(memory: LayoutMemory, doc: Document, candidates: list[Candidate],
            approved: Mapping[str, str | None], printed: frozenset[str],
            bot_read: Mapping[str, str | None]) -> Layout | None:
    found = match(memory, candidates, printed)
    if found is None:
        key = _vendor_key(candidates, approved)
        if key is None:
            return None
        layout = Layout(vendor=key, vendor_name=approved.get("vendor_name"),
                        fingerprint=sorted(printed))
        read: dict[str, Candidate] = {}
    else:
        layout = found[0].model_copy(deep=True)
        layout.fingerprint = merge(layout.fingerprint, printed)
        read = read_places(layout, doc, candidates)
    corrected = False
    for name, value in approved.items():
        field = layout.fields.setdefault(name, FieldMemory())
        got = read.get(name)
        right = got is not None and _same(name, got.value, value)
        if got is not None:
            field.confirmed += right
            field.contradicted += not right
            corrected |= not right
        if name in OWN_IDENTIFIERS and value is not None:
            # Kept from the first invoice that printed it on, while every invoice that
            # prints one agrees (an invoice without it says nothing against it).
            first = field.constant is None and field.absent == layout.documents
            field.constant = value if first or field.constant == value else None
        if value is None:
            field.absent += 1
        elif not right:
            place = _place_of(doc, candidates, name, value)
            if place is not None:
                field.places = [place, *field.places][:MAX_PLACES]
        _learn_wrong(field, doc, candidates, name, value, bot_read.get(name))
    now = time.time()
    layout.documents += 1
    layout.taught_at = now
    if corrected:
        layout.corrected_at = now
    return layout


def _learn_wrong(field: FieldMemory, doc: Document, candidates: list[Candidate], name: str,
                 value: str | None, got: str | None) -> None:
    """Remember where the bot's value ``got`` sat when the person changed it to ``value``;
    forget a wrong place that holds the approved value this time."""
    if field.wrong and value is not None:
        by_field = _by_field(candidates).get(name, [])
        folded = fold(doc)
        field.wrong = [p for p in field.wrong
                       if (c := find(doc, folded, by_field, p)) is None
                       or not _same(name, c.value, value)]
    if got is None or _same(name, got, value):
        return
    place = _place_of(doc, candidates, name, got)
    if place is not None and place.relation != "page":
        field.wrong = [place, *field.wrong][:MAX_PLACES]


def _same(name: str, got: str | None, value: str | None) -> bool:
    if name == "invoice_number" and got and value:
        return got.replace(" ", "").upper() == value.replace(" ", "").upper()
    return values_match(name, got, value)


def _place_of(doc: Document, candidates: list[Candidate], name: str,
              value: str) -> Place | None:
    """Where ``value`` is printed as a candidate of ``name`` (exactly, if it is: the whole
    name rather than a part of it): a place anchored on its line beats one anchored above
    it, which beats the page alone."""
    found = [c for c in candidates if c.field == name and _same(name, c.value, value)]
    exact = [c for c in found if values_match(name, c.value, value, strict=True)]
    places = [learn_place(doc, c) for c in exact or found]
    rank = {"right": 0, "below": 1, "page": 2}
    return min(places, key=lambda p: rank[p.relation], default=None)


def _vendor_key(candidates: list[Candidate], approved: Mapping[str, str | None]) -> str | None:
    """The printed name line that is the approved vendor name (every invoice of a vendor
    prints its name; not every one its VAT id), else the approved VAT id if printed,
    else the printed line that contains the approved name, else the name as approved."""
    name = approved.get("vendor_name")
    names = [c.value for c in candidates if c.field == "vendor_name"]
    if name:
        for strict in (True, False):
            for value in names:
                if values_match("vendor_name", value, name, strict=strict) and (
                        strict or len(value) >= len(name)):
                    return f"name:{normalize_text(value)}"
    vat = approved.get("vendor_vat")
    if vat and f"vat:{normalize_vat(vat) or vat.upper()}" in vendor_keys(candidates):
        return f"vat:{normalize_vat(vat) or vat.upper()}"
    return f"name:{normalize_text(name)}" if name else None


def teach_document(memory: LayoutMemory, doc: Document, approved: Mapping[str, str | None],
                   own: OurCompanies | None = None,
                   read: Mapping[str, str | None] | None = None) -> Layout | None:
    """:func:`teach` for a document whose candidates were not kept from its reading."""
    from skills.extract import document_candidates  # noqa: PLC0415 - the model's module

    return teach(memory, doc, document_candidates(doc, own).all, approved, read)
