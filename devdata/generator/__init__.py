"""Synthetic invoices with exact ground truth, for training and evaluating extraction.

    from devdata.generator import generate_set, Vendor
    generate_set(Path("out"), count=100, seed=1, family="heldout", scanned_share=0.3)

or ``python -m devdata.generator --out DIR --count N --seed S``. Families: ``train`` and
``heldout`` (fixed layouts, devdata.generator.layouts), ``procedural`` and
``procedural-heldout`` (a grammar of randomly placed, styled and worded blocks,
devdata.generator.procedural; the held-out one is built from reserved variants and
must never be used to fit anything). ``receipt_share``
(``--receipt-share``) mixes in till receipts (devdata.generator.receipts). Pass ``vendors``
(and ``po_numbers``) to print invoices for a known vendor master.
"""

from devdata.generator.build import (
    GeneratedInvoice,
    Rendering,
    generate_set,
    load_truth,
    render_invoice,
    render_receipt,
)
from devdata.generator.layouts import HELDOUT_LAYOUTS, TRAIN_LAYOUTS
from devdata.generator.receipts import RECEIPT_HELDOUT_LAYOUTS, RECEIPT_TRAIN_LAYOUTS
from devdata.generator.truth import HEADER_FIELDS, InvoiceTruth, LineItem, Vendor

__all__ = [
    "HEADER_FIELDS", "HELDOUT_LAYOUTS", "RECEIPT_HELDOUT_LAYOUTS", "RECEIPT_TRAIN_LAYOUTS",
    "TRAIN_LAYOUTS", "GeneratedInvoice", "InvoiceTruth", "LineItem", "Rendering", "Vendor",
    "generate_set", "load_truth", "render_invoice", "render_receipt",
]
