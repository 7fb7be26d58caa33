"""Totals and the notes under them.

The rows follow real invoices: a lines subtotal when an allowance (Rabatt, remise)
or a charge (Versandkosten, frais de port) follows, the net total, one tax line per
VAT rate (with its basis when there are several), the grand total, and after a
prepayment ("bereits bezahlt", "acompte versé") the amount still due. Reverse-charge
invoices print 0 % and a legal note; insurance invoices print Versicherungsteuer.

Shared variants: ``right_columns``, ``boxed``, ``vat_table`` (a rate / basis / tax
table before the totals), ``ruled``. Reserved for held-out: ``grid_row`` (labels
in a row, values under them), ``dotted``.
"""

from __future__ import annotations

from decimal import Decimal

from devdata.generator.procedural.draw import Ctx
from devdata.generator.procedural.footer import bank_line

Row = tuple[str, str, bool]  # label, value, strong


def _tax_label(ctx: Ctx, rate: Decimal, basis: Decimal, with_basis: bool) -> str:
    f = ctx.f
    rate_text = ctx.fmt.rate(rate)
    if f.insurance:
        return f"{ctx.w('insurance_tax')} {rate_text}{ctx.look.colon}"
    if with_basis:
        return ctx.w("tax_on", rate=rate_text, basis=ctx.money(basis, with_currency=False))
    return f"{ctx.w('tax')} {rate_text}{ctx.look.colon}"


def _total_label(ctx: Ctx) -> str:
    key = "total"
    if ctx.f.doc_type == "credit_note" and ctx.notes.setdefault("credit_total",
                                                                ctx.rng.random() < 0.4):
        key = "total_credit"
    label = ctx.w(key)
    if ctx.notes["currency_where"] == "total_label":
        label += f" ({ctx.f.currency})" if ctx.rng.random() < 0.5 else f" {ctx.f.currency}"
    return label + ctx.look.colon


def total_rows(ctx: Ctx, vat_table: bool = False) -> list[Row]:
    f = ctx.f
    rows: list[Row] = []
    if f.discount or f.shipping:
        rows.append((ctx.label("lines_subtotal"), ctx.money(f.lines_total), False))
    if f.discount:
        pct = f" {ctx.fmt.rate(f.discount_pct)}" if f.discount_pct else ""
        rows.append((f"{ctx.w('discount')}{pct}{ctx.look.colon}", ctx.money(-f.discount), False))
    if f.shipping:
        rows.append((ctx.label("shipping"), ctx.money(f.shipping), False))
    rows.append((ctx.label("net"), ctx.money(f.net), False))
    if not vat_table:
        with_basis = len(f.groups) > 1 and ctx.notes.setdefault("tax_basis",
                                                                ctx.rng.random() < 0.6)
        for g in f.groups:
            rows.append((_tax_label(ctx, g.rate, g.basis, with_basis), ctx.money(g.tax), False))
    if len(f.groups) > 1:  # the truth's tax amount is the sum: it must be on the page
        rows.append((ctx.label("tax_total"), ctx.money(f.tax), False))
    rows.append((_total_label(ctx), ctx.money(f.total), True))
    if f.prepaid:
        rows.append((ctx.label("prepaid"), ctx.money(-f.prepaid), False))
        rows.append((ctx.label("amount_due"), ctx.money(f.amount_due), True))
    return rows


def _columns(ctx: Ctx, y: float, rows: list[Row], box: bool = False, ruled: bool = False
             ) -> float:
    c, lk = ctx.c, ctx.look
    size = lk.size + 0.5
    value_w = max(c.width(v, size, True) for _, v, _ in rows) + 10
    label_w = max(c.width(lab, size, True) for lab, _, _ in rows) + 14
    width = min(label_w + value_w, lk.width)
    x = lk.x_right - width
    step = size * 1.65
    if box:
        c.box(x - 8, y - 5, width + 12, len(rows) * step + 8, lk.accent, 0.7)
    for label, value, strong in rows:
        if strong and (ruled or box):
            if box:
                c.fill(x - 8, y - 3, width + 12, step, (232, 232, 232))
            else:
                c.rule(x, lk.x_right, y - 2, (40, 40, 40), 0.7)
        c.text(x, y, label, size, bold=strong or lk.label_bold, color=lk.label_color
               if not strong else (0, 0, 0), width=label_w - 8)
        c.text(lk.x_right - (4 if box else 0), y, value, size, bold=strong, align="R")
        y += step
        if strong and ruled:
            c.rule(x, lk.x_right, y - 3, (40, 40, 40), 0.7)
            c.rule(x, lk.x_right, y - 1.5, (40, 40, 40), 0.7)
    return y + 8


def right_columns(ctx: Ctx, y: float) -> float:
    return _columns(ctx, y, total_rows(ctx))


def boxed(ctx: Ctx, y: float) -> float:
    return _columns(ctx, y + 4, total_rows(ctx), box=True)


