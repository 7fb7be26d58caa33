"""A thin drawing surface over fpdf2, in points from the top-left corner, plus the
building blocks layouts are made of (label/value blocks, item tables, totals).

Fonts: the PDF core fonts (Helvetica, Times, Courier) always; DejaVu Sans and
Serif too when the system has them (found with ``fc-match``), so the same
layout is printed with different glyph metrics.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from functools import cache

from fpdf import FPDF

from devdata.generator.style import Style
from devdata.generator.truth import InvoiceTruth

PAGE_W, PAGE_H = 595.28, 841.89
CORE_FONTS = ("helvetica", "times", "courier")

Row = tuple[str, str]  # (label, value)


@cache
def _font_file(pattern: str) -> str | None:
    """The file fontconfig picks for ``pattern``, if it really is that family."""
    if not shutil.which("fc-match"):
        return None
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                               text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    family = pattern.split(":")[0].replace(" ", "").lower()
    return found if found and family in found.replace(" ", "").lower() else None


@cache
def available_fonts() -> tuple[str, ...]:
    """Core fonts plus the DejaVu families present on this system."""
    extra = [name for name in ("DejaVu Sans", "DejaVu Serif") if _font_file(name)]
    return CORE_FONTS + tuple(extra)


class Canvas:
    def __init__(self, font: str, size: tuple[float, float] | None = None) -> None:
        """A one-page PDF, A4 unless ``size`` (width, height in points) is given."""
        self.page_w, self.page_h = size or (PAGE_W, PAGE_H)
        self.pdf = FPDF(unit="pt", format=(self.page_w, self.page_h) if size else "A4")
        self.pdf.core_fonts_encoding = "cp1252"  # so "€" prints with the core fonts
        self.pdf.set_auto_page_break(False)
        self.pdf.add_page()
        self._bold = True
        self.font = self._register(font)
        self.bottom = 0.0  # lowest point drawn so far

    def _register(self, font: str) -> str:
        if font in CORE_FONTS:
            return font
        regular = _font_file(font)
        if not regular:
            return "helvetica"  # fall back cleanly when the font vanished
        family = font.replace(" ", "").lower()
        self.pdf.add_font(family, "", regular)
        bold = _font_file(f"{font}:bold")
        if bold and bold != regular:
            self.pdf.add_font(family, "B", bold)
        else:
            self._bold = False
        return family

    def width(self, text: str, size: float, bold: bool = False) -> float:
        self._set(size, bold)
        return self.pdf.get_string_width(text)

    def _set(self, size: float, bold: bool) -> None:
        self.pdf.set_font(self.font, "B" if bold and self._bold else "", size)

    def text(self, x: float, y: float, s: str, size: float = 9, bold: bool = False,
             align: str = "L", grey: bool = False, white: bool = False) -> float:
        """Draw ``s`` with its top at ``y``; returns the y below it."""
        if not s:
            return y
        color = (255, 255, 255) if white else (110, 110, 110) if grey else (0, 0, 0)
        return self._draw_text(x, y, s, size, bold, align, color)

    def _draw_text(self, x: float, y: float, s: str, size: float, bold: bool, align: str,
                   color: tuple[int, int, int]) -> float:
        """``s`` in ``color`` with its top at ``y``, ``x`` its left, right (``align`` "R")
        or centre ("C"); returns the y below it."""
        self._set(size, bold)
        w = self.pdf.get_string_width(s)
        if align == "R":
            x -= w
        elif align == "C":
            x -= w / 2
        self.pdf.set_text_color(*color)
        self.pdf.text(x, y + size * 0.8, s)
        self.bottom = max(self.bottom, y + size * 1.35)
        return y + size * 1.35

    def rect(self, x: float, y: float, w: float, h: float, fill: tuple[int, int, int] | None = None,
             border: bool = True) -> None:
        if fill:
            self.pdf.set_fill_color(*fill)
        style = ("F" if fill else "") + ("D" if border else "")
        self.pdf.set_draw_color(80, 80, 80)
        self.pdf.rect(x, y, w, h, style=style or "D")
        self.bottom = max(self.bottom, y + h)

    def hline(self, x0: float, x1: float, y: float) -> None:
        self.pdf.set_draw_color(80, 80, 80)
        self.pdf.line(x0, y, x1, y)
        self.bottom = max(self.bottom, y)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


# --------------------------------------------------------------- label/value blocks


def kv_inline(c: Canvas, x: float, y: float, rows: Sequence[Row], size: float = 9,
              align: str = "L") -> float:
    """``Label: value`` on one line per row."""
    for label, value in rows:
        y = c.text(x, y, f"{label} {value}", size, align=align)
    return y


def kv_columns(c: Canvas, x: float, y: float, rows: Sequence[Row], label_w: float,
               size: float = 9, value_align: str = "L", value_w: float = 0,
               bold_labels: bool = False) -> float:
    """Labels in one column, values in the next (the column widens for long labels)."""
    if rows:
        label_w = max(label_w, max(c.width(lab, size, bold_labels) for lab, _ in rows) + 8)
    for label, value in rows:
        c.text(x, y, label, size, bold=bold_labels)
        vx = x + label_w + (value_w if value_align == "R" else 0)
        y = c.text(vx, y, value, size, align=value_align)
    return y


def kv_stacked(c: Canvas, x: float, y: float, rows: Sequence[Row], size: float = 9) -> float:
    """Small grey label above each value."""
    for label, value in rows:
        y = c.text(x, y, label, size - 1.5, grey=True)
        y = c.text(x, y, value, size, bold=True) + 3
    return y


def kv_grid(c: Canvas, x: float, y: float, rows: Sequence[Row], cell_w: float,
            size: float = 8.5, border: bool = True) -> float:
    """Labels side by side in one row, values in the row below, optionally boxed."""
    h = size * 1.6
    for i, (label, value) in enumerate(rows):
        cx = x + i * cell_w
        if border:
            c.rect(cx, y, cell_w, h * 2)
        c.text(cx + 3, y + 3, label, size - 1, grey=True)
        c.text(cx + 3, y + h + 2, value, size, bold=True)
    return y + h * 2 + 6


def kv_dotted(c: Canvas, x: float, y: float, rows: Sequence[Row], width: float,
              size: float = 9) -> float:
    """Label on the left, value flush right, dot leaders between."""
    for label, value in rows:
        c.text(x, y, label, size)
        c.text(x + width, y, value, size, align="R")
        used = c.width(label, size) + c.width(value, size) + 12
        dots = max(0, int((width - used) / max(c.width(".", size), 1)))
        c.text(x + c.width(label, size) + 6, y, "." * dots, size, grey=True)
        y += size * 1.45
    return y


def address_block(c: Canvas, x: float, y: float, lines: Sequence[str], size: float = 9,
                  heading: str | None = None, first_bold: bool = True, align: str = "L") -> float:
    if heading:
        y = c.text(x, y, heading, size - 1, grey=True)
    for i, line in enumerate(lines):
        y = c.text(x, y, line, size, bold=first_bold and i == 0, align=align)
    return y


# --------------------------------------------------------------------- item tables

COLUMN_ORDERS = (
    ("description", "quantity", "unit_price", "amount"),
    ("quantity", "description", "unit_price", "amount"),
    ("description", "unit_price", "quantity", "amount"),
)
_COL_WIDTH = {"description": 0.46, "quantity": 0.12, "unit_price": 0.2, "amount": 0.22}


def items_table(c: Canvas, x: float, y: float, width: float, inv: InvoiceTruth, st: Style,
                variant: str, order: Sequence[str], size: float = 8.5) -> float:
    """The line items; ``variant`` is bordered, lines, plain or striped."""
    widths = [_COL_WIDTH[k] * width for k in order]
    row_h = size * 1.9
    cells = [[st.labels[k] for k in order]]
    for item in inv.line_items:
        values = {"description": item.description, "quantity": st.number(item.quantity),
                  "unit_price": st.amount(item.unit_price, with_currency=False),
                  "amount": st.amount(item.amount, with_currency=False)}
        cells.append([values[k] for k in order])
    for r, row in enumerate(cells):
        header = r == 0
        if variant == "striped" and (header or r % 2 == 0):
            c.rect(x, y, width, row_h, fill=(225, 225, 225) if header else (243, 243, 243),
                   border=False)
        cx = x
        for key, w, value in zip(order, widths, row, strict=True):
            if variant == "bordered":
                c.rect(cx, y, w, row_h)
            right = key != "description"
            tx = cx + w - 4 if right else cx + 4
            c.text(tx, y + (row_h - size) / 2, value, size, bold=header,
                   align="R" if right else "L")
            cx += w
        if variant == "lines" and header:
            c.hline(x, x + width, y + row_h)
        y += row_h
    if variant == "lines":
        c.hline(x, x + width, y)
    return y + 8


def tax_label(st: Style, rate: str, rng_bit: bool) -> str:
    rate_text = st.number(rate)
    rate_text = f"{rate_text}%" if rng_bit else f"{rate_text} %"
    return f"{st.labels['tax_amount']} {rate_text}{st.colon}"


def totals_rows(inv: InvoiceTruth, st: Style, variant: int) -> list[Row]:
    """Net, tax and total rows; the currency goes into the total's label when the
    amounts themselves carry none."""
    total_label = st.labels["total"]
    if st.currency_placement == "header_only":
        total_label += f" ({inv.currency})" if variant % 2 else f" {inv.currency}"
    rows = [(st.label("net_amount"), st.amount(inv.net_amount)),
            (tax_label(st, inv.tax_rate, variant % 3 == 0), st.amount(inv.tax_amount)),
            (total_label + st.colon, st.amount(inv.total))]
    return rows


def totals_right(c: Canvas, x_right: float, y: float, rows: Sequence[Row], label_w: float = 150,
                 size: float = 9.5, box: bool = False) -> float:
    if box:
        c.rect(x_right - label_w - 90, y - 4, label_w + 96, len(rows) * size * 1.6 + 8)
    for i, (label, value) in enumerate(rows):
        bold = i == len(rows) - 1
        c.text(x_right - label_w - 84 if box else x_right - label_w - 80, y, label, size, bold)
        c.text(x_right, y, value, size, bold=bold, align="R")
        y += size * 1.6
    return y + 8


def iban_printed(iban: str, grouped: bool) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if grouped else iban


def vat_printed(vat: str, spaced: bool) -> str:
    if spaced and vat[:2].isalpha() and vat[2:].isdigit():
        rest = vat[2:]
        return vat[:2] + " " + " ".join(rest[i:i + 3] for i in range(0, len(rest), 3))
    if vat.startswith("CHE") and spaced:
        d = vat[3:12]
        return f"CHE-{d[:3]}.{d[3:6]}.{d[6:9]} {vat[12:]}".strip()
    return vat
