"""The meta block: invoice number and date, due date, references, delivery data.

Besides the fields a reader wants, it prints look-alikes with their labels
(customer and supplier numbers, GLN, delivery note, sales order, "Ihr Zeichen",
the buyer's VAT id, delivery and order dates), so a model learns to use the label,
not the shape of a value.

Shared variants: ``kv_columns`` (labels in one column, values in the next, grouped
under headings when the document uses them), ``kv_below`` (value in the row below
its label), ``grid`` (a header row of labels over a row of values), ``title_line``
("Rechnung Nr. 2024-0815 vom 05.03.2024" with no separate labels), ``inline``.
Reserved for held-out: ``dotted`` (dot leaders), ``right_labels`` (labels set
flush right against their values).
"""

from __future__ import annotations

from devdata.generator.procedural.draw import Ctx

Row = tuple[str, str]
COLUMN_VARIANTS = ("kv_columns", "kv_below", "inline", "dotted", "right_labels")


def number_label(ctx: Ctx) -> str:
    credit = ctx.f.doc_type == "credit_note" and ctx.notes.setdefault(
        "credit_label", ctx.rng.random() < 0.6)
    return ctx.label("credit_number" if credit else "invoice_number")


def title_word(ctx: Ctx) -> str:
    return ctx.w({"invoice": "title_invoice", "credit_note": "title_credit",
                  "corrected_invoice": "title_corrected"}[ctx.f.doc_type])


def period_text(ctx: Ctx) -> str:
    start, end = ctx.f.period
    short = ctx.fmt.short_date(start)
    if short and ctx.notes.setdefault("short_period", ctx.rng.random() < 0.5):
        return f"{short}–{ctx.fmt.date(end)}"
    return f"{ctx.fmt.date(start)} – {ctx.fmt.date(end)}"


def meta_groups(ctx: Ctx, with_number: bool = True) -> list[tuple[str, list[Row]]]:
    """(group heading key, rows): the document's own data, references, delivery."""
    f, fmt, rng = ctx.f, ctx.fmt, ctx.rng
    doc: list[Row] = []
    if with_number:
        doc += [(number_label(ctx), f.number), (ctx.label("invoice_date"), fmt.date(f.issued))]
        if rng.random() < 0.3:
            doc.reverse()
    if f.due and ctx.notes["due_meta"]:
        doc.append((ctx.label("due_date"), fmt.date(f.due)))
    if ctx.notes["currency_where"] == "meta":
        doc.append((ctx.label("currency"), f.currency))
    refs: list[Row] = []
    if f.po:
        refs.append((ctx.label("po_number"), f.po))
    refs += [(ctx.label(key), value) for key, value in f.refs.items()]
    if ctx.notes.get("your_vat") and f.buyer.vat:
        refs.append((ctx.label("your_vat"), f.buyer.vat))
    rng.shuffle(refs)
    delivery: list[Row] = []
    if f.delivered:
        delivery.append((ctx.label("delivery_date"), fmt.date(f.delivered)))
    if f.period:
        delivery.append((ctx.label("service_period"), period_text(ctx)))
    if f.ordered:
        delivery.append((ctx.label("order_date"), fmt.date(f.ordered)))
    groups = [("grp_document", doc), ("grp_refs", refs), ("grp_delivery", delivery)]
    return [(key, rows) for key, rows in groups if rows]


def _flat(groups: list[tuple[str, list[Row]]]) -> list[Row]:
    return [row for _, rows in groups for row in rows]


def _label_width(ctx: Ctx, rows: list[Row], cap: float) -> float:
    widest = max((ctx.c.width(lab, ctx.look.size, ctx.look.label_bold) for lab, _ in rows),
                 default=0)
    return min(widest + 8, cap)


def _group_heading(ctx: Ctx, x: float, y: float, key: str, width: float) -> float:
    if not ctx.look.group_headings:
        return y
    lk = ctx.look
    y = ctx.c.text(x, y, ctx.w(key), lk.size, bold=True, color=lk.accent, width=width)
    if lk.rules:
        ctx.c.rule(x, x + width, y, (150, 150, 150), 0.4)
        y += 3
    return y + 1


def _split(ctx: Ctx, x: float, width: float, groups: list[tuple[str, list[Row]]]
           ) -> list[tuple[float, float, list[tuple[str, list[Row]]]]]:
    """Groups side by side when there is room (full width), else stacked in one column."""
    if width < 380 or len(groups) < 2:
        return [(x, width, groups)]
    n = min(len(groups), 3 if width > 470 else 2)
    gap = 18.0
    w = (width - gap * (n - 1)) / n
    cols = [(x + i * (w + gap), w, []) for i in range(n)]
    for i, group in enumerate(groups):
        cols[min(i, n - 1)][2].append(group)
    return cols


