"""Header fields and line items of an invoice, each with a calibrated confidence.

    from skills.extract import extract
    result = extract(doc)               # doc: skills.schema.Document
    result.fields["total"].value        # "1234.56"
    result.below_threshold()            # fields a person must check
    result.model_dump(mode="json")      # goes into the work item payload

When the document carries an e-invoice (``doc.einvoice``), its fields are taken
as they are (confidence 1.0, method "xml"). Otherwise candidates are found on
the pages (skills.extract.candidates), scored by the trained model
(skills.extract.model), the best value per field is chosen, and arithmetic
(net + tax = total, net x rate = tax, lines sum to net) raises or lowers the
confidence before calibration.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import product
from math import prod
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from pydantic import BaseModel
from pydantic import Field as PydanticField

from skills.doctype import DocumentType, document_type
from skills.extract.candidates import (
    AMOUNT_FIELDS,
    FEATURES,
    FIELDS,
    Candidate,
    build_candidates,
    is_slip,
)
from skills.extract.checks import (
    CASH_ROUNDING,
    apply_checks,
    balanced,
    cash_rounded,
    label_familiarity,
    matches_rate,
)
from skills.extract.learned import with_learned
from skills.extract.lines import TableRow, find_line_items
from skills.extract.model import FieldScorer, default_scorer, threshold_for
from skills.extract.suggestions import INFERRED_CONFIDENCE, suggest_missing  # noqa: F401 (public)
from skills.normalize import normalize_field, normalize_text
from skills.party_roles import OurCompanies, our_companies
from skills.schema import Document

if TYPE_CHECKING:
    from skills.layouts import LayoutMemory, Recalled

REQUIRED_FIELDS = ("vendor_name", "invoice_number", "invoice_date", "currency", "total")
# Fields every invoice has: the best candidate is taken even when its score is low.
_ALWAYS = (*REQUIRED_FIELDS, "net_amount", "tax_amount")
# An optional field is reported as absent when no candidate scores above this.
_PRESENT = 0.5
# A till slip often prints only what was paid: its net and tax may be absent. Reporting
# them absent is never sure enough to accept alone (this score calibrates below every
# threshold).
_OPTIONAL_ON_SLIPS = ("net_amount", "tax_amount")
_SLIP_ABSENT_SCORE = 0.9


class Field(BaseModel):
    value: str | None  # canonical form (see skills.normalize); None: not found / not printed
    confidence: float = PydanticField(ge=0.0, le=1.0)
    page: int | None = None
    box: tuple[float, float, float, float] | None = None  # points, top-left origin
    method: str = "text"  # xml | text | ocr | inferred (from other fields, never auto-accepted)
    raw: str | None = None  # the text as printed
    # Why a person must look even if the model is sure: a check the value failed
    # ("net + tax does not make the total"); None when every check passed.
    check: str | None = None
    # The learned layout (skills.layouts) that read this value or agreed with it.
    layout: str | None = None


class LineItem(BaseModel):
    description: str
    quantity: str | None
    unit_price: str | None
    amount: str
    confidence: float
    page: int | None = None
    box: tuple[float, float, float, float] | None = None


class Extraction(BaseModel):
    fields: dict[str, Field]
    line_items: list[LineItem] = []
    model_name: str
    model_version: str
    threshold: float  # calibrated auto-accept threshold (text layer) from the model registry
    # Auto-accept threshold per reading method ("text", "ocr") and, where a field needs a
    # higher one, per method and field ("ocr:total"); a field read by a method not listed
    # here (e.g. "xml") uses ``threshold``.
    thresholds: dict[str, float] = {}
    seconds: float = 0.0
    # invoice | credit_note (amounts negative) | corrected_invoice; see skills.doctype
    document_type: str = DocumentType.INVOICE.value
    # Share of the document's printed labels ("Kundennummer:") the extractor knows; a page
    # of mostly unknown labels is a layout unlike any it learned from.
    familiarity: float = 1.0
    # How far the page's printed words are from the nearest document the model was
    # trained on (skills.layouts.novelty): 0 a layout it learned from, 1 nothing alike.
    # None for an e-invoice, or a model kept without its training layouts.
    layout_distance: float | None = None
    # The learned layout the document was recognised as (skills.layouts), if any, and the
    # time spent finding it and reading its places.
    layout: str | None = None
    layout_seconds: float = 0.0

    def values(self) -> dict[str, str | None]:
        return {name: f.value for name, f in self.fields.items()}

    def threshold_of(self, name: str) -> float:
        """The auto-accept threshold that applies to field ``name``: the field's own for the
        method it was read with ("text:invoice_date"), else the method's, else the text
        layer's."""
        return threshold_for({"text": self.threshold, **self.thresholds},
                             self.fields[name].method, name)

    def accepted(self, threshold: float | None = None) -> dict[str, Field]:
        """Fields confident enough to post without a person looking: each at the threshold
        of the method it was read with, unless one ``threshold`` is given for all."""
        return {name: f for name, f in self.fields.items()
                if f.confidence >= (self.threshold_of(name) if threshold is None else threshold)}

    def below_threshold(self, threshold: float | None = None,
                        required_only: bool = False) -> list[str]:
        names = REQUIRED_FIELDS if required_only else tuple(self.fields)
        return [n for n in names if self.fields[n].confidence < (
            self.threshold_of(n) if threshold is None else threshold)]

    def straight_through(self, threshold: float | None = None) -> bool:
        """Every required field is present and above the threshold."""
        return not self.below_threshold(threshold, required_only=True) and all(
            self.fields[n].value is not None for n in REQUIRED_FIELDS)


