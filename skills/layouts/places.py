"""Where a field's value sits relative to the printed words around it.

A place is learned from one value the clerk confirmed: the digit-free words printed
just before it on its line ("Rechnung Nr."), else those just above it ("Invoice date"
over "12.03.2024"), else the page itself; and the value's offset from them. On another
invoice of the layout the same anchor words are found again and the field's candidate
nearest the remembered offset is taken. Offsets are measured from the anchor's left
edge for left-aligned values and compared to both edges, so a longer amount printed
right-aligned still lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from skills.layouts.printed import anchor_word
from skills.normalize import normalize_currency
from skills.schema import Box, Document, Line, Page, Word
from skills.textlines import union

if TYPE_CHECKING:  # the candidates module loads the whole extraction
    from skills.extract.candidates import Candidate

Relation = Literal["right", "below", "page"]

_MAX_ANCHOR_WORDS = 4
# How far above a value its anchor may be, in the value's heights.
_ABOVE_HEIGHTS = 3.5
# How far a candidate may sit from where the place expects it (points, either edge),
# and how much a moved anchor counts against an occurrence (rows move with the items).
_SLACK_X = 40.0
_SLACK_Y_HEIGHTS = 0.8
_ANCHOR_MOVE_WEIGHT = 0.02
# A label printed before its value that moved further across the page than this is
# another block's label: the buyer's "VAT id:" where the vendor's was.
_MAX_SHIFT_X = 120.0


class Place(BaseModel):
    page: int  # 1-based; counted from the end when ``last`` (totals on the last page)
    last: bool = False
    # Learned on a one-page invoice: the value may be on the first or the last page of a
    # longer one (a header field or a total), both are tried.
    single: bool = False
    relation: Relation
    anchor: list[str]  # folded anchor words; empty for "page"
    anchor_box: Box  # where the anchor was when learned
    dx0: float  # value x0 - anchor x0
    dx1: float  # value x1 - anchor x0
    dy: float  # value y0 - anchor y0
    height: float


def label_word(word: Word) -> str | None:
    """The folded form of a word that may anchor a place: an anchor word
    (:func:`anchor_word`) that is not a currency. "EUR" before an amount is part of the
    value, printed beside every amount of a totals block, so it tells them apart from
    nothing."""
    folded = anchor_word(word)
    return None if folded is None or normalize_currency(folded) else folded


def learn_place(doc: Document, cand: Candidate) -> Place:
    """The place of ``cand`` on its page, anchored to the words before or above it."""
    page = doc.pages[cand.page - 1]
    found = _anchor_before(page, cand.box) or _anchor_above(page, cand.box)
    if found is None:
        relation: Relation = "page"
        words, box = [], (0.0, 0.0, 0.0, 0.0)
    else:
        relation, words, box = found
    x0, y0, x1, y1 = cand.box
    last = len(doc.pages) > 1 and cand.page == len(doc.pages)
    return Place(page=1 if last else cand.page, last=last, single=len(doc.pages) == 1,
                 relation=relation, anchor=words, anchor_box=box, dx0=x0 - box[0],
                 dx1=x1 - box[0], dy=y0 - box[1], height=max(y1 - y0, 1.0))


class Folded:
    """Each line's anchor words (folded) and their boxes, per page: a page is folded the
    first time a place asks for it, so the middle pages of a long invoice are never."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        self._pages: dict[int, list[tuple[list[str], list[Box]]]] = {}

    def __getitem__(self, index: int) -> list[tuple[list[str], list[Box]]]:
        if index not in self._pages:
            lines = []
            for line in self._doc.pages[index].lines:
                kept = [(f, w.box) for w in line.words if (f := label_word(w)) is not None]
                lines.append(([f for f, _ in kept], [b for _, b in kept]))
            self._pages[index] = lines
        return self._pages[index]


def fold(doc: Document) -> Folded:
    """The anchor words of ``doc``, computed once per document for all the places read."""
    return Folded(doc)


