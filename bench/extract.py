"""Benchmark: field extraction (learned scorer) against a plain label-regex baseline.

    python -m bench.extract [--count 60] [--receipts 20] [--realdata DIR] [--sroie N]

Baseline ("first label, same line"): for each field the first label found on the
page wins and the text right after it on the same line is the value; the vendor
is the first line of the page; the currency is the first currency sign or code.
Both extractors see the same Document (read once) on the same documents:
held-out synthetic invoice layouts, held-out synthetic receipt layouts (scanned),
and, when present, the real invoices and the SROIE receipts (OCR: slow). Vendor
names are compared as skills.evaluate does (fair rule; see VENDOR_RULE). Prints
a table, then one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ itself is first on the path, and bench/queue.py would
# hide the standard library's queue module: put the repo root there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from devdata.generator import generate_set  # noqa: E402
from skills.documents import read_document  # noqa: E402
from skills.evaluate import Case, invoice2data_cases, sroie_cases, synthetic_cases  # noqa: E402
from skills.evaluate import _same as same_value  # noqa: E402
from skills.extract import extract  # noqa: E402
from skills.extract_labels import find_labels  # noqa: E402
from skills.extract_model import default_scorer  # noqa: E402
from skills.normalize import normalize_currency, normalize_field  # noqa: E402
from skills.schema import Document  # noqa: E402

FIELDS = ("vendor_name", "invoice_number", "invoice_date", "currency", "total")


def baseline(doc: Document) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys(FIELDS)
    page = doc.pages[0] if doc.pages else None
    if page is None:
        return found
    found["vendor_name"] = page.lines[0].text if page.lines else None
    for label in find_labels(page.lines):
        if label.field not in FIELDS or found.get(label.field):
            continue
        line = page.lines[label.line_index]
        rest = label.remainder or " ".join(w.text for w in line.words[label.word_end:])
        if not rest:  # the value may be the next line on the same row
            row = [ln for ln in page.lines if ln is not line and ln.box[0] > line.box[2]
                   and abs(ln.box[1] - line.box[1]) < 4]
            rest = min(row, key=lambda ln: ln.box[0]).text if row else ""
        found[label.field] = normalize_field(label.field, rest.strip(" :#")) if rest else None
    if not found["currency"]:
        m = re.search(r"[€$£]|\b(EUR|USD|GBP|CHF|SEK|INR)\b", doc.text)
        found["currency"] = normalize_currency(m.group(0)) if m else None
    return found


def run(cases: list[Case]) -> dict:
    scorer = default_scorer()
    totals = {"model": 0, "baseline": 0, "fields": 0, "read_s": 0.0, "model_s": 0.0,
              "baseline_s": 0.0, "pages": 0}
    for case in cases:
        t0 = time.perf_counter()
        doc = read_document(case.path.read_bytes(), case.path.name)
        t1 = time.perf_counter()
        ours = extract(doc, scorer).values()
        t2 = time.perf_counter()
        theirs = baseline(doc)
        t3 = time.perf_counter()
        totals["read_s"] += t1 - t0
        totals["model_s"] += t2 - t1
        totals["baseline_s"] += t3 - t2
        totals["pages"] += len(doc.pages)
        for name in FIELDS:
            if name in case.truth:
                totals["fields"] += 1
                totals["model"] += same_value(name, ours[name], case.truth[name])
                totals["baseline"] += same_value(name, theirs[name], case.truth[name])
    n, pages = max(totals["fields"], 1), max(totals["pages"], 1)
    return {"documents": len(cases), "fields": totals["fields"],
            "model_accuracy": totals["model"] / n, "baseline_accuracy": totals["baseline"] / n,
            "read_s_per_page": totals["read_s"] / pages,
            "model_s_per_page": totals["model_s"] / pages,
            "baseline_s_per_page": totals["baseline_s"] / pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--receipts", type=int, default=20,
                        help="held-out synthetic receipts (scanned, OCR)")
    parser.add_argument("--realdata", type=Path, default=Path(os.environ.get(
        "AP_REALDATA", ROOT.parent / "shared" / "realdata")))
    parser.add_argument("--sroie", type=int, default=40, help="SROIE receipts to read (0: none)")
    args = parser.parse_args()
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        generate_set(Path(tmp), args.count, seed=2024, family="heldout")
        figures["synthetic_heldout"] = run(list(synthetic_cases(Path(tmp))))
    if args.receipts:
        with tempfile.TemporaryDirectory() as tmp:
            generate_set(Path(tmp), args.receipts, seed=2024, family="heldout", receipt_share=1.0,
                         receipt_scanned_share=1.0)
            figures["synthetic_receipts"] = run(list(synthetic_cases(Path(tmp))))
    invoices = args.realdata / "invoices"
    if invoices.is_dir():
        figures["real_invoices"] = run(list(invoice2data_cases(invoices)))
    sroie = args.realdata / "sroie"
    if sroie.is_dir() and args.sroie:
        figures["sroie_receipts"] = run(list(sroie_cases(sroie))[:args.sroie])
    table = Table(title="Header fields (vendor, number, date, currency, total): model vs baseline")
    for col in ("set", "docs", "model acc", "baseline acc", "ratio", "read s/page",
                "model s/page", "baseline s/page"):
        table.add_column(col, justify="right")
    for name, f in figures.items():
        f["accuracy_ratio"] = f["model_accuracy"] / max(f["baseline_accuracy"], 1e-9)
        table.add_row(name, str(f["documents"]), f"{f['model_accuracy']:.3f}",
                      f"{f['baseline_accuracy']:.3f}", f"{f['accuracy_ratio']:.2f}x",
                      f"{f['read_s_per_page']:.4f}", f"{f['model_s_per_page']:.4f}",
                      f"{f['baseline_s_per_page']:.4f}")
    Console().print(table)
    print(json.dumps({"baseline": "first label, same line", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
