"""Line items: the rows of the item table under a header like "Description  Qty  Price  Amount".

The reader splits a table row into one line per cell (wide gaps separate them),
so a row is the set of lines sharing a vertical band, and each cell is assigned
to the header column it sits under. A row is kept when it has an amount; its
confidence is high when quantity x unit price gives the amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from skills.extract.labels import squash
from skills.normalize import format_decimal, parse_amount
from skills.schema import Box, Line, Page

_COLUMNS: dict[str, tuple[str, ...]] = {
    "description": ("description", "item", "items", "bezeichnung", "beschreibung", "artikel",
                    "designation", "concepto", "descripcion", "omschrijving", "product",
                    "service", "leistung", "libelle", "name"),
    "quantity": ("qty", "quantity", "menge", "anz", "anzahl", "qte", "quantite", "cantidad",
                 "cant", "aantal", "units", "hours"),
    "unit_price": ("unit price", "price", "rate", "einzelpreis", "e preis", "preis",
                   "prix unitaire", "pu ht", "precio unitario", "precio", "prijs per stuk",
                   "stukprijs", "prijs", "unit cost"),
    "amount": ("amount", "line total", "total", "betrag", "gesamt", "montant", "total ht",
               "importe", "bedrag", "totaal", "net amount", "subtotal"),
}
_LOOKUP = {squash(p): k for k, phrases in _COLUMNS.items() for p in phrases}
_STOP = ("total", "subtotal", "net", "summe", "zwischensumme", "netto", "totalht", "baseimponible",
         "subtotaal", "nettobedrag", "gesamtbetrag", "vat", "mwst", "tva", "iva", "btw", "tax")
# Words a table header also carries: currency marks ("Amount (RM)"), tax and code columns.
_CURRENCY_UNITS = ("rm", "myr", "eur", "usd", "gbp", "inr", "chf")
_HEADER_EXTRA = frozenset({"rm", "eur", "usd", "gbp", "myr", "inr", "chf", "code", "tax", "gst",
                           "vat", "disc", "discount", "no", "uom", "unit", "sku", "desc", "amt",
                           "up", "uprice"})


def is_table_header(text: str) -> bool:
    """The text is only column headings ("Item Amount (MYR) GST (MYR)", "QTY  U/P  AMT")."""
    words = [squash(w) for w in text.split()]
    words = [w for w in words if w]
    return bool(words) and all(_heading_word(w) for w in words)


def _heading_word(word: str) -> bool:
    if word in _LOOKUP or word in _HEADER_EXTRA:
        return True
    return any(word.endswith(unit) and (word[:-len(unit)] in _LOOKUP
                                        or word[:-len(unit)] in _HEADER_EXTRA)
               for unit in _CURRENCY_UNITS)  # "Amount(RM)", squashed "amountrm"


@dataclass(frozen=True, slots=True)
class TableRow:
    description: str
    quantity: str | None
    unit_price: str | None
    amount: str
    page: int
    box: Box
    consistent: bool  # quantity x unit price == amount


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into rows by overlapping vertical bands, top to bottom."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1], ln.box[0])):
        mid = (line.box[1] + line.box[3]) / 2
        if rows and rows[-1][0].box[1] <= mid <= rows[-1][0].box[3]:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(r, key=lambda ln: ln.box[0]) for r in rows]


def _header(row: list[Line]) -> dict[str, tuple[float, float]] | None:
    """Column kind → x-range, when ``row`` looks like a table header."""
    columns: dict[str, tuple[float, float]] = {}
    for line in row:
        words, i = line.words, 0
        while i < len(words):
            # Adjacent headers can share one line: try two-word names, then one word.
            for n in (2, 1):
                kind = _LOOKUP.get(squash(" ".join(w.text for w in words[i:i + n])))
                if kind and i + n <= len(words):
                    if kind not in columns:
                        columns[kind] = (words[i].box[0], words[i + n - 1].box[2])
                    i += n
                    break
            else:
                i += 1
    if "amount" in columns and len(columns) >= 3:
        return columns
    return None


def _column_of(box: Box, columns: dict[str, tuple[float, float]]) -> str:
    def gap(span: tuple[float, float]) -> float:
        overlap = min(box[2], span[1]) - max(box[0], span[0])
        return -overlap if overlap > 0 else min(abs(box[0] - span[1]), abs(box[2] - span[0]))

    return min(columns, key=lambda k: gap(columns[k]))


def find_line_items(page: Page) -> list[TableRow]:
    rows = _rows(page.lines)
    items: list[TableRow] = []
    for i, row in enumerate(rows):
        columns = _header(row)
        if columns is None:
            continue
        left = min(a for a, _ in columns.values()) - 40
        right = max(b for _, b in columns.values()) + 40
        for full in rows[i + 1:]:
            # Text beside the table (a sidebar, a margin note) is not part of a row.
            body = [ln for ln in full if left <= (ln.box[0] + ln.box[2]) / 2 <= right]
            if not body:
                continue
            first = squash(body[0].text)
            if any(first.startswith(stop) for stop in _STOP) and len(body) <= 3:
                break
            item = _parse_row(body, columns, page.number)
            if item is None:
                if items:
                    break
                continue
            items.append(item)
        if items:
            break
    return items


def _parse_row(row: list[Line], columns: dict[str, tuple[float, float]],
               page: int) -> TableRow | None:
    cells: dict[str, str] = {}
    for line in row:
        for word in line.words:  # word by word: neighbouring cells may share a line
            kind = _column_of(word.box, columns)
            cells[kind] = (cells.get(kind, "") + " " + word.text).strip()
    amount = parse_amount(cells.get("amount", ""))
    if amount is None or not cells.get("description"):
        return None
    qty = parse_amount(cells.get("quantity", "")) if cells.get("quantity") else None
    unit = parse_amount(cells.get("unit_price", "")) if cells.get("unit_price") else None
    consistent = qty is not None and unit is not None and abs(qty * unit - amount) < Decimal(
        "0.011")
    box = (min(ln.box[0] for ln in row), min(ln.box[1] for ln in row),
           max(ln.box[2] for ln in row), max(ln.box[3] for ln in row))
    return TableRow(
        description=cells["description"],
        quantity=None if qty is None else format_decimal(qty, 2 if qty % 1 else 0),
        unit_price=None if unit is None else format_decimal(unit),
        amount=format_decimal(amount), page=page, box=box, consistent=consistent,
    )
