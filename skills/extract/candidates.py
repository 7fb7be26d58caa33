"""Candidate values for every header field, each with the features the scorer reads.

A candidate is one reading of a field: a date span, an amount, an identifier
word, a line of text that might be the vendor's name... found by pattern (dates,
amounts, IBAN with checksum, VAT ids by country, currency signs and codes) on
every line of every page. Each candidate is then described by numbers: where it
sits relative to the labels of its field and of other fields (right of, below,
how far), on the page, how it relates arithmetically to other amounts, how it
looks. The learned scorer (skills.extract.model) turns these into probabilities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from skills.doctype import DocumentType, document_type
from skills.extract.labels import Label, find_labels, is_label_only
from skills.extract.lines import is_table_header
from skills.normalize import (
    CURRENCY_CODES,
    CURRENCY_SYMBOLS,
    DATE_PATTERN,
    format_decimal,
    normalize_date,
    normalize_iban,
    normalize_name,
    normalize_text,
    normalize_vat,
    parse_amount,
    repair_digits,
    repair_iban,
    slash_date_order,
)
from skills.party_roles import OurCompanies, role_features
from skills.schema import Box, Document, Line, Page, ReadMethod
from skills.textlines import make_line

FIELDS = (
    "vendor_name", "vendor_vat", "vendor_iban", "invoice_number", "invoice_date", "due_date",
    "po_number", "currency", "net_amount", "tax_amount", "tax_rate", "total",
)
AMOUNT_FIELDS = ("net_amount", "tax_amount", "total")
DATE_FIELDS = ("invoice_date", "due_date")
ID_FIELDS = ("invoice_number", "po_number")
# The label of a related field is evidence too: a rate sits next to the tax label.
RELATED = {"tax_rate": "tax_amount", "currency": "total"}
# Where on the page a value sits says something about these fields only; for the
# others it would teach the model the training layouts instead of the labels.
POSITIONAL = frozenset({"vendor_name", *AMOUNT_FIELDS})
# Optional fields that are never printed without their label.
NEEDS_LABEL = frozenset({"po_number", "due_date"})

FEATURES = (
    *(f"is_{f}" for f in FIELDS),
    "d_right", "d_below", "d_near", "inline", "label_generic", "label_len", "has_label",
    "d_right_other", "d_below_other", "other_closer", "d_right_related", "d_below_related",
    "same_line_label", "x", "y", "page_last", "ocr_conf", "repeats",
    "amount_rank", "amount_is_max", "amount_y_rank", "is_sum", "is_addend", "tax_fits",
    "net_fits", "lines_sum", "has_currency_mark", "decimals",
    "date_rank", "date_n", "date_is_first", "date_is_last",
    "id_len", "id_digits", "id_has_letter", "id_has_sep", "id_is_numeric",
    "name_height", "name_rank", "name_suffix", "name_upper", "name_words", "name_buyer",
    "name_seller", "name_web", "name_near_ids", "derived",
    # Till receipts: cash rounding, tables of amounts, the shape and words of a slip.
    "amount_cents5", "after_rounding", "amounts_on_line", "is_rounded_sum", "doc_tall",
    "doc_till", "name_id_band", "name_segment",
    # The value on the row under its label, wherever on that row ("Total:" / "    12.50").
    "d_next_row", "d_next_row_other", "rounded_total",
    "name_digits",  # street numbers and postcodes: address lines, not names
    # Under a buyer's or a seller's section heading ("Käufer", "Fournisseur", "Bill to").
    "role_buyer", "role_seller",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}


@dataclass(slots=True)
class Candidate:
    field: str
    value: str
    raw: str
    page: int
    box: Box
    confidence: float
    method: str
    features: dict[str, float] = field(default_factory=dict)
    # On a till slip, an amount printed as what was paid ("Cash", "Paid") or given back
    # ("Change"); not a feature of the model, a fact the decision uses.
    till_role: str = ""
    # Printed on a line that says the tax is included in the prices ("VAT 20% included
    # 1.82", "inkl. MwSt."); a fact the decision uses, not a feature of the model.
    in_prices: bool = False
    # The nearest label of its own field ("subtotal", "nettotal"), as squashed; "" if none.
    label: str = ""

    def vector(self) -> list[float]:
        row = [0.0] * len(FEATURES)
        row[_INDEX[f"is_{self.field}"]] = 1.0
        for name, value in self.features.items():
            row[_INDEX[name]] = value
        return row


@dataclass(slots=True)
class _Span:
    """A typed value found on a line: its text, canonical value, box and OCR confidence."""

    kind: str  # date | amount | percent | iban | vat | id | currency | name
    value: str
    raw: str
    box: Box
    line: int
    confidence: float
    extra: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ finding spans

# A separator may have one space beside it, as OCR reads dot-matrix print and spaced
# digits ("73. 00", "9 .00", "9, 348.24").
# A currency code may be glued to the number ("RM88.61", "EUR12.00").
_GLUED = "|".join(f"(?<={c})" for c in ("RM", "Rs", "Rs.", "EUR", "USD", "GBP", "MYR", "INR",
                                         "CHF", "SGD"))
_AMOUNT = re.compile(
    # A minus is allowed right before the digits when it is not a range's dash ("10-12.00").
    rf"(?:(?<![\w.,/-])|(?<=^[-−])|(?<=[\s:(=€$£][-−])|{_GLUED})"
    r"(?:\d{1,3}(?:(?:[.,] ?|['’\u00a0 ])\d{3})+|\d+)"
    r"(?:[.,]| ?[.,] ?)\d{2}(?![\d%])(?![.,/-]\d)"
)
# OCR may also break the digits before the decimals apart ("GBP 1281 19.29", "€1 15184,61"):
# after a currency mark, the pieces joined are one more reading for the arithmetic to weigh.
_BROKEN_AMOUNT = re.compile(r"(?:[€$£]|\b[A-Z]{3}\s)\s?(\d{1,4}) (\d{2,6}[.,]\d{2})(?![\d%])")
# OCR may also set a grouped amount's digits apart ("6.1 1 1,26" for 6.111,26): a thousands
# separator, then groups of three digits with spaces among them, then the decimals.
_SPACED_AMOUNT = re.compile(r"(?<![\w.,])(\d{1,3})([.,'’])((?:\s?\d){3}(?:\2(?:\s?\d){3})*)"
                            r"\s?([.,])\s?(\d{2})(?![\d%])")


def _despaced(m: re.Match[str]) -> Decimal | None:
    """The amount a spaced-apart match reads, when spaces were set among its digits and its
    thousands and decimal separators differ."""
    groups = m.group(3)
    if " " not in groups or m.group(2) == m.group(4):
        return None
    digits = m.group(1) + groups.replace(" ", "").replace(m.group(2), "")
    return parse_amount(f"{digits}.{m.group(5)}")


# Whole amounts count only beside a currency sign or code ("Rs 1939", "120 €").
_INT_AMOUNT = re.compile(
    r"(?:[€$£₹]|\bRs\.?|\bRM|\bINR|\bEUR|\bUSD|\bGBP|\bCHF)\s?(\d{1,6})(?![\d.,]?\d)"
    r"|(?<![\w.,])(\d{1,6})(?=\s?(?:€|EUR\b|USD\b|CHF\b))"
)
# OCR reads "%:" as a full-width colon ("VAT 12 ：").
_PERCENT = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?[%：]")
# A rate printed right after a tax's name, its "%" lost or read as a colon ("Incl. VAT 20 :
# 4.58", "MwSt 19 19,00"): one or two digits, then a colon, a space or the line's end.
_RATE_AFTER_TAX = re.compile(
    r"\b(?:VAT|GST|SST|MwSt|USt|TVA|IVA|BTW|Btw|Vat|Mwst|Ust)\.?\s?@?\s?"
    r"(\d{1,2}(?:[.,]\d{1,2})?)(?=\s?:|\s|$)(?!\s?[.,]\d)")
_HIGHEST_RATE = 30  # no VAT or sales tax rate is higher
# A rate whose "%" OCR read as a digit ("SALES TAX @ 8.258" for 8.25 %, "GST 68" for 6 %)
# or lost inside brackets ("VAT (20)"): a third decimal, or a whole number too high for a
# rate whose last digit looks like "%" (0, 4, 6, 8, 9), after a tax's name.
_RATE_PERCENT_MISREAD = re.compile(
    r"(?:\b(?:VAT|GST|SST|TAX|MwSt|USt|TVA|IVA|BTW|Btw|Vat|Mwst|Ust|Tax)\.?\s?@?|"
    r"^[A-Z]{2}\s?@)\s?"  # or a tax summary's code: "SR @ 64" for "SR @ 6%"
    r"(?:(\d{1,2}[.,]\d{2})[04689]|([3-9])[04689]|\(\s?([3-9])[04689]\s?\)"
    r"|\(\s?(\d{1,2}(?:[.,]\d{1,2})?)\s?\))"  # "(78)" for (7%); "(20)", "( 21 )"
    r"(?=\s?:|\s|$)(?!\s?%)")
# OCR may put a space after the country code ("AT 37 8242 ..."): the checksum decides.
_IBAN = re.compile(r"\b[A-Z]{2} ?\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?")
_IBAN_START = re.compile(r"\b[A-Z]{2} ?\d{2}")
_DATE = re.compile(rf"(?<![\d/.-])(?:{DATE_PATTERN.pattern})(?![\w/])")
# A zero OCR read in an identifier's leading letters, before a letter ("0R12091" for
# OR12091, "P0S8879720" for POS8879720; "AB0012" keeps its digits).
def ocr_id(token: str) -> str:
    """``token`` with the zeros of its leading letters read as the letter O."""
    prefix = re.match(r"[A-Z0]*[A-Z]", token)
    if prefix is None or "0" not in prefix.group(0):
        return token
    return prefix.group(0).replace("0", "O") + token[prefix.end():]


# A word OCR wrote with a zero or a one for its O or l ("SELANG0R", "APPR0VAL", "G0LDEN"):
# letters but for those, each between letters, at least three letters in all.
_OCR_WORD = re.compile(r"(?=(?:[01]*[A-Za-z]){3})[A-Za-z]+(?:[01]+[A-Za-z]+)+")
# A billing period ("01/01-31/01/2020"): no number of ours.
_PERIOD = re.compile(r"\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?[-–]\d{1,2}[./]\d{1,2}[./]\d{2,4}")
# An identifier whose separator OCR set apart: letters and digits on both sides.
_SPACED_ID = re.compile(r"(?<![\w/.-])(?=[A-Za-z0-9]*\d)[A-Za-z][A-Za-z0-9]{2,}\s[/-]\s\d{2,}"
                        r"(?![\w/.-])")
# An identifier OCR split at a space: letters and digits, then digits ("A1 1276",
# "T01 -411819", "POS4227 722").
_SPLIT_ID = re.compile(r"(?<![\w/.-])(?=[A-Za-z]*\d)[A-Za-z][A-Za-z0-9]{1,}\s-?\d{3,}(?![\w/.-])")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-#]*[A-Za-z0-9]|\d")
# A code glued to whole digits is a product's ("UNLEADED RON95"), not a currency.
_CURRENCY_TOKEN = re.compile(
    r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z]|\d+(?![\d.,]))|([€$£₹¥]|\bkr\b\.?|\bRs\b\.?|\bRM(?=\s?\d)"
    r"|(?<=\()RM(?=\))|\bRM(?=\s*:?\s*$))"  # RM 9.00, Total (RM), Total RM
)
_SUFFIXES = re.compile(
    r"\b(gmbh|ag|kg|ltd|limited|plc|llp|llc|inc|corp|corporation|co|company|sa|sas|sarl|"
    r"s\.?l\.?u?|s\.?a\.?|s\.?r\.?l\.?s?|bv|b\.?v\.?|nv|n\.?v\.?|v\.?o\.?f|ab|oy|as|srl|spa|sdn|bhd|berhad|s/b|"
    r"pte|pvt|pty|enterprise|trading|services|store|restaurant|mart|shop)\b\.?",
    re.IGNORECASE,
)


def _word_offsets(line: Line) -> list[int]:
    offsets, pos = [], 0
    for word in line.words:
        offsets.append(pos)
        pos += len(word.text) + 1
    return offsets


def _span_box(line: Line, offsets: list[int], start: int, end: int) -> tuple[Box, float]:
    words = [w for w, off in zip(line.words, offsets, strict=True)
             if off < end and off + len(w.text) > start] or list(line.words)
    box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
           max(w.box[2] for w in words), max(w.box[3] for w in words))
    if len(words) == 1 and len(words[0].text) > 0:
        # Narrow the box to the matched part of a longer word ("Total:12,00").
        w = words[0]
        off = offsets[line.words.index(w)]
        per = (w.box[2] - w.box[0]) / len(w.text)
        a, b = max(start - off, 0), min(end - off, len(w.text))
        box = (w.box[0] + per * a, w.box[1], w.box[0] + per * b, w.box[3])
    return box, min(w.confidence for w in words)


# A day OCR split in two ("Date: 1 1/01/2019" for 11/01/2019): a lone digit, a space,
# then a date whose day is one digit.
_SPLIT_DAY = re.compile(r"(?<![\w.,/-])(\d) (\d[./-]\d{1,2}[./-]\d{2,4})(?![\w/])")


def _day_joined(text: str) -> str:
    """``text`` with split days joined, the space moved before them: the same length, so
    positions hold."""
    return _SPLIT_DAY.sub(lambda m: f" {m.group(1)}{m.group(2)}", text)


def _spans_on_line(line: Line, li: int, dayfirst: bool, sign: int = 1,
                   ocr: bool = False) -> list[_Span]:
    """Typed values on one line; ``sign`` -1 on a credit note, whose amounts are negative
    whatever sign is printed (see skills.doctype); ``ocr``: the line was read by OCR."""
    text = line.text
    offsets = _word_offsets(line)
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, value: str, start: int, end: int, **extra: float) -> None:
        box, conf = _span_box(line, offsets, start, end)
        spans.append(_Span(kind, value, text[start:end], box, li, conf, dict(extra)))
        taken.append((start, end))

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for start in (m.start() for m in _IBAN_START.finditer(text)):
        # Every possible start: a VAT id printed just before an IBAN also looks like one.
        m = _IBAN.match(text, start)
        iban = _longest_valid_iban(m.group(0)) if m else None
        if m and iban and free(start, start + 1):
            add("iban", iban, start, start + _printed_length(m.group(0), iban))
    for value, start, end in _vat_ids(text):
        if free(start, end):
            add("vat", value, start, end)
    dates = repair_digits(text)  # same length: positions hold
    joined = _day_joined(dates) if ocr else dates
    for m in _DATE.finditer(joined):
        value = normalize_date(m.group(0), dayfirst)
        # A joined day's value starts at its first digit, before the space OCR put in.
        start = m.start() - 1 if joined[m.start()] != dates[m.start()] else m.start()
        if value and free(start, m.end()):
            if _RANGE_END.search(text[:start]):
                taken.append((start, m.end()))  # a period's end: no field of ours
            else:
                add("date", value, start, m.end())
    for m in _PERCENT.finditer(text):
        rate = parse_amount(m.group(1))
        if rate is not None and free(m.start(), m.end()):
            add("percent", format_decimal(rate), m.start(), m.end())
    for m in _RATE_AFTER_TAX.finditer(text):
        rate = parse_amount(m.group(1))
        if rate is not None and 0 < rate < _HIGHEST_RATE and free(*m.span(1)):
            add("percent", format_decimal(rate), *m.span(1))
    if ocr:
        for m in _RATE_PERCENT_MISREAD.finditer(text):
            group = next(g for g in (1, 2, 3, 4) if m.group(g))
            rate = parse_amount(m.group(group))
            if rate is not None and 0 < rate < _HIGHEST_RATE and free(m.start(), m.end()):
                add("percent", format_decimal(rate), m.start(group), m.end())
    for m in _AMOUNT.finditer(text):
        amount = parse_amount(m.group(0))
        if amount is not None and free(m.start(), m.end()):
            amount = _signed(amount, _minus_beside(text, m.start(), m.end()), sign)
            add("amount", format_decimal(amount), m.start(), m.end(),
                has_currency_mark=_currency_near(text, m.start(), m.end()), decimals=1.0)
    for m in _BROKEN_AMOUNT.finditer(text):
        joined = parse_amount(m.group(1) + m.group(2))
        if joined is not None and not _is_grouped(m.group(2)):
            joined = _signed(joined, _minus_beside(text, m.start(), m.end()), sign)
            add("amount", format_decimal(joined), m.start(1), m.end(2),
                has_currency_mark=1.0, decimals=1.0)
    for m in _SPACED_AMOUNT.finditer(text):
        joined = _despaced(m)
        if joined is not None:
            joined = _signed(joined, _minus_beside(text, m.start(), m.end()), sign)
            add("amount", format_decimal(joined), m.start(), m.end(),
                has_currency_mark=_currency_near(text, m.start(), m.end()), decimals=1.0)
    for m in _INT_AMOUNT.finditer(text):
        group = 1 if m.group(1) else 2
        amount = parse_amount(m.group(group))
        if amount is not None and free(m.start(group), m.end(group)):
            amount = _signed(amount, _minus_beside(text, m.start(), m.end()), sign)
            add("amount", format_decimal(amount), m.start(group), m.end(group),
                has_currency_mark=1.0)
    for m in _CURRENCY_TOKEN.finditer(text):
        token = m.group(1) or m.group(2)
        iso = token if token in CURRENCY_CODES else CURRENCY_SYMBOLS.get(token.casefold())
        if iso:
            add("currency", iso, m.start(), m.end())
    for m in _COMPANY_NO.finditer(text.translate(_FULL_WIDTH)):
        taken.append((m.start(), m.end()))  # the seller's registration: no number of ours
    if ocr:  # OCR sets a separator apart ("F2020 / 9844"): also read the number whole
        for m in _SPACED_ID.finditer(text):
            token = re.sub(r"\s", "", m.group(0))
            if len(token) <= 30 and free(m.start(), m.end()):
                add("id", token, m.start(), m.end())
        for m in _SPLIT_ID.finditer(text):  # or a space: "A1 1276"; its pieces stay readings
            if free(m.start(), m.end()):
                add("id", ocr_id(re.sub(r"\s", "", m.group(0))), m.start(), m.end())
                taken.pop()
    for m in _ID.finditer(text):
        token = m.group(0)
        if any(c.isdigit() for c in token) and 2 <= len(token) <= 30 and free(m.start(), m.end()) \
                and not _PERIOD.fullmatch(token) and not (ocr and _OCR_WORD.fullmatch(token)):
            add("id", ocr_id(token) if ocr else token, m.start(), m.end())
    return spans


# The word closing a period ("du 1er au 31 Juillet 2015", "vom 01.07. bis 31.07.2024",
# "from 1 to 31 July"), after a day or date: the date it leads to ends the period.
_RANGE_END = re.compile(r"\d\S*\s+(?:au|bis|to|till|until|al|hasta|tot|t/m)\s*$",
                        re.IGNORECASE)


# A minus printed before an amount, with a currency sign between ("-12,00", "− € 12,00",
# "-EUR 12.00"), or after it, as accounting systems print credits ("119,00-").
_MINUS_BEFORE = re.compile(r"(?:^|[\s(:=])[-−–]\s?(?:[€$£]|[A-Z]{3})?\s?$")
_MINUS_AFTER = re.compile(r"^[-−](?![\d\w])")


def _is_grouped(rest: str) -> bool:
    """"1 234,56": ``rest`` is the thousands after the space, already read as one amount."""
    return len(rest.split(",")[0].split(".")[0]) == 3


def _signed(amount: Decimal, minus: bool, sign: int) -> Decimal:
    """On a credit note (``sign`` -1) every amount is negative, printed so or not;
    elsewhere an amount is negative when a minus is printed beside it."""
    if sign < 0:
        return -abs(amount)
    return -amount if minus else amount


def _minus_beside(text: str, start: int, end: int) -> bool:
    """The amount at text[start:end] is printed negative."""
    return bool(_MINUS_BEFORE.search(text[max(0, start - 7):start])
                or _MINUS_AFTER.match(text[end:end + 6]))


def _printed_length(printed: str, compact: str) -> int:
    count = 0
    for i, ch in enumerate(printed):
        if not ch.isspace():
            count += 1
        if count == len(compact):
            return i + 1
    return len(printed)


def _longest_valid_iban(printed: str) -> str | None:
    """The longest start of ``printed`` that is an IBAN, as printed or as OCR misread it
    (skills.normalize.repair_iban)."""
    compact = printed.replace(" ", "")
    for end in range(len(compact), 14, -1):
        valid = normalize_iban(compact[:end]) or repair_iban(compact[:end])
        if valid:
            return valid
    return None


# Rows of an item list that start with a code: at least this many, their codes aligned.
_ITEM_CODE_ROWS = 3
# Words of letters after the code: the item's description.
_DESCRIBED = re.compile(r"^\W*[^\W\d_]{2,}")


def _without_item_codes(page: Page, spans: list[_Span]) -> list[_Span]:
    """Identifiers that start item rows ("2978 1 36962443 NASI LEMAK", "8697376322094 TEH
    TARIK"): a column of codes, each followed by a description, at least three rows, are
    article numbers and barcodes, never a number of the document's header."""
    starts: dict[int, _Span] = {}
    for span in spans:
        if span.kind != "id":
            continue
        line = page.lines[span.line]
        # The code's run of numbers: the span and any digits before it on its line.
        before, after = line.text.split(span.raw, 1) if span.raw in line.text else ("x", "")
        if re.fullmatch(r"[\d\s]*", before) and _DESCRIBED.match(after):
            starts[span.line] = span
    if len(starts) < _ITEM_CODE_ROWS:
        return spans
    lefts = sorted(page.lines[li].box[0] for li in starts)
    height = float(np.median([page.lines[li].box[3] - page.lines[li].box[1] for li in starts]))
    aligned = [li for li in starts if abs(page.lines[li].box[0] - lefts[len(lefts) // 2]) < height]
    if len(aligned) < _ITEM_CODE_ROWS:
        return spans
    codes = set(aligned)
    return [s for s in spans if not (s.kind == "id" and s.line in codes)]


def _wrapped_ibans(page: Page, found: list[_Span]) -> list[_Span]:
    """IBANs a narrow column wrapped onto the next line ("IBAN GB22 LJRP 0721 3899" over
    "6928 32"): the line's unfinished IBAN joined with the line just below it in the same
    column. The checksum decides, so a join that is not one IBAN adds nothing."""
    has_iban = {s.line for s in found if s.kind == "iban"}
    out = []
    for li, line in enumerate(page.lines):
        if li in has_iban:
            continue
        starts = list(_IBAN_START.finditer(line.text))
        below = _line_below(page, line) if starts else None
        if below is None:
            continue
        start = starts[-1].start()
        m = _IBAN.match(f"{line.text[start:]} {below.text}")
        iban = _longest_valid_iban(m.group(0)) if m else None
        if iban:
            first, _ = _span_box(line, _word_offsets(line), start, len(line.text))
            box = (first[0], first[1], max(first[2], below.box[2]), below.box[3])
            out.append(_Span("iban", iban, m.group(0), box, li,
                             min(line.confidence, below.confidence)))
    return out


def _line_below(page: Page, line: Line) -> Line | None:
    """The line right under ``line`` in its column: left edges within a few points, the
    gap under one line height (OCR's boxes of close lines may overlap a little)."""
    height = line.box[3] - line.box[1]
    under = [other for other in page.lines
             if abs(other.box[0] - line.box[0]) < 0.6 * height
             and -0.3 * height <= other.box[1] - line.box[3] < height
             and other.box[1] > line.box[1]]
    return min(under, key=lambda o: o.box[1], default=None)


_VAT_START = re.compile(r"\b(?:CHE|ATU|[A-Z]{2}[A-Z]?)[\s.\-]?\d")


# A phone label right before a value ("Tel", "Fax No.", "Telefon:").
_PHONE_BEFORE = re.compile(r"\b(?:tel|t[ée]l[ée]?fono?|telefon|phone|fax|tlf|mobile?|mob|hp)"
                           r"\.?\s*(?:no\.?|nr\.?)?\s*[:.]?\s*$", re.IGNORECASE)


def _vat_ids(text: str) -> list[tuple[str, int, int]]:
    """VAT ids, allowing the spaces, dots and dashes people print inside them."""
    found = []
    for m in _VAT_START.finditer(text):
        if _PHONE_BEFORE.search(text[:m.start()]):
            continue  # "TEL NO 04-952 6429": a phone number, whatever its checksum says
        chunk = text[m.start(): m.start() + 24]
        for end in range(len(chunk), 7, -1):
            piece = chunk[:end]
            if end < len(chunk) and chunk[end].isalnum():
                continue
            value = normalize_vat(piece)
            if value:
                found.append((value, m.start(), m.start() + end))
                break
    return found


def _currency_near(text: str, start: int, end: int) -> float:
    window = text[max(0, start - 5): end + 5]
    return 1.0 if re.search(r"[€$£]|\b[A-Z]{3}\b", window) else 0.0


# ------------------------------------------------------------ geometry vs labels


def _relations(boxes: np.ndarray, labels: list[Label], page: Page) -> dict[str, np.ndarray]:
    """For every span and every labelled field, the best right/below/any distance."""
    out: dict[str, np.ndarray] = {}
    if not labels or not len(boxes):
        return out
    lb = np.array([lab.box for lab in labels], dtype=np.float64)
    s = boxes[:, None, :]
    lab = lb[None, :, :]
    reach = np.array([max(lab.reach, lab.box[2]) for lab in labels])[None, :]
    hs = np.maximum(s[..., 3] - s[..., 1], 1)
    hl = np.maximum(lab[..., 3] - lab[..., 1], 1)
    v_overlap = (np.minimum(s[..., 3], lab[..., 3]) - np.maximum(s[..., 1], lab[..., 1]))
    same_row = v_overlap / np.minimum(hs, hl) > 0.5
    # OCR boxes are padded around the ink and word boxes come from the recogniser's
    # frames, so neighbours may overlap by a few points: allow a third of a line's height.
    slack = np.maximum(2.0, hl / 3)
    right = same_row & (s[..., 0] >= reach - slack)
    d_right = np.where(right, np.maximum(s[..., 0] - reach, 0) / page.width, 1.0)
    h_overlap = (np.minimum(s[..., 2], lab[..., 2]) - np.maximum(s[..., 0], lab[..., 0])) > 0
    aligned = (h_overlap | (np.abs(s[..., 0] - lab[..., 0]) < 15)
               | (np.abs(s[..., 2] - lab[..., 2]) < 15))
    below = aligned & (s[..., 1] >= lab[..., 3] - slack)
    d_below = np.where(below, np.maximum(s[..., 1] - lab[..., 3], 0) / page.height, 1.0)
    cx = (s[..., 0] + s[..., 2]) / 2 - (lab[..., 0] + lab[..., 2]) / 2
    cy = (s[..., 1] + s[..., 3]) / 2 - (lab[..., 1] + lab[..., 3]) / 2
    d_near = np.hypot(cx / page.width, cy / page.height)
    gap = s[..., 1] - lab[..., 3]
    next_row = (gap >= -slack) & (gap <= 1.6 * hl) & (s[..., 2] > lab[..., 0])
    d_next = np.where(next_row, np.maximum(gap, 0) / page.height, 1.0)
    out["right"], out["below"], out["near"], out["next"] = d_right, d_below, d_near, d_next
    return out


# What may stand beside a value alone on its row: a currency mark, a colon, dots.
_ONLY_MARKS = re.compile(r"[\s:=*.\-–]*(?:[€$£]|[A-Z]{3}|RM|Rs\.?)?[\s:=*.\-–]*")


def _wrapped_pairs(rel: dict[str, np.ndarray], ctx: PageContext) -> None:
    """A key-value pair wrapped onto the next row ("Sub-total:" / "999.02" under it, to the
    right) is the pair it would be on one row: a label with no value of that kind beside it,
    and a value alone on the row under it, right of the label's end. The value then counts
    as right of its label. Several values on the row under labels (a header row over a row
    of figures) are a table, left to the other relations. Amounts only: a date or a number
    on the next row is as often the next row's own value (an id under "Order date:")."""
    if not rel:
        return
    amounts = np.array([s.kind == "amount" for s in ctx.spans])
    beside = rel["right"] < 1.0
    for si, span in enumerate(ctx.spans):
        if not amounts[si]:
            continue
        line = ctx.page.lines[span.line].text
        if not _ONLY_MARKS.fullmatch(line.replace(span.raw, "", 1)):
            continue
        for li, lab in enumerate(ctx.labels):
            end = max(lab.reach, lab.box[2])
            if rel["next"][si, li] >= 1.0 or span.box[0] < end:
                continue
            if (beside[:, li] & amounts).any():
                continue
            rel["right"][si, li] = min(rel["right"][si, li], (span.box[0] - end) / ctx.page.width)


def _label_features(rel: dict[str, np.ndarray], labels: list[Label], si: int, fld: str,
                    span: _Span) -> tuple[dict[str, float], str]:
    """The features of the span's place among the labels, and its nearest own label."""
    feats = {"d_right": 1.0, "d_below": 1.0, "d_near": 1.5, "d_right_other": 1.0,
             "d_below_other": 1.0, "d_right_related": 1.0, "d_below_related": 1.0,
             "d_next_row": 1.0, "d_next_row_other": 1.0}
    if not rel:
        return feats, ""
    related = RELATED.get(fld, fld)
    best_score, best = 9.0, None
    named = (9.0, "")  # the label the value is printed for: beside it first, else over it
    for li, lab in enumerate(labels):
        r, b, n = rel["right"][si, li], rel["below"][si, li], rel["near"][si, li]
        nr = rel["next"][si, li]
        if lab.field == fld:
            feats["d_next_row"] = min(feats["d_next_row"], nr)
            feats["d_right"] = min(feats["d_right"], r)
            feats["d_below"] = min(feats["d_below"], b)
            feats["d_near"] = min(feats["d_near"], n)
            score = min(r, b * 3, nr * 3, 1 + n)
            if score < best_score:
                best_score, best = score, lab
            named = min(named, (r if r < 1 else 1 + min(nr, b), lab.phrase))
            if lab.line_index == span.line:
                feats["same_line_label"] = 1.0
                if lab.remainder and lab.remainder[:3] in span.raw:
                    # Glued to its label ("NIF-IVA:ESA1970759X"): right after it, though
                    # both share one OCR word's box.
                    feats["inline"] = 1.0
                    feats["d_right"] = 0.0
        elif lab.field in ("buyer", "seller"):
            continue
        else:
            feats["d_right_other"] = min(feats["d_right_other"], r)
            feats["d_below_other"] = min(feats["d_below_other"], b)
            feats["d_next_row_other"] = min(feats["d_next_row_other"], nr)
        if lab.field == related and related != fld:
            feats["d_right_related"] = min(feats["d_right_related"], r)
            feats["d_below_related"] = min(feats["d_below_related"], b)
    if best is not None:
        feats["has_label"] = 1.0
        feats["label_generic"] = float(best.generic)
        feats["label_len"] = min(len(best.phrase), 25) / 25
    own = min(feats["d_right"], feats["d_below"] * 3)
    other = min(feats["d_right_other"], feats["d_below_other"] * 3)
    feats["other_closer"] = float(other < own)
    return feats, named[1] if named[0] < 2 else ""


# ------------------------------------------------------------ building candidates

_KIND_FIELDS = {
    "date": DATE_FIELDS, "amount": AMOUNT_FIELDS, "percent": ("tax_rate",),
    "iban": ("vendor_iban",), "vat": ("vendor_vat",), "id": ID_FIELDS,
    "currency": ("currency",), "name": ("vendor_name",),
}


@dataclass(slots=True)
class PageContext:
    page: Page
    labels: list[Label]
    spans: list[_Span]


def document_dayfirst(doc: Document) -> bool:
    """Whether numeric dates in ``doc`` put the day first (15/03) or the month (03/15)."""
    texts = [line.text for page in doc.pages for line in page.lines]
    order = slash_date_order(texts)
    if order is not None:
        return order
    text = doc.text
    return not ("$" in text or "USD" in text) or "€" in text


def build_candidates(doc: Document, line_amounts: list[Decimal] | None = None,
                     own: OurCompanies | None = None,
                     kind: DocumentType | None = None,
                     unlabelled: list[Candidate] | None = None) -> list[Candidate]:
    """Every candidate of every header field in ``doc``, with features. Amounts of a credit
    note are negative; values that are one of ``own`` companies' are left out. ``kind``:
    the document's type when the caller knows it already. ``unlabelled``, when given,
    receives the values of NEEDS_LABEL fields left out for printing no label of theirs
    nearby: a learned layout (skills.layouts) knows their place without the label."""
    dayfirst = document_dayfirst(doc)
    kind = document_type(doc) if kind is None else kind
    sign = -1 if kind == DocumentType.CREDIT_NOTE else 1
    contexts = []
    for page in doc.pages:
        labels = find_labels(page.lines, fuzzy=page.method == ReadMethod.OCR)
        spans = [s for li, line in enumerate(page.lines)
                 for s in _spans_on_line(line, li, dayfirst, sign,
                                         ocr=page.method == ReadMethod.OCR)]
        spans += _wrapped_ibans(page, spans)
        spans = _without_item_codes(page, spans)
        if page is doc.pages[0]:  # the seller names itself on the first page
            spans += _name_spans(page, labels, spans)
        contexts.append(PageContext(page, labels, spans))
    all_spans = [s for ctx in contexts for s in ctx.spans]
    doc_feats = _document_features(all_spans, line_amounts or [])
    _line_amount_counts(contexts, doc_feats)
    _rounding_context(contexts, doc_feats)
    shape = _slip_features(doc, contexts)
    if contexts and is_slip(shape):
        _drop_names_under_title(contexts[0])
    candidates: list[Candidate] = []
    last = len(doc.pages)
    for ctx in contexts:
        boxes = np.array([s.box for s in ctx.spans], dtype=np.float64).reshape(-1, 4)
        rel = _relations(boxes, ctx.labels, ctx.page)
        _wrapped_pairs(rel, ctx)
        roles = role_features(boxes, ctx.labels, ctx.page)
        till = _till_roles(ctx) if is_slip(shape) else {}
        included = _included_rows(ctx.page)
        for si, span in enumerate(ctx.spans):
            for fld in _KIND_FIELDS[span.kind]:
                feats, label = _label_features(rel, ctx.labels, si, fld, span)
                if fld in NEEDS_LABEL and feats["d_right"] > 0.6 and feats["d_below"] > 0.15:
                    if unlabelled is not None:
                        unlabelled.append(Candidate(fld, span.value, span.raw, ctx.page.number,
                                                    span.box, span.confidence,
                                                    _method(ctx.page, span), feats))
                    continue
                feats.update(span.extra)
                feats.update(doc_feats.get(id(span), {}))
                feats.update(shape)
                feats.update(_position(span, ctx.page, last, fld in POSITIONAL))
                feats["role_buyer"], feats["role_seller"] = roles[si]
                candidates.append(Candidate(fld, span.value, span.raw, ctx.page.number, span.box,
                                            span.confidence, _method(ctx.page, span), feats,
                                            till.get(si, ""), included[span.line], label))
    candidates += _derived_rates(candidates)
    if own is not None and own.companies:
        candidates = [c for c in candidates if not own.is_ours(c.field, c.value)]
    return _merge_currencies(candidates)


def _included_rows(page: Page) -> list[bool]:
    """Per line: it, or a line left of it on its row, says the tax is included in the
    prices. OCR gives "VAT Included :" and its amount as two boxes, two lines."""
    said = [line for line in page.lines if _INCLUDED.search(line.text)]
    return [any(_left_on_row(other, line) for other in said) for line in page.lines]


def _left_on_row(other: Line, line: Line) -> bool:
    """``other`` is ``line`` or ends before it on its row."""
    if other is line:
        return True
    middle = (line.box[1] + line.box[3]) / 2
    return other.box[1] <= middle <= other.box[3] and other.box[2] <= line.box[0] + 1.0


# A tax included in the prices: "VAT 20% Included", "Incl. GST", "inkl. MwSt.", "TVA
# incluse", "IVA incluido", "BTW inbegrepen", "IVA compresa" (OCR's "Inc1" too).
_INCLUDED = re.compile(r"\b(?:incl(?:uded|usive|\.)?|inc1|inkl\.?|inklusive|enthalten|"
                       r"inclus[e]?|inclu[ií]d[oa]s?|inclusief|inbegrepen|inclus[oa]|compres[oa])"
                       r"(?!\w)", re.IGNORECASE)

# What a till prints beside the amount handed over and the amount given back.
_PAID_LABELS = frozenset({"cash", "paid", "amountpaid", "tendered", "cashtendered", "tender",
                          "cashreceived", "cashpaid", "payment", "gegeben", "bar", "especes",
                          "efectivo"})
_CHANGE_LABELS = frozenset({"change", "changedue", "cashchange", "changeamount", "wechselgeld",
                            "rendu", "cambio", "wisselgeld"})


def _till_roles(ctx: PageContext) -> dict[int, str]:
    """Index of each amount printed as paid, as change or as the cash rounding
    adjustment: on its label's row, or first under the label when the till prints values
    a line lower."""
    roles: dict[int, str] = {}
    amounts = [(i, s) for i, s in enumerate(ctx.spans) if s.kind == "amount"]
    paid_at = min((lab.box[1] for lab in ctx.labels if lab.phrase in _PAID_LABELS),
                  default=float("inf"))
    for lab in ctx.labels:
        role = ("paid" if lab.phrase in _PAID_LABELS
                else "change" if lab.phrase in _CHANGE_LABELS
                # under what was handed over, the "balance" is what was given back
                or (lab.phrase == "balance" and lab.box[1] > paid_at)
                else "rounding" if lab.field == "other_amount" and "round" in lab.phrase
                else "")
        if not role:
            continue
        row = [i for i, s in amounts if beside(s.box, lab.box)]
        under = [(s.box[1], i) for i, s in amounts
                 if _just_under(s.box, lab.box) and s.box[2] > lab.box[0]]
        if not row and under:
            row = [min(under)[1]]
        for i in row:
            roles.setdefault(i, role)
    return roles


def _method(page: Page, span: _Span) -> str:
    """How the span's line was read: a picture's text on a text page is OCR."""
    return (page.lines[span.line].method or page.method).value


def _position(span: _Span, page: Page, last_page: int, positional: bool) -> dict[str, float]:
    feats = {"page_last": float(page.number == last_page), "ocr_conf": span.confidence}
    if positional:
        feats["x"] = (span.box[0] + span.box[2]) / 2 / page.width
        feats["y"] = (span.box[1] + span.box[3]) / 2 / page.height
    return feats


def _document_features(spans: list[_Span], line_amounts: list[Decimal]) -> dict[int, dict]:
    """Features that compare a value with the other values of the document."""
    out: dict[int, dict[str, float]] = {}
    counts: dict[tuple[str, str], int] = {}
    for s in spans:
        counts[(s.kind, s.value)] = counts.get((s.kind, s.value), 0) + 1
    for s in spans:
        out[id(s)] = {"repeats": min(counts[(s.kind, s.value)] - 1, 4) / 4}
    _amount_features([s for s in spans if s.kind == "amount"], spans, line_amounts, out)
    _date_features([s for s in spans if s.kind == "date"], out)
    for s in spans:
        if s.kind == "id":
            v = s.value
            out[id(s)].update(
                id_len=min(len(v), 20) / 20, id_digits=sum(c.isdigit() for c in v) / len(v),
                id_has_letter=float(any(c.isalpha() for c in v)),
                id_has_sep=float(any(c in "-/_." for c in v)), id_is_numeric=float(v.isdigit()))
    return out


def _amount_features(amounts: list[_Span], spans: list[_Span], line_amounts: list[Decimal],
                     out: dict[int, dict]) -> None:
    if not amounts:
        return
    # Magnitudes: a credit note's amounts relate to each other as an invoice's do.
    values = sorted({abs(Decimal(s.value)) for s in amounts if Decimal(s.value) != 0},
                    reverse=True)
    arr = np.array([float(v) for v in values])
    rates = {Decimal(s.value) for s in spans if s.kind == "percent"} - {Decimal(0)}
    rate_arr = np.array([float(r) for r in rates]) / 100 if rates else np.zeros(0)
    sums = (arr[:, None] + arr[None, :]) if len(arr) else np.zeros((0, 0))
    ys = sorted({round(s.box[1]) for s in amounts}, reverse=True)
    lines_total = abs(float(sum(line_amounts))) if len(line_amounts) > 1 else None
    for s in amounts:
        magnitude = abs(Decimal(s.value))
        v = float(magnitude)
        rank = values.index(magnitude) if magnitude in values else len(values)
        feats = {
            "amount_rank": min(rank, 10) / 10, "amount_is_max": float(rank == 0),
            "amount_y_rank": min(ys.index(round(s.box[1])), 10) / 10,
            "is_sum": float(_is_sum(sums, v)), "is_addend": float(_is_addend(arr, v)),
            "tax_fits": float(_near_any(np.outer(arr, rate_arr), v)),
            "net_fits": float(_near_any(arr[:, None] - v * rate_arr[None, :], 0.0)),
            "lines_sum": float(lines_total is not None and abs(lines_total - v) < 0.005),
            "amount_cents5": float(_is_round5(v)),
            # a sum only once rounded to 5 cents (the amount to pay after cash rounding)
            "is_rounded_sum": float(_is_round5(v) and not _is_sum(sums, v)
                                    and _is_sum(sums, v, 0.0251)),
        }
        out[id(s)].update(feats)


def _is_round5(v: float) -> bool:
    """A multiple of 5 cents: what a till asks for after cash rounding."""
    return abs(round(v * 20) - v * 20) < 1e-6


def _is_sum(sums: np.ndarray, v: float, tolerance: float = 0.005) -> bool:
    if not sums.size:
        return False
    hit = np.abs(sums - v) < tolerance
    np.fill_diagonal(hit, False)
    return bool(hit.any())


def _is_addend(arr: np.ndarray, v: float) -> bool:
    """v + b equals another amount c, for some amount b."""
    return bool(arr.size) and bool(np.any(np.abs((arr[:, None] - v) - arr[None, :]) < 0.005))


def _near_any(values: np.ndarray, target: float) -> bool:
    """Some product of amount and rate lands within a cent of ``target``."""
    return bool(values.size) and bool(np.any(np.abs(values - target) < 0.011))


def _line_amount_counts(contexts: list[PageContext], out: dict[int, dict]) -> None:
    """How many other amounts share the row (a reader may split a row into cells): none
    beside a total, several in a table."""
    for ctx in contexts:
        amounts = [s for s in ctx.spans if s.kind == "amount"]
        if not amounts:
            continue
        boxes = np.array([s.box for s in amounts], dtype=np.float64)
        mid = (boxes[:, 1] + boxes[:, 3]) / 2
        same = (mid[None, :] >= boxes[:, 1, None]) & (mid[None, :] <= boxes[:, 3, None])
        counts = same.sum(axis=1) - 1
        for s, n in zip(amounts, counts, strict=True):
            out[id(s)]["amounts_on_line"] = min(int(n), 3) / 3


def _rounding_context(contexts: list[PageContext], out: dict[int, dict]) -> None:
    """Amounts printed below a cash rounding line, and amounts that are another amount
    plus the printed rounding adjustment (the amount to pay after cash rounding)."""
    for ctx in contexts:
        rounding = [lab for lab in ctx.labels
                    if lab.field == "other_amount" and "round" in lab.phrase]
        if not rounding:
            continue
        reach = ctx.page.height * 0.12
        amounts = [s for s in ctx.spans if s.kind == "amount"]
        adjustments = set()
        for lab in rounding:  # the adjustment printed right of its label, with its sign,
            row = " ".join(ln.text for ln in ctx.page.lines if beside(ln.box, lab.box))
            row += " " + ctx.page.lines[lab.line_index].text
            if not _ADJUSTMENT.search(row):  # or on the row under it
                row = " ".join(ln.text for ln in ctx.page.lines if _just_under(ln.box, lab.box))
            for m in _ADJUSTMENT.finditer(row):
                value = _adjustment(m.group(0))
                if 0 < abs(value) < Decimal("0.05"):
                    adjustments |= {value, -value}  # a sign may be lost in print or reading
        values = sorted({Decimal(s.value) for s in amounts if Decimal(s.value) > 0})
        # what a total before rounding can be: a printed amount, or two added (net + tax)
        bases = set(values) | {a + b for i, a in enumerate(values) for b in values[i + 1:]}
        for s in amounts:
            if any(0 < s.box[1] - lab.box[1] <= reach for lab in rounding):
                out[id(s)]["after_rounding"] = 1.0
            v = Decimal(s.value)
            if v > _SMALLEST_TOTAL and _is_round5(float(v)) and \
                    any(v - r in bases for r in adjustments):
                out[id(s)]["rounded_total"] = 1.0


_SMALLEST_TOTAL = Decimal("0.05")


def _just_under(box: Box, label: Box) -> bool:
    """``box`` starts on the row under the label's (its value printed a line lower)."""
    height = label[3] - label[1]
    return -height / 2 <= box[1] - label[3] < 1.5 * height


# OCR may drop the point of a small adjustment ("-001" for "-0.01").
_ADJUSTMENT = re.compile(r"(?<![\d.,])[-+]?\s?0[.,]?0\d(?![\d.,])")


def _adjustment(printed: str) -> Decimal:
    """A cash rounding adjustment as printed ("-0.01", "+0,02", or "-001" read without
    its point), in currency units; the caller keeps those under 5 cents."""
    digits = re.sub(r"[^\d]", "", printed)
    value = Decimal(digits) / 100
    return -value if printed.lstrip().startswith("-") else value


def beside(box: Box, label: Box) -> bool:
    """``box`` is on the label's row, right of it."""
    mid = (box[1] + box[3]) / 2
    return label[1] - 2 <= mid <= label[3] + 2 and box[0] >= label[2] - 1


_TILL_LABELS = ("cash", "change", "tendered", "cashtendered", "changedue", "cashier", "rounding",
                "roundingadj", "roundingadjustment", "counter", "table", "pax", "totalqty",
                "cashreceived", "cashpaid", "changeamount", "cashchange", "tender", "card",
                "mastercard", "visa", "master", "debitcard", "creditcard")


# Till rolls are 57 to 80 mm wide; with a scanner's margin a slip stays under 92 mm
# (260 pt), a width no invoice or letter page has.
_TILL_PAPER = 260.0


def _slip_features(doc: Document, contexts: list[PageContext]) -> dict[str, float]:
    """Whether the document looks like a till receipt: a tall page or one as narrow as
    till paper, till words."""
    page = doc.pages[0] if doc.pages else None
    tall = 0.0 if page is None else min(max(page.height / max(page.width, 1) - 1.45, 0.0), 1.0)
    found = {lab.phrase for ctx in contexts for lab in ctx.labels if lab.phrase in _TILL_LABELS}
    if page is not None and any(_is_receipt_title(line.text) for line in page.lines):
        found.add("receipt")  # "SALES RECEIPT", "OFFICIAL RECEIPT": a till's title
    if page is not None and any(_MASKED_CARD.search(line.text) for line in page.lines):
        found.add("card number")  # "************0868": a card terminal's print
    if page is not None and (page.width <= _TILL_PAPER or (
            found and _inked_width(page) <= _TILL_PAPER)):
        # a short slip off an 80 mm roll is no taller than wide; photographed on a larger
        # sheet, it prints in a roll's width, with a till's words (an invoice may print
        # in a narrow column too)
        tall = 1.0
    return {"doc_tall": tall, "doc_till": min(len(found), 3) / 3}


_MASKED_CARD = re.compile(r"[*xX#]{4,}\s?\d{4}\b")


def _inked_width(page: Page) -> float:
    """How wide the printed text is: a slip photographed on a larger sheet prints only
    in a till roll's width."""
    if len(page.lines) < _FEW_LINES:
        return page.width
    return max(ln.box[2] for ln in page.lines) - min(ln.box[0] for ln in page.lines)


# Fewer lines than this say too little about a page's shape.
_FEW_LINES = 8


def is_slip(features: dict[str, float]) -> bool:
    """A till slip, as the document features say: a tall narrow page, or several till
    words (cash, change, cashier...)."""
    return features.get("doc_tall", 0.0) > 0.2 or features.get("doc_till", 0.0) >= 2 / 3


# Words a slip's title may have beside "invoice" or "receipt" ("SIMPLIFIED TAX INVOICE").
_TITLE_QUALIFIERS = frozenset({"simplified", "official", "cash", "sales", "full", "copy"})


def _is_title_line(text: str) -> bool:
    return _made_of(text, _TITLE_WORDS, _TITLE_QUALIFIERS)


def _is_receipt_title(text: str) -> bool:
    return _made_of(text, _RECEIPT_WORDS, _TITLE_QUALIFIERS | _TITLE_WORDS)


_RECEIPT_WORDS = frozenset({"receipt", "quittung", "kassenbon", "recu", "ticket", "recibo",
                            "bon", "kassabon", "scontrino"})


def _made_of(text: str, key: frozenset[str], qualifiers: frozenset[str]) -> bool:
    """The text's words are at least one of ``key`` and otherwise only ``qualifiers``."""
    words = [w for w in re.split(r"[^a-z]+", normalize_text(text)) if w]
    return bool(words) and any(w in key for w in words) and all(
        w in key or w in qualifiers for w in words)


def _drop_names_under_title(ctx: PageContext) -> None:
    """On a slip the shop prints its name above the title ("TAX INVOICE"); a company
    printed under the title, the shop's name above it, is the customer's."""
    lines = ctx.page.lines
    titles = [ln.box[1] for ln in lines if _is_title_line(ln.text)]
    if not titles:
        return
    top = min(titles)
    names = [s for s in ctx.spans if s.kind == "name"]
    if not any(s.box[3] <= top for s in names if not _is_title_line(s.value)):
        return
    ctx.spans[:] = [s for s in ctx.spans if s.kind != "name" or s.box[1] < top]


def _date_features(dates: list[_Span], out: dict[int, dict]) -> None:
    distinct = sorted({s.value for s in dates})
    for s in dates:
        rank = distinct.index(s.value)
        out[id(s)].update(date_rank=min(rank, 5) / 5, date_n=min(len(distinct), 6) / 6,
                          date_is_first=float(rank == 0),
                          date_is_last=float(rank == len(distinct) - 1))


def _name_spans(page: Page, labels: list[Label], found: list[_Span]) -> list[_Span]:
    """Lines that could be the vendor's name."""
    # The seller's own numbers: VAT id, IBAN, a labelled tax or registration number, a
    # company number in brackets ("(123456-X)").
    id_boxes = [s.box for s in found if s.kind in ("vat", "iban")]
    id_boxes += [page.lines[lab.line_index].box for lab in labels
                 if lab.field in ("vendor_vat", "vendor_reg")]
    id_boxes += [ln.box for ln in page.lines if _COMPANY_NO.search(ln.text)]
    heights = [ln.box[3] - ln.box[1] for ln in page.lines] or [10.0]
    median = float(np.median(heights))
    buyer = [lab for lab in labels if lab.field == "buyer"]
    seller = [lab for lab in labels if lab.field == "seller"]
    label_lines = {lab.line_index for lab in labels if lab.field not in _PARTY_LABELS}
    # A line that starts with a field's label ("Invoice no: 12") is not a name.
    labelled = {lab.line_index for lab in labels
                if lab.word_start == 0 and lab.field not in _PARTY_LABELS
                and (not lab.generic or any(c.isdigit() for c in page.lines[lab.line_index].text))}
    web = " ".join(re.findall(r"(?:www\.|@|https?://)([\w.-]+)", page.text.lower()))
    # "Sold by: ACME Ltd", "... are sold by ACME Inc": the name is what follows the label.
    after_seller = {lab.line_index: lab.word_end for lab in seller
                    if lab.word_end < len(page.lines[lab.line_index].words)
                    and (lab.word_start == 0 or lab.phrase == "soldby"
                         or _colon_after(page.lines[lab.line_index], lab))}
    # "Firma: ACME GmbH" in a party's block: the name follows the label.
    after_label = {**_after_name_label(page, labels), **after_seller}
    # OCR sets punctuation apart ("D . I . Y ."); a text layer prints it as meant.
    tidy = _tidy_ocr_name if page.method == ReadMethod.OCR else str.strip
    spans = []
    rank = 0
    for index, line in sorted(enumerate(page.lines), key=lambda il: (il[1].box[1], il[1].box[0])):
        if index in after_label:
            line = make_line(line.words[after_label[index]:])
        line = _continued(page, _without_company_no(line))
        text = line.text.strip(" :,.-|·")
        letters = sum(c.isalpha() for c in text)
        if letters < 3 or len(text) > 80 or letters / max(len(text), 1) < 0.5:
            continue
        if is_label_only(text) or index in labelled or is_table_header(text):
            continue
        if _is_copy_mark(text) or _GREETING.match(text):
            continue  # "DUPLICATE", "Welcome to our store": no name
        if page.method == ReadMethod.OCR and not any(c.isupper() for c in text):
            continue  # no capital at all: a hand-written note on the scan, not a printed name
        if _opens_with_closing_bracket(text):
            continue  # the second line of a name broken inside its brackets
        if _is_prose(line.text):
            continue
        line = _without_title(line)
        text = line.text.strip(" :,.-|·")
        if not any(len(w) > 1 and w.isalpha() for w in re.split(r"[\s&.,'’()/-]+", text)) or (
                _WEB.search(text) and len(text.split()) == 1):
            continue  # no word of letters ("# INV_1"), or an e-mail or web address
        words = text.split()
        norm = normalize_text(text)
        feats = {
            "name_height": min((line.box[3] - line.box[1]) / median, 3) / 3,
            "name_rank": min(rank, 30) / 30, "name_suffix": _ends_in_suffix(tidy(text)),
            "name_upper": sum(c.isupper() for c in text) / max(letters, 1),
            "name_words": min(len(words), 10) / 10,
            "name_buyer": _below_label(line, buyer),
            "name_seller": 1.0 if index in after_seller else _below_label(line, seller),
            "name_web": float(bool(norm) and any(w in web for w in norm.split()[:1] if len(w) > 3)),
            "name_near_ids": _closeness(line.box, id_boxes, page),
            "name_id_band": _same_band(line.box, id_boxes, page),
            "name_digits": sum(c.isdigit() for c in text) / max(sum(c.isalnum() for c in text), 1),
            "same_line_label": float(index in label_lines),
        }
        rank += 1
        spans.append(_Span("name", tidy(text), line.text, line.box, index,
                           line.confidence, feats))
        # "ACME GmbH · Hauptstr. 1 · Berlin": the sender line's name; "ACME B.V. iov
        # acme.com": a company's name ends with its legal form.
        for head in (_first_segment(line), _up_to_legal_form(line)):
            if head is None:
                continue
            seg = head.text.strip(" :,.-|·")
            spans.append(_Span("name", tidy(seg), head.text, head.box, index,
                               head.confidence, {
                **feats, "name_words": min(len(seg.split()), 10) / 10,
                "name_suffix": _ends_in_suffix(tidy(seg)), "name_segment": 1.0}))
    return _without_buyer(spans, page, buyer, labels)


# What may follow a company's legal form or trade word: a branch in brackets, a store
# number, punctuation ("ACME Trading (Branch) #12.").
_AFTER_SUFFIX = re.compile(r"\s*(?:\([^()]*\)|#?\d[\d-]*|[.,:;|·*-])\s*$")


def _ends_in_suffix(text: str) -> float:
    """1.0 when the words end with a legal form or trade word ("... Sdn Bhd", "... Trading"),
    not when one is inside ("To GST (Goods & Services Tax)" is no company)."""
    core = text
    while (piece := _AFTER_SUFFIX.search(core)) is not None and piece.start() < len(core):
        # One trailing piece at a time: a pattern repeating the pieces backtracks for
        # seconds on a row of numbers.
        core = core[:piece.start()]
    ends = [m.end() for m in _SUFFIXES.finditer(core)]
    return float(bool(ends) and ends[-1] >= len(core.rstrip(" .")))


# Labels that say whose block a line is in, or that a line is a party's name: a line
# starting with one may still be a name.
_PARTY_LABELS = ("buyer", "seller", "party_name")


def _after_name_label(page: Page, labels: list[Label]) -> dict[int, int]:
    """Line index → index of the first word after a leading name label ("Firma:",
    "Raison sociale", "Name")."""
    return {lab.line_index: lab.word_end for lab in labels
            if lab.field == "party_name" and lab.word_start == 0
            and lab.word_end < len(page.lines[lab.line_index].words)}


_LEGAL_FORMS = frozenset({"gmbh", "ag", "kg", "ltd", "limited", "plc", "llp", "llc", "inc",
                          "corp", "sa", "sas", "sarl", "bv", "nv", "vof", "srl", "spa", "bhd",
                          "berhad", "ab", "oy", "pty", "pte", "sl", "slu"})


def _up_to_legal_form(line: Line) -> Line | None:
    """The words up to a legal form that more words follow ("ACME B.V." of "ACME B.V. iov
    acme.com"), or None."""
    keys = [re.sub(r"[^a-z]", "", w.text.lower()) for w in line.words]
    for i in range(1, len(keys) - 1):
        if keys[i] in _LEGAL_FORMS and keys[i + 1] not in _LEGAL_FORMS | _JOINING:
            return make_line(line.words[: i + 1])
    return None


# Words that join legal forms into one ("GmbH & Co. KG", "SARL et Cie"); "" is a word
# of punctuation only ("&", "+").
_JOINING = frozenset({"", "co", "cie", "und", "and", "et"})


def _without_buyer(spans: list[_Span], page: Page, buyer: list[Label],
                   labels: list[Label]) -> list[_Span]:
    """Drops the buyer's name, wherever it is printed: what follows a buyer's label ("Bill
    to: ACME") or the first line under it ("Nom de l'abonné" above "de Lattre Alexis")
    names the buyer in the address window too, where no label says so. Other names carry
    their closeness to a buyer's label as a feature."""
    # A label that starts its line; a short, generic one ("An") only standing alone.
    named = _after_name_label(page, labels)
    heads = [lab for lab in buyer if lab.word_start == 0 and (
        not lab.generic or is_label_only(page.lines[lab.line_index].text))]
    taken = set()
    for lab in heads:
        line = page.lines[lab.line_index]
        if lab.word_end < len(line.words):  # "Bill to: ACME Ltd"
            taken |= {normalize_text(line.text.strip(" :,.-|·")),
                      normalize_text(make_line(line.words[lab.word_end:]).text.strip(" :,.-|·"))}
        else:
            under = _first_line_under(page, lab)
            if under is not None:
                taken.add(normalize_text(under.text.strip(" :,.-|·")))
                start = named.get(page.lines.index(under))
                if start is not None:  # "Firma: ACME GmbH" under "Käufer"
                    taken.add(normalize_text(make_line(under.words[start:]).text.strip(
                        " :,.-|·")))
    return [s for s in spans if normalize_text(s.value) not in taken]


def _first_line_under(page: Page, label: Label) -> Line | None:
    """The first line of the block a label heads: below it, within two and a half of its
    heights, in its column."""
    height = label.box[3] - label.box[1]
    below = [ln for ln in page.lines
             if label.box[1] + height / 2 <= ln.box[1] <= label.box[3] + 2.5 * height
             and min(ln.box[2], label.box[2] + 150) > max(ln.box[0], label.box[0] - 10)]
    # By row (half a height apart is one row), then nearest the label's left edge.
    return min(below, key=lambda ln: (round((ln.box[1] - label.box[1]) / height * 2),
                                      abs(ln.box[0] - label.box[0])), default=None)


_SEPARATORS = frozenset({"·", "|", "-", "–", "—", "•", "/", "||"})
_WEB = re.compile(r"@|www\.|https?://|\.(?:com|net|org|de|fr|nl|co|io)\b", re.IGNORECASE)


def _colon_after(line: Line, label: Label) -> bool:
    """The label is followed by a colon ("Account holder: ACME")."""
    last = line.words[label.word_end - 1].text
    return last.endswith(":") or line.words[label.word_end].text.startswith(":")


def _first_segment(line: Line) -> Line | None:
    """The words before the first stand-alone separator of a line that has several parts."""
    cut = next((i for i, w in enumerate(line.words) if w.text in _SEPARATORS), None)
    if not cut or cut == len(line.words) - 1:
        return None
    words = line.words[:cut]
    if sum(c.isalpha() for w in words for c in w.text) < 3:
        return None
    return make_line(words)


# A document title after the sender's name: "Amazon Web Services Invoice".
_TITLE_WORDS = frozenset({"invoice", "receipt", "bill", "rechnung", "quittung", "facture",
                          "factura", "factuur", "fattura", "gutschrift", "tax"})


# A till's greeting, printed where a shop's name could be.
_GREETING = re.compile(r"(?:welcome|thank\s*you|thanks|willkommen|bienvenue|bienvenido|welkom|"
                       r"benvenuti|vielen\s+dank|merci|gracias|bedankt|grazie)\b", re.IGNORECASE)


# Which print of a document this is ("DUPLICATE", "Merchant copy", "Kopie").
_COPY_MARKS = frozenset({"duplicate", "copy", "reprint", "original", "kopie", "duplikat",
                         "zweitschrift", "copie", "duplicata", "copia", "duplicado"})
_COPY_QUALIFIERS = frozenset({"customer", "merchant", "store", "client", "kunden", "cliente"})


def _is_copy_mark(text: str) -> bool:
    return _made_of(text, _COPY_MARKS, _COPY_QUALIFIERS)


def _without_title(line: Line) -> Line:
    """The line without a trailing document title, when a name of two words or more is left."""
    words = list(line.words)
    while len(words) > 2 and words[-1].text.lower().strip(".:") in _TITLE_WORDS:
        words.pop()
    return line if len(words) == len(line.words) else make_line(tuple(words))


def _is_prose(text: str) -> bool:
    """A sentence ("The issuer put their company data in the image below:"), not a name:
    six words or more, most of them lower-case."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(words) >= 6 and 2 * sum(w[0].islower() for w in words) > len(words)


_COMPANY_NO = re.compile(r"\(\s*\d[\d ]{4,10}\s?-?\s?[A-Z]\s*\)")
# OCR reads brackets as full-width ones ("（126926-H)"); same length, so positions hold.
_FULL_WIDTH = str.maketrans("（）", "()")


def _without_company_no(line: Line) -> Line:
    """The name before a company number printed after it on its line ("AEON CO. (M) BHD
    (126926-H)"): the number would make the line look like anything but a name."""
    found = _COMPANY_NO.search(line.text.translate(_FULL_WIDTH))
    if found is None or found.start() == 0:
        return line
    offsets = _word_offsets(line)
    keep = [w for w, at in zip(line.words, offsets, strict=True) if at < found.start()]
    return make_line(tuple(keep)) if keep else line


# Words a name broken over two lines ends its first line with ("HOME MASTER HARDWARE &").
_CONTINUES = re.compile(r"(?:&|\+|\band|\bund|\bet|\by|\ben)\s*$", re.IGNORECASE)


def _opens_with_closing_bracket(text: str) -> bool:
    text = text.translate(_FULL_WIDTH)
    return 0 <= text.find(")") < (text.find("(") if "(" in text else len(text))


def _continued(page: Page, line: Line) -> Line:
    """A name's line joined with the line under it when it ends with "&" or "and" or
    leaves a bracket open ("ENTERPRISE (SETIA" over "ALAM) SDN BHD"): the next line,
    centred or aligned under it, within a line's height, holds the rest."""
    text = line.text.translate(_FULL_WIDTH)
    if not _CONTINUES.search(text) and text.count("(") <= text.count(")"):
        return line
    height = line.box[3] - line.box[1]
    under = [other for other in page.lines
             if other is not line and -height / 2 <= other.box[1] - line.box[3] < height
             and other.box[0] >= line.box[0] - height and other.box[2] <= line.box[2] + height
             and (other.box[3] - other.box[1]) < 1.5 * height]
    below = min(under, key=lambda o: o.box[1], default=None)
    return line if below is None else make_line(tuple(line.words) + tuple(below.words))


# OCR reads a name's "&" as "8" ("STATIONERY 8 BOOKS"): between two words of capitals.
_AMPERSAND_AS_8 = re.compile(r"(?<=[A-Z]{2}) 8 (?=[A-Z]{2})")


# A legal form's letters OCR reads as digits ("S.r.1", "v.0.F.") or "l" as "I" ("S.r.I").
_LEGAL_FORM_TAIL = re.compile(r"(?<=\s)[A-Za-z0-9]{1,4}(?:[./][A-Za-z0-9]{1,4}){0,3}\.?$")
_LOWER_LOOKALIKES = str.maketrans("10I", "lol")
_UPPER_LOOKALIKES = str.maketrans("1085", "IOBS")
# Capitals OCR reads as other capitals: a legal form's first word before its last
# ("SON BHD" for "SDN BHD").
_UPPER_SWAPS = str.maketrans("O0", "DD")


def _legal_form_read_right(text: str) -> str:
    """``text`` with its last word put right when only read as a legal form with OCR's
    look-alikes swapped ("Rossi S.r.1" -> "Rossi S.r.l"); otherwise unchanged."""
    m = _LEGAL_FORM_TAIL.search(text)
    if m is None:
        return text
    word = m.group(0)
    if _SUFFIXES.fullmatch(word):
        return _first_word_read_right(text[:m.start()], word) + word
    if not any(c in "10I85" for c in word):
        return text
    lower = sum(c.islower() for c in word) >= sum(c.isupper() for c in word.replace("I", ""))
    fixed = word.translate(_LOWER_LOOKALIKES if lower else _UPPER_LOOKALIKES)
    return text[:m.start()] + fixed if _SUFFIXES.fullmatch(fixed) else text


# Legal forms of two words, folded.
_TWO_WORD_FORMS = frozenset({"sdn bhd", "pte ltd", "pvt ltd", "pty ltd", "co ltd"})


def _first_word_read_right(head: str, last: str) -> str:
    """``head`` (what precedes a legal form's last word ``last``) with its last word put
    right when only read as the form's first word with OCR's look-alikes ("SON " before
    "BHD"; "SMITH & SON LTD" stays)."""
    m = re.search(r"\b([A-Z0]{2,4})\s$", head)
    if m is None:
        return head
    fixed = m.group(1).translate(_UPPER_SWAPS)
    if f"{m.group(1)} {last}".lower() in _TWO_WORD_FORMS or \
            f"{fixed} {last}".lower() not in _TWO_WORD_FORMS:
        return head
    return head[:m.start(1)] + fixed + " "


# A word of letters OCR wrote with a zero or a one among them ("G0LDEN B00K", "0ak").
_LETTERS_WITH_LOOKALIKES = re.compile(r"\b(?=[A-Za-z01]*[A-Za-z][A-Za-z01]*[A-Za-z])"
                                      r"(?=[A-Za-z]*[01])[A-Za-z01]+\b")


def _letters_read_right(text: str) -> str:
    """Zeros and ones inside words of letters written as the letters they look like."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        upper = sum(c.isupper() for c in word) > sum(c.islower() for c in word)
        fixed = word.translate(_UPPER_LOOKALIKES if upper else _LOWER_LOOKALIKES)
        return "O" + fixed[1:] if word[0] == "0" else fixed  # "0ak" is "Oak"
    return _LETTERS_WITH_LOOKALIKES.sub(fix, text)


def _tidy_ocr_name(text: str) -> str:
    tidy = _letters_read_right(_AMPERSAND_AS_8.sub(" & ", normalize_name(text)))
    return _legal_form_read_right(tidy)


def _same_band(box: Box, others: list[Box], page: Page) -> float:
    """1.0 on the same height as one of ``others`` (the seller's ids, however far to the
    side), 0.0 a tenth of a page above or below."""
    if not others:
        return 0.0
    cy = (box[1] + box[3]) / 2
    dy = min(abs(cy - (o[1] + o[3]) / 2) for o in others if o != box) if any(
        o != box for o in others) else 1.0
    return float(max(0.0, 1 - dy / page.height / 0.1))


def _closeness(box: Box, others: list[Box], page: Page) -> float:
    """1.0 next to one of ``others`` (the vendor's VAT id or IBAN), 0.0 a third of a page away."""
    if not others:
        return 0.0
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    dist = min(np.hypot((cx - (o[0] + o[2]) / 2) / page.width, (cy - (o[1] + o[3]) / 2)
                        / page.height) for o in others)
    return float(max(0.0, 1 - dist / 0.33))


def _below_label(line: Line, labels: list[Label]) -> float:
    """1.0 right under (or beside) such a label, fading over ~60 points."""
    best = 0.0
    for lab in labels:
        dy = line.box[1] - lab.box[1]
        overlap_x = min(line.box[2], lab.box[2] + 150) - max(line.box[0], lab.box[0] - 10)
        if -2 <= dy <= 60 and overlap_x > 0:
            best = max(best, 1 - dy / 60)
    return best


def _derived_rates(candidates: list[Candidate]) -> list[Candidate]:
    """A tax rate that is not printed can still follow from net and tax."""
    nets = [c for c in candidates if c.field == "net_amount" and c.features.get("net_fits")]
    taxes = [c for c in candidates if c.field == "tax_amount" and c.features.get("tax_fits")]
    out, seen = [], set()
    for n in nets[:5]:
        for t in taxes[:5]:
            net, tax = abs(Decimal(n.value)), abs(Decimal(t.value))
            if net == 0 or tax > net:
                continue
            rate = (tax / net * 100).quantize(Decimal("0.1"))
            if rate in seen:
                continue
            seen.add(rate)
            out.append(Candidate("tax_rate", format_decimal(rate), f"{t.raw}/{n.raw}", t.page,
                                 t.box, min(n.confidence, t.confidence), t.method,
                                 {"derived": 1.0}))
    return out


def _merge_currencies(candidates: list[Candidate]) -> list[Candidate]:
    """One currency candidate per code, counting how often and where it appears."""
    merged: dict[str, Candidate] = {}
    others = []
    for c in candidates:
        if c.field != "currency":
            others.append(c)
            continue
        kept = merged.get(c.value)
        if kept is None:
            merged[c.value] = c
            c.features["repeats"] = 0.0
            continue
        kept.features["repeats"] = min(kept.features.get("repeats", 0) + 0.1, 1.0)
        for key in ("d_right", "d_below", "d_right_related", "d_below_related"):
            kept.features[key] = min(kept.features.get(key, 1.0), c.features.get(key, 1.0))
    return others + list(merged.values())
