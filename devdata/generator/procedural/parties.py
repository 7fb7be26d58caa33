"""Party blocks: who sells and who buys.

Real invoices often print both parties with the same inner labels ("Name:",
"Adresse:", "USt-IdNr.:") and tell them apart only by a heading (Verkäufer /
Käufer, Fournisseur / Client, Cedente / Cessionario...), and print the buyer's VAT
id as well as the seller's. A reader must take the seller's.

Each block returns ``(bottom, column)``; ``column`` is a free ``(x, y, width)`` to
the right where the meta block may go, or None. Shared: ``window`` (sender line
over a DIN address window), ``sections_side``, ``sections_stacked``,
``headed_side``. Reserved for held-out: ``boxed_sections``, ``party_table``.
"""

from __future__ import annotations

from devdata.generator.canvas import vat_printed
from devdata.generator.procedural.draw import Ctx
from devdata.generator.procedural.facts import Party

Column = tuple[float, float, float] | None


def printed_vat(ctx: Ctx, vat: str) -> str:
    spaced = ctx.notes.setdefault("vat_spaced", ctx.rng.random() < 0.3)
    return vat_printed(vat, bool(spaced))


def party_rows(ctx: Ctx, party: Party, seller: bool) -> list[tuple[str, str]]:
    """Name, address (city on a row of its own) and VAT id, with the shared inner labels."""
    rows = [(ctx.label("name"), party.name), (ctx.label("address"), party.street), ("", party.city)]
    show_buyer_vat = ctx.notes.setdefault("buyer_vat", ctx.rng.random() < 0.85)
    if party.vat and (ctx.f.print_vat if seller else show_buyer_vat):
        rows.append((ctx.label("vat_id"), printed_vat(ctx, party.vat)))
    return rows


def _order(ctx: Ctx) -> list[tuple[str, Party, bool]]:
    """Seller and buyer (and a delivery address) in the order this document prints them."""
    f = ctx.f
    pair = [("seller", f.seller, True), ("buyer", f.buyer, False)]
    if ctx.notes.setdefault("buyer_first", ctx.rng.random() < 0.4):
        pair.reverse()
    if f.ship_to is not None:
        pair.append(("ship_to", f.ship_to, False))
    return pair


def _heading(ctx: Ctx, x: float, y: float, text: str, width: float) -> float:
    lk = ctx.look
    y2 = ctx.c.text(x, y, text, lk.size + 1, bold=lk.headings_bold, color=lk.accent, width=width)
    if lk.rules:
        ctx.c.rule(x, x + width, y2 + 1, lk.accent, 0.6)
        y2 += 4
    return y2 + 2


def _rows(ctx: Ctx, x: float, y: float, rows: list[tuple[str, str]], width: float) -> float:
    """Labels beside their values; in a narrow block, each label above its value."""
    size = ctx.look.size
    label_w = max(ctx.c.width(lab, size, ctx.look.label_bold) for lab, _ in rows) + 6
    if label_w > width * 0.42 or width < 190:
        for label, value in rows:
            if label:
                y = ctx.c.text(x, y, label.rstrip(":"), size - 1.5, grey=True, width=width)
            y = ctx.c.text(x, y, value, size, width=width) + (0 if not label else 1)
        return y
    for label, value in rows:
        below_label = ctx.lbl(x, y, label, width=label_w - 4)
        y = max(below_label, ctx.c.text(x + label_w, y, value, size, width=width - label_w))
    return y


def section(ctx: Ctx, x: float, y: float, width: float, role: str, party: Party,
            seller: bool) -> float:
    y = _heading(ctx, x, y, ctx.w(role), width)
    return _rows(ctx, x, y, party_rows(ctx, party, seller), width)


def window(ctx: Ctx, y: float) -> tuple[float, Column]:
    """DIN 5008 letter: sender line above the address window with the buyer; the meta
    block goes to the right."""
    c, lk, f = ctx.c, ctx.look, ctx.f
    top = max(y, ctx.rng.choice([112.0, 124.0, 136.0]))
    w = min(250.0, lk.width * 0.55)
    sender = " · ".join([f.seller.name, *f.seller.address])
    y2 = c.text(lk.left, top, sender, 6.5, grey=True, width=w)
    if ctx.rng.random() < 0.5:
        c.rule(lk.left, lk.left + min(c.width(sender, 6.5), w), y2, (150, 150, 150), 0.3)
    y2 += 8
    for i, line in enumerate([f.buyer.name, *f.buyer.address]):
        y2 = c.text(lk.left, y2, line, lk.size + 1, bold=i == 0 and lk.headings_bold, width=w)
    if f.ship_to is not None:
        y2 = _heading(ctx, lk.left, y2 + 10, ctx.w("ship_to"), w)
        for line in [f.ship_to.name, *f.ship_to.address]:
            y2 = c.text(lk.left, y2, line, lk.size, width=w)
    col_x = lk.left + w + 20
    return max(y2, top + 95) + 14, (col_x, top - 6, lk.x_right - col_x)


