"""The grammar: which block kinds a procedural document is made of, the variants of
each, and which variants (and fonts) are reserved for the ``procedural-heldout`` family.

A document is one variant per block kind, drawn top to bottom: letterhead, parties
(with the meta block beside them when there is room), title, meta, line items
(over as many pages as they need), totals, notes, footer on every page. The
``procedural`` family picks only shared variants; ``procedural-heldout`` picks only
reserved ones, so every held-out page is built from blocks the model never saw.
"""

from __future__ import annotations

import random

from devdata.generator.canvas import available_fonts

FAMILIES = ("procedural", "procedural-heldout")

# kind -> (shared variants, reserved variants)
BLOCKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "letterhead": (("name_left", "name_right", "centered", "logo_left", "footer_only"),
                   ("banner", "corner_box")),
    "parties": (("window", "sections_side", "sections_stacked", "headed_side"),
                ("boxed_sections", "party_table")),
    "meta": (("kv_columns", "kv_below", "grid", "title_line", "inline"),
             ("dotted", "right_labels")),
    "items": (("ruled", "grid", "plain", "shaded"), ("striped", "two_line")),
    "totals": (("right_columns", "boxed", "vat_table", "ruled"), ("grid_row", "dotted")),
    "footer": (("columns", "centered_lines"), ("boxed_columns",)),
}
SHORT = {"letterhead": "lh", "parties": "pt", "meta": "mt", "items": "it", "totals": "tt",
         "footer": "ft"}
SHARED_FONTS = ("helvetica", "times", "DejaVu Sans")
RESERVED_FONTS = ("courier", "DejaVu Serif")


def is_heldout(family: str) -> bool:
    return family == "procedural-heldout"


def reserved_variants() -> set[tuple[str, str]]:
    return {(kind, v) for kind, (_, reserved) in BLOCKS.items() for v in reserved}


def choose_blocks(rng: random.Random, heldout: bool) -> dict[str, str]:
    """One variant per block kind from the family's own variants."""
    return {kind: rng.choice(reserved if heldout else shared)
            for kind, (shared, reserved) in BLOCKS.items()}


def choose_font(rng: random.Random, heldout: bool) -> str:
    """Held-out documents print in a reserved font half of the time."""
    present = set(available_fonts())
    shared = [f for f in SHARED_FONTS if f in present]
    reserved = [f for f in RESERVED_FONTS if f in present]
    if heldout and reserved and rng.random() < 0.5:
        return rng.choice(reserved)
    return rng.choice(shared)


def signature(blocks: dict[str, str]) -> str:
    """``procedural:lh=name_left,pt=window,...``: what the page is made of, in one string."""
    return "procedural:" + ",".join(f"{SHORT[k]}={v}" for k, v in blocks.items())
