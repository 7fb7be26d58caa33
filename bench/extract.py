"""Benchmark: field extraction (learned scorer) against the previous registered version of
the scorer and a plain label-regex baseline.

    python -m bench.extract [--count 60] [--receipts 20] [--realdata DIR] [--sroie N]
                            [--recurring 48 --layout-repeat 6]

Sets: the procedural-heldout family (layouts from a grammar, with block variants and
wordings no training document has), its credit notes, the fixed held-out layouts,
held-out receipts (scanned), the real invoices and SROIE receipts when present.

Baseline ("first label, same line"): for each field the first label found on the
page wins and the text right after it on the same line is the value; the vendor
is the first line of the page; the currency is the first currency sign or code.
The previous scorer runs through today's decision code (its own feature list), so the
comparison isolates the model. All extractors see the same Document (read once).
Vendor names are compared as skills.evaluate does (fair rule; see VENDOR_RULE).
"precision (accepted)" is the share of auto-accepted fields that are right, with the
share of fields accepted in brackets; the rules accept nothing.

Layout memory (skills.layouts): a procedural-heldout set whose vendors each print their
own layout again and again (``--layout-repeat``) is replayed in order, each invoice taught
after it is read, as a clerk's approval teaches it. Its figures: what learning costs when
reading (finding the layout and reading its places, per document, mean and max; target
10 ms), the whole extraction with and without the memory (the baseline, same documents),
and the accuracy of all twelve fields on invoices of layouts taught before. Prints the
tables, then one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
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
from skills.evaluate import same as same_value  # noqa: E402
from skills.extract import extract  # noqa: E402
from skills.extract.labels import find_labels  # noqa: E402
from skills.extract.model import (  # noqa: E402
    FieldScorer,
    default_scorer,
    load_scorer,
    previous_versions,
)
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


Extractor = Callable[[Document], tuple[dict[str, str | None], set[str]]]


def learned(scorer: FieldScorer) -> Extractor:
    """The product's extraction with ``scorer``: values, and the fields it would accept."""
    def run_one(doc: Document) -> tuple[dict[str, str | None], set[str]]:
        result = extract(doc, scorer)
        return result.values(), set(result.accepted())
    return run_one


def rules(doc: Document) -> tuple[dict[str, str | None], set[str]]:
    return baseline(doc), set()  # rules have no confidence: nothing is auto-accepted


def run(cases: list[Case], extractors: dict[str, Extractor]) -> dict:
    """Accuracy, precision of accepted fields and seconds per page of each extractor, on
    the same documents read once."""
    n = {"fields": 0, "pages": 0, "read_s": 0.0}
    per = {name: {"right": 0, "accepted": 0, "accepted_right": 0, "seconds": 0.0, "ms": []}
           for name in extractors}
    for case in cases:
        t0 = time.perf_counter()
        doc = read_document(case.path.read_bytes(), case.path.name)
        n["read_s"] += time.perf_counter() - t0
        n["pages"] += len(doc.pages)
        scored = [f for f in FIELDS if f in case.truth]
        n["fields"] += len(scored)
        for name, extractor in extractors.items():
            t1 = time.perf_counter()
            values, accepted = extractor(doc)
            spent = time.perf_counter() - t1
            per[name]["seconds"] += spent
            per[name]["ms"].append(1000 * spent / max(len(doc.pages), 1))
            for f in scored:
                right = same_value(f, values[f], case.truth[f])
                per[name]["right"] += right
                if f in accepted:
                    per[name]["accepted"] += 1
                    per[name]["accepted_right"] += right
    fields, pages = max(n["fields"], 1), max(n["pages"], 1)
    out = {"documents": len(cases), "fields": n["fields"], "read_s_per_page": n["read_s"] / pages}
    for name, f in per.items():
        out[f"{name}_accuracy"] = f["right"] / fields
        out[f"{name}_precision"] = (f["accepted_right"] / f["accepted"]) if f["accepted"] else None
        out[f"{name}_accepted_share"] = f["accepted"] / fields
        out[f"{name}_ms_per_page"] = 1000 * f["seconds"] / pages
        out[f"{name}_ms_per_page_max"] = max(f["ms"], default=0.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--receipts", type=int, default=20,
                        help="held-out synthetic receipts (scanned, OCR)")
    parser.add_argument("--realdata", type=Path, default=Path(os.environ.get(
        "AP_REALDATA", ROOT.parent / "shared" / "realdata")))
    parser.add_argument("--sroie", type=int, default=40, help="SROIE receipts to read (0: none)")
    parser.add_argument("--recurring", type=int, default=48,
                        help="invoices of recurring vendor layouts for the layout memory "
                        "(0: none)")
    parser.add_argument("--layout-repeat", type=int, default=6,
                        help="invoices per vendor layout in that set")
    args = parser.parse_args()
    scorer = default_scorer()
    extractors: dict[str, Extractor] = {"model": learned(scorer)}
    previous = next(iter(previous_versions()), None)
    if previous:
        extractors["previous"] = learned(load_scorer(version=previous))
    extractors["rules"] = rules
    sets: list[tuple[str, dict]] = [
        ("procedural_heldout", {"family": "procedural-heldout", "count": args.count}),
        ("procedural_heldout_credit_notes", {"family": "procedural-heldout",
                                             "count": args.count, "credit_notes": True}),
        ("fixed_heldout", {"family": "heldout", "count": args.count}),
    ]
    figures: dict[str, dict] = {}
    for name, spec in sets:
        with tempfile.TemporaryDirectory() as tmp:
            generate_set(Path(tmp), spec["count"] * (4 if spec.get("credit_notes") else 1),
                         seed=2024, family=spec["family"])
            cases = list(synthetic_cases(Path(tmp)))
            if spec.get("credit_notes"):
                cases = [c for c in cases if (c.truth.get("total") or "").startswith("-")]
            figures[name] = run(cases, extractors)
    if args.receipts:
        with tempfile.TemporaryDirectory() as tmp:
            generate_set(Path(tmp), args.receipts, seed=2024, family="heldout", receipt_share=1.0,
                         receipt_scanned_share=1.0)
            figures["synthetic_receipts"] = run(list(synthetic_cases(Path(tmp))), extractors)
    invoices = args.realdata / "invoices"
    if invoices.is_dir():
        figures["real_invoices"] = run(list(invoice2data_cases(invoices)), extractors)
    sroie = args.realdata / "sroie"
    if sroie.is_dir() and args.sroie:
        figures["sroie_receipts"] = run(list(sroie_cases(sroie))[:args.sroie], extractors)
    _print_table(figures, extractors, scorer.version, previous)
    if args.recurring:
        figures["layout_memory"] = _layout_memory(scorer, args.recurring, args.layout_repeat)
    print(json.dumps({"model": scorer.version, "previous": previous,
                      "baseline": "first label, same line", **figures}))
    return 0


