"""Put one procedural document together: facts, then blocks top to bottom, page by page.

Page 1: letterhead, parties (the meta block beside them when they leave a column
free), title, meta, an optional intro sentence, then the line items. The totals
and notes are measured first on a scratch sheet, so the items are split over pages
knowing how much room the totals need on the last one; the footer (measured the
same way) is drawn on every page, and page numbers know the page count.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from devdata.generator.canvas import CORE_FONTS, available_fonts
from devdata.generator.procedural.draw import Ctx, Sheet, pick_look
from devdata.generator.procedural.facts import (
    COUNTRIES,
    Facts,
    facts_from_truth,
    make_facts,
    make_seller,
    party_from_vendor,
    to_truth,
)
from devdata.generator.procedural.footer import FOOTERS, footer_columns
from devdata.generator.procedural.grammar import (
    choose_blocks,
    choose_font,
    is_heldout,
    signature,
)
from devdata.generator.procedural.items import (
    Table,
    draw_carry,
    draw_header,
    draw_row,
    paginate,
    plan_table,
)
from devdata.generator.procedural.keyvalue import COLUMN_VARIANTS, draw_meta, title_word
from devdata.generator.procedural.letterhead import LETTERHEADS
from devdata.generator.procedural.parties import PARTIES
from devdata.generator.procedural.totals import TOTALS, draw_notes
from devdata.generator.procedural.wording import LANGUAGES, Wording, pick_formats
from devdata.generator.truth import InvoiceTruth, Vendor


@dataclass
class Printed:
    """A rendered procedural document and how it was made."""

    pdf: bytes
    truth: InvoiceTruth
    facts: Facts
    blocks: dict[str, str]
    layout: str
    font: str
    language: str
    number_format: str
    date_format: str
    currency_placement: str
    wordings: dict[str, str]
    pages: int
    details: dict[str, str]  # switches worth slicing results by (signs, placements...)


def _details(ctx: Ctx) -> dict[str, str]:
    notes, look, f = ctx.notes, ctx.look, ctx.f
    found = {
        "document_type": f.doc_type,
        "due_date": "none" if not f.due else "+".join(
            where for where, on in (("meta", notes["due_meta"]), ("prose", notes["due_prose"]))
            if on),
        "currency_shown": notes["currency_where"],
        "buyer_vat": "printed" if notes.get("buyer_vat") or notes.get("your_vat") else "no",
        "buyer_first": str(bool(notes.get("buyer_first", False))).lower(),
        "vat_rates": str(len(f.groups)),
        "reverse_charge": str(f.reverse_charge).lower(),
        "prepaid": str(bool(f.prepaid)).lower(),
        "carry_forward": str(look.carry and ctx.pages > 1).lower(),
    }
    if f.doc_type == "credit_note":
        found["credit_amounts"] = "negative" if look.print_negative else "positive"
    return found


def _measure(ctx: Ctx, draw: Callable[[Ctx, float], float]) -> float:
    """The height ``draw`` takes, found by drawing on a scratch sheet."""
    dry = ctx.dry()
    start = 100.0
    bottom = draw(dry, start)
    return max(bottom, dry.c.bottom) - start


def _block(ctx: Ctx, name: str) -> None:
    """On a vendor's recurring layout each block draws its choices from its own seed, so
    what an invoice's facts made earlier blocks draw (more lines, a due date or not)
    does not change how the next block looks."""
    seed = ctx.notes.get("recurring")
    if seed is not None:
        ctx.rng.seed(f"{seed}/{name}")


def _tail(ctx: Ctx, y: float) -> float:
    _block(ctx, "totals")
    y = TOTALS[ctx.blocks["totals"]](ctx, y + 8)
    _block(ctx, "notes")
    return draw_notes(ctx, y + 4)


def _choices(ctx: Ctx) -> None:
    """Decisions several blocks must agree on: where the due date, currency and bank go."""
    rng, f, fmt = ctx.rng, ctx.f, ctx.fmt
    due_meta = rng.random() < 0.7
    ctx.notes["due_meta"] = due_meta
    ctx.notes["due_prose"] = not due_meta or rng.random() < 0.4
    places = ["meta", "note", "total_label"]
    if fmt.placement != "header_only":
        places += ["none", "none", "none"]
    ctx.notes["currency_where"] = rng.choice(places)
    ctx.notes["bank_in_notes"] = f.print_iban and rng.random() < 0.25
    ctx.notes["your_vat"] = ctx.blocks["parties"] == "window" and rng.random() < 0.4
    if f.show_buyer_vat and f.buyer.vat:  # in the party block, or beside the window
        ctx.notes["buyer_vat"] = True
        ctx.notes["your_vat"] = ctx.notes["your_vat"] or ctx.blocks["parties"] == "window"
    if ctx.blocks["letterhead"] == "banner" and ctx.look.page_numbers == "top":
        ctx.look.page_numbers = "footer"


def _page_label(ctx: Ctx, page: int) -> str:
    return ctx.w("page", i=page, n=ctx.pages)


def _finish_page(ctx: Ctx, footer_y: float, page: int) -> None:
    _block(ctx, "footer")
    FOOTERS[ctx.blocks["footer"]](ctx, footer_y)
    lk = ctx.look
    if ctx.pages > 1 or lk.page_numbers != "none":
        if lk.page_numbers == "top" and page == 1:
            ctx.c.text(lk.x_right, 14, _page_label(ctx, page), lk.size - 1.5, align="R",
                       grey=True)
        elif lk.page_numbers != "top" or ctx.pages > 1:
            ctx.c.text(lk.x_right, ctx.c.page_h - lk.bottom + 4, _page_label(ctx, page),
                       lk.size - 1.5, align="R", grey=True)


def _title(ctx: Ctx, y: float) -> float:
    lk = ctx.look
    x = {"L": lk.left, "R": lk.x_right, "C": lk.left + lk.width / 2}[lk.title_align]
    return ctx.c.text(x, y + 4, title_word(ctx), lk.title_size, bold=True, align=lk.title_align,
                      color=lk.accent) + 10


def _continuation(ctx: Ctx, page: int) -> float:
    c, lk, f = ctx.c, ctx.look, ctx.f
    y = lk.top
    c.text(lk.left, y, f"{f.seller.name} – {title_word(ctx)} {f.number}", lk.size - 0.5,
           width=lk.width * 0.65)
    c.text(lk.x_right, y, _page_label(ctx, page), lk.size - 0.5, align="R")
    c.rule(lk.left, lk.x_right, y + lk.size * 1.5, (150, 150, 150), 0.4)
    return y + lk.size * 1.5 + 14


def _header(ctx: Ctx) -> float:
    """Page 1 down to where the line items start."""
    lk, blocks = ctx.look, ctx.blocks
    _block(ctx, "letterhead")
    y = LETTERHEADS[blocks["letterhead"]](ctx, lk.top)
    _block(ctx, "parties")
    y, column = PARTIES[blocks["parties"]](ctx, y)
    in_column = column is not None and blocks["meta"] in COLUMN_VARIANTS
    _block(ctx, "meta")
    if in_column:
        y = max(y, draw_meta(ctx, *column) + 10)
    if blocks["meta"] != "title_line":
        y = _title(ctx, y)
    if not in_column:
        y = draw_meta(ctx, lk.left, y, lk.width) + 6
    _block(ctx, "intro")
    if ctx.rng.random() < 0.35:
        key = "intro_credit" if ctx.f.doc_type == "credit_note" else "intro"
        y = ctx.c.text(lk.left, y, ctx.w(key), lk.size, width=lk.width) + 8
    return y


def _printable_font(font: str, facts: Facts) -> str:
    """A Unicode font instead of a PDF core font when a name or address has letters
    outside cp1252 (a vendor master with "Łódź" in it)."""
    texts = [p.name + p.street + p.city for p in (facts.seller, facts.buyer) if p]
    try:
        "".join(texts).encode("cp1252")
    except UnicodeEncodeError:
        present = available_fonts()
        if font in CORE_FONTS:
            return next((f for f in ("DejaVu Sans", "DejaVu Serif") if f in present), font)
    return font


def _context(facts: Facts, rng: random.Random, heldout: bool, recurring: bool = False) -> Ctx:
    """Blocks, font, formats, wordings and look for one document. ``recurring``: the
    layout is a vendor's own, printed again and again: its labels stay the same."""
    blocks = choose_blocks(rng, heldout)
    sheet = Sheet(_printable_font(choose_font(rng, heldout), facts))
    fmt = pick_formats(rng, facts.language, facts.currency)
    draw = rng.random()
    wording = Wording(facts.language, random.Random(draw), heldout,
                      keyed=str(draw) if recurring else None)
    ctx = Ctx(sheet, facts, wording, fmt, pick_look(rng), rng, blocks)
    if recurring:
        ctx.notes["recurring"] = str(draw)
    home = COUNTRIES.get(facts.seller.country, COUNTRIES["DE"])[1]
    if home != facts.language:
        draw = rng.random()
    ctx.home = wording if home == facts.language else Wording(
        home, random.Random(draw), heldout, keyed=str(draw) if recurring else None)
    _block(ctx, "choices")
    _choices(ctx)
    footer_columns(ctx)
    return ctx


