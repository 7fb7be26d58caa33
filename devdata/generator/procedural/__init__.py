"""Procedural invoices: a grammar of blocks placed, styled and worded at random.

The fixed layouts (devdata.generator.layouts) teach a model a dozen pages; real
invoices are far more varied. Here every document is assembled from block kinds
(letterhead, parties, meta, line items, totals, footer), each in one of several
variants, with label wordings in six languages, look-alike identifiers, several
dates, several VAT rates, allowances, prepayments, credit notes and corrections,
and line items running over several pages.

Two families: ``procedural`` (to train) and ``procedural-heldout``, built only from
block variants reserved for it and, for most labels, wordings reserved for it
(see :mod:`.grammar` and :mod:`.wording`); it measures generalisation and must never
be used to fit anything.
"""

from devdata.generator.procedural.grammar import BLOCKS, FAMILIES, reserved_variants
from devdata.generator.procedural.render import Printed, render
from devdata.generator.procedural.wording import reserved_wordings

__all__ = ["BLOCKS", "FAMILIES", "Printed", "render", "reserved_variants", "reserved_wordings"]