def find(doc: Document, folded: Folded, candidates: list[Candidate],
         place: Place, always: bool = False) -> Candidate | None:
    """The candidate (of one field) at ``place`` on ``doc``, or None. ``folded``:
    :func:`fold` of ``doc``. ``always``: the field is on every invoice, so when the anchor
    words are not printed (a credit note's title where the invoice's was) the value is
    looked for where it was on the page; an optional field without its anchor is taken
    for not printed."""
    pages = [len(doc.pages) + 1 - place.page if place.last else place.page]
    if place.single and len(doc.pages) > 1:
        pages.append(len(doc.pages))
    pages = [n for n in pages if 1 <= n <= len(doc.pages)]
    # The anchor on any page it may be on first: a one-page layout's total is on the last
    # page of a longer invoice, and the first page's items sit where it was.
    if place.relation != "page":
        for number in pages:
            found = _nearest(number, candidates, place, _anchors(folded, number, place))
            if found is not None:
                return found
    if always or place.relation == "page":
        # Where the value was: the block may have moved a little with a longer or shorter
        # label (a credit note's "N° d'avoir" where the invoice's "N° pièce" was), so the
        # value need not stay right of where the old label ended.
        for number in pages:
            found = _nearest(number, candidates, place, [place.anchor_box], beside=False)
            if found is not None:
                return found
    return None


def find_printed(doc: Document, value: str, field: str) -> Candidate | None:
    """``value`` where it is printed on ``doc``, spaces aside, also over two lines (an
    IBAN wrapped after its fourth group, a scan reading "DE12 3456" and "7890 ..." as two
    lines): a candidate of ``field`` on the lines that hold it, or None. The search runs
    from the last page up (a vendor's bank details are in its footer)."""
    from skills.extract.candidates import Candidate  # noqa: PLC0415 - loads the extraction

    wanted = _compact(value)
    for page in reversed(doc.pages):
        for line in page.lines:
            below = _line_below(page, line)
            for held in ([line], [line, below] if below is not None else []):
                if held and wanted in _compact(" ".join(x.text for x in held)):
                    return Candidate(field, value, " / ".join(x.text for x in held),
                                     page.number, union([x.box for x in held]),
                                     min(x.confidence for x in held),
                                     (line.method or page.method).value)
    return None


def _line_below(page: Page, line: Line) -> Line | None:
    """The line right under ``line`` in its column (a wrapped value's second line), or
    None. Lines are in reading order, row by row, so it need not be the next one."""
    height = max(line.box[3] - line.box[1], 1.0)
    best: tuple[float, Line] | None = None
    for other in page.lines:
        gap = other.box[1] - line.box[3]
        if (-0.3 * height <= gap <= height and abs(other.box[0] - line.box[0]) <= height
                and (best is None or gap < best[0])):
            best = (gap, other)
    return best[1] if best is not None else None


def _compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _anchors(folded: Folded, number: int, place: Place) -> list[Box]:
    lines = folded[number - 1]
    return _occurrences(lines, place.anchor) or _reworded(lines, place.anchor)


def _nearest(number: int, candidates: list[Candidate], place: Place,
             anchors: list[Box], beside: bool = True) -> Candidate | None:
    """The candidate on page ``number`` nearest where ``place`` expects it next to one of
    ``anchors`` (``beside``: right of the anchor when the place says so)."""
    best, best_cost = None, float("inf")
    for box in anchors:
        shift = abs(box[0] - place.anchor_box[0])
        if place.relation == "right" and shift > _MAX_SHIFT_X:
            continue
        moved = abs(box[1] - place.anchor_box[1]) + shift
        for cand in candidates:
            if cand.page != number:
                continue
            cost = _distance(cand.box, box, place, beside)
            if cost is None:
                continue
            cost += _ANCHOR_MOVE_WEIGHT * moved
            if cost < best_cost:
                best, best_cost = cand, cost
    return best


def _distance(value: Box, anchor: Box, place: Place, beside: bool = True) -> float | None:
    """How far ``value`` is from where ``place`` expects it next to ``anchor``; None when
    it is not there at all."""
    dy = abs(value[1] - (anchor[1] + place.dy))
    if dy > _SLACK_Y_HEIGHTS * place.height:
        return None
    dx = min(abs(value[0] - (anchor[0] + place.dx0)), abs(value[2] - (anchor[0] + place.dx1)))
    if dx > _SLACK_X:
        return None
    if beside and place.relation == "right" and value[0] < anchor[2] - 1.0:
        return None
    return dx + dy


def _words_before(line: Line, box: Box) -> list[tuple[str, Box]]:
    """The digit-free words printed before ``box`` on ``line``, in order, nearest last.
    Leader dots and other punctuation are passed over, and so are numbers between the
    label and the value ("MwSt. 19 % ...... 126,86"); a number further left ends it."""
    run: list[tuple[str, Box]] = []
    for word in reversed([w for w in line.words if w.box[2] <= box[0] + 1.0]):
        folded = label_word(word)
        if folded is not None:
            run.append((folded, word.box))
            if len(run) == _MAX_ANCHOR_WORDS:
                break
        elif run and any(ch.isdigit() for ch in word.text):
            break
    return run[::-1]


