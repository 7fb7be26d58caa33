"""Checks a value must pass before it may be auto-accepted, whatever the model's score.

The field scorer learned from generated layouts. On a layout unlike them it can be sure
and wrong, so a confident value is accepted only when the document agrees with it too:

- amounts: net + tax = total (or the line items add up to the net), so a subtotal, an
  amount due after a prepayment or a line amount is never posted as the total unseen;
- the invoice number is printed beside its own label, and no date or number is nearer
  another value's label (customer number, delivery note, GLN, tax number, order date...);
  a label must be known whole ("Datum Ihrer Bestellung:" is not "Datum:"); a number may
  not begin with letters printed before it ("FT 2411/2024");
- a field "not printed" is only sure when no label of it is printed and every label
  with a value beside it is known;
- a negative amount only on a credit note;
- the vendor's name, VAT id and IBAN are not in a block headed by the buyer's role;
- the due date is not before the invoice date;
- the currency is the only one the document names ("Roma (RM)" also reads as ringgit);
- a number or date is not inside a sentence ("Replaces invoice 2023-6820 of ...");
- net, tax and total do not come from one VAT rate's line when several rates are printed;
- the page is familiar: most of its printed labels ("Kundennummer:") are ones the
  extractor knows. A page of mostly unknown labels is a layout it never learned.

A value that fails keeps its value and its place but its confidence is capped below
every auto-accept threshold, and :attr:`skills.extract.Field.check` says why, so the
clerk sees the reason in the exception queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from skills.extract.labels import ALL_PHRASES, fields_named_by, find_labels, squash
from skills.party_roles import other_company_above
from skills.schema import Document, Line, ReadMethod

if TYPE_CHECKING:  # extract imports this module
    from skills.extract.candidates import Candidate
    from skills.extract.extraction import Decision, Field, LineItem

# Below the lowest auto-accept threshold there can be (skills.train.MIN_AUTO_ACCEPT 0.9).
CHECK_CAP = 0.85
AMOUNTS = ("net_amount", "tax_amount", "total", "tax_rate")
# Fewer label-like texts than this on a document: familiarity cannot be measured.
_MIN_LABELS = 4
# Below this share of known labels a page counts as unfamiliar.
MIN_FAMILIARITY = 0.5


def apply_checks(fields: dict[str, Field], decisions: Mapping[str, Decision],
                 line_items: list[LineItem], familiarity: float,
                 doc: Document | None = None, kind: str = "invoice",
                 candidates: Sequence[Candidate] = ()) -> None:
    """Cap the confidence of every field that fails a check, and say why.
    ``candidates``: every value the document offered, of every field."""
    failed: dict[str, str] = _sign_checks(fields, kind)
    currencies = {c.value for c in candidates if c.field == "currency" and c.value}
    if len(currencies) > 1:
        shown = ", ".join(sorted(currencies))
        failed["currency"] = f"the document names several currencies ({shown})"
    if doc is not None:
        failed |= _prefix_checks(decisions, doc)
        failed |= _label_checks(decisions, doc)
        failed |= _absent_checks(fields, doc)
        failed |= _orphan_label_checks(fields, doc)
    if familiarity < MIN_FAMILIARITY:
        reason = (f"the layout is unfamiliar: only {familiarity:.0%} of its printed labels "
                  "are known ones")
        failed |= dict.fromkeys(fields, reason)
    failed |= _amount_checks(fields, line_items)
    failed |= _role_checks(decisions)
    failed |= _number_checks(decisions)
    failed |= _vat_block_checks(decisions, candidates)
    if doc is not None:
        failed |= _running_text_checks(decisions, doc)
        failed |= _several_rates_checks(decisions, doc)
    failed |= _date_checks(fields)
    failed |= _reading_checks(decisions)
    for name, reason in failed.items():
        field = fields.get(name)
        if field is None or field.method in ("xml", "inferred"):
            continue
        if field.value is None and name not in OPTIONAL:
            continue  # a required field not found is never sure anyway
        field.confidence = min(field.confidence, CHECK_CAP)
        field.check = field.check or reason


# Below this, OCR was unsure of a character of the word it read: a name has no
# checksum or pattern to catch a wrong letter ("PATT" for "FATT").
_SURE_READING = 0.95
_FREE_TEXT = ("vendor_name",)


# A letter standing alone inside a name: OCR may have split a word ("S INAR" for SINAR).
# Not an initial ("J. Smith"), nor a legal form's ("S/B").
_LONE_LETTER = re.compile(r"(?<=\w )[A-Za-z](?= \w)")


def _reading_checks(decisions: Mapping[str, Decision]) -> dict[str, str]:
    failed = {}
    for name in _FREE_TEXT:
        cand = decisions[name].candidate if name in decisions else None
        if cand is None or cand.method != "ocr":
            continue
        if cand.confidence < _SURE_READING:
            failed[name] = "the scan is unclear: a letter of it may be misread"
        elif _LONE_LETTER.search(cand.value):
            failed[name] = "a letter stands alone in it: the scan may have split a word"
    return failed


def amount_of(field: Field | None) -> Decimal | None:
    """The field's value as a number; None when it is absent or not one."""
    if field is None or field.value is None:
        return None
    try:
        return Decimal(field.value)
    except InvalidOperation:
        return None


