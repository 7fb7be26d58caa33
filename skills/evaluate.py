"""Measure extraction on a folder of documents with ground truth.

    python -m skills.evaluate DIR [--format synthetic|invoice2data|sroie] [--limit N] [--misses]
                                  [--cached] [--version V] [--learn]

Formats (detected from the folder when not given):
- synthetic: ``NAME.pdf|jpg`` + ``NAME.json`` written by ``devdata.generator``
- invoice2data: ``NAME.pdf`` + ``NAME.json`` holding a list with one object
  (issuer, amount, date, invoice_number, currency, ...)
- sroie: ``img/NNN.jpg`` + ``key/NNN.json`` (company, date, total as printed)

Both sides are normalised (skills.normalize) before comparing. Vendor names are
compared fairly (legal forms aside, one name's words within the other's; see
VENDOR_RULE) and strictly (equal once folded): both figures are reported. Prints
a table (split by reading method and by kind of document when a set mixes them),
then one JSON line: per-field accuracy, straight-through rate (documents whose
every scored required field passes its method's threshold), precision of
accepted fields, expected calibration error and seconds per page (reading +
extraction). ``--misses`` first lists every wrong field: what was expected, what was
read, and whether it would have been accepted. ``--learn`` replays the folder in order
as a clerk would, teaching each document's true values to a layout memory after
scoring it (skills.layouts.replay): accuracy on first-seen layouts and after 1, 2 and
5 corrections of a layout, and the precision of auto-accepted fields at each point (with
``--misses``, first every field it read wrongly with the memory, beside the model's own).
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
from skills.extract import REQUIRED_FIELDS, Extraction, document_method, extract, values_match
from skills.extract.candidates import AMOUNT_FIELDS
from skills.extract.model import MODELS_DIR, FieldScorer, load_scorer
from skills.normalize import (
    format_decimal,
    normalize_amount,
    normalize_date,
    normalize_identifier,
    normalize_text,
)
from skills.schema import Document
from skills.train import expected_calibration_error

console = Console(stderr=True)


VENDOR_RULE = ("vendor_name: folded case, accents and punctuation; legal forms (GmbH, B.V., "
               "S.a.r.l., Sdn Bhd, Ltd...) removed; right when one name's words appear in the "
               "other's in order and the longer has at most 3x the words. vendor_name_strict: "
               "the folded names are equal.")


@dataclass
class Case:
    name: str
    path: Path
    truth: dict[str, str | None]  # only the fields this format scores
    kind: str = ""  # invoice | receipt, when the format says
    document_type: str | None = None  # invoice | credit_note | corrected_invoice, when known
    # Documents of one group share a layout: the generator's layout and vendor, or the
    # issuer of a third-party invoice (what ``--learn`` counts corrections by).
    group: str = ""
    # The truth's amounts carry no sign (SROIE prints a credit note's total as "39.80"):
    # amounts are compared by magnitude. The reader signs a credit note's amounts.
    unsigned: bool = False


@dataclass
class FieldScore:
    right: bool
    confidence: float
    accepted: bool  # at the threshold of the method the field was read with
    strict: bool  # right by the strict comparison (differs for vendor names only)
    method: str = "text"
    got: str | None = None
    expected: str | None = None


@dataclass
class Scored:
    name: str
    fields: dict[str, FieldScore] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None
    method: str = "text"  # ocr when any page was OCRed
    kind: str = ""
    document_type_right: bool | None = None  # None: the truth does not say
    distance: float | None = None  # from the model's training layouts (skills.layouts.novelty)


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
            generated = load_truth(doc)
            yield Case(doc.stem, doc, generated.truth.header(), generated.rendering.kind,
                       generated.truth.document_type,
                       f"{generated.truth.vendor_name}|{generated.rendering.layout}")


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
        yield Case(pdf.stem, pdf, truth, group=normalize_text(str(data.get("issuer") or "")))


def sroie_cases(folder: Path) -> Iterator[Case]:
    for key in sorted((folder / "key").glob("*.json")):
        image = folder / "img" / f"{key.stem}.jpg"
        if not image.exists():
            continue
        data = json.loads(key.read_text())
        truth = {"vendor_name": data.get("company"),
                 "invoice_date": normalize_date(data.get("date", ""), dayfirst=True),
                 "total": normalize_amount(data.get("total", ""))}
        yield Case(key.stem, image, {k: v for k, v in truth.items() if v}, "receipt",
                   group=normalize_text(str(data.get("company") or "")), unsigned=True)


LOADERS = {"synthetic": synthetic_cases, "invoice2data": invoice2data_cases,
           "sroie": sroie_cases}


# ------------------------------------------------------------------ scoring


def same(name: str, predicted: str | None, expected: str | None, strict: bool = False) -> bool:
    if name == "invoice_number" and predicted and expected:
        return predicted.replace(" ", "").upper() == expected.replace(" ", "").upper()
    return values_match(name, predicted, expected, strict=strict)


def read_case(case: Case, cached: bool = False) -> Document:
    """The case's document, read (or taken from the OCR cache when ``cached``)."""
    from skills.documents import read_document  # noqa: PLC0415
    from skills.train import read_cached  # noqa: PLC0415

    return read_cached(case.path) if cached else read_document(case.path.read_bytes(),
                                                               case.path.name)


