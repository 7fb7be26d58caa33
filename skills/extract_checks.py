"""Checks a value must pass before it may be auto-accepted, whatever the model's score.

The field scorer learned from generated layouts. On a layout unlike them it can be sure
and wrong, so a confident value is accepted only when the document agrees with it too:

- amounts: net + tax = total (or the line items add up to the net), so a subtotal, an
  amount due after a prepayment or a line amount is never posted as the total unseen;
- the invoice number is printed beside its own label, not nearer another number's label
  (customer number, delivery note, GLN, tax number...);
- the vendor's name, VAT id and IBAN are not in a block headed by the buyer's role;
- the due date is not before the invoice date;
- the page is familiar: most of its printed labels ("Kundennummer:") are ones the
  extractor knows. A page of mostly unknown labels is a layout it never learned.

A value that fails keeps its value and its place but its confidence is capped below
every auto-accept threshold, and :attr:`skills.extract.Field.check` says why, so the
clerk sees the reason in the exception queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from skills.extract_labels import ALL_PHRASES, squash
from skills.schema import Document

if TYPE_CHECKING:  # extract imports this module
    from skills.extract import Decision, Field, LineItem

# Below the lowest auto-accept threshold there can be (skills.train.MIN_AUTO_ACCEPT 0.9).
CHECK_CAP = 0.85
AMOUNTS = ("net_amount", "tax_amount", "total", "tax_rate")
# Fewer label-like texts than this on a document: familiarity cannot be measured.
_MIN_LABELS = 4
# Below this share of known labels a page counts as unfamiliar.
MIN_FAMILIARITY = 0.5


def apply_checks(fields: dict[str, Field], decisions: Mapping[str, Decision],
                 line_items: list[LineItem], familiarity: float) -> None:
    """Cap the confidence of every field that fails a check, and say why."""
    failed: dict[str, str] = {}
    if familiarity < MIN_FAMILIARITY:
        reason = (f"the layout is unfamiliar: only {familiarity:.0%} of its printed labels "
                  "are known ones")
        failed |= dict.fromkeys(fields, reason)
    failed |= _amount_checks(fields, line_items)
    failed |= _role_checks(decisions)
    failed |= _number_checks(decisions)
    failed |= _date_checks(fields)
    for name, reason in failed.items():
        field = fields.get(name)
        if field is None or field.value is None or field.method in ("xml", "inferred"):
            continue
        field.confidence = min(field.confidence, CHECK_CAP)
        field.check = field.check or reason


def _decimal(field: Field | None) -> Decimal | None:
    if field is None or field.value is None:
        return None
    try:
        return Decimal(field.value)
    except InvalidOperation:
        return None


def amounts_close(net: Decimal | None, tax: Decimal | None, total: Decimal | None,
                  lines: list[Decimal]) -> bool:
    """net + tax = total to the cent (a till's 5-cent rounding allowed), with a tax that is
    not zero, or printed zero beside line items that add up to the net."""
    if net is None or tax is None or total is None:
        return False
    gap = abs(net + tax - total)
    balanced = gap <= Decimal("0.011") or (gap <= Decimal("0.021")
                                           and total % Decimal("0.05") == 0)
    if not balanced:
        return False
    return tax != 0 or (len(lines) > 0 and abs(sum(lines) - net) <= Decimal("0.011"))


def _amount_checks(fields: Mapping[str, Field], line_items: list[LineItem]) -> dict[str, str]:
    net, tax, total = (_decimal(fields.get(n)) for n in ("net_amount", "tax_amount", "total"))
    lines = []
    for item in line_items:
        try:
            lines.append(Decimal(item.amount))
        except InvalidOperation:
            continue
    if amounts_close(net, tax, total, lines):
        return {}
    if total is not None and net is None and tax is None and lines and abs(
            sum(lines) - total) <= Decimal("0.011"):
        return {}  # no tax printed (a receipt): the lines make the total
    reason = "the amounts do not add up (net + tax = total) on this document"
    return dict.fromkeys(AMOUNTS, reason)


def _role_checks(decisions: Mapping[str, Decision]) -> dict[str, str]:
    failed = {}
    for name in ("vendor_name", "vendor_vat", "vendor_iban"):
        cand = decisions[name].candidate if name in decisions else None
        if cand is None:
            continue
        buyer, seller = cand.features.get("role_buyer", 0.0), cand.features.get("role_seller", 0.0)
        if buyer > 0 and buyer >= seller:
            failed[name] = "it is printed in the buyer's block"
    return failed


def _number_checks(decisions: Mapping[str, Decision]) -> dict[str, str]:
    cand = decisions["invoice_number"].candidate if "invoice_number" in decisions else None
    if cand is None:
        return {}
    if not cand.features.get("has_label"):
        return {"invoice_number": "no invoice-number label is printed beside it"}
    if cand.features.get("other_closer"):
        return {"invoice_number": "another number's label (customer, order, delivery note...) "
                                  "is printed nearer to it"}
    return {}


def _date_checks(fields: Mapping[str, Field]) -> dict[str, str]:
    issued, due = fields.get("invoice_date"), fields.get("due_date")
    if issued and due and issued.value and due.value and due.value < issued.value:
        reason = "the due date is before the invoice date"
        return {"invoice_date": reason, "due_date": reason}
    return {}


# ------------------------------------------------------------------ familiarity

# "Label:" at the start of a line: up to four words, the first of letters, before a colon.
_LABEL_TEXT = re.compile(r"^((?:[^\W\d_][\w.'’/&-]*\s?){1,4})\s?:(?!//)")


def label_familiarity(doc: Document) -> float:
    """Share of the document's label-like texts (a line starting with a few words and a
    colon) that contain a label phrase the extractor knows; 1.0 when there are too few
    to tell."""
    texts = [m.group(1) for page in doc.pages for line in page.lines
             if (m := _LABEL_TEXT.match(line.text))]
    # Distinct labels: a label printed on every line of a table counts once.
    keys = {squash(t) for t in texts}
    keys = [k for k in keys if len(k) >= 3]
    if len(keys) < _MIN_LABELS:
        return 1.0
    known = sum(_knows(k) for k in keys)
    return known / len(keys)


def _knows(key: str) -> bool:
    return any(phrase in key for phrase in _LONG_PHRASES) or key in ALL_PHRASES


# Phrases long enough to be recognised inside a longer label ("lieferantennummer" in
# "unserelieferantennummer"); short ones ("du", "an") only as the whole label.
_LONG_PHRASES = frozenset(p for p in ALL_PHRASES if len(p) >= 4)
