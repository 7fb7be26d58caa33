"""Values for fields the model did not read, worked out from what it did read.

Each is a suggestion for the clerk, method ``"inferred"``, at a confidence below every
auto-accept threshold: the exception queue shows a likely value instead of a blank, and a
person confirms it.

- the currency: the home currency of the country of the seller's IBAN or VAT id;
- the seller's VAT id: the one printed in the seller's block, right under its name;
- the invoice number: what a bare "Reference:" leads to, when no label on the page
  names the invoice's number and the model found nothing credible (UK invoices print
  "Invoice" over "Reference", "Tax point", "Due by"). It replaces the model's guess;
- a till slip's number: the number a till prints first on the line of the slip's date
  and time ("CB43368 06.06.2014 12:05:31 PM"), when nothing credible was read;
- the due date: the invoice date plus the payment term in days ("zahlbar innerhalb
  30 Tagen", "Betaaltermijn 20 dagen", "30 days net"), else the date the net amount is
  due by in a sentence of terms ("2 % Skonto bis 10.09., netto bis 16. September 2022",
  "Zahlbar bis 16.09.2022 ohne Abzug", "netto uiterlijk 18-04-2025");
- a tax of zero when the net and the total read are the same amount, printed in two
  places or beside a rate of 0 % (reverse charge, intra-EU supply: "Btw 0 %" often
  prints no tax amount at all).
  This one replaces a tax the model read, which cannot be right beside them. Not on a
  till slip: a slip that prints a subtotal equal to its total prints no tax at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skills.extract.candidates import Candidate, beside, document_dayfirst, ocr_id
from skills.extract.checks import amount_of
from skills.extract.labels import find_labels
from skills.normalize import DATE_PATTERN, home_currency, normalize_date
from skills.party_roles import BLOCK_DEPTH, SAME_COLUMN, other_company_above
from skills.schema import Box, Document, ReadMethod, Word

if TYPE_CHECKING:  # extraction imports this module
    from skills.extract.extraction import Field

# Under every auto-accept threshold, so a person always confirms a suggestion.
INFERRED_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class Suggestion:
    value: str
    page: int | None  # where the evidence is printed
    box: Box | None
    raw: str  # the evidence: "vendor_iban DE89...", "zahlbar innerhalb 30 Tagen"
    candidate: Candidate | None = None  # the value printed, when it is one


def suggest_missing(fields: dict[str, Field], candidates: list[Candidate], doc: Document,
                    slip: bool = False) -> None:
    """Fill fields read as "not printed" with suggestions where the document allows one
    (``slip``: the document is a till slip)."""
    from skills.extract.extraction import Field  # noqa: F811 (runtime import, see above)

    def put(name: str, found: Suggestion) -> None:
        fields[name] = Field(value=found.value, confidence=INFERRED_CONFIDENCE,
                             page=found.page, box=found.box, method="inferred", raw=found.raw)

    def fill(name: str, make: Callable[[], Suggestion | None]) -> None:
        if fields[name].value is None and (found := make()) is not None:
            put(name, found)

    if not slip and (zero := _zero_tax(fields)) is not None:
        put("tax_amount", zero)
    if (number := _number(fields, doc, slip)) is not None:
        put("invoice_number", number)
    fill("vendor_vat", lambda: _vat_under_name(fields["vendor_name"], candidates))
    fill("due_date", lambda: _due_from_terms(fields["invoice_date"], doc)
         or _net_date(fields["invoice_date"], doc))
    fill("currency", lambda: _home_currency(fields))


def _number(fields: dict[str, Field], doc: Document, slip: bool) -> Suggestion | None:
    """A number for an invoice whose model found nothing credible: what a bare
    "Reference:" leads to, or on a slip the number on the line of its date."""
    number = fields["invoice_number"]
    # OCR's calibration, like a slip's, keeps a floor when nothing credible was found.
    floor = _NOTHING_CREDIBLE_ON_SLIPS if slip or number.method == "ocr" else _NOTHING_CREDIBLE
    confidence = number.confidence
    if confidence < floor and (found := _reference_number(doc)) is not None:
        return found
    if slip and confidence < _NOTHING_CREDIBLE_ON_SLIPS:
        return _transaction_number(fields["invoice_date"], doc)
    return None


def _zero_tax(fields: dict[str, Field]) -> Suggestion | None:
    """Net and total read as one amount from two printed places, or a rate of 0 % read,
    and a tax other than zero: only a zero tax adds up."""
    net_field, total_field = fields["net_amount"], fields["total"]
    net, total = amount_of(net_field), amount_of(total_field)
    if net is None or net == 0 or net != total or amount_of(fields["tax_amount"]) == 0:
        return None
    rate = fields["tax_rate"]
    if amount_of(rate) == 0 and rate.method != "inferred":  # "USt. 0 %", "TVA 0%"
        return Suggestion("-0.00" if net < 0 else "0.00", rate.page, rate.box,
                          f"tax_rate {rate.value}")
    if (net_field.page, net_field.box) == (total_field.page, total_field.box):
        return None  # one printed amount taken for both
    zero = "-0.00" if net < 0 else "0.00"
    return Suggestion(zero, total_field.page, total_field.box,
                      f"net_amount {net_field.value} = total {total_field.value}")


def _home_currency(fields: dict[str, Field]) -> Suggestion | None:
    """No currency read (OCR cannot read "€" or "£"): that of the country of the seller's
    IBAN, else of its VAT id."""
    for name in ("vendor_iban", "vendor_vat"):
        source = fields[name]
        if source.method == "inferred":
            continue
        if currency := home_currency(source.value):
            return Suggestion(currency, source.page, source.box, f"{name} {source.value}")
    return None


# How much nearer the seller's name's column its VAT id must be than any other VAT id
# printed there (the buyer's block sits beside it).
_CLEAR_MARGIN = 40.0


def _vat_under_name(name: Field, candidates: list[Candidate]) -> Suggestion | None:
    """The VAT id in the seller's block: below its name (wherever the name is printed:
    the letterhead and the party block), in its column, clearly nearer that column than
    any other VAT id printed there, and under no other company's name."""
    if name.value is None or name.method == "inferred":
        return None
    places = {(c.page, c.box[0], c.box[1]) for c in candidates
              if c.field == "vendor_name" and c.value == name.value}
    vats = [c for c in candidates if c.field == "vendor_vat"]
    found = {s.value: s for page, x, y in places if (s := _vat_below(page, x, y, vats))
             and other_company_above(s.candidate, candidates, name.value) is None}
    return next(iter(found.values())) if len(found) == 1 else None