def extract(doc: Document, scorer: FieldScorer | None = None,
            own: OurCompanies | None = None,
            layouts: LayoutMemory | None = None) -> Extraction:
    """The fields of ``doc``. ``own``: the buyer's own companies, never the vendor
    (default: the list named by ``AP_OUR_COMPANIES``). ``layouts``: learned layouts
    (skills.layouts); a value read at a learned place is taken beside the model's."""
    start = time.perf_counter()
    scorer = scorer or default_scorer()
    own = our_companies() if own is None else own
    familiarity = 1.0
    distance: float | None = None
    recalled: Recalled | None = None
    layout_seconds = 0.0
    if doc.einvoice:
        fields, line_items = _from_einvoice(doc.einvoice), _einvoice_lines(doc.einvoice)
        kind = str(doc.einvoice.get("document_type") or DocumentType.INVOICE.value)
    else:
        found = document_candidates(doc, own)
        doc_kind, items, candidates = found.kind, found.items, found.scored
        kind = doc_kind.value
        probs = scorer.probabilities(feature_matrix(candidates, scorer.features))
        decisions = decide(candidates, probs)
        method = document_method(doc)
        fields = {name: _to_field(d, scorer, method) for name, d in decisions.items()}
        line_items = [_line_item(r) for r in items]
        familiarity = label_familiarity(doc)
        if scorer.training_layouts is not None:
            distance = scorer.training_layouts.distance(doc)

        check_seconds: list[float] = []

        def checks(chosen: dict[str, Field], why: dict[str, Decision]) -> None:
            began = time.perf_counter()
            apply_checks(chosen, why, line_items, familiarity, doc, kind, candidates)
            check_seconds.append(time.perf_counter() - began)

        if layouts is not None:
            from skills.layouts import recall  # noqa: PLC0415 - it imports this module

            layout_start = time.perf_counter()
            recalled = recall(layouts, doc, found.all)
            if recalled is not None:
                fields, decisions = with_learned(recalled, fields, decisions, checks)
            else:
                checks(fields, decisions)
            # Checking the model's own fields is done either way: not the memory's cost.
            layout_seconds = time.perf_counter() - layout_start - check_seconds[0]
        else:
            checks(fields, decisions)
        suggest_missing(fields, candidates, doc, slip=_is_slip(candidates))
    return Extraction(
        fields=fields, line_items=line_items, model_name=scorer.name,
        model_version=scorer.version, threshold=scorer.threshold,
        thresholds=dict(scorer.thresholds), seconds=time.perf_counter() - start,
        document_type=kind, familiarity=familiarity, layout_distance=distance,
        layout=recalled.layout.id if recalled is not None else None,
        layout_seconds=layout_seconds,
    )


class Candidates(NamedTuple):
    kind: DocumentType
    items: list[TableRow]  # line items
    scored: list[Candidate]  # every candidate of every field: what the model scores
    # Values of fields that need a label, printed without one the extractor knows: never
    # scored, but a learned layout may know their place.
    unlabelled: list[Candidate]

    @property
    def all(self) -> list[Candidate]:
        return self.scored + self.unlabelled


def document_candidates(doc: Document, own: OurCompanies | None = None) -> Candidates:
    """The document's kind, its line items and its candidate values: what the model
    scores, and what a learned layout is read from and taught with."""
    doc_kind = document_type(doc)
    items = [row for page in doc.pages for row in find_line_items(page)]
    unlabelled: list[Candidate] = []
    scored = build_candidates(doc, [Decimal(r.amount) for r in items], own, doc_kind,
                              unlabelled)
    return Candidates(doc_kind, items, scored, unlabelled)


def document_method(doc: Document) -> str:
    """"ocr" when any page was OCRed, else "text": how a field not found was looked for."""
    return "ocr" if any(p.method.value == "ocr" for p in doc.pages) else "text"


# ------------------------------------------------------------------ decisions


@dataclass(slots=True)
class Decision:
    """The chosen value of one field, before calibration."""

    field: str
    value: str | None
    score: float  # adjusted model score of the choice
    kind: str  # "value" or "none" (the calibration table that applies), or "missing"
    candidate: Candidate | None = None


def feature_matrix(candidates: list[Candidate], names: list[str] | None = None) -> np.ndarray:
    """Rows of features in the order ``names`` (a model's own list; all of FEATURES by
    default). An older model trained on fewer features still runs: it reads its own."""
    rows = np.array([c.vector() for c in candidates], dtype=np.float32).reshape(-1, len(FEATURES))
    if names is None or list(names) == list(FEATURES):
        return rows
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"the model was trained on features this code no longer makes "
                         f"({', '.join(unknown[:3])}...); retrain it")
    return rows[:, [FEATURES.index(n) for n in names]]


# Fields one printed value can never be at once: a date is the invoice date or the
# due date, a number the invoice number or the order number.
EXCLUSIVE = (("invoice_date", "due_date"), ("invoice_number", "po_number"))


def _place(c: Candidate) -> tuple[int, tuple[float, float, float, float]]:
    return c.page, tuple(round(v, 2) for v in c.box)