# No VAT or sales tax rate anywhere is above 27 %: a "tax" of more than this share of the
# net is another amount (a second rate's base, a subtotal) that happens to make the sum.
MAX_TAX_SHARE = Decimal("0.30")


def balanced(net: Decimal, tax: Decimal, total: Decimal) -> bool:
    """net + tax = total, to the cent, or within a till's cash rounding to 5 cents, with a
    tax that is a plausible share of the net (same sign, at most MAX_TAX_SHARE of it).

    Two VAT bases add up to the net total just as net and tax make the total: the share
    tells them apart."""
    gap = abs(net + tax - total)
    adds_up = gap <= Decimal("0.011") or (
        gap <= Decimal("0.021") and total % Decimal("0.05") == 0)
    return adds_up and plausible_tax(net, tax)


def plausible_tax(net: Decimal, tax: Decimal) -> bool:
    """``tax`` has the sign of ``net`` and is at most MAX_TAX_SHARE of it."""
    if tax == 0:
        return True
    if net == 0 or (net > 0) != (tax > 0):
        return False
    return abs(tax) <= abs(net) * MAX_TAX_SHARE


def amounts_close(net: Decimal | None, tax: Decimal | None, total: Decimal | None,
                  lines: list[Decimal]) -> bool:
    """The amounts are :func:`balanced`, with a tax that is not zero, or printed zero
    beside line items that add up to the net."""
    if net is None or tax is None or total is None or not balanced(net, tax, total):
        return False
    return tax != 0 or (len(lines) > 0 and abs(sum(lines) - net) <= Decimal("0.011"))


def _amount_checks(fields: Mapping[str, Field], line_items: list[LineItem]) -> dict[str, str]:
    net, tax, total = (amount_of(fields.get(n)) for n in ("net_amount", "tax_amount", "total"))
    lines = []
    for item in line_items:
        try:
            lines.append(Decimal(item.amount))
        except InvalidOperation:
            continue
    rate = amount_of(fields.get("tax_rate"))
    if amounts_close(net, tax, total, lines):
        if rate is None or net is None or tax is None or matches_rate(net, tax, rate):
            return {}
        reason = f"the tax is not {rate.normalize()} % of the net, the rate printed"
        return dict.fromkeys(AMOUNTS, reason)
    if total is not None and net is None and _lines_make(total, lines) and (
            tax is None or 0 < tax < total * MAX_TAX_SHARE):
        return {}  # a receipt: the lines make the total, its tax (if any) included
    reason = "the amounts do not add up (net + tax = total) on this document"
    return dict.fromkeys(AMOUNTS, reason)


# A till rounds cash to 5 cents: the sum before it may differ from the total by 2 cents.
CASH_ROUNDING = Decimal("0.02")


def cash_rounded(total: Decimal, amount: Decimal) -> bool:
    """``total`` is what a till rounded ``amount`` to: a total in 5 cents, at most 2 cents
    off it."""
    return abs(total - amount) <= CASH_ROUNDING and total % Decimal("0.05") == 0


def _lines_make(total: Decimal, lines: list[Decimal]) -> bool:
    """The line items add up to the total, or to what a till rounded to it."""
    if not lines:
        return False
    return abs(sum(lines) - total) <= Decimal("0.011") or cash_rounded(total, sum(lines))


