"""Invoice layouts. Each one prints the same truth with a different structure:
where the vendor sits, how labels relate to values (beside, above, in a grid, with
dot leaders), whether the table has borders, how totals are boxed.

``TRAIN_LAYOUTS`` are used to train the extraction model; ``HELDOUT_LAYOUTS`` are
never shown to it and measure how well it carries over to unseen structures.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from devdata.generator.canvas import (
    COLUMN_ORDERS,
    PAGE_H,
    PAGE_W,
    Canvas,
    Row,
    address_block,
    iban_printed,
    items_table,
    kv_columns,
    kv_dotted,
    kv_grid,
    kv_inline,
    kv_stacked,
    totals_right,
    totals_rows,
    vat_printed,
)
from devdata.generator.style import Style
from devdata.generator.truth import InvoiceTruth

Layout = Callable[[Canvas, InvoiceTruth, Style, random.Random], None]
M = 50.0  # page margin


def meta_rows(inv: InvoiceTruth, st: Style, rng: random.Random) -> list[Row]:
    rows = [(st.label("invoice_number"), inv.invoice_number),
            (st.label("invoice_date"), st.date(inv.invoice_date))]
    if inv.due_date:
        rows.append((st.label("due_date"), st.date(inv.due_date)))
    if inv.po_number:
        rows.append((st.label("po_number"), inv.po_number))
    if st.currency_placement == "header_only" or rng.random() < 0.2:
        rows.append((st.label("currency"), inv.currency))
    if rng.random() < 0.3:
        rows[2:] = rng.sample(rows[2:], len(rows) - 2)
    return rows


def id_rows(inv: InvoiceTruth, st: Style, rng: random.Random) -> list[Row]:
    rows = []
    if inv.vendor_vat:
        rows.append((st.label("vendor_vat"), vat_printed(inv.vendor_vat, rng.random() < 0.4)))
    if inv.vendor_iban:
        rows.append((st.label("vendor_iban"), iban_printed(inv.vendor_iban, rng.random() < 0.7)))
    return rows


def _items(c: Canvas, y: float, inv: InvoiceTruth, st: Style, rng: random.Random,
           variant: str | None = None, x: float = M, width: float = PAGE_W - 2 * M) -> float:
    variant = variant or rng.choice(["bordered", "lines", "plain", "striped"])
    return items_table(c, x, y, width, inv, st, variant, rng.choice(COLUMN_ORDERS))


def _footer(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Three footer columns: vendor address, tax id, bank."""
    y = PAGE_H - 80
    c.hline(M, PAGE_W - M, y - 6)
    address_block(c, M, y, [inv.vendor_name, *inv.vendor_address], 7.5, first_bold=False)
    ids = id_rows(inv, st, rng)
    for i, (label, value) in enumerate(ids):
        c.text(M + 180 + 150 * i, y, label, 7.5, grey=True)
        c.text(M + 180 + 150 * i, y + 10, value, 7.5)


# ------------------------------------------------------------------ training family