def unreadable(case: Case, error: str) -> Scored:
    return Scored(case.name, kind=case.kind, error=error,
                  fields={n: FieldScore(False, 0.0, False, False) for n in case.truth})


def score_case(case: Case, scorer: FieldScorer, cached: bool = False) -> Scored:
    start = time.perf_counter()
    try:
        doc = read_case(case, cached)
    except UnreadableDocument as exc:
        return unreadable(case, str(exc))
    extraction = extract(doc, scorer)
    return score_extraction(case, doc, extraction, time.perf_counter() - start)


def score_extraction(case: Case, doc: Document, extraction: Extraction,
                     seconds: float) -> Scored:
    """How right each field of ``extraction`` is against the case's truth."""
    result = Scored(case.name, kind=case.kind, seconds=seconds,
                    distance=extraction.layout_distance)
    result.pages = len(doc.pages)
    result.method = document_method(doc)
    accepted = extraction.accepted()
    if case.document_type is not None:
        result.document_type_right = extraction.document_type == case.document_type
    for name, expected in case.truth.items():
        got = extraction.fields[name]
        value = _magnitude(got.value) if case.unsigned and name in AMOUNT_FIELDS else got.value
        result.fields[name] = FieldScore(
            same(name, value, expected), got.confidence, name in accepted,
            same(name, value, expected, strict=True), got.method, got.value, expected)
    return result


def _magnitude(value: str | None) -> str | None:
    return value[1:] if value and value.startswith("-") else value