def matches_rate(net: Decimal, tax: Decimal, rate: Decimal) -> bool:
    """tax = net × rate, to the cent per line rounded (half a percent of the tax)."""
    return abs(net * rate / 100 - tax) <= max(Decimal("0.02"), abs(tax) * Decimal("0.005"))


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


def _vat_block_checks(decisions: Mapping[str, Decision],
                      candidates: Sequence[Candidate]) -> dict[str, str]:
    """A VAT id printed in a block under another company's name (the buyer's block under a
    heading the bot does not know) is that company's, not the vendor's."""
    vat = decisions["vendor_vat"].candidate if "vendor_vat" in decisions else None
    vendor = decisions["vendor_name"].value if "vendor_name" in decisions else None
    if vat is None or vendor is None or decisions["vendor_vat"].value is None:
        return {}
    other = other_company_above(vat, candidates, vendor)
    return {"vendor_vat": f"it is printed under {other!r}, not under the vendor's name"
            } if other else {}


def _number_checks(decisions: Mapping[str, Decision]) -> dict[str, str]:
    failed = {}
    cand = decisions["invoice_number"].candidate if "invoice_number" in decisions else None
    if cand is not None and not cand.features.get("has_label"):
        failed["invoice_number"] = "no invoice-number label is printed beside it"
    for name, cand in _chosen(decisions, _EXACT_LABEL_FIELDS):
        if cand.features.get("other_closer"):
            failed.setdefault(name, "another value's label (customer number, order, delivery "
                                    "note, another date...) is printed nearer to it")
    return failed


def _running_text_checks(decisions: Mapping[str, Decision], doc: Document) -> dict[str, str]:
    """A number or date inside a sentence ("Replaces invoice 2023-6820 of 8 July", "Pay
    before 15/06/2020") is some other document's or event's: labels start their line,
    end with a colon or leader dots, or stand apart; a sentence starts with other words."""
    failed = {}
    for name, _, line, before in _chosen_in_lines(decisions, doc, _EXACT_LABEL_FIELDS):
        if _in_sentence(before):
            failed[name] = (f"it is printed inside a sentence ({line.text.strip()[:50]!r}), "
                            "not beside a label: it may be another document's")
    return failed


_WORD = re.compile(r"[^\W\d_]{3,}")


def _in_sentence(before: str) -> bool:
    """The text before a value reads as a sentence, not as a label: it holds a word, no
    colon, leader dots or digits, and does not begin with a label or a document title the
    extractor knows."""
    if not _WORD.search(before) or ":" in before or _LEADERS.search(before) or any(
            ch.isdigit() for ch in before):
        return False  # no words, a label's colon or leaders, or other values on the line
    head = squash(before)
    # Short phrases ("an", "no") only whole: "Annule et remplace" does not begin with "An".
    return head not in _SENTENCE_SAFE_STARTS and not any(
        head.startswith(phrase) for phrase in _SENTENCE_SAFE_STARTS if len(phrase) >= 4)


# A rate as printed: "19 %", "7,5%", "0%".
_RATE = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")


def tax_rates_printed(doc: Document) -> set[Decimal]:
    """The distinct rates printed on the lines that carry a tax label."""
    rates = set()
    for page in doc.pages:
        labelled = {label.line_index for label in find_labels(page.lines)
                    if label.field in ("tax_amount", "tax_rate")}
        for index in labelled:
            rates |= {Decimal(m.group(1).replace(",", "."))
                      for m in _RATE.finditer(page.lines[index].text)}
    return rates


def _several_rates_checks(decisions: Mapping[str, Decision], doc: Document) -> dict[str, str]:
    """With several VAT rates, each rate has its own base and tax line ("Tax 12% of
    7,359.56"), and two bases add up like net and tax: an amount read from a line that
    names a rate may be one rate's figure, not the document's."""
    on_rate_line = False
    for _, cand in _chosen(decisions, ("net_amount", "tax_amount", "total")):
        line = _line_of(doc, cand.page, cand.box)
        on_rate_line |= line is not None and _RATE.search(line.text) is not None
    if not on_rate_line:
        return {}
    rates = sorted(tax_rates_printed(doc))
    if len(rates) < 2:
        return {}
    shown = ", ".join(f"{r.normalize()} %" for r in rates)
    reason = f"several VAT rates are printed ({shown}) and an amount sits on one rate's line"
    return dict.fromkeys(AMOUNTS, reason)