def decide(candidates: list[Candidate], probs: np.ndarray,
           line_amounts: list[str] | None = None) -> dict[str, Decision]:
    """Best value per field (max score over its candidates), one printed value serving
    at most one field of each EXCLUSIVE pair, then arithmetic checks."""
    ranked: dict[str, list[tuple[float, Candidate]]] = {}
    for cand, p in zip(candidates, probs, strict=True):
        ranked.setdefault(cand.field, []).append((float(p), cand))
    for options in ranked.values():
        options.sort(key=lambda o: -o[0])
    _not_the_rounding(ranked)
    choice = {name: 0 for name in ranked}
    for first, second in EXCLUSIVE:
        _share_out(ranked, choice, first, second)
    _add_up(ranked, choice)
    _after_cash_rounding(ranked.get("total", []), choice)
    _before_change(ranked.get("total", []), choice)
    vouched = _several_rates(ranked, choice)
    slip = _is_slip(candidates)
    if slip:
        _slip_total_alone(ranked, choice)
        vouched += _closing_sum(ranked, choice) or _subtotal_makes_total(ranked, choice)
    # Amounts a breakdown of rates vouches for are printed, whatever their own score.
    always = tuple(n for n in _ALWAYS if not (slip and n in _OPTIONAL_ON_SLIPS)) + vouched
    decisions = {}
    for name in FIELDS:
        options = ranked.get(name, [])
        p, cand = options[choice[name]] if choice.get(name, 0) < len(options) else (0.0, None)
        if cand is not None and slip and name == "net_amount" and name not in vouched \
                and _unlabelled(cand.value, options):
            cand = None  # a slip's net is printed under its own label ("Subtotal")
        if cand is not None and (_presence(p, cand, options) >= _PRESENT or name in always):
            decisions[name] = Decision(field=name, value=cand.value,
                                       score=_with_margin(p, cand, options), kind="value",
                                       candidate=cand)
        elif name in always:  # every invoice has it: not finding it is never "sure"
            decisions[name] = Decision(field=name, value=None, score=0.0, kind="missing")
        else:  # absent: as sure as its best candidate (even one another field took) is wrong
            top = options[0][0] if options else 0.0
            score = 1.0 - top
            if name in _OPTIONAL_ON_SLIPS:
                score = min(score, _SLIP_ABSENT_SCORE)
            decisions[name] = Decision(field=name, value=None, score=score, kind="none")
    _rate_that_closes(decisions, ranked.get("tax_rate", []))
    _included_tax_at_its_rate(decisions, ranked, choice)
    _main_rate(decisions, ranked.get("tax_rate", []))
    _not_the_buyers(decisions, ranked.get("vendor_vat", []))
    _not_an_address(decisions, ranked.get("vendor_name", []))
    _tax_included(decisions)
    _no_tax_as_large_as_the_total(decisions)
    if slip:
        _net_printed_again(decisions)
    _arithmetic(decisions)
    return decisions


# Labels of a net that is a sum before something is added: "Sub total", "Zwischensumme",
# "Sous-total", "Total excl. GST", "Amount before tax" (as squashed).
_SUBTOTAL = re.compile(r"^(?:sub|zwischen|sous)|excl|before|ohne|hors|netto$")


def _net_printed_again(decisions: dict[str, Decision]) -> None:
    """A slip with no tax read whose "net" is its total: the total printed again ("Net
    total", "Mastercard"), unless printed as a subtotal. The net is reported absent, for
    a person to confirm."""
    net, total = _amount(decisions, "net_amount"), _amount(decisions, "total")
    tax = decisions.get("tax_amount")
    chosen = decisions["net_amount"].candidate if "net_amount" in decisions else None
    if net is None or net != total or chosen is None or (tax is not None and tax.value):
        return
    if not _SUBTOTAL.search(chosen.label):
        decisions["net_amount"] = Decision("net_amount", None, _INCLUDED_TAX_ABSENT_SCORE, "none")


def _no_tax_as_large_as_the_total(decisions: dict[str, Decision]) -> None:
    """A tax is a share of the total, never all of it: a tax read as large as the total
    is the total printed again (a receipt that prints no tax), so none is found."""
    tax, total = _amount(decisions, "tax_amount"), _amount(decisions, "total")
    if tax and total is not None and abs(tax) >= abs(total):
        decisions["tax_amount"] = Decision("tax_amount", None, 0.0, "missing")


def _included_tax_at_its_rate(decisions: dict[str, Decision],
                              ranked: dict[str, list[tuple[float, Candidate]]],
                              choice: dict[str, int]) -> None:
    """A tax printed as included in the prices ("VAT 20% Included: 5.90") counts as
    printed, whatever the model's doubt, when it is the rate's share of the total: the
    total less it, times the rate, gives it back. Its score stays the model's."""
    tax, total = decisions.get("tax_amount"), _amount(decisions, "total")
    options = ranked.get("tax_amount", [])
    if tax is None or tax.kind == "value" or total is None or \
            choice.get("tax_amount", 0) >= len(options):
        return
    p, cand = options[choice["tax_amount"]]
    value = Decimal(cand.value)
    if not cand.in_prices or p < _RATE_FLOOR or not 0 < value < total:
        return
    rates = [Decimal(c.value) for q, c in ranked.get("tax_rate", []) if q >= _RATE_FLOOR]
    if any(matches_rate(total - value, value, rate) for rate in rates):
        decisions["tax_amount"] = Decision("tax_amount", cand.value, p, "value", cand)


# A printed rate below _PRESENT still counts when the net and tax read give exactly it:
# OCR's doubt about a "%" sign weighs less than arithmetic that closes.
_RATE_FLOOR = 0.2


def _rate_that_closes(decisions: dict[str, Decision],
                      options: list[tuple[float, Candidate]]) -> None:
    """A rate reported absent, while one of its likelier candidates is the chosen tax
    over the chosen net: that candidate is the rate after all."""
    net, tax = _amount(decisions, "net_amount"), _amount(decisions, "tax_amount")
    rate = decisions.get("tax_rate")
    if rate is None or rate.kind != "none" or not net or tax is None:
        return
    for p, cand in options:
        if p < _RATE_FLOOR:
            return
        value = _decimal(cand.value)
        if value is not None and matches_rate(net, tax, value):
            decisions["tax_rate"] = Decision("tax_rate", cand.value, p, "value", cand)
            return


# How clearly a value must sit in the buyer's block to be the buyer's.
_BUYERS = 0.5


def _in_buyers_block(cand: Candidate) -> bool:
    buyer, seller = cand.features.get("role_buyer", 0.0), cand.features.get("role_seller", 0.0)
    return buyer >= _BUYERS and buyer > seller