def kv_columns(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    lk, c = ctx.look, ctx.c
    right = ctx.notes.setdefault("values_right", ctx.rng.random() < 0.35)
    bottom = y
    for cx, cw, col_groups in _split(ctx, x, width, groups):
        label_w = _label_width(ctx, _flat(col_groups), cw * 0.6)
        cy = y
        for key, rows in col_groups:
            cy = _group_heading(ctx, cx, cy, key, cw)
            for label, value in rows:
                ctx.lbl(cx, cy, label, width=label_w - 4)
                vw = cw - label_w
                cy = c.text(cx + cw if right else cx + label_w, cy, value, lk.size,
                            align="R" if right else "L", width=vw)
            cy += 5
        bottom = max(bottom, cy)
    return bottom


def kv_below(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    """Label on one line, its value on the line below, several pairs across."""
    lk, c = ctx.look, ctx.c
    rows = _flat(groups)
    per_row = 2 if width < 300 else 4 if width > 470 else 3
    cw = width / per_row
    step = lk.size * 2.6 + 4
    for i, (label, value) in enumerate(rows):
        cx, cy = x + (i % per_row) * cw, y + (i // per_row) * step
        c.text(cx, cy, label.rstrip(":"), lk.size - 1.5, grey=True, width=cw - 8)
        c.text(cx, cy + lk.size * 1.2, value, lk.size, bold=True, width=cw - 8)
    return y + ((len(rows) + per_row - 1) // per_row) * step + 4


def grid(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    """Header cells of labels with the values in the row below, boxed or ruled."""
    lk, c = ctx.look, ctx.c
    rows = _flat(groups)
    per_row = min(len(rows), 5 if width > 400 else 3)
    cw = width / per_row
    h = lk.size * 1.75
    boxed = ctx.notes.setdefault("grid_boxed", ctx.rng.random() < 0.6)
    for start in range(0, len(rows), per_row):
        chunk = rows[start:start + per_row]
        if boxed:
            c.fill(x, y, cw * len(chunk), h, (232, 232, 232))
        for i, (label, value) in enumerate(chunk):
            cx = x + i * cw
            if boxed:
                c.box(cx, y, cw, h * 2)
            ctx.lbl(cx + 4, y + lk.size * 0.35, label.rstrip(":"), lk.size - 1, width=cw - 8)
            c.text(cx + 4, y + h + lk.size * 0.35, value, lk.size, width=cw - 8)
        if not boxed:
            c.rule(x, x + cw * len(chunk), y + h - 1, (140, 140, 140), 0.4)
        y += h * 2 + 6
    return y + 4


def title_line(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    """"Rechnung Nr. X vom D" as the title, the other rows under it."""
    f, lk = ctx.f, ctx.look
    line = ctx.w("title_line", title=title_word(ctx), num=f.number, date=ctx.fmt.date(f.issued))
    y = ctx.c.text(x, y, line, min(lk.title_size, 16), bold=True, color=lk.accent, width=width)
    return kv_columns(ctx, x, y + 8, width, groups) if groups else y + 4


def inline(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    lk, c = ctx.look, ctx.c
    bottom = y
    for cx, cw, col_groups in _split(ctx, x, width, groups):
        cy = y
        for key, rows in col_groups:
            cy = _group_heading(ctx, cx, cy, key, cw)
            for label, value in rows:
                cy = c.text(cx, cy, f"{label} {value}", lk.size, width=cw)
            cy += 4
        bottom = max(bottom, cy)
    return bottom


def dotted(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    lk, c = ctx.look, ctx.c
    w = min(width, 270.0)
    x = x + width - w if width > 300 else x
    for label, value in _flat(groups):
        lw = c.width(label, lk.size, lk.label_bold)
        vsize = c.fit(value, lk.size, w - lw - 12)
        vw = c.width(value, vsize)
        ctx.lbl(x, y, label)
        dots = max(0, int((w - lw - vw - 10) / max(c.width(".", lk.size), 1)))
        c.text(x + lw + 4, y, "." * dots, lk.size, grey=True)
        y = c.text(x + w, y, value, vsize, align="R")
    return y + 6


def right_labels(ctx: Ctx, x: float, y: float, width: float, groups) -> float:
    lk, c = ctx.look, ctx.c
    rows = _flat(groups)
    label_w = _label_width(ctx, rows, width * 0.6)
    for label, value in rows:
        ctx.lbl(x + label_w - 6, y, label, align="R", width=label_w - 6)
        y = c.text(x + label_w + 4, y, value, lk.size, bold=True, width=width - label_w - 4)
    return y + 6


METAS = {"kv_columns": kv_columns, "kv_below": kv_below, "grid": grid,
         "title_line": title_line, "inline": inline, "dotted": dotted,
         "right_labels": right_labels}


def draw_meta(ctx: Ctx, x: float, y: float, width: float) -> float:
    variant = ctx.blocks["meta"]
    groups = meta_groups(ctx, with_number=variant != "title_line")
    return METAS[variant](ctx, x, y, width, groups)