def _sign_checks(fields: Mapping[str, Field], kind: str) -> dict[str, str]:
    """A negative amount on an invoice is a credit line or a discount, not its total. On a
    credit note the sign comes from the title the bot read, not from each amount: a person
    confirms it (credit notes go to a person anyway)."""
    if kind == "credit_note":
        reason = "a credit note: its amounts are taken as negative; confirm sign and amount"
        return dict.fromkeys(AMOUNTS, reason)
    negative = [n for n in ("net_amount", "tax_amount", "total")
                if (v := amount_of(fields.get(n))) is not None and v < 0]
    reason = "a negative amount on a document that is not a credit note"
    return dict.fromkeys(AMOUNTS, reason) if negative else {}


# An identifier may begin with letters set apart by a space ("FT 2411/2024"): the value
# read may be only its end.
_PREFIX = re.compile(r"(?:^|[\s:])([A-Z]{1,4})\s$")
_NOT_PREFIXES = frozenset({"NR", "NO", "N", "NUM", "REF", "ID", "PO", "EUR", "USD", "GBP",
                           "CHF", "HRB", "TEL", "FAX"})


# Where letters meet digits in an identifier, OCR confuses O/0, I/1, S/5 and B/8: "P0758622"
# may be printed "PO758622".
_AMBIGUOUS_GLYPH = re.compile(r"[A-Z][0158]|[OISB][0-9]")
# A digit and a space right before a value: OCR split it ("1 1/01/2019" for 11/01/2019).
_SPLIT_DIGIT = re.compile(r"\d\s$")
# A date read with its day joined across such a space.
_JOINED_DAY = re.compile(r"\d \d")


def _prefix_checks(decisions: Mapping[str, Decision], doc: Document) -> dict[str, str]:
    """A value may begin before what was read: letters set apart before a number, a digit
    set apart before a date."""
    failed = {}
    for name, cand, _, before in _chosen_in_lines(decisions, doc, _EXACT_LABEL_FIELDS):
        m = _PREFIX.search(before)
        if name.endswith("_number") and m and m.group(1) not in _NOT_PREFIXES:
            failed[name] = f"the number may begin with {m.group(1)!r} printed before it"
        elif name.endswith("_number") and cand.method == "ocr" and (
                glyph := _AMBIGUOUS_GLYPH.search(cand.value)):
            failed[name] = (f"read by OCR, and {glyph.group(0)!r} may be letters or digits "
                            "(O/0, I/1, S/5, B/8)")
        elif name.endswith("_date") and _SPLIT_DIGIT.search(before):
            failed[name] = (f"a digit is printed right before it ({before[-2:]}{cand.raw!r}): "
                            "the date may be misread")
        elif name.endswith("_date") and _JOINED_DAY.match(cand.raw):
            failed[name] = (f"its day was read across a space ({cand.raw!r}): "
                            "the date may be misread")
    return failed


def _date_checks(fields: Mapping[str, Field]) -> dict[str, str]:
    issued, due = fields.get("invoice_date"), fields.get("due_date")
    if issued and due and issued.value and due.value and due.value < issued.value:
        reason = "the due date is before the invoice date"
        return {"invoice_date": reason, "due_date": reason}
    return {}


# Fields an invoice may rightly lack: "not printed" is itself a decision that can be wrong.
OPTIONAL = ("due_date", "po_number", "vendor_vat", "vendor_iban")
# Values whose label must be known exactly, not only in part: "Datum Ihrer Bestellung:"
# begins with the invoice date's "Datum" but names the order date.
_EXACT_LABEL_FIELDS = ("invoice_number", "invoice_date", "due_date", "po_number")


# Label words: letters, which may hold dots ("Nr.", "Ust.-IdNr.") but no leader dots and
# no digits ("INV-20261" left of a date is a value); one space between words, so a line
# is matched in one way only.
_WORD_RE = r"[^\W\d_](?:[^\W\d]|['’/&-]|\.(?! ?\.))*"
_WORDS = "(?:" + _WORD_RE + ")(?: " + _WORD_RE + "){{0,{n}}}"
_LEADER_RUN = r"(?:(?:\. ?){3,}|_{3,}|…)"