def classic(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Vendor top left and buyer below it (or the other way round), meta as two
    columns on the right."""
    vendor_y, buyer_y = (M, 190) if rng.random() < 0.6 else (175, M)
    y = address_block(c, M, vendor_y, [inv.vendor_name, *inv.vendor_address], 10)
    kv_columns(c, M, y + 2, id_rows(inv, st, rng), 70, 8)
    c.text(PAGE_W - M, M, st.labels["title"], 20, bold=True, align="R")
    kv_columns(c, 330, M + 40, meta_rows(inv, st, rng), 95, 9)
    address_block(c, M, buyer_y, [inv.buyer_name, *inv.buyer_address], 9,
                  heading=st.labels["bill_to"])
    y = _items(c, 280, inv, st, rng)
    totals_right(c, PAGE_W - M, y + 6, totals_rows(inv, st, 1), box=rng.random() < 0.3)


def modern(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Big title left, vendor block right, meta as a boxed grid."""
    c.text(M, M, st.labels["title"], 24, bold=True)
    address_block(c, PAGE_W - M, M, [inv.vendor_name, *inv.vendor_address], 9, align="R")
    y = kv_inline(c, PAGE_W - M, M + 55, id_rows(inv, st, rng), 8, align="R")
    rows = meta_rows(inv, st, rng)
    y = kv_grid(c, M, max(y, 130) + 10, rows, (PAGE_W - 2 * M) / len(rows),
                border=rng.random() < 0.6)
    y = address_block(c, M, y + 10, [inv.buyer_name, *inv.buyer_address], 9,
                      heading=st.labels["bill_to"])
    y = _items(c, y + 20, inv, st, rng, variant=rng.choice(["lines", "plain"]))
    totals_right(c, PAGE_W - M, y + 6, totals_rows(inv, st, 2), box=True)


def din_letter(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """German business letter: sender line over the address window, info block right,
    vendor details in the footer."""
    c.text(M + 10, 40, inv.vendor_name, 15, bold=True)
    sender = f"{inv.vendor_name} · {' · '.join(inv.vendor_address)}"
    c.text(M, 120, sender, 6.5, grey=True)
    address_block(c, M, 135, [inv.buyer_name, *inv.buyer_address], 10, first_bold=False)
    kv_columns(c, 350, 120, meta_rows(inv, st, rng), 90, 8.5, value_align="R", value_w=105)
    c.text(M, 250, f"{st.labels['title']} {inv.invoice_number}", 13, bold=True)
    y = _items(c, 280, inv, st, rng, variant="bordered")
    totals_right(c, PAGE_W - M, y + 4, totals_rows(inv, st, 3))
    _footer(c, inv, st, rng)


def compact(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """One column of ``Label: value`` lines, items as a plain table."""
    y = c.text(M, M, inv.vendor_name, 12, bold=True)
    y = kv_inline(c, M, y, [("", line) for line in inv.vendor_address], 8.5)
    y = kv_inline(c, M, y, id_rows(inv, st, rng), 8.5)
    y = c.text(M, y + 14, st.labels["title"], 14, bold=True)
    y = kv_inline(c, M, y + 4, meta_rows(inv, st, rng), 9.5)
    y = address_block(c, M, y + 10, [inv.buyer_name, *inv.buyer_address], 9,
                      heading=st.labels["bill_to"])
    y = _items(c, y + 14, inv, st, rng, variant="plain")
    kv_inline(c, M + 300, y + 6, totals_rows(inv, st, 4), 9.5)


def banner(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Dark banner with the vendor name, From/To columns, grid meta, totals grid."""
    c.rect(0, 0, PAGE_W, 70, fill=(40, 60, 90), border=False)
    c.text(M, 22, inv.vendor_name, 17, bold=True, white=True)
    c.text(PAGE_W - M, 26, st.labels["title"], 14, white=True, align="R")
    address_block(c, M, 95, [inv.vendor_name, *inv.vendor_address], 9, heading=st.labels["from"])
    address_block(c, 310, 95, [inv.buyer_name, *inv.buyer_address], 9,
                  heading=st.labels["bill_to"])
    rows = meta_rows(inv, st, rng)
    y = kv_grid(c, M, 165, rows, (PAGE_W - 2 * M) / len(rows))
    y = _items(c, y + 12, inv, st, rng, variant="striped")
    totals = totals_rows(inv, st, 5)
    kv_grid(c, PAGE_W - M - 3 * 115, y + 6, totals, 115)
    ids = id_rows(inv, st, rng)
    kv_columns(c, M, PAGE_H - 70, ids, 60, 8)


def letterhead(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Centred letterhead, meta right-aligned, boxed totals, bank line at the bottom."""
    c.text(PAGE_W / 2, M, inv.vendor_name, 16, bold=True, align="C")
    c.text(PAGE_W / 2, M + 22, " | ".join(inv.vendor_address), 8.5, align="C")
    ids = id_rows(inv, st, rng)
    if ids:
        c.text(PAGE_W / 2, M + 34, "   ".join(f"{lab} {val}" for lab, val in ids), 8, align="C")
    c.hline(M, PAGE_W - M, M + 50)
    address_block(c, M, 130, [inv.buyer_name, *inv.buyer_address], 9.5)
    kv_inline(c, PAGE_W - M, 130, meta_rows(inv, st, rng), 9, align="R")
    c.text(M, 230, st.labels["title"], 14, bold=True)
    y = _items(c, 255, inv, st, rng, variant=rng.choice(["plain", "lines"]))
    totals_right(c, PAGE_W - M, y + 8, totals_rows(inv, st, 6), box=True)


# ------------------------------------------------------------------ held-out family


def sidebar(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """A grey sidebar with the vendor and the meta (labels above values), items right."""
    c.rect(0, 0, 170, PAGE_H, fill=(235, 235, 235), border=False)
    y = address_block(c, 20, 40, [inv.vendor_name, *inv.vendor_address], 8.5)
    y = kv_stacked(c, 20, y + 14, id_rows(inv, st, rng), 8)
    kv_stacked(c, 20, y + 14, meta_rows(inv, st, rng), 9)
    c.text(200, 40, st.labels["title"], 22, bold=True)
    y = address_block(c, 200, 90, [inv.buyer_name, *inv.buyer_address], 9,
                      heading=st.labels["bill_to"])
    y = _items(c, y + 30, inv, st, rng, x=200, width=PAGE_W - 200 - 30)
    totals_right(c, PAGE_W - 30, y + 8, totals_rows(inv, st, 7))


def reversed_header(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Buyer first, meta with right-aligned labels, totals as a row, vendor only in the footer."""
    address_block(c, M, M, [inv.buyer_name, *inv.buyer_address], 10,
                  heading=st.labels["bill_to"])
    rows = meta_rows(inv, st, rng)
    y = M
    for label, value in rows:
        c.text(420, y, label, 9, align="R", grey=True)
        y = c.text(430, y, value, 9, bold=True)
    c.text(M, 170, st.labels["title"], 18, bold=True)
    y = _items(c, 200, inv, st, rng)
    totals = totals_rows(inv, st, 8)
    kv_grid(c, M, y + 10, totals, (PAGE_W - 2 * M) / 3, size=9.5, border=False)
    _footer(c, inv, st, rng)


def receipt(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """A narrow centred column with dot leaders, like a till receipt."""
    x, w = 170.0, 255.0
    y = c.text(PAGE_W / 2, 50, inv.vendor_name, 12, bold=True, align="C")
    for line in inv.vendor_address:
        y = c.text(PAGE_W / 2, y, line, 8.5, align="C")
    y = kv_dotted(c, x, y + 10, id_rows(inv, st, rng), w, 8)
    y = c.text(PAGE_W / 2, y + 10, st.labels["title"], 13, bold=True, align="C")
    y = kv_dotted(c, x, y + 6, meta_rows(inv, st, rng), w)
    c.hline(x, x + w, y + 4)
    y += 10
    for item in inv.line_items:
        y = c.text(x, y, item.description, 8.5)
        qty = f"{st.number(item.quantity)} x {st.amount(item.unit_price, with_currency=False)}"
        c.text(x + 10, y, qty, 8.5, grey=True)
        y = c.text(x + w, y, st.amount(item.amount, with_currency=False), 8.5, align="R")
    c.hline(x, x + w, y + 2)
    kv_dotted(c, x, y + 8, totals_rows(inv, st, 9), w, 9.5)


def quad_meta(c: Canvas, inv: InvoiceTruth, st: Style, rng: random.Random) -> None:
    """Meta as a two-by-two grid of ``label: value`` pairs under a rule, vendor bottom right."""
    c.text(M, M, st.labels["title"], 20, bold=True)
    c.text(PAGE_W - M, M + 4, inv.vendor_name, 11, bold=True, align="R")
    rows = meta_rows(inv, st, rng)
    c.hline(M, PAGE_W - M, 95)
    for i, (label, value) in enumerate(rows):
        col, line = i % 2, i // 2
        x, y = M + col * 250, 105 + line * 18
        c.text(x, y, label, 9, bold=True)
        c.text(x + 110, y, value, 9)
    address_block(c, M, 190, [inv.buyer_name, *inv.buyer_address], 9,
                  heading=st.labels["bill_to"])
    y = _items(c, 270, inv, st, rng)
    totals_right(c, PAGE_W - M, y + 6, totals_rows(inv, st, 10))
    y = address_block(c, PAGE_W - M, PAGE_H - 120, [inv.vendor_name, *inv.vendor_address], 8,
                      align="R", first_bold=False)
    kv_inline(c, PAGE_W - M, y, id_rows(inv, st, rng), 8, align="R")


TRAIN_LAYOUTS: dict[str, Layout] = {
    "classic": classic, "modern": modern, "din_letter": din_letter, "compact": compact,
    "banner": banner, "letterhead": letterhead,
}
HELDOUT_LAYOUTS: dict[str, Layout] = {
    "sidebar": sidebar, "reversed_header": reversed_header, "receipt": receipt,
    "quad_meta": quad_meta,
}