def _not_the_buyers(decisions: dict[str, Decision], options: list[tuple[float, Candidate]]) -> None:
    """The seller's VAT id is never one printed in the buyer's block: the likeliest one
    printed elsewhere is taken (above presence), else the seller's is reported absent, for a
    person to confirm (an invoice to a business often prints only the buyer's)."""
    chosen = decisions.get("vendor_vat")
    if chosen is None or chosen.candidate is None or not _in_buyers_block(chosen.candidate):
        return
    other = next(((p, c) for p, c in options if not _in_buyers_block(c) and p >= _PRESENT),
                 None)
    if other is not None:
        decisions["vendor_vat"] = Decision("vendor_vat", other[1].value, other[0], "value",
                                           other[1])
    else:
        decisions["vendor_vat"] = Decision("vendor_vat", None, _INCLUDED_TAX_ABSENT_SCORE, "none")


# An address line: a house number before a comma ("NO. 51, PERSIARAN INDAH"), a postcode
# before its town ("83000 BATU PAHAT", "1012 AB Amsterdam") or after its state ("Denver,
# CO 80202"), a number before a street ("117 Market Square").
_ADDRESS = re.compile(
    r"^(?:no\.?\s*)?\d+[a-z]?,|^\d{4,6}\s+[a-z]|,\s*[a-z]{2}\s+\d{5}\b|"
    r"^\d+[a-z]?\s+(?:\w+\s+)*(?:street|st|road|rd|avenue|ave|square|sq|lane|ln|drive|dr|way|"
    r"jalan|jln|lorong|persiaran|taman|strasse|straße|str|weg|straat|rue|via|calle|plaza)\b\.?",
    re.IGNORECASE)


def _not_an_address(decisions: dict[str, Decision],
                    options: list[tuple[float, Candidate]]) -> None:
    """The vendor's name is never a line of its address: when the name chosen reads as
    one, the likeliest name printed above it that does not is taken instead, its score
    the model's (the shop's name heads its address)."""
    chosen = decisions.get("vendor_name")
    if chosen is None or chosen.candidate is None or not _ADDRESS.search(chosen.value or ""):
        return
    above = [(p, c) for p, c in options if c.page == chosen.candidate.page
             and c.box[1] < chosen.candidate.box[1] and not _ADDRESS.search(c.value)]
    if above:
        p, cand = max(above, key=lambda o: o[0])
        decisions["vendor_name"] = Decision("vendor_name", cand.value, p, "value", cand)


# A printed rate is one of the document's when scored at least this.
_LIKELY_RATE = 0.5


def _main_rate(decisions: dict[str, Decision], options: list[tuple[float, Candidate]]) -> None:
    """With several rates printed, the document's rate is the one of the largest basis;
    the tax over the net is the rates' average weighted by their bases, so (for two rates)
    the rate nearest it is the one of the larger basis. Chosen so when the breakdown's
    rows could not be read (a grid of headings over figures)."""
    net, tax = _amount(decisions, "net_amount"), _amount(decisions, "tax_amount")
    rate = decisions.get("tax_rate")
    if rate is None or rate.kind != "value" or not net or not tax:
        return
    likely = {Decimal(c.value): (p, c) for p, c in reversed(options)
              if p >= _LIKELY_RATE and not c.features.get("derived")}
    if len(likely) < 2:
        return
    effective = abs(tax / net * 100)
    if not min(likely) <= effective <= max(likely):
        return  # not a mix of these rates: the net or the tax read is not the document's
    nearest = min(likely, key=lambda r: abs(r - effective))
    if nearest != _decimal(rate.value):
        p, cand = likely[nearest]
        decisions["tax_rate"] = Decision("tax_rate", cand.value, p, "value", cand)


# How sure "no net printed" is when only an included tax says so: a person confirms it.
_INCLUDED_TAX_ABSENT_SCORE = 0.5


def _tax_included(decisions: dict[str, Decision]) -> None:
    """Prices that include their tax ("Total incl. VAT 209.60", "VAT 21 % 36.38") print
    no net: when the amount read as the net is the total, and the tax read is printed as
    included or is the rate's share of the total less that tax, the "net" is the total
    printed again, and the tax stands. The net is then reported absent, for a person to
    confirm."""
    net, tax, total = (_amount(decisions, n) for n in ("net_amount", "tax_amount", "total"))
    if None in (net, tax, total) or abs(net - total) > (CASH_ROUNDING if tax else 0):
        return  # the "net" is not the total (nor, with a tax in it, the sum before rounding)
    rate = _amount(decisions, "tax_rate")
    printed = decisions["tax_amount"].candidate
    if (printed is not None and printed.in_prices) or (
            tax and rate is not None and matches_rate(total - tax, tax, rate)):
        decisions["net_amount"] = Decision("net_amount", None, _INCLUDED_TAX_ABSENT_SCORE, "none")


def _unlabelled(value: str, options: list[tuple[float, Candidate]]) -> bool:
    """No label of the field beside the value, above it or on the row over it, wherever
    the value is printed (a tax summary's net under its column also stands by "Subtotal")."""
    return all(min(c.features.get("d_right", 1.0), c.features.get("d_below", 1.0),
                   c.features.get("d_next_row", 1.0)) >= 1.0
               for _, c in options if c.value == value)


def _presence(p: float, chosen: Candidate, options: list[tuple[float, Candidate]]) -> float:
    """How likely the chosen value (scored ``p``) is printed at all: the scores of every
    place it is printed (a VAT id in the sender's block and again in the footer)
    together. The value's confidence stays its best place's score, which calibration
    knows. Not for amounts: the same amount is printed as a line's, a subtotal and a
    total."""
    if chosen.field in AMOUNT_FIELDS:
        return p
    same = [p for p, c in options if c.value == chosen.value]
    return 1.0 - float(np.prod([1.0 - p for p in same]))