def _label_checks(decisions: Mapping[str, Decision], doc: Document) -> dict[str, str]:
    """A value printed after a "Label:" on its line must have a label the extractor knows
    whole; a known word at its start is not enough."""
    failed = {}
    for name, cand in _chosen(decisions, _EXACT_LABEL_FIELDS):
        label = _label_before(doc, cand.page, cand.box)
        if label is None and _starts_line(doc, cand.page, cand.box):
            label = _label_alone_near(doc, cand.page, cand.box)
        if label is None:
            continue
        key = squash(label)
        named = fields_named_by(key)
        if name == "invoice_number" and key in _TITLE_KEYS:
            continue  # a title line: "TAX INVOICE INV-794628", "Rechnung 2024-0815"
        if not named:
            failed[name] = f"its label {label.strip()!r} is not one the bot knows"
        elif name not in named:
            failed[name] = f"its label {label.strip()!r} names another value"
    return failed


def _label_before(doc: Document, page_number: int, box: tuple[float, ...]) -> str | None:
    """The "Label:" text that starts the line holding ``box``, else the words right before
    ``box`` on its line ("Date d'exécution 09/06/2023", "... vom 05.03.2024")."""
    line = _line_of(doc, page_number, box)
    if line is None:
        return None
    m = _LABEL_TEXT.match(line.text)
    return m.group(1) if m else _words_before(line, box)


# At most this many words make a label; more are a sentence (see _running_text_checks).
_MAX_LABEL_WORDS = 6


def _words_before(line: Line, box: tuple[float, ...]) -> str | None:
    """The words before ``box`` on ``line``, back to the nearest number or sign; a sign
    right before the value belongs to its label ("Invoice # INV-1", "Nr. - 12")."""
    words: list[str] = []
    before = [w.text for w in line.words if w.box[2] <= box[0] + 1]
    while before and not any(ch.isalnum() for ch in before[-1]):
        before.pop()
    for text in reversed(before):
        if any(ch.isdigit() for ch in text) or not any(ch.isalpha() for ch in text):
            break
        words.insert(0, text)
    return " ".join(words) if 0 < len(words) <= _MAX_LABEL_WORDS else None


def _starts_line(doc: Document, page_number: int, box: tuple[float, ...]) -> bool:
    """Nothing is printed before ``box`` on its line."""
    line = _line_of(doc, page_number, box)
    return line is None or not any(w.box[2] <= box[0] + 1 for w in line.words)


# A line that is a label alone: "Prélèvement à partir du :" above its value; left of its
# value, a key-value table's key needs no colon ("Datum levering").
_LABEL_ALONE = re.compile(rf"^({_WORDS.format(n=5)})\s?:\s*{_LEADER_RUN}?\s*$")
_KEY_ALONE = re.compile(rf"^({_WORDS.format(n=5)})\s?:?\s*{_LEADER_RUN}?\s*$")


def _label_alone_near(doc: Document, page_number: int, box: tuple[float, ...]) -> str | None:
    """The label printed alone on its line left of ``box`` on its row, else right above
    it (within two of its heights, overlapping it across), if there is one."""
    lines = _page_lines(doc, page_number)
    height = max(box[3] - box[1], 1.0)
    mid = (box[1] + box[3]) / 2
    left = [ln for ln in lines if ln.box[1] <= mid <= ln.box[3] and ln.box[2] <= box[0] + 1]
    above = [ln for ln in lines if 0 <= box[1] - ln.box[3] <= 2 * height
             and ln.box[0] < box[2] and box[0] < ln.box[2]]
    for nearest, pattern in ((max(left, key=lambda ln: ln.box[2], default=None), _KEY_ALONE),
                             (max(above, key=lambda ln: ln.box[3], default=None), _LABEL_ALONE)):
        m = pattern.match(nearest.text) if nearest is not None else None
        if m and _WORD4.search(m.group(1)):
            return m.group(1)
    return None


# A key has a word of four letters or more: "EUR" or "AB" left of a value is a value.
_WORD4 = re.compile(r"[^\W\d_]{4,}")


def _chosen(decisions: Mapping[str, Decision], names: Sequence[str]
            ) -> Iterator[tuple[str, Candidate]]:
    """(field, its chosen candidate) for each of ``names`` decided on a printed value."""
    for name in names:
        cand = decisions[name].candidate if name in decisions else None
        if cand is not None and decisions[name].value is not None:
            yield name, cand


