"""Header fields and line items of an invoice, each with a calibrated confidence.

    from skills.extract import extract
    result = extract(doc)               # doc: skills.schema.Document
    result.fields["total"].value        # "1234.56"
    result.below_threshold()            # fields a person must check
    result.model_dump(mode="json")      # goes into the work item payload

When the document carries an e-invoice (``doc.einvoice``), its fields are taken
as they are (confidence 1.0, method "xml"). Otherwise candidates are found on
the pages (skills.extract_candidates), scored by the trained model
(skills.extract_model), the best value per field is chosen, and arithmetic
(net + tax = total, net x rate = tax, lines sum to net) raises or lowers the
confidence before calibration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from pydantic import BaseModel
from pydantic import Field as PydanticField

from skills.extract_candidates import FEATURES, FIELDS, Candidate, build_candidates
from skills.extract_lines import TableRow, find_line_items
from skills.extract_model import FieldScorer, default_scorer
from skills.normalize import normalize_field, normalize_text
from skills.schema import Document

REQUIRED_FIELDS = ("vendor_name", "invoice_number", "invoice_date", "currency", "total")
# Fields every invoice has: the best candidate is taken even when its score is low.
_ALWAYS = (*REQUIRED_FIELDS, "net_amount", "tax_amount")
# An optional field is reported as absent when no candidate scores above this.
_PRESENT = 0.5


class Field(BaseModel):
    value: str | None  # canonical form (see skills.normalize); None: not found / not printed
    confidence: float = PydanticField(ge=0.0, le=1.0)
    page: int | None = None
    box: tuple[float, float, float, float] | None = None  # points, top-left origin
    method: str = "text"  # xml | text | ocr
    raw: str | None = None  # the text as printed


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
    threshold: float  # calibrated auto-accept threshold from the model registry
    seconds: float = 0.0

    def values(self) -> dict[str, str | None]:
        return {name: f.value for name, f in self.fields.items()}

    def accepted(self, threshold: float | None = None) -> dict[str, Field]:
        """Fields confident enough to post without a person looking."""
        limit = self.threshold if threshold is None else threshold
        return {name: f for name, f in self.fields.items() if f.confidence >= limit}

    def below_threshold(self, threshold: float | None = None,
                        required_only: bool = False) -> list[str]:
        limit = self.threshold if threshold is None else threshold
        names = REQUIRED_FIELDS if required_only else tuple(self.fields)
        return [n for n in names if self.fields[n].confidence < limit]

    def straight_through(self, threshold: float | None = None) -> bool:
        """Every required field is present and above the threshold."""
        return not self.below_threshold(threshold, required_only=True) and all(
            self.fields[n].value is not None for n in REQUIRED_FIELDS)


def extract(doc: Document, scorer: FieldScorer | None = None) -> Extraction:
    start = time.perf_counter()
    scorer = scorer or default_scorer()
    if doc.einvoice:
        fields, line_items = _from_einvoice(doc.einvoice), _einvoice_lines(doc.einvoice)
    else:
        items = [row for page in doc.pages for row in find_line_items(page)]
        candidates = build_candidates(doc, [Decimal(r.amount) for r in items])
        probs = scorer.probabilities(feature_matrix(candidates, scorer.features))
        decisions = decide(candidates, probs)
        fields = {name: _to_field(d, scorer) for name, d in decisions.items()}
        line_items = [_line_item(r) for r in items]
    return Extraction(
        fields=fields, line_items=line_items, model_name=scorer.name,
        model_version=scorer.version, threshold=scorer.threshold,
        seconds=time.perf_counter() - start,
    )


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
    if names is not None and list(names) != list(FEATURES):
        raise ValueError("the model was trained on other features; retrain it")
    return np.array([c.vector() for c in candidates], dtype=np.float32).reshape(-1, len(FEATURES))


def decide(candidates: list[Candidate], probs: np.ndarray,
           line_amounts: list[str] | None = None) -> dict[str, Decision]:
    """Best value per field (max score over its candidates), then arithmetic checks."""
    best: dict[str, tuple[float, Candidate]] = {}
    for cand, p in zip(candidates, probs, strict=True):
        if cand.field not in best or p > best[cand.field][0]:
            best[cand.field] = (float(p), cand)
    decisions = {}
    for name in FIELDS:
        p, cand = best.get(name, (0.0, None))
        if cand is not None and (p >= _PRESENT or name in _ALWAYS):
            decisions[name] = Decision(field=name, value=cand.value, score=p, kind="value",
                                       candidate=cand)
        elif name in _ALWAYS:  # every invoice has it: not finding it is never "sure"
            decisions[name] = Decision(field=name, value=None, score=0.0, kind="missing")
        else:
            decisions[name] = Decision(field=name, value=None, score=1.0 - p, kind="none")
    _arithmetic(decisions)
    return decisions


def _amount(decisions: dict[str, Decision], name: str) -> Decimal | None:
    value = decisions[name].value
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
        holds = abs(net + tax - total) <= Decimal("0.011")
        for n in ("net_amount", "tax_amount", "total"):
            checks[n].append(holds)
    if net is not None and tax is not None and rate is not None:
        holds = abs(net * rate / 100 - tax) <= Decimal("0.02")
        checks["tax_rate"].append(holds)
        checks["tax_amount"].append(holds)
    for name, results in checks.items():
        d = decisions[name]
        if d.kind != "value" or not results:
            continue
        d.score = 1 - (1 - d.score) * 0.25 if all(results) else d.score * 0.5


def _to_field(d: Decision, scorer: FieldScorer) -> Field:
    if d.kind == "missing":
        return Field(value=None, confidence=0.0)
    confidence = min(max(scorer.confidence(d.score, d.kind), 0.0), 1.0)
    c = d.candidate
    if c is None or d.value is None:
        return Field(value=None, confidence=confidence, method="text")
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


def values_match(name: str, predicted: str | None, expected: str | None) -> bool:
    """Whether an extracted value is right: exact canonical match; vendor names match
    when one's words contain the other's (legal suffixes and punctuation aside)."""
    if expected is None or predicted is None:
        return predicted == expected
    if name != "vendor_name":
        return predicted == expected
    p, e = normalize_text(predicted), normalize_text(expected)
    return p == e or (bool(p) and bool(e) and (f" {e} " in f" {p} " or f" {p} " in f" {e} "))
