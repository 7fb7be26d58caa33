"""The drawing surface and per-document context of the procedural blocks.

:class:`Sheet` extends the fixed layouts' canvas with colours, more pages and
shrink-to-fit text (a long company name gets smaller, never runs into its
neighbour). :class:`Look` holds the visual choices made once per document (font
sizes, margins, colours, label style), :class:`Ctx` everything a block needs.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from devdata.generator.canvas import PAGE_H, PAGE_W, Canvas
from devdata.generator.procedural.facts import Facts
from devdata.generator.procedural.wording import Formats, Wording

Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)
GREY: Color = (105, 105, 105)
ACCENTS: tuple[Color, ...] = ((0, 0, 0), (25, 55, 110), (130, 20, 30), (20, 85, 60),
                              (70, 70, 70), (0, 85, 135), (95, 45, 120))


class Sheet(Canvas):
    """An A4 canvas with colours, pages and text that shrinks to fit a width."""

    def __init__(self, font: str) -> None:
        super().__init__(font)
        self.font_name = font
        self.page_no = 1

    def text(self, x: float, y: float, s: str, size: float = 9, bold: bool = False,
             align: str = "L", grey: bool = False, white: bool = False,
             color: Color | None = None, width: float | None = None) -> float:
        """Draw ``s`` with its top at ``y`` (shrunk to ``width`` when given); returns the
        y below it."""
        if not s:
            return y
        if width:
            size = self.fit(s, size, width, bold)
        ink = (255, 255, 255) if white else GREY if grey else color or BLACK
        return self._draw_text(x, y, s, size, bold, align, ink)

    def wrap(self, s: str, size: float, width: float) -> list[str]:
        """``s`` broken at spaces into lines no wider than ``width``."""
        lines, line = [], ""
        for word in s.split(" "):
            if line and self.width(f"{line} {word}", size) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        return [*lines, line]

    def para(self, x: float, y: float, s: str, size: float, width: float, align: str = "L",
             **style: object) -> float:
        """``s`` wrapped to ``width`` (anchored at ``x`` as ``align`` says)."""
        for line in self.wrap(s, size, width):
            y = self.text(x, y, line, size, align=align, width=width, **style)
        return y

    def fit(self, s: str, size: float, width: float, bold: bool = False) -> float:
        while size > 5 and self.width(s, size, bold) > width:
            size -= 0.25
        return size

    def fill(self, x: float, y: float, w: float, h: float, color: Color) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")
        self.bottom = max(self.bottom, y + h)

    def box(self, x: float, y: float, w: float, h: float, color: Color = (90, 90, 90),
            width: float = 0.5) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.rect(x, y, w, h, style="D")
        self.bottom = max(self.bottom, y + h)

    def rule(self, x0: float, x1: float, y: float, color: Color = (90, 90, 90),
             width: float = 0.5) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(x0, y, x1, y)
        self.bottom = max(self.bottom, y)

    def disc(self, x: float, y: float, d: float, color: Color) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.ellipse(x, y, d, d, style="F")

    def new_page(self) -> None:
        self.pdf.add_page()
        self.page_no += 1
        self.bottom = 0.0


@dataclass
class Look:
    """Visual choices for one document."""

    size: float  # body text
    title_size: float
    left: float
    right: float
    top: float
    bottom: float
    accent: Color
    label_color: Color
    label_bold: bool
    colon: str
    rules: bool
    headings_bold: bool
    title_align: str
    print_negative: bool  # credit notes: amounts printed with a minus
    group_headings: bool
    carry: bool  # "Übertrag" rows between pages
    page_numbers: str  # top | footer | none

    @property
    def width(self) -> float:
        return PAGE_W - self.left - self.right

    @property
    def x_right(self) -> float:
        return PAGE_W - self.right


def pick_look(rng: random.Random) -> Look:
    accent = rng.choice(ACCENTS)
    return Look(
        size=rng.choice([8, 8.5, 9, 9, 9.5, 10]), title_size=rng.choice([14, 16, 18, 20, 24]),
        left=rng.choice([36, 42, 50, 57, 64]), right=rng.choice([36, 42, 50, 57]),
        top=rng.choice([32, 40, 48, 56]), bottom=rng.choice([24, 30, 36]), accent=accent,
        label_color=rng.choice([BLACK, GREY, accent]), label_bold=rng.random() < 0.35,
        colon=":" if rng.random() < 0.7 else "", rules=rng.random() < 0.5,
        headings_bold=rng.random() < 0.7, title_align=rng.choice(["L", "L", "R", "C"]),
        print_negative=rng.random() < 0.6, group_headings=rng.random() < 0.4,
        carry=rng.random() < 0.7, page_numbers=rng.choice(["top", "footer", "footer"]),
    )


@dataclass
class Ctx:
    """What every block function gets: the sheet, the facts and how to word and print them."""

    c: Sheet
    f: Facts
    w: Wording
    fmt: Formats
    look: Look
    rng: random.Random
    blocks: dict[str, str]
    pages: int = 1
    notes: dict[str, object] = field(default_factory=dict)  # choices shared between blocks
    home: Wording | None = None  # the seller's own language, for its legal footer lines

    def label(self, key: str, **values: object) -> str:
        return self.w(key, **values) + self.look.colon

    def printed(self, value: Decimal) -> Decimal:
        """The amount as the page shows it: negative on a credit note printed with minus."""
        return -value if self.f.doc_type == "credit_note" and self.look.print_negative else value

    def money(self, value: Decimal, with_currency: bool = True) -> str:
        return self.fmt.money(self.printed(value), with_currency)

    def lbl(self, x: float, y: float, s: str, size: float | None = None, align: str = "L",
            width: float | None = None) -> float:
        """A label in the document's label style."""
        return self.c.text(x, y, s, size or self.look.size, bold=self.look.label_bold,
                           align=align, color=self.look.label_color, width=width)

    def dry(self) -> Ctx:
        """A copy drawing on a scratch sheet with a cloned random state, to measure a
        block's height before drawing it for real."""
        rng = random.Random()
        rng.setstate(self.rng.getstate())
        return replace(self, c=Sheet(self.c.font_name), rng=rng, notes=copy.deepcopy(self.notes))


PAGE_WIDTH, PAGE_HEIGHT = PAGE_W, PAGE_H