def summarise(results: list[Scored], thresholds: dict[str, float]) -> dict:
    names = sorted({n for r in results for n in r.fields})
    per_field = {n: float(np.mean([r.fields[n].right for r in results if n in r.fields]))
                 for n in names}
    strict_field = {n: float(np.mean([r.fields[n].strict for r in results if n in r.fields]))
                    for n in names}
    scores = [f for r in results for f in r.fields.values()]
    right = np.array([f.right for f in scores], dtype=float)
    strict = np.array([f.strict for f in scores], dtype=float)
    conf = np.array([f.confidence for f in scores])
    accepted = np.array([f.accepted for f in scores], dtype=bool)

    def passes(r: Scored) -> bool:
        req = [n for n in r.fields if n in REQUIRED_FIELDS]
        return bool(req) and all(r.fields[n].accepted for n in req)

    pages = sum(r.pages for r in results)
    kinds = [r.document_type_right for r in results if r.document_type_right is not None]
    summary = {
        "documents": len(results),
        "document_type_accuracy": float(np.mean(kinds)) if kinds else None,
        "errors": sum(r.error is not None for r in results),
        "accuracy": float(right.mean()) if len(right) else None,
        "accuracy_strict": float(strict.mean()) if len(strict) else None,
        "accuracy_per_field": per_field,
        "accuracy_per_field_strict": strict_field,
        "fields_scored": names,
        "thresholds": thresholds,
        "accepted_share": float(accepted.mean()) if len(conf) else None,
        "precision_at_threshold": float(right[accepted].mean()) if accepted.any() else None,
        "straight_through_rate": float(np.mean([passes(r) for r in results])) if results else None,
        "straight_through_correct": float(np.mean([
            passes(r) and all(f.right for f in r.fields.values()) for r in results
        ])) if results else None,
        "ece": expected_calibration_error(conf, right) if len(conf) else None,
        "seconds_per_page": sum(r.seconds for r in results) / pages if pages else None,
    }
    if "vendor_name" in names:
        summary["vendor_comparison"] = VENDOR_RULE
    distances = [r.distance for r in results if r.distance is not None]
    if distances:
        summary["layout_distance_median"] = float(np.median(distances))
    return summary


# Bands of distance to the training layouts the figures are split by: a page sharing
# most of its printed words with a training document, some, or few.
DISTANCE_BANDS = ((0.0, 0.7), (0.7, 0.85), (0.85, 1.01))


def summarise_distances(results: list[Scored], thresholds: dict[str, float]) -> list[dict]:
    """Accuracy and precision of accepted fields by distance to the training layouts:
    whether confidence stays honest on pages unlike any the model learned from."""
    bands = []
    for low, high in DISTANCE_BANDS:
        part = [r for r in results if r.distance is not None and low <= r.distance < high]
        if part:
            figures = summarise(part, thresholds)
            bands.append({"from": low, "to": min(high, 1.0), **{
                k: figures[k] for k in ("documents", "accuracy", "precision_at_threshold",
                                        "accepted_share")}})
    return bands


def summarise_groups(results: list[Scored], thresholds: dict[str, float]) -> dict[str, dict]:
    """The same figures per reading method (text layer / OCR) and per kind of document,
    where a set mixes them."""
    groups: dict[str, dict] = {}
    for key, attr in (("method", "method"), ("kind", "kind")):
        values = sorted({getattr(r, attr) for r in results if getattr(r, attr)})
        if len(values) > 1:
            for value in values:
                part = [r for r in results if getattr(r, attr) == value]
                groups[f"{key}={value}"] = summarise(part, thresholds)
    return groups


_ROWS = ("accuracy", "accuracy_strict", "precision_at_threshold", "accepted_share",
         "straight_through_rate", "ece", "seconds_per_page")


def print_table(summary: dict, title: str) -> None:
    groups = summary.get("groups", {})
    table = Table(title=title)
    table.add_column("field")
    table.add_column("accuracy", justify="right")
    for name in groups:
        table.add_column(name, justify="right")
    parts = [summary, *groups.values()]

    def cell(part: dict, key: str, sub: str | None = None) -> str:
        value = part.get(key) if sub is None else part.get(key, {}).get(sub)
        return "-" if value is None else f"{value:.3f}"

    for name in summary["accuracy_per_field"]:
        table.add_row(name, *(cell(p, "accuracy_per_field", name) for p in parts))
    if "vendor_name" in summary["accuracy_per_field"]:
        table.add_row("vendor_name_strict",
                      *(cell(p, "accuracy_per_field_strict", "vendor_name") for p in parts))
    table.add_section()
    for key in _ROWS:
        table.add_row(key, *(cell(p, key) for p in parts))
    table.add_row("documents", *(str(p["documents"]) for p in parts))
    Console().print(table)
    thresholds = ", ".join(f"{m} {t:.4f}" for m, t in summary["thresholds"].items())
    Console().print(f"auto-accept thresholds: {thresholds}")
    if "vendor_comparison" in summary:
        Console().print(f"vendor names compared: {summary['vendor_comparison']}")
    print_distance_bands(summary.get("by_layout_distance", []))


