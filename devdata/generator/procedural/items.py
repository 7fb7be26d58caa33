"""Line-item tables, over as many pages as the items need.

Columns vary (position, article number, unit, a VAT-rate column whenever several
rates apply); long tables continue on the next page with the header repeated and,
on most documents, a carried-forward subtotal ("Übertrag", "Report", "Riporto") at
the foot of one page and the head of the next: amounts a reader must not take for
the total. Shared variants: ``ruled``, ``grid``, ``plain``, ``shaded``. Reserved
for held-out: ``striped``, ``two_line`` (quantity x price on a second line).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from devdata.generator.procedural.draw import Ctx
from devdata.generator.procedural.facts import Line

_WEIGHTS = {"pos": 0.06, "article": 0.11, "quantity": 0.08, "unit": 0.07, "unit_price": 0.14,
            "rate": 0.1, "amount": 0.15}
_RIGHT = {"quantity", "unit_price", "rate", "amount"}


@dataclass
class Table:
    columns: list[str]
    widths: list[float]
    size: float
    header_h: float
    row_h: float
    carry_h: float

    @property
    def x_amount(self) -> float:
        return sum(self.widths)


def plan_table(ctx: Ctx) -> Table:
    """Columns and row heights for this document (drawn before pagination is planned)."""
    rng, f = ctx.rng, ctx.f
    cols = ["description", "quantity", "unit_price", "amount"]
    if rng.random() < 0.5:
        cols.insert(0, "pos")
    if rng.random() < 0.25:
        cols.insert(1 if cols[0] == "pos" else 0, "article")
    if rng.random() < 0.4:
        cols.insert(cols.index("quantity") + 1, "unit")
    if len(f.groups) > 1 or (rng.random() < 0.3 and not f.reverse_charge):
        cols.insert(cols.index("amount"), "rate")
    if rng.random() < 0.2:
        q = cols.index("quantity")
        cols.insert(cols.index("description"), cols.pop(q))
    width = ctx.look.width
    fixed = {k: _WEIGHTS[k] * width for k in cols if k != "description"}
    widths = [fixed.get(k, width - sum(fixed.values())) for k in cols]
    size = ctx.look.size - rng.choice([0, 0.5, 1])
    two_line = ctx.blocks["items"] == "two_line"
    return Table(cols, widths, size, size * 2.1, size * (3.1 if two_line else 1.85), size * 1.9)


def _cells(ctx: Ctx, line: Line) -> dict[str, str]:
    f = ctx.fmt
    return {"pos": str(line.pos), "article": line.article, "description": line.description,
            "quantity": f.qty(line.quantity), "unit": line.unit,
            "unit_price": ctx.money(line.unit_price, with_currency=False),
            "rate": f.rate(line.rate), "amount": ctx.money(line.amount, with_currency=False)}


def _header_text(ctx: Ctx, key: str) -> str:
    return ctx.w("rate_col" if key == "rate" else key)


def draw_header(ctx: Ctx, t: Table, y: float) -> float:
    c, lk, variant = ctx.c, ctx.look, ctx.blocks["items"]
    x = lk.left
    if variant in ("shaded", "striped"):
        shade = lk.accent if variant == "shaded" and lk.accent != (0, 0, 0) else (215, 215, 215)
        c.fill(x, y, sum(t.widths), t.header_h, shade)
    white = variant == "shaded" and lk.accent != (0, 0, 0)
    for key, w in zip(t.columns, t.widths, strict=True):
        if variant == "grid":
            c.box(x, y, w, t.header_h)
        if variant == "two_line" and key not in ("pos", "description", "amount"):
            x += w
            continue
        right = key in _RIGHT
        c.text(x + w - 4 if right else x + 4, y + (t.header_h - t.size) / 2,
               _header_text(ctx, key), t.size, bold=True, align="R" if right else "L",
               white=white, width=w - 6)
        x += w
    if variant in ("ruled", "plain", "two_line"):
        c.rule(lk.left, lk.left + sum(t.widths), y + t.header_h, (60, 60, 60),
               0.8 if variant == "ruled" else 0.4)
    return y + t.header_h


def draw_row(ctx: Ctx, t: Table, y: float, line: Line, odd: bool) -> float:
    c, lk, variant = ctx.c, ctx.look, ctx.blocks["items"]
    cells = _cells(ctx, line)
    if variant == "striped" and odd:
        c.fill(lk.left, y, sum(t.widths), t.row_h, (242, 242, 242))
    x = lk.left
    if variant == "two_line":
        return _two_line_row(ctx, t, y, cells)
    for key, w in zip(t.columns, t.widths, strict=True):
        if variant == "grid":
            c.box(x, y, w, t.row_h)
        right = key in _RIGHT
        c.text(x + w - 4 if right else x + 4, y + (t.row_h - t.size) / 2, cells[key], t.size,
               align="R" if right else "L", width=w - 6)
        x += w
    if variant == "ruled":
        c.rule(lk.left, lk.left + sum(t.widths), y + t.row_h, (200, 200, 200), 0.3)
    return y + t.row_h


def _two_line_row(ctx: Ctx, t: Table, y: float, cells: dict[str, str]) -> float:
    """Description and amount on the first line; quantity x price (and rate) below it."""
    c, lk = ctx.c, ctx.look
    x = lk.left
    right_edge = lk.left + sum(t.widths)
    lead = f"{cells['pos']}  " if "pos" in t.columns else ""
    c.text(x + 4, y + 3, lead + cells["description"], t.size, bold=True,
           width=sum(t.widths) * 0.7)
    c.text(right_edge - 4, y + 3, cells["amount"], t.size, align="R")
    detail = f"{cells['quantity']} {cells['unit'] if 'unit' in t.columns else ''} x " \
             f"{cells['unit_price']}".replace("  ", " ")
    if "rate" in t.columns:
        detail += f"   {ctx.w('rate_col')} {cells['rate']}"
    if "article" in t.columns:
        detail = f"{cells['article']}   {detail}"
    c.text(x + 16, y + 3 + t.size * 1.35, detail, t.size - 1, grey=True)
    c.rule(lk.left, right_edge, y + t.row_h - 1, (215, 215, 215), 0.3)
    return y + t.row_h


def draw_carry(ctx: Ctx, t: Table, y: float, key: str, page: int, amount: Decimal) -> float:
    """A carried-forward row: label left of the amount column, the running sum in it."""
    c, lk = ctx.c, ctx.look
    right_edge = lk.left + sum(t.widths)
    c.rule(right_edge - t.widths[-1] * 2.2, right_edge, y + 1, (90, 90, 90), 0.4)
    c.text(right_edge - t.widths[-1] - 6, y + 4, ctx.w(key, i=page), t.size, bold=True,
           align="R")
    c.text(right_edge - 4, y + 4, ctx.money(amount, with_currency=False), t.size, bold=True,
           align="R")
    return y + t.carry_h


def paginate(n: int, first: float, later: float, row_h: float, carry_h: float,
             tail_h: float, carry: bool) -> list[int]:
    """Rows per page: fill each page, keeping room for a carry row at its foot and the
    totals (``tail_h``) after the last row; at least one row goes with the totals."""
    pages: list[int] = []
    space, left = first, n
    while len(pages) < 100:
        head = carry_h if carry and pages else 0.0
        if head + left * row_h + tail_h <= space:
            pages.append(left)
            return pages
        foot = carry_h if carry else 0.0
        k = int((space - head - foot) // row_h)
        k = max(0, min(k, left - 1))
        pages.append(k)
        left -= k
        space = later
    raise ValueError("the totals do not fit on a page of their own")