def sections_side(ctx: Ctx, y: float) -> tuple[float, Column]:
    order = _order(ctx)
    gap = 18.0
    w = (ctx.look.width - gap * (len(order) - 1)) / len(order)
    bottom = y
    for i, (role, party, seller) in enumerate(order):
        bottom = max(bottom, section(ctx, ctx.look.left + i * (w + gap), y, w, role, party,
                                     seller))
    return bottom + 16, None


def sections_stacked(ctx: Ctx, y: float) -> tuple[float, Column]:
    w = ctx.look.width * 0.5
    y2 = y
    for role, party, seller in _order(ctx):
        y2 = section(ctx, ctx.look.left, y2, w, role, party, seller) + 10
    col_x = ctx.look.left + w + 24
    return y2 + 6, (col_x, y, ctx.look.x_right - col_x)


def headed_side(ctx: Ctx, y: float) -> tuple[float, Column]:
    """Plain address blocks under small headings; the VAT id as one labelled line."""
    c, lk = ctx.c, ctx.look
    order = _order(ctx)
    gap = 20.0
    w = (lk.width - gap * (len(order) - 1)) / len(order)
    bottom = y
    for i, (role, party, seller) in enumerate(order):
        x = lk.left + i * (w + gap)
        y2 = c.text(x, y, ctx.w(role), lk.size - 0.5, grey=True, bold=lk.headings_bold)
        for j, line in enumerate([party.name, *party.address]):
            y2 = c.text(x, y2, line, lk.size, bold=j == 0, width=w)
        rows = party_rows(ctx, party, seller)
        if len(rows) == 4:
            y2 = c.text(x, y2 + 2, f"{rows[3][0]} {rows[3][1]}", lk.size - 0.5, width=w)
        bottom = max(bottom, y2)
    return bottom + 16, None


def boxed_sections(ctx: Ctx, y: float) -> tuple[float, Column]:
    """Bordered boxes with a filled heading bar."""
    c, lk = ctx.c, ctx.look
    order = _order(ctx)
    gap = 14.0
    w = (lk.width - gap * (len(order) - 1)) / len(order)
    fill = lk.accent if lk.accent != (0, 0, 0) else (60, 60, 60)
    heights = []
    for i, (role, party, seller) in enumerate(order):
        x = lk.left + i * (w + gap)
        c.fill(x, y, w, lk.size * 1.9, fill)
        c.text(x + 6, y + lk.size * 0.45, ctx.w(role), lk.size, bold=True, white=True,
               width=w - 12)
        heights.append(_rows(ctx, x + 6, y + lk.size * 2.4, party_rows(ctx, party, seller),
                             w - 12) + 6 - y)
    h = max(heights)
    for i in range(len(order)):
        c.box(lk.left + i * (w + gap), y, w, h, fill, 0.7)
    return y + h + 16, None


def party_table(ctx: Ctx, y: float) -> tuple[float, Column]:
    """One grid: a label column, then a column per party under its heading."""
    c, lk = ctx.c, ctx.look
    order = _order(ctx)[:2]
    row_h = lk.size * 1.8
    rows = [party_rows(ctx, party, seller) for _, party, seller in order]
    labels = [lab for lab, _ in max(rows, key=len)]
    label_w = max(c.width(lab, lk.size, True) for lab in labels if lab) + 14
    col_w = (lk.width - label_w) / len(order)
    c.fill(lk.left, y, lk.width, row_h, (225, 225, 225))
    for i, (role, _, _) in enumerate(order):
        c.text(lk.left + label_w + i * col_w + 5, y + lk.size * 0.4, ctx.w(role), lk.size,
               bold=True, width=col_w - 10)
    for r, label in enumerate(labels):
        ry = y + (r + 1) * row_h
        ctx.lbl(lk.left + 5, ry + lk.size * 0.4, label, width=label_w - 8)
        for i, party_row in enumerate(rows):
            value = party_row[r][1] if r < len(party_row) else ""
            c.text(lk.left + label_w + i * col_w + 5, ry + lk.size * 0.4, value, lk.size,
                   width=col_w - 10)
    h = row_h * (len(labels) + 1)
    c.box(lk.left, y, lk.width, h)
    for i in range(len(order)):
        x = lk.left + label_w + i * col_w
        c.pdf.line(x, y, x, y + h)
    for r in range(1, len(labels) + 1):
        c.rule(lk.left, lk.x_right, y + r * row_h, (160, 160, 160), 0.3)
    return y + h + 16, None


PARTIES = {"window": window, "sections_side": sections_side,
           "sections_stacked": sections_stacked, "headed_side": headed_side,
           "boxed_sections": boxed_sections, "party_table": party_table}