def _chosen_in_lines(decisions: Mapping[str, Decision], doc: Document, names: Sequence[str]
                     ) -> Iterator[tuple[str, Candidate, Line, str]]:
    """(field, its chosen candidate, the line it is printed in, the text before it on that
    line) for each of ``names`` that has a value read from a line."""
    for name, cand in _chosen(decisions, names):
        line = _line_of(doc, cand.page, cand.box)
        if line is not None and cand.raw in line.text:
            yield name, cand, line, line.text[:line.text.index(cand.raw)]


def _page_lines(doc: Document, page_number: int) -> list[Line]:
    page = next((p for p in doc.pages if p.number == page_number), None)
    return page.lines if page is not None else []


def _line_of(doc: Document, page_number: int, box: tuple[float, ...]) -> Line | None:
    """The line of page ``page_number`` that holds ``box``."""
    for line in _page_lines(doc, page_number):
        if line.box[0] - 1 <= box[0] and box[2] <= line.box[2] + 1 and (
                line.box[1] - 1 <= box[1] and box[3] <= line.box[3] + 1):
            return line
    return None


def _absent_checks(fields: Mapping[str, Field], doc: Document) -> dict[str, str]:
    """"Not printed" is only sure when every "Label: value" line of the document has a
    label the extractor knows: an unknown one may be the field it did not find
    ("Votre réf. commande: 4500001026")."""
    unknown = unknown_labels(doc)
    if not unknown:
        return {}
    shown = ", ".join(repr(u) for u in unknown[:3])
    return {name: f"not found, but the document prints labels the bot does not know ({shown})"
            for name in OPTIONAL if fields.get(name) is not None and fields[name].value is None}


def _orphan_label_checks(fields: Mapping[str, Field], doc: Document) -> dict[str, str]:
    """"Not printed" contradicts a label of that field printed on the page ("Bestellnummer"
    with no value read beside it): a person looks."""
    absent = [n for n in OPTIONAL if fields.get(n) is not None and fields[n].value is None]
    if not absent:
        return {}
    failed = {}
    for page in doc.pages:
        for label in find_labels(page.lines, fuzzy=page.method == ReadMethod.OCR):
            if label.field in absent and not label.generic and label.field not in failed:
                text = page.lines[label.line_index].text
                failed[label.field] = (f"its label is printed ({text[:40]!r}) but no value "
                                       "was read beside it")
    return failed


def unknown_labels(doc: Document) -> list[str]:
    """The "Label:" texts followed by a number on their line that contain no known label."""
    found = []
    for page in doc.pages:
        for line in page.lines:
            m = _LABEL_TEXT.match(line.text)
            if m and any(c.isdigit() for c in line.text[m.end():]) and not _knows(
                    squash(m.group(1))):
                found.append(m.group(1).strip())
    return list(dict.fromkeys(found))


# ------------------------------------------------------------------ familiarity

# Dot or underscore leaders between a label and its value: "Datum levering ...... 28".
_LEADERS = re.compile(_LEADER_RUN)
# "Label:" at the start of a line: up to four words, the first of letters, before a colon
# or leader dots.
_LABEL_TEXT = re.compile(rf"^({_WORDS.format(n=3)} ?)(?::(?!//)|{_LEADER_RUN})")


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
    return key in ALL_PHRASES or _LONG_PHRASE.search(key) is not None


# Phrases long enough to be recognised inside a longer label ("lieferantennummer" in
# "unserelieferantennummer"); short ones ("du", "an") only as the whole label. One
# pattern of them all: a label is looked for in one pass, not once per phrase.
_LONG_PHRASE = re.compile("|".join(
    re.escape(p) for p in sorted((p for p in ALL_PHRASES if len(p) >= 4), key=len, reverse=True)))


def _title_keys() -> frozenset[str]:
    """Document titles, squashed ("taxinvoice", "gutschrift")."""
    from skills.doctype import TITLES  # skills.doctype imports the extract package

    return frozenset(squash(t) for phrases in TITLES.values() for t in phrases)


_TITLE_KEYS = _title_keys()
# Known label phrases and document titles: a line starting with one is a label or a title
# line ("Rechnung Nr. 12 vom 3.5.2024"), not a sentence.
_SENTENCE_SAFE_STARTS = frozenset(p for p in ALL_PHRASES | _TITLE_KEYS if len(p) >= 2)
