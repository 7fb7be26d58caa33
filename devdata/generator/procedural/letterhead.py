"""Letterheads: where the seller's name stands at the top of the first page, if at all.

Shared: ``name_left``, ``name_right``, ``centered``, ``logo_left``, ``footer_only``
(a logo without a name: the seller is named only in the footer and the sender
line). Reserved for held-out: ``banner`` (a coloured band), ``corner_box``.
"""

from __future__ import annotations

from devdata.generator.procedural.draw import Ctx


def _contacts(ctx: Ctx) -> list[str]:
    f, w = ctx.f, ctx.w
    lines = [f"{w('phone')} {f.phone}", f"{w('email')}: {f.email}", f.web]
    return lines[: ctx.rng.randint(1, 3)]


def _logo(ctx: Ctx, x: float, y: float, size: float) -> None:
    """A wordless logo: a square and a disc in the accent colour."""
    c, accent = ctx.c, ctx.look.accent
    if ctx.rng.random() < 0.5:
        c.fill(x, y, size, size, accent)
        c.disc(x + size * 0.25, y + size * 0.25, size * 0.5, (255, 255, 255))
    else:
        c.disc(x, y, size, accent)
        c.fill(x + size * 0.6, y + size * 0.55, size * 0.5, size * 0.45, (200, 200, 200))


def name_left(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    x = lk.left
    if ctx.rng.random() < 0.5:
        _logo(ctx, x, y, 34)
        x += 44
    size = ctx.rng.choice([14, 16, 18, 22])
    bottom = c.text(x, y, f.seller.name, size, bold=True, color=lk.accent,
                    width=lk.width * 0.6 - (x - lk.left))
    if ctx.rng.random() < 0.6:
        bottom = c.text(x, bottom, " · ".join(f.seller.address), lk.size - 1, grey=True)
    cy = y
    for line in _contacts(ctx):
        cy = c.text(lk.x_right, cy, line, lk.size - 1.5, align="R", grey=True)
    return max(bottom, cy, y + 34) + 12


def name_right(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    if ctx.rng.random() < 0.5:
        _logo(ctx, lk.left, y, 40)
    y2 = c.text(lk.x_right, y, f.seller.name, ctx.rng.choice([13, 15, 17]), bold=True,
                align="R", color=lk.accent, width=lk.width * 0.6)
    for line in [*f.seller.address, *(_contacts(ctx) if ctx.rng.random() < 0.5 else [])]:
        y2 = c.text(lk.x_right, y2, line, lk.size - 1, align="R")
    return max(y2, y + 40) + 12


def centered(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    mid = lk.left + lk.width / 2
    y = c.text(mid, y, f.seller.name, ctx.rng.choice([15, 18, 21]), bold=True, align="C",
               color=lk.accent, width=lk.width)
    sep = ctx.rng.choice([" · ", " | ", " - "])
    y = c.text(mid, y + 2, sep.join(f.seller.address), lk.size - 0.5, align="C")
    if ctx.rng.random() < 0.6:
        y = c.text(mid, y, sep.join(_contacts(ctx)), lk.size - 1.5, align="C", grey=True,
                   width=lk.width)
    if lk.rules:
        c.rule(lk.left, lk.x_right, y + 4, lk.accent, 0.8)
    return y + 16


def logo_left(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    _logo(ctx, lk.left, y, 56)
    x = lk.left + 68
    y2 = c.text(x, y + 4, f.seller.name, 12, bold=True, width=lk.width * 0.5)
    for line in f.seller.address:
        y2 = c.text(x, y2, line, lk.size - 1)
    return max(y2, y + 56) + 14


def footer_only(ctx: Ctx, y: float) -> float:
    if ctx.rng.random() < 0.6:
        _logo(ctx, ctx.look.x_right - 44, y, 44)
        return y + 56
    return y + 10


def banner(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    accent = lk.accent if lk.accent != (0, 0, 0) else (35, 50, 80)
    h = ctx.rng.choice([56, 66, 76])
    c.fill(0, 0, c.page_w, h + y * 0.5, accent)
    c.text(lk.left, y * 0.5 + 14, f.seller.name, 17, bold=True, white=True,
           width=lk.width * 0.6)
    cy = y * 0.5 + 10
    for line in [" · ".join(f.seller.address), *_contacts(ctx)[:2]]:
        cy = c.text(lk.x_right, cy, line, lk.size - 1.5, white=True, align="R",
                    width=lk.width * 0.38)
    return h + y * 0.5 + 18


def corner_box(ctx: Ctx, y: float) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    w = min(220.0, lk.width * 0.45)
    x = lk.x_right - w
    lines = [*f.seller.address, *_contacts(ctx)]
    h = 20 + 11 * len(lines) + 8
    c.box(x, y, w, h, lk.accent, 0.8)
    y2 = c.text(x + 8, y + 6, f.seller.name, 11, bold=True, width=w - 16)
    for line in lines:
        y2 = c.text(x + 8, y2, line, lk.size - 1.5, width=w - 16)
    return y + h + 14


LETTERHEADS = {"name_left": name_left, "name_right": name_right, "centered": centered,
               "logo_left": logo_left, "footer_only": footer_only, "banner": banner,
               "corner_box": corner_box}