def _draw_items(ctx: Ctx, table: Table, rows: list[int], y: float, footer_y: float) -> float:
    """The line items page by page: footer and a new page between them, the table
    header repeated, carried-forward sums at the foot and head of a break."""
    carry = ctx.look.carry and len(rows) > 1
    running = Decimal(0)
    lines = iter(ctx.f.lines)
    for page, count in enumerate(rows, start=1):
        if page > 1:
            _finish_page(ctx, footer_y, page - 1)
            ctx.c.new_page()
            y = _continuation(ctx, page)
        if count or page == len(rows):
            y = draw_header(ctx, table, y)
        if carry and page > 1 and running:
            y = draw_carry(ctx, table, y, "carry_in", page - 1, running)
        for i in range(count):
            line = next(lines)
            running += line.amount
            y = draw_row(ctx, table, y, line, i % 2 == 1)
        if carry and page < len(rows) and count:
            draw_carry(ctx, table, y + 2, "carry_out", page, running)
    return y


def layout(facts: Facts, rng: random.Random, heldout: bool,
           recurring: bool = False) -> tuple[Sheet, Ctx]:
    """Draw ``facts`` with blocks chosen by ``rng``; returns the sheet and its context.
    The footer and the totals are measured first, so the items can be split over pages
    knowing the room both need. ``recurring``: see :func:`_context`."""
    ctx = _context(facts, rng, heldout, recurring)
    lk = ctx.look
    footer_y = ctx.c.page_h - lk.bottom - _measure(ctx, FOOTERS[ctx.blocks["footer"]]) - 4
    limit = footer_y - 14
    y = _header(ctx)
    table = plan_table(ctx)
    tail_h = _measure(ctx, _tail) + 16
    later_top = lk.top + lk.size * 1.5 + 14
    rows = paginate(len(facts.lines), limit - y - table.header_h,
                    limit - later_top - table.header_h, table.row_h, table.carry_h, tail_h,
                    lk.carry)
    ctx.pages = len(rows)
    y = _draw_items(ctx, table, rows, y, footer_y)
    _tail(ctx, y)
    _finish_page(ctx, footer_y, ctx.pages)
    return ctx.c, ctx


