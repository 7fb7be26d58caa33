"""Footers: the seller's address, contacts, bank (IBAN, BIC, bank name), tax ids
(VAT id, national tax number) and registry and management lines, in 2-4 columns.

Every page gets the same footer. Shared variants: ``columns``, ``centered_lines``
(each column as one line of items joined by separators). Reserved for held-out:
``boxed_columns`` (columns in shaded boxes).
"""

from __future__ import annotations

from devdata.generator.canvas import iban_printed, vat_printed
from devdata.generator.procedural.draw import Ctx
from devdata.generator.procedural.facts import tax_number


def iban_text(ctx: Ctx) -> str:
    grouped = ctx.notes.setdefault("iban_grouped", ctx.rng.random() < 0.7)
    return iban_printed(ctx.f.seller.iban, bool(grouped))


def bank_line(ctx: Ctx) -> str:
    f, w = ctx.f, ctx.w
    return (f"{w('bank_heading')}: {f.bank} · {w('iban')} {iban_text(ctx)} · "
            f"{w('bic')} {f.bic}")


def footer_columns(ctx: Ctx) -> list[list[str]]:
    """The columns this document's footer prints (fixed once per document)."""
    if "footer_cols" in ctx.notes:
        return ctx.notes["footer_cols"]
    f, w, rng, colon = ctx.f, ctx.w, ctx.rng, ctx.look.colon
    address = [f.seller.name, *f.seller.address]
    contact = [f"{w('phone')} {f.phone}", f"{w('email')}{colon} {f.email}", f.web]
    bank = [f"{w('bank')}{colon} {f.bank}"] if rng.random() < 0.7 else [f.bank]
    if f.print_iban:
        bank.append(f"{w('iban')}{colon} {iban_text(ctx)}")
    bank.append(f"{w('bic')}{colon} {f.bic}")
    tax = []
    if f.print_vat:
        spaced = ctx.notes.setdefault("vat_spaced", rng.random() < 0.3)
        tax.append(f"{w('vat_id')}{colon} {vat_printed(f.seller.vat, bool(spaced))}")
    if "tax_number" not in f.refs and rng.random() < 0.6:
        tax.append(f"{w('tax_number')}{colon} {tax_number(rng, f.seller.country)}")
    home = ctx.home or w
    legal = [home("manager", person=f.manager)]
    if f.seller.country != "US":  # no company register line on a US invoice
        legal.insert(0, home("registry", **f.registry))
    cols = [bank, tax]
    if ctx.blocks["letterhead"] == "footer_only" or rng.random() < 0.6:
        cols.insert(0, address)
    optional = [contact, legal]
    rng.shuffle(optional)
    cols += optional[: rng.randint(0, 2)]
    cols = [col for col in cols if col][:4]
    if len(cols) < 2:
        cols.append(legal)
    ctx.notes["footer_cols"] = cols
    return cols


def _line(ctx: Ctx, x: float, y: float, line: str, size: float, width: float,
          **style: object) -> float:
    """A footer line; when too wide, the label goes on a line of its own so an IBAN or
    VAT id is never broken, and only prose wraps at spaces."""
    c = ctx.c
    if c.width(line, size) <= width:
        return c.text(x, y, line, size, **style)
    label, sep, value = line.partition(": ")
    if sep and len(value) < 40:
        y = c.text(x, y, label + ":", size, width=width, **style)
        return c.text(x, y, value, size, width=width, **style)
    return c.para(x, y, line, size, width, **style)


def _lines_needed(ctx: Ctx, line: str, size: float, width: float) -> int:
    if ctx.c.width(line, size) <= width:
        return 1
    label, sep, value = line.partition(": ")
    return 2 if sep and len(value) < 40 else len(ctx.c.wrap(line, size, width))


def _size(ctx: Ctx) -> float:
    return ctx.notes.setdefault("footer_size", ctx.rng.choice([6.5, 7, 7.5]))


def columns(ctx: Ctx, y: float) -> float:
    c, lk = ctx.c, ctx.look
    cols = footer_columns(ctx)
    size = _size(ctx)
    if lk.rules or ctx.rng.random() < 0.5:
        c.rule(lk.left, lk.x_right, y - 4, (140, 140, 140), 0.4)
    cw = lk.width / len(cols)
    bottom = y
    for i, col in enumerate(cols):
        cy = y
        for line in col:
            cy = _line(ctx, lk.left + i * cw, cy, line, size, cw - 8, grey=True)
        bottom = max(bottom, cy)
    return bottom


def centered_lines(ctx: Ctx, y: float) -> float:
    c, lk = ctx.c, ctx.look
    sep = ctx.notes.setdefault("footer_sep", ctx.rng.choice([" · ", " | ", "  -  "]))
    mid = lk.left + lk.width / 2
    c.rule(lk.left, lk.x_right, y - 4, (160, 160, 160), 0.4)
    for col in footer_columns(ctx):
        y = c.para(mid, y, sep.join(col), _size(ctx), lk.width, align="C")
    return y


def boxed_columns(ctx: Ctx, y: float) -> float:
    c, lk = ctx.c, ctx.look
    cols = footer_columns(ctx)
    size = _size(ctx)
    gap = 6.0
    cw = (lk.width - gap * (len(cols) - 1)) / len(cols)
    count = max(sum(_lines_needed(ctx, line, size, cw - 8) for line in col) for col in cols)
    h = count * size * 1.35 + 8
    for i, col in enumerate(cols):
        x = lk.left + i * (cw + gap)
        c.fill(x, y - 4, cw, h, (238, 238, 238))
        cy = y
        for line in col:
            cy = _line(ctx, x + 4, cy, line, size, cw - 8)
    return y - 4 + h


FOOTERS = {"columns": columns, "centered_lines": centered_lines, "boxed_columns": boxed_columns}