def _print_table(figures: dict[str, dict], extractors: dict[str, Extractor], version: str,
                 previous: str | None) -> None:
    names = list(extractors)
    table = Table(title=f"Header fields (vendor, number, date, currency, total): model {version}"
                        f", previous {previous or '-'}, rules baseline; same documents")
    table.add_column("set")
    table.add_column("docs", justify="right")
    for name in names:
        table.add_column(f"{name} acc", justify="right")
    for name in names[:-1]:
        table.add_column(f"{name} precision (accepted)", justify="right")
    table.add_column("model/rules", justify="right")
    table.add_column("model ms/page (max)", justify="right")
    for set_name, f in figures.items():
        f["ratio_to_rules"] = f["model_accuracy"] / max(f["rules_accuracy"], 1e-9)
        precision = [f"{f[f'{n}_precision']:.3f} ({f[f'{n}_accepted_share']:.2f})"
                     if f[f"{n}_precision"] is not None else "-" for n in names[:-1]]
        table.add_row(set_name, str(f["documents"]),
                      *(f"{f[f'{n}_accuracy']:.3f}" for n in names), *precision,
                      f"{f['ratio_to_rules']:.2f}x",
                      f"{f['model_ms_per_page']:.1f} ({f['model_ms_per_page_max']:.1f})")
    Console().print(table)


def _layout_memory(scorer: FieldScorer, count: int, repeat: int) -> dict:
    """Replay invoices of recurring layouts with a layout memory (skills.layouts.replay)."""
    from skills.layouts.replay import replay, summarise_replay  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        generate_set(Path(tmp), count, seed=2025, family="procedural-heldout",
                     layout_repeat=repeat)
        summary = summarise_replay(replay(list(synthetic_cases(Path(tmp))), scorer))
    seen = summary["seen_before"]
    figures = {
        "documents": summary["documents"], "layouts": summary["layouts"],
        "learning_ms_mean": summary["recall_ms_mean"], "learning_ms_max": summary["recall_ms_max"],
        "extract_ms_with_memory": summary["extract_ms_mean"],
        "extract_ms_without": summary["extract_alone_ms_mean"],
        "seen_accuracy_with_memory": seen["with_memory"]["accuracy"],
        "seen_accuracy_without": seen["model_alone"]["accuracy"],
        "seen_precision_with_memory": seen["with_memory"]["precision_accepted"],
        "seen_precision_without": seen["model_alone"]["precision_accepted"],
    }
    figures["extract_time_ratio"] = (figures["extract_ms_with_memory"]
                                     / max(figures["extract_ms_without"], 1e-9))
    table = Table(title=f"Layout memory: {count} invoices of {summary['layouts']} recurring "
                        "layouts (procedural held-out), each taught after it is read")
    for column in ("learning ms/doc (max)", "extract ms with / without (ratio)",
                   "accuracy, layouts seen before: with / without",
                   "precision accepted: with / without"):
        table.add_column(column, justify="right")

    def f(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    table.add_row(f"{figures['learning_ms_mean']:.2f} ({figures['learning_ms_max']:.2f})",
                  f"{figures['extract_ms_with_memory']:.1f} / {figures['extract_ms_without']:.1f}"
                  f" ({figures['extract_time_ratio']:.2f}x)",
                  f"{f(figures['seen_accuracy_with_memory'])} / "
                  f"{f(figures['seen_accuracy_without'])}",
                  f"{f(figures['seen_precision_with_memory'])} / "
                  f"{f(figures['seen_precision_without'])}")
    Console().print(table)
    return figures


if __name__ == "__main__":
    sys.exit(main())
