"""Render synthetic invoices and their ground truth.

    python -m devdata.generator --out DIR --count N --seed S
        [--scanned-share 0.3] [--family train|heldout|procedural|procedural-heldout]
        [--receipt-share 0.3 [--receipt-scanned-share 0.7]] [--layout-repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.progress import Progress

from devdata.generator.build import FAMILIES, generate_set
from devdata.generator.truth import Vendor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devdata.generator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for documents + truth")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scanned-share", type=float, default=0.0)
    parser.add_argument("--einvoice-share", type=float, default=0.0)
    parser.add_argument("--family", choices=list(FAMILIES), default="train",
                        help="fixed layouts (train, heldout) or the block grammar (procedural, "
                        "procedural-heldout: never use it to fit anything)")
    parser.add_argument("--receipt-share", type=float, default=0.0,
                        help="share of till receipts among the documents")
    parser.add_argument("--receipt-scanned-share", type=float,
                        help="share of the receipts that are scanned (default: --scanned-share)")
    parser.add_argument("--vendors", type=Path,
                        help="JSON list of vendors {name, vat, iban, address}")
    parser.add_argument("--po-numbers", type=Path, help="text file, one PO number per line")
    parser.add_argument("--layout-repeat", type=int, default=1,
                        help="invoices per vendor layout: count/N vendors take turns, each "
                        "always printing its own layout (to measure learning from corrections)")
    args = parser.parse_args(argv)
    vendors = None
    if args.vendors:
        vendors = [Vendor.model_validate(v) for v in json.loads(args.vendors.read_text())]
    pos = None
    if args.po_numbers:
        pos = [line.strip() for line in args.po_numbers.read_text().splitlines() if line.strip()]
    with Progress() as progress:
        task = progress.add_task(f"Rendering {args.count} documents", total=args.count)
        files = generate_set(args.out, args.count, args.seed, args.family, args.scanned_share,
                             args.einvoice_share, vendors, pos,
                             progress=lambda n: progress.advance(task, n),
                             receipt_share=args.receipt_share,
                             receipt_scanned_share=args.receipt_scanned_share,
                             layout_repeat=args.layout_repeat)
    print(f"{len(files)} invoices written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