def render(seed: int, index: int, family: str, scanned: bool = False,
           vendors: Sequence[Vendor] | None = None, po_numbers: Sequence[str] | None = None,
           truth: InvoiceTruth | None = None, *, country: str | None = None,
           buyer_vat: str | None = None, house: int | None = None) -> Printed:
    """Document ``index`` of a procedural set; scanned documents are kept to one page
    (the scanner takes page 1). A given ``truth`` is printed instead of sampled facts
    (see :func:`facts_from_truth`: ``country`` is the seller's, ``buyer_vat`` printed
    with the buyer); its header fields are printed exactly. Documents of one ``house``
    share their seller, language and layout draws: one vendor's recurring layout, with
    new facts on every invoice."""
    heldout = is_heldout(family)
    rng = random.Random(f"{seed}/{index}/{family}")
    layout_seed = f"{seed}/{index}/{family}"
    if house is not None:
        layout_seed = f"{seed}/house/{house}/{family}"
    if truth is not None:
        facts = facts_from_truth(truth, rng, country=country, buyer_vat=buyer_vat)
    else:
        # The seller and language come from the house's own draws when there is one.
        picks = rng if house is None else random.Random(layout_seed)
        seller = party_from_vendor(picks.choice(list(vendors))) if vendors else None
        if house is not None and seller is None:
            seller = make_seller(picks)
        language = None
        if picks.random() < 0.2:
            language = picks.choice(LANGUAGES)
        facts = make_facts(rng, seller=seller, language=language,
                           po_numbers=list(po_numbers) if po_numbers else None,
                           max_lines=4 if scanned else None)
    for attempt in range(6):
        sheet, ctx = layout(facts, random.Random(f"{layout_seed}/layout/{attempt}"), heldout,
                            recurring=house is not None)
        if not scanned or ctx.pages == 1:
            break
    fmt = ctx.fmt
    return Printed(
        pdf=sheet.output(), truth=to_truth(facts), facts=facts, blocks=ctx.blocks,
        layout=signature(ctx.blocks), font=sheet.font_name, language=facts.language,
        number_format=fmt.number_format, date_format=fmt.date_format,
        currency_placement=fmt.placement, wordings=dict(ctx.w.used), pages=ctx.pages,
        details=_details(ctx),
    )