def ruled(ctx: Ctx, y: float) -> float:
    ctx.c.rule(ctx.look.left, ctx.look.x_right, y, (60, 60, 60), 0.6)
    return _columns(ctx, y + 8, total_rows(ctx), ruled=True)


def vat_table(ctx: Ctx, y: float) -> float:
    """A VAT breakdown (rate, basis, tax) at the left, totals at the right."""
    c, lk, f = ctx.c, ctx.look, ctx.f
    size = lk.size - 0.5
    cols = [ctx.w("rate_col"), ctx.w("vat_basis"), ctx.w("tax_total" if ctx.rng.random() < 0.5
                                                          else "tax")]
    cw = [60.0, 85.0, 75.0]
    x = lk.left
    c.fill(x, y, sum(cw), size * 1.8, (230, 230, 230))
    cx = x
    for head, w in zip(cols, cw, strict=True):
        c.text(cx + w - 4, y + size * 0.4, head, size, bold=True, align="R", width=w - 6)
        cx += w
    ty = y + size * 1.8
    for g in f.groups:
        cells = [ctx.fmt.rate(g.rate), ctx.money(g.basis, with_currency=False),
                 ctx.money(g.tax, with_currency=False)]
        cx = x
        for cell, w in zip(cells, cw, strict=True):
            c.text(cx + w - 4, ty + size * 0.4, cell, size, align="R")
            cx += w
        ty += size * 1.7
    c.box(x, y, sum(cw), ty - y, (120, 120, 120), 0.4)
    rows = total_rows(ctx, vat_table=True)
    y2 = _columns(ctx, y, rows) if lk.width - sum(cw) > 250 else _columns(ctx, ty + 10, rows)
    return max(y2, ty + 10)


def grid_row(ctx: Ctx, y: float) -> float:
    """Totals as a row of boxed cells: labels over values."""
    c, lk = ctx.c, ctx.look
    rows = total_rows(ctx)
    per = min(len(rows), 4)
    cw = lk.width / per
    h = lk.size * 1.8
    for start in range(0, len(rows), per):
        for i, (label, value, strong) in enumerate(rows[start:start + per]):
            x = lk.left + i * cw
            c.box(x, y, cw, h * 2, (120, 120, 120), 0.5)
            c.text(x + 4, y + 3, label.rstrip(":"), lk.size - 1, grey=True, width=cw - 8)
            c.text(x + cw - 5, y + h + 2, value, lk.size + (1 if strong else 0), bold=strong,
                   align="R", width=cw - 10)
        y += h * 2 + 4
    return y + 8


def dotted(ctx: Ctx, y: float) -> float:
    c, lk = ctx.c, ctx.look
    w = min(300.0, lk.width)
    x = lk.x_right - w
    size = lk.size + 0.5
    for label, value, strong in total_rows(ctx):
        lw = c.width(label, size, strong)
        vw = c.width(value, size, strong)
        c.text(x, y, label, size, bold=strong)
        dots = max(0, int((w - lw - vw - 10) / max(c.width(".", size), 1)))
        c.text(x + lw + 4, y, "." * dots, size, grey=True)
        y = c.text(lk.x_right, y, value, size, bold=strong, align="R") + 2
    return y + 8


TOTALS = {"right_columns": right_columns, "boxed": boxed, "vat_table": vat_table,
          "ruled": ruled, "grid_row": grid_row, "dotted": dotted}


# ------------------------------------------------------------------------------ notes


def note_lines(ctx: Ctx) -> list[str]:
    """Prose under the totals: legal notes, references, payment terms, bank, thanks."""
    f, fmt, w = ctx.f, ctx.fmt, ctx.w
    notes = []
    if f.original:
        notes.append(w("original", num=f.original[0], date=fmt.date(f.original[1])))
    if f.reverse_charge:
        notes.append(w("reverse_charge"))
    if f.doc_type == "credit_note":
        notes.append(w("credit_terms"))
    elif f.due and f.skonto and ctx.notes["due_prose"]:
        notes.append(w("skonto", pct=fmt.rate(f.skonto[0]), sdate=fmt.date(f.skonto[1]),
                       due=fmt.date(f.due)))
    elif f.due and ctx.notes["due_prose"]:
        notes.append(w("terms", days=f.due_days, due=fmt.date(f.due)))
    elif not f.due:
        notes.append(w("terms_now"))
    if ctx.notes["currency_where"] == "note":
        notes.append(w("currency_note", cur=f.currency))
    if ctx.notes["bank_in_notes"]:
        notes.append(bank_line(ctx))
    if ctx.rng.random() < 0.4:
        notes.append(w("thanks"))
    return notes


def draw_notes(ctx: Ctx, y: float) -> float:
    c, lk = ctx.c, ctx.look
    for note in note_lines(ctx):
        y = c.para(lk.left, y, note, lk.size - 0.5, lk.width) + 2
    return y + 4
