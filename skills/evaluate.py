"""Measure extraction on a folder of documents with ground truth.

    python -m skills.evaluate DIR [--format synthetic|invoice2data|sroie] [--limit N]

Formats (detected from the folder when not given):
- synthetic: ``NAME.pdf|jpg`` + ``NAME.json`` written by ``devdata.generator``
- invoice2data: ``NAME.pdf`` + ``NAME.json`` holding a list with one object
  (issuer, amount, date, invoice_number, currency, ...)
- sroie: ``img/NNN.jpg`` + ``key/NNN.json`` (company, date, total as printed)

Both sides are normalised (skills.normalize) before comparing. Prints a table,
then one JSON line: per-field accuracy, straight-through rate (documents whose
every scored required field passes the threshold), precision of accepted
fields, expected calibration error and seconds per page (reading + extraction).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from skills.errors import UnreadableDocument
from skills.extract import REQUIRED_FIELDS, extract, values_match
from skills.extract_model import MODELS_DIR, FieldScorer, load_scorer
from skills.normalize import format_decimal, normalize_amount, normalize_date, normalize_identifier
from skills.train import expected_calibration_error

console = Console(stderr=True)


@dataclass
class Case:
    name: str
    path: Path
    truth: dict[str, str | None]  # only the fields this format scores


@dataclass
class Scored:
    name: str
    fields: dict[str, tuple[bool, float]] = field(default_factory=dict)  # right, confidence
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None


# ------------------------------------------------------------------ formats


def detect_format(folder: Path) -> str:
    if (folder / "img").is_dir() and (folder / "key").is_dir():
        return "sroie"
    for js in sorted(folder.glob("*.json")):
        data = json.loads(js.read_text())
        if isinstance(data, list):
            return "invoice2data"
        if isinstance(data, dict) and "truth" in data:
            return "synthetic"
    raise ValueError(f"{folder} holds no documents in a format this command knows")


def synthetic_cases(folder: Path) -> Iterator[Case]:
    from devdata.generator import load_truth  # noqa: PLC0415

    for doc in sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".jpg", ".png")):
        if doc.with_suffix(".json").exists():
            yield Case(doc.stem, doc, load_truth(doc).truth.header())


def invoice2data_cases(folder: Path) -> Iterator[Case]:
    for pdf in sorted(folder.glob("*.pdf")):
        js = pdf.with_suffix(".json")
        if not js.exists():
            continue
        data = json.loads(js.read_text())[0]
        truth: dict[str, str | None] = {}
        if data.get("issuer"):
            truth["vendor_name"] = str(data["issuer"])
        if data.get("invoice_number") is not None:
            truth["invoice_number"] = normalize_identifier(str(data["invoice_number"]))
        if data.get("date"):
            truth["invoice_date"] = normalize_date(str(data["date"]))
        if data.get("amount") is not None:
            truth["total"] = format_decimal(data["amount"])
        if data.get("currency"):
            truth["currency"] = str(data["currency"]).upper()
        yield Case(pdf.stem, pdf, truth)


def sroie_cases(folder: Path) -> Iterator[Case]:
    for key in sorted((folder / "key").glob("*.json")):
        image = folder / "img" / f"{key.stem}.jpg"
        if not image.exists():
            continue
        data = json.loads(key.read_text())
        truth = {"vendor_name": data.get("company"),
                 "invoice_date": normalize_date(data.get("date", ""), dayfirst=True),
                 "total": normalize_amount(data.get("total", ""))}
        yield Case(key.stem, image, {k: v for k, v in truth.items() if v})


LOADERS = {"synthetic": synthetic_cases, "invoice2data": invoice2data_cases,
           "sroie": sroie_cases}


# ------------------------------------------------------------------ scoring


def _same(name: str, predicted: str | None, expected: str | None) -> bool:
    if name == "invoice_number" and predicted and expected:
        return predicted.replace(" ", "").upper() == expected.replace(" ", "").upper()
    return values_match(name, predicted, expected)


def score_case(case: Case, scorer: FieldScorer, cached: bool = False) -> Scored:
    from skills.documents import read_document  # noqa: PLC0415
    from skills.train import read_cached  # noqa: PLC0415

    result = Scored(case.name)
    start = time.perf_counter()
    try:
        doc = read_cached(case.path) if cached else read_document(case.path.read_bytes(),
                                                                   case.path.name)
    except UnreadableDocument as exc:
        result.error = str(exc)
        result.fields = {n: (False, 0.0) for n in case.truth}
        return result
    extraction = extract(doc, scorer)
    result.seconds = time.perf_counter() - start
    result.pages = len(doc.pages)
    for name, expected in case.truth.items():
        got = extraction.fields[name]
        result.fields[name] = (_same(name, got.value, expected), got.confidence)
    return result


def summarise(results: list[Scored], threshold: float) -> dict:
    names = sorted({n for r in results for n in r.fields})
    per_field = {n: float(np.mean([r.fields[n][0] for r in results if n in r.fields]))
                 for n in names}
    right = np.array([ok for r in results for ok, _ in r.fields.values()], dtype=float)
    conf = np.array([c for r in results for _, c in r.fields.values()])
    accepted = conf >= threshold

    def passes(r: Scored) -> bool:
        req = [n for n in r.fields if n in REQUIRED_FIELDS]
        return bool(req) and all(r.fields[n][1] >= threshold for n in req)

    pages = sum(r.pages for r in results)
    return {
        "documents": len(results),
        "errors": sum(r.error is not None for r in results),
        "accuracy": float(right.mean()) if len(right) else None,
        "accuracy_per_field": per_field,
        "fields_scored": names,
        "threshold": threshold,
        "accepted_share": float(accepted.mean()) if len(conf) else None,
        "precision_at_threshold": float(right[accepted].mean()) if accepted.any() else None,
        "straight_through_rate": float(np.mean([passes(r) for r in results])) if results else None,
        "straight_through_correct": float(np.mean([
            passes(r) and all(ok for ok, _ in r.fields.values()) for r in results
        ])) if results else None,
        "ece": expected_calibration_error(conf, right) if len(conf) else None,
        "seconds_per_page": sum(r.seconds for r in results) / pages if pages else None,
    }


def print_table(summary: dict, title: str) -> None:
    table = Table(title=title)
    table.add_column("field")
    table.add_column("accuracy", justify="right")
    for name, acc in summary["accuracy_per_field"].items():
        table.add_row(name, f"{acc:.3f}")
    table.add_section()
    for key in ("accuracy", "precision_at_threshold", "accepted_share", "straight_through_rate",
                "ece", "threshold", "seconds_per_page"):
        value = summary[key]
        table.add_row(key, "-" if value is None else f"{value:.4f}")
    table.add_row("documents", str(summary["documents"]))
    Console().print(table)


def evaluate(folder: Path, fmt: str | None = None, limit: int | None = None,
             models_dir: Path = MODELS_DIR, cached: bool = False) -> dict:
    fmt = fmt or detect_format(folder)
    cases = list(LOADERS[fmt](folder))[:limit]
    scorer = load_scorer(models_dir)
    results = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Evaluating {len(cases)} {fmt} documents", total=len(cases))
        for case in cases:
            results.append(score_case(case, scorer, cached))
            progress.advance(task)
    summary = summarise(results, scorer.threshold)
    summary.update(format=fmt, folder=folder.name, model=f"{scorer.name} {scorer.version}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--format", choices=sorted(LOADERS))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--cached", action="store_true",
                        help="reuse documents read before (OCR cache); timings then exclude OCR")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        console.print(f"[red]{args.folder} is not a folder[/red]")
        return 2
    summary = evaluate(args.folder, args.format, args.limit, args.models_dir, args.cached)
    print_table(summary, f"{summary['format']}: {summary['folder']} ({summary['model']})")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