def _vat_below(page: int, x: float, y: float, vats: list[Candidate]) -> Suggestion | None:
    below = [c for c in vats if c.page == page and 0 <= c.box[1] - y <= BLOCK_DEPTH]
    ranked = sorted(below, key=lambda c: abs(c.box[0] - x))
    if not ranked or abs(ranked[0].box[0] - x) > SAME_COLUMN:
        return None
    nearest = ranked[0]
    rivals = [c for c in ranked[1:] if c.value != nearest.value]
    if rivals and abs(rivals[0].box[0] - x) - abs(nearest.box[0] - x) < _CLEAR_MARGIN:
        return None
    return Suggestion(nearest.value, nearest.page, nearest.box, nearest.raw, nearest)


# Below this the model's invoice number is a guess among look-alikes ("LS1" of a postcode).
_NOTHING_CREDIBLE = 0.05
# "Reference" alone, in the extractor's languages (squashed, as labels are compared).
_REFERENCE = frozenset({"reference", "referenz", "referentie", "referencia", "riferimento",
                        "ref"})
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{2,28}[A-Za-z0-9]$")


def _reference_number(doc: Document) -> Suggestion | None:
    """The value a bare "Reference:" label leads to on the first page, when no label on
    that page names the invoice's number."""
    if not doc.pages:
        return None
    page = doc.pages[0]
    labels = find_labels(page.lines)
    if any(lab.field == "invoice_number" and not lab.generic for lab in labels):
        return None
    for lab in labels:
        if lab.phrase not in _REFERENCE or lab.word_start != 0:
            continue
        line = page.lines[lab.line_index]
        words = [w for w in line.words[lab.word_end:] if w.text.strip(":#.")]
        if not words:  # the value in the next cell of the row
            row = [ln for ln in page.lines if ln is not line and beside(ln.box, lab.box)]
            words = list(min(row, key=lambda ln: ln.box[0]).words) if row else []
        value = words[0].text.strip(":#.,") if words else ""
        if _NUMBER.match(value) and any(c.isdigit() for c in value):
            return Suggestion(value, page.number, words[0].box, line.text)
    return None


# A slip's calibrated confidence stays above the invoice's floor when the model found
# nothing: its unlabelled candidates all score alike.
_NOTHING_CREDIBLE_ON_SLIPS = 0.2