def _is_slip(candidates: list[Candidate]) -> bool:
    """The document is a till slip, as its candidates' document features say."""
    return bool(candidates) and is_slip(candidates[0].features)


# How much a rival value's score takes off the chosen one's: two likely values for one
# field mean the model cannot tell them apart, however high the best one scores.
_RIVAL_WEIGHT = 0.5


def _with_margin(p: float, chosen: Candidate, options: list[tuple[float, Candidate]]) -> float:
    """The chosen value's score less half the best score of a different value."""
    rival = max((q for q, c in options if not values_match(chosen.field, c.value, chosen.value)),
                default=0.0)
    return max(p - _RIVAL_WEIGHT * rival, 0.0)


def _share_out(ranked: dict[str, list[tuple[float, Candidate]]], choice: dict[str, int],
               first: str, second: str) -> None:
    """When both fields' best candidates are the same printed words, the field that
    scores it higher keeps it; the other moves on to its best candidate elsewhere."""
    a, b = ranked.get(first, []), ranked.get(second, [])
    if not a or not b:
        return
    pa, ca = a[choice[first]]
    pb, cb = b[choice[second]]
    if _place(ca) != _place(cb):
        return
    loser = second if pa >= pb else first
    _move_off(ranked, choice, loser, _place(ca))


def _move_off(ranked: dict[str, list[tuple[float, Candidate]]], choice: dict[str, int],
              name: str, taken: tuple) -> None:
    """Field ``name`` moves on to its best candidate printed elsewhere than ``taken``."""
    options = ranked[name]
    choice[name] = next((i for i, (_, c) in enumerate(options) if _place(c) != taken),
                        len(options))


def _closing_sum(ranked: dict[str, list[tuple[float, Candidate]]],
                 choice: dict[str, int]) -> tuple[str, ...]:
    """A slip's net and tax count as printed when, as chosen, they are two places whose
    sum is the total chosen, with a tax other than zero: arithmetic that closes says more
    than the model's doubt about labels it reads wrapped or misspelt. Their scores stay
    the model's, so a person confirms them."""
    picked = {}
    for name in ("net_amount", "tax_amount", "total"):
        options = ranked.get(name, [])
        if choice.get(name, 0) >= len(options):
            return ()
        picked[name] = options[choice[name]][1]
    net, tax, total = (Decimal(picked[n].value) for n in ("net_amount", "tax_amount", "total"))
    places = {_place(c) for c in picked.values()}
    if tax == 0 or len(places) < 3 or not balanced(net, tax, total):
        return ()
    if _unlabelled(picked["tax_amount"].value, ranked["tax_amount"]):
        return ()  # two item lines' amounts that happen to make the total
    return ("net_amount", "tax_amount")


# A net label right of which (or over which) the amount sits, in its own line heights.
_BESIDE_ITS_LABEL = 0.3


def _subtotal_makes_total(ranked: dict[str, list[tuple[float, Candidate]]],
                          choice: dict[str, int]) -> tuple[str, ...]:
    """A slip's net counts as printed when, as chosen, it sits beside a net label
    ("Sub total") and is the total, or the total before the till's cash rounding: no tax
    was added to it. Its score stays the model's, so a person confirms it."""
    net, total = ranked.get("net_amount", []), ranked.get("total", [])
    if choice.get("net_amount", 0) >= len(net) or choice.get("total", 0) >= len(total):
        return ()
    cand, total_cand = net[choice["net_amount"]][1], total[choice["total"]][1]
    feats = cand.features
    labelled = min(feats.get("d_right", 1.0), feats.get("d_next_row", 1.0)) < _BESIDE_ITS_LABEL
    total_value, value = Decimal(total_cand.value), Decimal(cand.value)
    rounded = value == total_value or cash_rounded(total_value, value)
    if labelled and rounded and _place(cand) != _place(total_cand):
        return ("net_amount",)
    return ()


def _slip_total_alone(ranked: dict[str, list[tuple[float, Candidate]]],
                      choice: dict[str, int]) -> None:
    """On a till slip one printed amount is never both the net and the total: a till's
    "Nett total" is the amount to pay. The total keeps it; the net moves on (and is
    reported absent unless it is printed elsewhere)."""
    net, total = ranked.get("net_amount", []), ranked.get("total", [])
    if choice.get("net_amount", 0) >= len(net) or choice.get("total", 0) >= len(total):
        return
    taken = _place(total[choice["total"]][1])
    if _place(net[choice["net_amount"]][1]) == taken:
        _move_off(ranked, choice, "net_amount", taken)


# How much less likely a net, tax and total that do not add up are taken to be together.
_UNBALANCED = 0.05


def _add_up(ranked: dict[str, list[tuple[float, Candidate]]], choice: dict[str, int]) -> None:
    """Choose net, tax and total together among each one's four likeliest values: the
    product of their scores, discounted when they do not add up. A subtotal labelled
    "Total" then loses to the amount that is the subtotal plus the tax."""
    names = ("net_amount", "tax_amount", "total")
    tops = {n: _likeliest(ranked.get(n, []), 4) for n in names}
    if not all(tops.values()):
        return
    _add_closing_values(ranked, tops)

    def joint(pick: tuple) -> float:
        (_, pn, vn), (_, pt, vt), (_, ps, vs) = pick
        # A zero tax balances any total equal to the net: that is no evidence.
        evidence = vt != 0 and balanced(vn, vt, vs)
        return pn * pt * ps * (1.0 if evidence else _UNBALANCED)

    current = tuple(next(t for t in tops[n] if t[0] == choice[n]) if any(
        t[0] == choice[n] for t in tops[n]) else None for n in names)
    best = max(((a, b, c) for a in tops[names[0]] for b in tops[names[1]]
                for c in tops[names[2]]), key=joint)
    if None in current or joint(best) > joint(current):
        for n, (index, _, _) in zip(names, best, strict=True):
            choice[n] = index