def _anchor_before(page: Page, box: Box) -> tuple[Relation, list[str], Box] | None:
    """The words just left of ``box`` in its row, from the nearest line there (a label
    and its right-aligned value are often separate lines of one row)."""
    middle = (box[1] + box[3]) / 2
    nearest: tuple[float, Line] | None = None
    for line in page.lines:
        if not line.box[1] <= middle <= line.box[3]:
            continue
        left = [w for w in line.words if w.box[2] <= box[0] + 1.0]
        if left and (nearest is None or box[0] - left[-1].box[2] < nearest[0]):
            nearest = (box[0] - left[-1].box[2], line)
    if nearest is None:
        return None
    run = _words_before(nearest[1], box)
    if not run:
        return None
    return "right", [w for w, _ in run], union([b for _, b in run])


def _anchor_above(page: Page, box: Box) -> tuple[Relation, list[str], Box] | None:
    """The nearest digit-free words above ``box`` that overlap its column."""
    height = max(box[3] - box[1], 1.0)
    near = [(box[1] - line.box[3], line) for line in page.lines
            if -1.0 <= box[1] - line.box[3] <= _ABOVE_HEIGHTS * height]
    best: tuple[float, list[tuple[str, Box]]] | None = None
    # A label over the value's column, else (a grid of cells: "Endbetrag" left-aligned
    # over "1'407.80" right-aligned in its cell) the label whose cell the value ends in.
    for label_of in (_label_over, _label_of_cell):
        for gap, line in near:
            run = label_of(line, box)
            if run and (best is None or gap < best[0]):
                best = (gap, run)
        if best is not None:
            break
    if best is None:
        return None
    return "below", [w for w, _ in best[1]], union([b for _, b in best[1]])


def _label_over(line: Line, box: Box) -> list[tuple[str, Box]]:
    """The label words of ``line`` over the column of ``box``, with the words of the same
    label run on to their left: "Total général (EUR)" over a right-aligned amount is
    one label, though only its last word is over the amount."""
    words = line.words
    over = [i for i, w in enumerate(words) if w.box[0] < box[2] + 10 and w.box[2] > box[0] - 10]
    if not over:
        return []
    first = over[0]
    gap = 1.5 * max(line.box[3] - line.box[1], 1.0)
    while first > 0 and words[first].box[0] - words[first - 1].box[2] <= gap:
        first -= 1
    run = [(f, w.box) for w in words[first:over[-1] + 1] if (f := label_word(w)) is not None]
    return run[-_MAX_ANCHOR_WORDS:]


def _label_of_cell(line: Line, box: Box) -> list[tuple[str, Box]]:
    """The label words of ``line`` that begin the cell ``box`` ends in: the last run of
    words starting left of the value's right edge, itself starting left of the value."""
    words = line.words
    last = max((i for i, w in enumerate(words) if w.box[0] < box[2]), default=None)
    if last is None:
        return []
    first = last
    gap = 1.5 * max(line.box[3] - line.box[1], 1.0)
    while first > 0 and words[first].box[0] - words[first - 1].box[2] <= gap:
        first -= 1
    if words[first].box[0] > box[0]:
        return []
    run = [(f, w.box) for w in words[first:last + 1] if (f := label_word(w)) is not None]
    return run[-_MAX_ANCHOR_WORDS:]


def _reworded(folded_lines: list[tuple[list[str], list[Box]]],
              anchor: list[str]) -> list[Box]:
    """Occurrences of the anchor with its last word left out: one invoice of a layout
    prints "Gross total (GBP):", the next "Gross total:". Never its first word: that is
    the one that says whose or which ("Votre réf. commande", the buyer's order, beside
    "Notre réf. commande", the vendor's own; "Please pay by" the due date, "Pay by" the
    discount's date). A single word left is not enough to tell labels apart."""
    if len(anchor) < 3:
        return []
    return _occurrences(folded_lines, anchor[:-1])


def _occurrences(folded_lines: list[tuple[list[str], list[Box]]],
                 anchor: list[str]) -> list[Box]:
    """Boxes of every run of anchor words on a page that reads ``anchor``."""
    n = len(anchor)
    found = []
    for words, boxes in folded_lines:
        if anchor[0] not in words:
            continue
        for i in range(len(words) - n + 1):
            if words[i:i + n] == anchor:
                found.append(union(boxes[i:i + n]))
    return found