def _transaction_number(issued: Field, doc: Document) -> Suggestion | None:
    """The number starting the line on which the slip's date is printed, before it."""
    if issued.value is None or issued.page is None or issued.box is None:
        return None
    page = doc.pages[issued.page - 1]
    mid = (issued.box[1] + issued.box[3]) / 2
    # The date's row: its own line, and the lines OCR set apart beside it on the same row
    # ("CB56744", "20/04/15", "2:34:25 PM" read as three), the leftmost first.
    row = sorted((ln for ln in page.lines if ln.words and ln.box[1] <= mid <= ln.box[3]
                  and ln.box[0] <= issued.box[0]), key=lambda ln: ln.box[0])
    if not row:
        return None
    words = [w for ln in row for w in ln.words if w.box[2] <= issued.box[0]]
    if not words:
        return None
    first = words[0]
    value = first.text.strip(":#.,")
    if value.endswith(("-", "/")) and len(words) > 1 and words[1].text[:1].isalnum():
        # OCR set the number's second part apart after its dash ("0689-" "164982")
        value += words[1].text.strip(":#.,")
        first = Word(value, (first.box[0], first.box[1], words[1].box[2], first.box[3]),
                     min(first.confidence, words[1].confidence))
    if _NUMBER.match(value) and any(c.isdigit() for c in value) \
            and normalize_date(value) is None:
        read = ocr_id(value) if (row[0].method or page.method) == ReadMethod.OCR else value
        return Suggestion(read, page.number, first.box, row[0].text)
    return None


# A payment term in days in any of the extractor's languages: "30 Tagen", "20 dagen",
# "30 jours", "30 días", "30 giorni", "30 gg", "30 days".
_TERM = re.compile(r"\b(\d{1,3})\s*(?:days?|tage?n?|jours?|d[ií]as|dagen|giorni|gg)\b",
                   re.IGNORECASE)
_LONGEST_TERM = 120


def _due_from_terms(issued: Field, doc: Document) -> Suggestion | None:
    """The invoice date plus the longest payment term printed (a shorter one is a cash
    discount's: "2 % Skonto innerhalb 10 Tagen, 30 Tage netto")."""
    if issued.value is None:
        return None
    terms = [(int(m.group(1)), page.number, line) for page in doc.pages for line in page.lines
             for m in _TERM.finditer(line.text) if 0 < int(m.group(1)) <= _LONGEST_TERM]
    if not terms:
        return None
    days, page, line = max(terms, key=lambda t: t[0])
    due = dt.date.fromisoformat(issued.value) + dt.timedelta(days=days)
    return Suggestion(due.isoformat(), page, line.box, line.text)


# The words that say a date is when the whole amount is due, without a cash discount.
# "netto bis", and "otherwise" after a discount's date: "altrimenti il", "sinon le",
# "sonst bis", "anders voor", "de lo contrario el", "otherwise by".
_NET_BEFORE = re.compile(r"\b(?:netto|net|neto|nett|altrimenti|sinon|sonst|ansonsten|anders|"
                         r"contrario|otherwise)\b(?:\D|(?<=[a-z])1\b){0,25}$", re.IGNORECASE)
# A sentence asking to pay by a date: "Bitte überweisen Sie den Betrag bis zum",
# "Pagar antes del", "Please pay by", "À régler avant le", "Te betalen voor",
# "Da pagare entro il".
_PAY_BY = re.compile(r"\b(?:[üu]berweisen|zahlen|zahlbar|pay|payable|payer|r[ée]gler|pagar|"
                     r"pagare|betalen|betaal|voldoen)\b\D{0,40}\b(?:bis|by|before|until|avant|"
                     r"jusqu|antes|entro|voor|uiterlijk|v[óo]or)\b\D{0,12}$", re.IGNORECASE)
_NET_AFTER = re.compile(r"^\s*(?:netto|net|ohne\s+abzug|sans\s+escompte|senza\s+sconto|"
                        r"sin\s+descuento|zonder\s+korting)\b", re.IGNORECASE)


def _net_date(issued: Field, doc: Document) -> Suggestion | None:
    """The latest date a sentence of terms gives for the net amount, within the longest
    payment term after the invoice date."""
    if issued.value is None:
        return None
    start = dt.date.fromisoformat(issued.value)
    dayfirst = document_dayfirst(doc)
    found: list[tuple[str, int, Box, str]] = []
    for page in doc.pages:
        for line in page.lines:
            for m in DATE_PATTERN.finditer(line.text):
                before = line.text[:m.start()]
                if not (_NET_BEFORE.search(before) or _PAY_BY.search(before)
                        or _NET_AFTER.match(line.text[m.end():])):
                    continue
                value = normalize_date(m.group(0), dayfirst)
                if value and 0 <= (dt.date.fromisoformat(value) - start).days <= _LONGEST_TERM:
                    found.append((value, page.number, line.box, line.text))
    if not found:
        return None
    value, page_number, box, raw = max(found)
    return Suggestion(value, page_number, box, raw)