def _after_cash_rounding(options: list[tuple[float, Candidate]], choice: dict[str, int]) -> None:
    """The total is the amount to pay: when the chosen total is the sum before a printed
    cash rounding adjustment, the amount printed below the rounding line that is that sum
    plus the adjustment replaces it (the till's "Rounding adj -0.01" row, then 60.30)."""
    if choice.get("total", 0) >= len(options):
        return
    _, chosen = options[choice["total"]]
    if chosen.features.get("rounded_total"):
        return
    before = Decimal(chosen.value)
    for index, (_, cand) in enumerate(options):
        feats = cand.features
        if feats.get("rounded_total") and feats.get("after_rounding") and \
                0 < abs(Decimal(cand.value) - before) < Decimal("0.05"):
            choice["total"] = index
            return


def _not_the_rounding(ranked: dict[str, list[tuple[float, Candidate]]]) -> None:
    """A till's cash rounding adjustment ("Rounding adj. 0.01") is never its tax nor its
    net, though the amounts before and after rounding differ by just that."""
    for name in ("net_amount", "tax_amount"):
        if name in ranked:
            ranked[name] = [o for o in ranked[name] if o[1].till_role != "rounding"]


def _before_change(options: list[tuple[float, Candidate]], choice: dict[str, int]) -> None:
    """The total is what was due, not what was handed over: when the chosen total is a
    slip's amount paid, the amount printed that is it less the change given back
    replaces it ("Paid 551.00", "Change 0.25": the total is 550.75)."""
    if choice.get("total", 0) >= len(options):
        return
    _, chosen = options[choice["total"]]
    if chosen.till_role != "paid":
        return
    paid = Decimal(chosen.value)
    due = {paid - Decimal(c.value) for _, c in options
           if c.till_role == "change" and 0 < Decimal(c.value) < paid}
    for index, (_, cand) in enumerate(options):
        if not cand.till_role and Decimal(cand.value) in due:
            choice["total"] = index
            return


@dataclass(frozen=True)
class _RateRow:
    """One VAT rate's row of a breakdown: "USt. 6 % von 1.191,87 ....... 71,51"."""

    rate: Decimal
    basis: Decimal
    tax: Decimal
    rate_index: int  # its rate's candidate among the tax_rate options


def _rate_rows(ranked: dict[str, list[tuple[float, Candidate]]]) -> list[_RateRow]:
    """Each distinct (rate, basis, tax) printed on one row: a printed rate with two amounts
    beside it, one the rate of the other."""
    amounts = [c for _, c in ranked.get("tax_amount", [])]
    rows: dict[tuple[Decimal, Decimal, Decimal], _RateRow] = {}
    for index, (_, rate_cand) in enumerate(ranked.get("tax_rate", [])):
        if rate_cand.features.get("derived"):
            continue
        rate = Decimal(rate_cand.value)
        beside = {abs(Decimal(c.value)) for c in amounts if _same_row(c, rate_cand)}
        near = {abs(Decimal(c.value)) for c in amounts if _rows_apart(c, rate_cand) <= 2}
        for basis in beside:
            for tax in near:
                if 0 < tax < basis and abs(basis * rate / 100 - tax) <= Decimal("0.011"):
                    rows.setdefault((rate, basis, tax), _RateRow(rate, basis, tax, index))
    return list(rows.values())


def _rows_apart(a: Candidate, b: Candidate) -> float:
    """How many of ``b``'s line heights ``a`` sits above or below it (a scan's grid puts
    a rate's tax half a row off its basis: "USt. 7 % von 9729,80", 681,09 under it)."""
    if a.page != b.page:
        return float("inf")
    height = max(b.box[3] - b.box[1], 1.0)
    return abs((a.box[1] + a.box[3]) / 2 - (b.box[1] + b.box[3]) / 2) / height


def _same_row(a: Candidate, b: Candidate) -> bool:
    middle = (b.box[1] + b.box[3]) / 2
    return a.page == b.page and a.box[1] <= middle <= a.box[3]


def _several_rates(ranked: dict[str, list[tuple[float, Candidate]]],
                   choice: dict[str, int]) -> tuple[str, ...]:
    """With several VAT rates printed row by row, the document's rate is that of the
    largest basis (as e-invoices name their main rate), and its tax is the rows' sum.

    A breakdown prints each rate once, with the largest basis of that rate (line items
    may print a rate, a line's net and its VAT too): each rate's largest row is taken, and
    they are believed when their bases and taxes make the total chosen, or when no rate
    is printed on more than one row. A breakdown of one rate ("SR @ 10%  35.44  3.54",
    a till's tax summary) is believed only when it makes the total.

    Returns the amounts the breakdown vouches for (its bases and taxes made the total)."""
    rows = _rate_rows(ranked)
    largest: dict[Decimal, _RateRow] = {}
    for row in rows:
        if row.rate not in largest or row.basis > largest[row.rate].basis:
            largest[row.rate] = row
    if not largest:
        _rate_by_one_figure(ranked, choice)
        return ()
    tax = sum(r.tax for r in largest.values())
    basis = sum(r.basis for r in largest.values())
    totals = ranked.get("total", [])
    closes = choice.get("total", 0) < len(totals) and balanced(
        basis, tax, abs(Decimal(totals[choice["total"]][1].value)))
    if not closes and (len(largest) < 2 or len(largest) < len(rows)):
        # One rate's row that does not close, or rows of line items that happen to close.
        _rate_by_one_figure(ranked, choice)
        return ()
    choice["tax_rate"] = max(largest.values(), key=lambda r: (r.basis, r.rate)).rate_index
    if not closes:
        return ()
    vouched: tuple[str, ...] = ()
    for name, value in (("tax_amount", tax), ("net_amount", basis)):
        options = ranked.get(name, [])
        found = next((i for i, (_, c) in enumerate(options) if abs(Decimal(c.value)) == value),
                     None)
        if found is not None:
            choice[name] = found
            vouched += (name,)
    return vouched