def print_distance_bands(bands: list[dict]) -> None:
    if not bands:
        return
    table = Table(title="by distance to the training layouts (0 = a layout trained on)")
    for heading in ("distance", "documents", "accuracy", "precision of accepted", "accepted"):
        table.add_column(heading, justify="right")
    for band in bands:
        precision = band["precision_at_threshold"]
        table.add_row(f"{band['from']:.1f}-{band['to']:.1f}", str(band["documents"]),
                      f"{band['accuracy']:.3f}", "-" if precision is None else f"{precision:.3f}",
                      f"{band['accepted_share']:.3f}")
    Console().print(table)


def evaluate(folder: Path, fmt: str | None = None, limit: int | None = None,
             models_dir: Path = MODELS_DIR, cached: bool = False, misses: bool = False,
             version: str | None = None) -> dict:
    fmt = fmt or detect_format(folder)
    cases = list(LOADERS[fmt](folder))[:limit]
    scorer = load_scorer(models_dir, version=version)
    results = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Evaluating {len(cases)} {fmt} documents", total=len(cases))
        for case in cases:
            results.append(score_case(case, scorer, cached))
            progress.advance(task)
    if misses:
        print_misses(results)
    thresholds = {"text": scorer.threshold, **scorer.thresholds}
    summary = summarise(results, thresholds)
    summary["groups"] = summarise_groups(results, thresholds)
    summary["by_layout_distance"] = summarise_distances(results, thresholds)
    summary.update(format=fmt, folder=folder.name, model=f"{scorer.name} {scorer.version}")
    return summary


def print_misses(results: list[Scored]) -> None:
    """Every wrong field (strictly compared), so a reader sees what went wrong where."""
    table = Table(title="wrong fields (strict)")
    for column in ("document", "field", "expected", "read", "confidence", "accepted"):
        table.add_column(column, overflow="fold")
    for r in results:
        for name, f in r.fields.items():
            if not f.strict:
                table.add_row(r.name, name, str(f.expected), r.error or str(f.got),
                              f"{f.confidence:.3f}", "yes" if f.accepted else "no")
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--format", choices=sorted(LOADERS))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--cached", action="store_true",
                        help="reuse documents read before (OCR cache); timings then exclude OCR")
    parser.add_argument("--misses", action="store_true",
                        help="list every wrong field before the summary")
    parser.add_argument("--version", help="an earlier registered version of the scorer "
                                          "(models/registry.json 'previous'), to compare")
    parser.add_argument("--learn", action="store_true",
                        help="replay the folder in order, teaching each document's true "
                             "values to a layout memory after scoring it")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        console.print(f"[red]{args.folder} is not a folder[/red]")
        return 2
    if args.learn:
        return _learn(args)
    summary = evaluate(args.folder, args.format, args.limit, args.models_dir, args.cached,
                       misses=args.misses, version=args.version)
    print_table(summary, f"{summary['format']}: {summary['folder']} ({summary['model']})")
    print(json.dumps(summary))
    return 0


def _learn(args: argparse.Namespace) -> int:
    from skills.layouts.replay import (  # noqa: PLC0415
        print_replay,
        print_replay_misses,
        replay,
        summarise_replay,
    )

    fmt = args.format or detect_format(args.folder)
    cases = list(LOADERS[fmt](args.folder))[:args.limit]
    scorer = load_scorer(args.models_dir, version=args.version)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Replaying {len(cases)} {fmt} documents", total=len(cases))
        result = replay(cases, scorer, args.cached, progress=lambda: progress.advance(task))
    if args.misses:
        print_replay_misses(result)
    summary = summarise_replay(result)
    summary.update(format=fmt, folder=args.folder.name, model=f"{scorer.name} {scorer.version}")
    print_replay(summary, f"learning from corrections: {summary['folder']} "
                          f"({summary['model']})")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