def _add_closing_values(ranked: dict[str, list[tuple[float, Candidate]]],
                        tops: dict[str, list[tuple[int, float, Decimal]]]) -> None:
    """Add to each amount's likeliest values any value printed that closes net + tax =
    total with the likeliest values of the other two: the tax of a layout the model
    scores low is still the amount that makes the sum."""
    net, tax, total = "net_amount", "tax_amount", "total"
    wanted = {
        tax: {vs - vn for _, _, vn in tops[net] for _, _, vs in tops[total]},
        net: {vs - vt for _, _, vt in tops[tax] for _, _, vs in tops[total]},
        total: {vn + vt for _, _, vn in tops[net] for _, _, vt in tops[tax]},
    }
    for name, values in wanted.items():
        have = {v for _, _, v in tops[name]}
        for option in _likeliest(ranked.get(name, []), len(ranked.get(name, []))):
            if option[2] in values and option[2] not in have:
                tops[name].append(option)
                have.add(option[2])


def _likeliest(options: list[tuple[float, Candidate]], k: int) -> list[tuple[int, float, Decimal]]:
    """(index, score, value) of the first candidate of each of the ``k`` best values."""
    out: list[tuple[int, float, Decimal]] = []
    seen = set()
    for index, (p, cand) in enumerate(options):
        if cand.value in seen:
            continue
        try:
            value = Decimal(cand.value)
        except InvalidOperation:
            continue
        seen.add(cand.value)
        out.append((index, p, value))
        if len(out) == k:
            break
    return out


# Combinations of one figure per rate looked at, at most (line items printing a rate
# offer several figures each).
_MAX_RATE_COMBINATIONS = 4096


def _rate_by_one_figure(ranked: dict[str, list[tuple[float, Candidate]]],
                        choice: dict[str, int]) -> None:
    """Several rates, each printed with one figure beside it: only its tax ("Imposta 22%:
    432,93") or only its basis ("BTW 10 % grondslag 112781,19"). The rate of the largest
    basis is taken when exactly one way of reading one figure per rate (two rates or more,
    all read as taxes or all as bases) gives the chosen net and total both ways: the taxes
    add up to total - net and their bases to net, or the bases to net and their taxes to
    total - net. Two sums closing to the cent leave no room for a figure read by chance."""
    net, total = _chosen_amount(ranked, choice, "net_amount"), _chosen_amount(
        ranked, choice, "total")
    if net is None or total is None or not 0 < abs(net) < abs(total):
        return
    net, tax = abs(net), abs(total) - abs(net)
    figures = _figures_by_rate(ranked)
    if len(figures) < 2:
        return
    rates = list(figures)
    # Every rate but the last takes one of its figures or none; the last one's figure is
    # then the one that makes the first sum (looked up, not tried one by one).
    options = [[None, *sorted(figures[r][1])] for r in rates[:-1]]
    if prod(len(o) for o in options) > _MAX_RATE_COMBINATIONS:
        return
    last, last_figures = rates[-1], figures[rates[-1]][1]
    winners = set()
    for picked in product(*options):
        read = [(r, f) for r, f in zip(rates, picked, strict=False) if f is not None]
        for as_tax in (True, False):
            gap = (tax if as_tax else net) - sum((f for _, f in read), Decimal(0))
            ends = [f for f in last_figures if abs(f - gap) <= Decimal("0.03")]
            for full in [read, *([*read, (last, f)] for f in ends)]:
                if len(full) >= 2 and _closes(full, as_tax, net, tax):
                    winners.add(max((f * 100 / r if as_tax else f, r) for r, f in full)[1])
    if len(winners) == 1:
        choice["tax_rate"] = figures[winners.pop()][0]


def _closes(read: list[tuple[Decimal, Decimal]], as_tax: bool, net: Decimal,
            tax: Decimal) -> bool:
    """One figure per rate, (rate, figure), read as taxes or as bases, makes both the net
    and the tax (each tax rounded to the cent: its basis is known to 0.5 / rate)."""
    slack = Decimal("0.005") * len(read) + Decimal("0.01")
    if as_tax:
        bases = sum(f * 100 / r for r, f in read)
        basis_slack = sum((Decimal("0.5") / r for r, _ in read), slack)
        return (abs(sum(f for _, f in read) - tax) <= Decimal("0.011")
                and abs(bases - net) <= basis_slack)
    return (abs(sum(f for _, f in read) - net) <= slack
            and abs(sum(f * r / 100 for r, f in read) - tax) <= slack)


def _figures_by_rate(ranked: dict[str, list[tuple[float, Candidate]]]
                     ) -> dict[Decimal, tuple[int, set[Decimal]]]:
    """Per printed rate (above 0): its likeliest candidate among the tax_rate options, and
    the amounts printed on its rows or right under it."""
    amounts = [c for _, c in ranked.get("tax_amount", [])]
    out: dict[Decimal, tuple[int, set[Decimal]]] = {}
    for index, (_, rate_cand) in enumerate(ranked.get("tax_rate", [])):
        rate = _decimal(rate_cand.value)
        if rate_cand.features.get("derived") or rate is None or rate <= 0:
            continue
        _, found = out.setdefault(rate, (index, set()))
        found.update(abs(v) for c in amounts if (_same_row(c, rate_cand) or _under(c, rate_cand))
                     and (v := _decimal(c.value)))
    return {rate: kept for rate, kept in out.items() if kept[1]}


def _under(a: Candidate, b: Candidate) -> bool:
    """``a`` is printed right under ``b``, in its column (a rate heading its tax)."""
    height = max(b.box[3] - b.box[1], 1.0)
    return (a.page == b.page and 0 <= a.box[1] - b.box[3] <= 1.5 * height
            and a.box[0] < b.box[2] and a.box[2] > b.box[0])


def _chosen_amount(ranked: dict[str, list[tuple[float, Candidate]]], choice: dict[str, int],
                   name: str) -> Decimal | None:
    options = ranked.get(name, [])
    index = choice.get(name, 0)
    return _decimal(options[index][1].value) if index < len(options) else None


def _amount(decisions: dict[str, Decision], name: str) -> Decimal | None:
    return _decimal(decisions[name].value)


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value is not None else None
    except InvalidOperation:
        return None


def _arithmetic(decisions: dict[str, Decision]) -> None:
    """Raise the score of amounts that add up, lower it when they contradict."""
    net, tax, total = (_amount(decisions, n) for n in ("net_amount", "tax_amount", "total"))
    rate = _amount(decisions, "tax_rate")
    checks: dict[str, list[bool]] = {n: [] for n in ("net_amount", "tax_amount", "total",
                                                     "tax_rate")}
    if net is not None and tax is not None and total is not None:
        holds = balanced(net, tax, total)
        for n in ("net_amount", "tax_amount", "total"):
            checks[n].append(holds)
    if net is not None and tax is not None and rate is not None:
        holds = matches_rate(net, tax, rate)
        checks["tax_rate"].append(holds)
        checks["tax_amount"].append(holds)
    for name, results in checks.items():
        d = decisions[name]
        if d.kind != "value" or not results:
            continue
        d.score = 1 - (1 - d.score) * 0.25 if all(results) else d.score * 0.5


def decision_method(d: Decision, doc_method: str) -> str:
    """How the decided value was read: its candidate's method, else the document's."""
    return d.candidate.method if d.candidate is not None and d.value is not None else doc_method


def _to_field(d: Decision, scorer: FieldScorer, doc_method: str = "text") -> Field:
    method = decision_method(d, doc_method)
    if d.kind == "missing":
        return Field(value=None, confidence=0.0, method=method)
    confidence = min(max(scorer.confidence(d.score, d.kind, method), 0.0), 1.0)
    c = d.candidate
    if c is None or d.value is None:
        return Field(value=None, confidence=confidence, method=method)
    return Field(value=d.value, confidence=confidence, page=c.page, box=c.box, method=c.method,
                 raw=c.raw)


def _line_item(row: TableRow) -> LineItem:
    return LineItem(description=row.description, quantity=row.quantity,
                    unit_price=row.unit_price, amount=row.amount,
                    confidence=1.0 if row.consistent else 0.6, page=row.page, box=row.box)


def _from_einvoice(data: dict[str, object]) -> dict[str, Field]:
    fields = {}
    for name in FIELDS:
        raw = data.get(name)
        value = None if raw is None else normalize_field(name, str(raw))
        if name == "vendor_name" and raw is not None:
            value = str(raw).strip()
        fields[name] = Field(value=value, confidence=1.0, method="xml",
                             raw=None if raw is None else str(raw))
    return fields


def _einvoice_lines(data: dict[str, object]) -> list[LineItem]:
    lines = data.get("lines")
    if not isinstance(lines, list):
        return []
    out = []
    for line in lines:
        if not isinstance(line, dict) or line.get("amount") is None:
            continue
        out.append(LineItem(
            description=str(line.get("description") or ""),
            quantity=None if line.get("quantity") is None else str(line["quantity"]),
            unit_price=None if line.get("unit_price") is None else normalize_field(
                "total", str(line["unit_price"])),
            amount=normalize_field("total", str(line["amount"])) or str(line["amount"]),
            confidence=1.0))
    return out


# Legal forms, compared with their dots and spaces removed ("S.à r.l." → "sarl").
LEGAL_FORMS = frozenset({
    "gmbh", "ag", "kg", "ug", "co", "ltd", "limited", "plc", "llp", "llc", "inc", "corp",
    "corporation", "company", "sa", "sas", "sarl", "sl", "slu", "bv", "nv", "vof", "ab", "oy",
    "as", "srl", "spa", "sdn", "bhd", "berhad", "sb", "pte", "pvt", "pty", "private", "public",
    "m",
})
# A name "contains" another only if it is at most this many times longer (in words):
# a sentence that mentions the vendor is not the vendor's name.
_MAX_LENGTH_RATIO = 3


_INITIALS = re.compile(r"(?<![^\W\d_])([^\W\d_])[./](?=[^\W\d_](?![^\W\d_]))")


def name_words(name: str) -> list[str]:
    """A company name's words, folded, without punctuation or legal form ("Amazon EU
    S.a.r.l." → ["amazon", "eu"]); initials are joined first ("D.I.Y." → "diy")."""
    previous = None
    while previous != name:
        previous, name = name, _INITIALS.sub(r"\1", name)
    words = normalize_text(name).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return kept or words


def values_match(name: str, predicted: str | None, expected: str | None,
                 strict: bool = False) -> bool:
    """Whether an extracted value is right: the exact canonical value (an amount's
    number: zero is zero whatever its sign).

    Vendor names are compared folded (case, accents, punctuation); unless ``strict``,
    also without legal forms, and one name matches another whose words it contains
    (either way round: "Amazon" and "Amazon EU S.a.r.l.", "Coolblue" and "Coolblue
    B.V.") when the longer has at most three times as many words."""
    if expected is None or predicted is None:
        return predicted == expected
    if name in AMOUNT_FIELDS:  # a credit note's "-0.00" tax is the "0.00" read
        return _decimal(predicted) == _decimal(expected)
    if name != "vendor_name":
        return predicted == expected
    if normalize_text(predicted) == normalize_text(expected):
        return True
    if strict:
        return False
    p, e = name_words(predicted), name_words(expected)
    short, long = sorted((p, e), key=len)
    if not short or len(long) > _MAX_LENGTH_RATIO * len(short):
        return False
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))
