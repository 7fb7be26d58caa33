"""Seconds per scanned A4 page and word accuracy: our OCR path against two baselines.

    python -m bench.ocr [--pages 8] [--european 8] [--runs 3] [--receipts 8]
                        [--paddle-python PATH]

Pages: born-digital invoices (tests/skills/fixtures/read/pages.py) rendered at
150 dpi, then made to look scanned (slight skew, blur, grain, JPEG). The PDF's own
text layer is the ground truth, so nothing is hand-labelled. These are English and
number-heavy.

European pages (``--european N``): held-out invoices from the project's generator
(``devdata.generator``, seed 5: German, French, Spanish, Dutch and English invoices
with umlauts, accents, "€" and "£"), scanned by the generator; the truth is the
text layer of the same invoice rendered born-digital. Each engine reads each page
once. Besides word accuracy, the table counts the truth's words with a character
outside ASCII ("Bürobedarf", "1.234,56 €") that were read exactly.

Engines, all on the same pages in the same run, interleaved page by page so that
other work on the machine slows each of them alike:

- ``onnx``: ours (skills.ocr.onnx), full page reading: orientation + deskew included,
  with the product's recogniser (``AP_OCR_RECOGNIZER``; default PP-OCRv6 tiny; with
  ``AP_OCR_SECOND_LOOK=ppocrv6-small``, a second look by PP-OCRv6 small at the lines it
  doubted, and then ``onnx-ppocrv6-tiny`` beside it: what the second look costs);
- ``onnx-ppocrv6-small``: the same pipeline reading every line with the larger
  recogniser;
- ``onnx-ppocrv4``: the same pipeline with the PP-OCRv4 recogniser it had before (the
  one the two baselines below also run): the recogniser's own difference;
- ``rapidocr``: the rapidocr_onnxruntime package's own pipeline (same model files);
- ``paddle``: PaddleOCR 3.7's own pipeline on the same files, when installed: here,
  or in a virtualenv of its own whose interpreter ``--paddle-python`` (or
  ``AP_PADDLE_PYTHON``) names (its numpy bound clashes with ours). There it runs in
  a process of its own, which times each read itself: the pipe is not counted.

Word accuracy = words matched (as a multiset, order ignored) / max(words in the
truth, words read): a missed space costs as much as a misread word. Time per page
is the median of ``--runs`` reads of that page; the table gives the median over
pages. Also measured: seconds per born-digital page through the text layer alone,
through ``read_document``, and on to fields (``extract``); the peak RSS of a fresh
process per engine after loading it and reading one page; and the product's figure
from bench/memory.py (every model the bots use loaded, a scanned and a born-digital
page read to fields; PaddleOCR is never part of it).

Real scans: when the shared evaluation set is present (``../shared/realdata`` or
$AP_REALDATA), ``--receipts N`` SROIE receipt scans are read once by each engine
and scored against their published line transcriptions (case-insensitive: the
transcriptions are upper case). Evaluation only; nothing is tuned on them.

Confidence: the mean word confidence of words read right and of words read wrong
(over both page sets), and how many wrong words had 0.95 or more: the extraction's
thresholds rely on wrong words having lower confidence.

Prints a table, then one JSON line of the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: the repository root, not bench/, comes first

import argparse  # noqa: E402
import collections  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench import memory  # noqa: E402
from devdata.generator.build import render_invoice  # noqa: E402
from skills import pdf  # noqa: E402
from skills.documents import read_document  # noqa: E402
from skills.extract import extract  # noqa: E402
from skills.ocr import get_engine  # noqa: E402
from tests.skills.fixtures.read.pages import invoice_pdf, render_pdf_page, scan  # noqa: E402

SKEWS = (0.0, 1.0, -1.5, 2.0, -0.5, 0.0, -2.0, 1.5, 0.7, -1.0)
DPI = 150
EUROPEAN_SEED = 5  # as `python -m devdata.generator --seed 5 --family heldout --scanned-share 1`


Matches = dict[str, list[tuple[int, int, int]]]  # per engine, (matched, truth, read) a page


@dataclass
class _Measured:
    """What :func:`main` measured, for :func:`_report`: most of it per engine name."""

    engines: list[str]
    paddle_status: str
    rss: dict[str, float]  # peak MB, plus "product"
    load_seconds: dict[str, float]
    per_page: dict[str, list[float]]  # median seconds a scanned page
    accuracy: Matches  # scanned pages
    confidences: dict[str, list[tuple[bool, float]]]  # (read right, confidence) a word
    eu: Matches  # European pages
    eu_special: Matches  # their words with a character outside ASCII
    real: Matches  # receipts
    text_layer: dict[str, float]  # seconds a born-digital page


def main() -> None:
    args = _arguments()
    console = Console()
    pages = _scanned_pages(args.pages)
    european = _european_pages(args.european)
    receipts = _receipts(args.receipts)
    engines = ["onnx", "onnx-ppocrv6-small", "onnx-ppocrv4", "rapidocr"]
    if get_engine("onnx").second_name:  # AP_OCR_SECOND_LOOK: what the second look costs
        engines.insert(1, "onnx-ppocrv6-tiny")
    paddle_status = memory.paddle_setup(args.paddle_python)
    if paddle_status == "not installed":
        paddle_status = "not installed (see pyproject.toml, or --paddle-python)"
    else:
        engines.append("paddle")

    # Fresh processes first: a child forked from a big parent inherits its peak RSS figure.
    with tempfile.TemporaryDirectory() as folder:
        memory.write_inputs(Path(folder))
        rss = {name: memory.measure(name, Path(folder))["peak_mb"] for name in engines}
        rss["product"] = memory.measure("product", Path(folder))["peak_mb"]
    load_seconds = {}
    for name in engines:
        start = time.perf_counter()
        engine = get_engine(name)
        _read(engine, name, pages[0][0])  # warm-up: first-run allocations are not a page's cost
        load_seconds[name] = time.perf_counter() - start

    per_page: dict[str, list[float]] = {name: [] for name in engines}
    confidences: dict[str, list[tuple[bool, float]]] = {name: [] for name in engines}
    accuracy: dict[str, list[tuple[int, int, int]]] = {name: [] for name in engines}
    for image, truth in pages:
        for name in engines:
            engine = get_engine(name)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                words = _read(engine, name, image)
                # An engine in a process of its own times the read there.
                times.append(getattr(engine, "last_seconds", time.perf_counter() - start))
            per_page[name].append(statistics.median(times))
            accuracy[name].append(_match(truth, words))
            confidences[name].extend(_confidences(truth, last_words[name]))

    eu: dict[str, list[tuple[int, int, int]]] = {name: [] for name in engines}
    eu_special: dict[str, list[tuple[int, int, int]]] = {name: [] for name in engines}
    for image, truth in european:
        special = [w for w in truth if not w.isascii()]
        for name in engines:
            words = _read(get_engine(name), name, image)
            eu[name].append(_match(truth, words))
            eu_special[name].append(_match(special, words))
            confidences[name].extend(_confidences(truth, last_words[name]))

    real: dict[str, list[tuple[int, int, int]]] = {name: [] for name in engines}
    for image, truth in receipts:
        for name in engines:
            words = _read(get_engine(name), name, image)
            real[name].append(_match(truth, [w.upper() for w in words]))

    measured = _Measured(
        engines,
        paddle_status,
        rss,
        load_seconds,
        per_page,
        accuracy,
        confidences,
        eu,
        eu_special,
        real,
        _text_layer_seconds(),
    )
    _report(console, args, measured)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=8, help="scanned pages (1-10)")
    parser.add_argument(
        "--european", type=int, default=8, help="generated European invoice scans (0: none)"
    )
    parser.add_argument("--runs", type=int, default=3, help="reads of each page per engine")
    parser.add_argument("--receipts", type=int, default=8, help="real SROIE scans (0: none)")
    parser.add_argument(
        "--paddle-python",
        default=os.environ.get("AP_PADDLE_PYTHON"),
        help="interpreter of a virtualenv with paddleocr (when it is not installed here)",
    )
    return parser.parse_args()


def _scanned_pages(count: int) -> list[tuple[np.ndarray, list[str]]]:
    pages = []
    for seed in range(min(max(count, 1), len(SKEWS))):
        data = invoice_pdf(seed=seed)
        truth = [w.text for w in read_document(data, "truth.pdf").pages[0].words]
        image = scan(render_pdf_page(data, dpi=DPI), skew=SKEWS[seed], seed=seed)
        pages.append((np.asarray(image), truth))
    return pages


def _european_pages(count: int) -> list[tuple[np.ndarray, list[str]]]:
    pages = []
    for index in range(max(count, 0)):
        born_digital, _, _ = render_invoice(EUROPEAN_SEED, index, "heldout", scanned=False)
        scanned, _, _ = render_invoice(EUROPEAN_SEED, index, "heldout", scanned=True)
        truth = [w.text for w in read_document(born_digital, "truth.pdf").pages[0].words]
        image = Image.open(io.BytesIO(scanned)).convert("RGB")
        pages.append((np.asarray(image), truth))
    return pages


def _realdata() -> Path | None:
    folder = Path(os.environ.get("AP_REALDATA") or ROOT.parent / "shared" / "realdata")
    return folder if (folder / "sroie" / "img").is_dir() else None


def _receipts(count: int) -> list[tuple[np.ndarray, list[str]]]:
    folder = _realdata()
    if folder is None or count <= 0:
        return []
    receipts = []
    for image_path in sorted((folder / "sroie" / "img").glob("*.jpg"))[:count]:
        box_file = folder / "sroie" / "box" / f"{image_path.stem}.csv"
        with box_file.open(encoding="utf-8", errors="replace", newline="") as rows:
            truth = [
                w.upper()
                for row in csv.reader(rows)
                if len(row) > 8
                for w in ",".join(row[8:]).split()
            ]
        receipts.append((np.asarray(Image.open(image_path).convert("RGB")), truth))
    return receipts


last_words: dict[str, list] = {}  # each engine's words of its last read, with confidences


def _read(engine, name: str, image: np.ndarray) -> list[str]:
    # Ours reads the whole page (orientation and deskew included); the baselines have no
    # page-level step, so their plain read is their whole pipeline.
    lines = engine.read_page(image).lines if name.startswith("onnx") else engine.read(image)
    last_words[name] = [w for line in lines for w in line.words]
    return [w.text for w in last_words[name]]


def _confidences(truth: list[str], words: list) -> list[tuple[bool, float]]:
    """(read right, confidence) for each word read: right while the truth has it left."""
    left = collections.Counter(truth)
    marked = []
    for word in words:
        right = left[word.text] > 0
        left[word.text] -= right
        marked.append((right, word.confidence))
    return marked


def _match(truth: list[str], words: list[str]) -> tuple[int, int, int]:
    matched = sum((collections.Counter(truth) & collections.Counter(words)).values())
    return matched, len(truth), len(words)


def _accuracy(matches: list[tuple[int, int, int]]) -> float | None:
    if not matches:
        return None
    matched = sum(m for m, _, _ in matches)
    return round(matched / max(sum(t for _, t, _ in matches), sum(r for _, _, r in matches)), 4)


def _text_layer_seconds(runs: int = 20) -> dict[str, float]:
    """Median seconds per born-digital page: text layer alone, read_document, to fields."""
    data = invoice_pdf(seed=3, pages=4)
    with pdf.open_pdf(data) as document:
        page = document[0]
        layer = []
        for _ in range(runs):
            start = time.perf_counter()
            pdf.read_text_layer(page)
            layer.append(time.perf_counter() - start)
        page.close()
    whole, fields = [], []
    extract(read_document(data, "digital.pdf"))  # loads the field scorer
    for _ in range(runs):
        start = time.perf_counter()
        document = read_document(data, "digital.pdf")
        whole.append((time.perf_counter() - start) / 4)
        extract(document)
        fields.append((time.perf_counter() - start) / 4)
    return {
        "text_layer": statistics.median(layer),
        "read_document": statistics.median(whole),
        "to_fields": statistics.median(fields),
    }


def _second_look(console, figures: dict, ours: dict, tiny: dict) -> None:
    """What the second look (AP_OCR_SECOND_LOOK) costs and gives, against the tiny
    recogniser alone."""
    figures["second_look_cost"] = round(ours["seconds_per_page"] / tiny["seconds_per_page"], 2)
    console.print(
        f"the second look: {ours['seconds_per_page']:.2f} vs {tiny['seconds_per_page']:.2f} "
        f"s/page with the tiny recogniser alone ({figures['second_look_cost']:.2f}x); receipts "
        f"word accuracy {_pct(ours['receipts_word_accuracy'])} vs "
        f"{_pct(tiny['receipts_word_accuracy'])}, European {_pct(ours['european_word_accuracy'])}"
        f" vs {_pct(tiny['european_word_accuracy'])}"
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _report(console, args, run: _Measured) -> None:
    figures: dict[str, object] = {
        "pages": len(run.per_page["onnx"]),
        "runs_per_page": args.runs,
        "dpi": DPI,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "paddle_status": run.paddle_status,
        "receipts": len(run.real["onnx"]),
        "european_pages": len(run.eu["onnx"]),
        "recognizer": get_engine("onnx").recognizer.name,
    }
    table = _table(
        f"OCR, scanned A4 at {DPI} dpi, {figures['pages']} pages",
        "s/page (median)",
        "min",
        "max",
        "word accuracy",
        "recall",
        "receipts word acc.",
        "load+warm-up s",
        "peak RSS MB",
    )
    for name in run.engines:
        times = run.per_page[name]
        matched = sum(m for m, _, _ in run.accuracy[name])
        truth = sum(t for _, t, _ in run.accuracy[name])
        read = sum(r for _, _, r in run.accuracy[name])
        figures[name] = {
            "seconds_per_page": round(statistics.median(times), 3),
            "seconds_min": round(min(times), 3),
            "seconds_max": round(max(times), 3),
            "word_accuracy": round(matched / max(truth, read), 4),
            "word_recall": round(matched / truth, 4),
            "load_seconds": round(run.load_seconds[name], 2),
            "peak_rss_mb": round(run.rss[name], 1),
            "receipts_word_accuracy": _accuracy(run.real[name]),
            "european_word_accuracy": _accuracy(run.eu[name]),
            "european_non_ascii_words_read": sum(m for m, _, _ in run.eu_special[name]),
            "european_non_ascii_words": sum(t for _, t, _ in run.eu_special[name]),
            **_confidence_figures(run.confidences[name]),
        }
        f = figures[name]
        on_receipts = f["receipts_word_accuracy"]
        table.add_row(
            name,
            f"{f['seconds_per_page']:.2f}",
            f"{f['seconds_min']:.2f}",
            f"{f['seconds_max']:.2f}",
            f"{f['word_accuracy']:.1%}",
            f"{f['word_recall']:.1%}",
            "-" if on_receipts is None else f"{on_receipts:.1%}",
            f"{f['load_seconds']:.1f}",
            f"{f['peak_rss_mb']:.0f}",
        )
    if "paddle" not in run.engines:
        table.add_row("paddle", "-", "-", "-", "-", "-", "-", "-", run.paddle_status)
    console.print(table)
    second = _table(
        f"European invoice scans ({figures['european_pages']}); confidences",
        "European word acc.",
        "non-ASCII words read",
        "mean conf. right / wrong",
        "wrong words at >= 0.95",
    )
    for name in run.engines:
        f = figures[name]
        second.add_row(
            name,
            "-" if f["european_word_accuracy"] is None else f"{f['european_word_accuracy']:.1%}",
            f"{f['european_non_ascii_words_read']} of {f['european_non_ascii_words']}",
            f"{f['confidence_right']:.3f} / {f['confidence_wrong']:.3f}",
            f"{f['wrong_at_095']} of {f['wrong_words']}",
        )
    console.print(second)
    if not run.real["onnx"]:
        console.print("receipts: the shared evaluation set is absent, or --receipts 0")

    baselines = [n for n in run.engines if not n.startswith("onnx")]
    fastest = min(baselines, key=lambda n: figures[n]["seconds_per_page"])
    ratio = figures[fastest]["seconds_per_page"] / figures["onnx"]["seconds_per_page"]
    figures["fastest_baseline"] = fastest
    figures["speedup_vs_fastest_baseline"] = round(ratio, 2)
    figures["born_digital_seconds_per_page"] = round(run.text_layer["read_document"], 4)
    figures["born_digital_to_fields_seconds_per_page"] = round(run.text_layer["to_fields"], 4)
    figures["text_layer_seconds_per_page"] = round(run.text_layer["text_layer"], 4)
    figures["peak_rss_product_mb"] = round(run.rss["product"], 1)
    console.print(
        f"ours vs fastest baseline ({fastest}): {ratio:.2f}x faster; "
        f"word accuracy {figures['onnx']['word_accuracy']:.1%} vs "
        f"{figures[fastest]['word_accuracy']:.1%}"
    )
    new, old = figures["onnx"], figures["onnx-ppocrv4"]
    figures["recognizer_vs_ppocrv4"] = {
        "speedup": round(old["seconds_per_page"] / new["seconds_per_page"], 2),
        "word_accuracy": [new["word_accuracy"], old["word_accuracy"]],
        "european_word_accuracy": [new["european_word_accuracy"], old["european_word_accuracy"]],
    }
    tiny = figures.get("onnx-ppocrv6-tiny")
    if tiny is not None:
        _second_look(console, figures, new, tiny)
    if run.eu["onnx"]:
        console.print(
            f"recogniser {figures['recognizer']} vs ppocrv4 (same detection): European "
            f"{new['european_word_accuracy']:.1%} vs {old['european_word_accuracy']:.1%}, "
            f"English {new['word_accuracy']:.1%} vs {old['word_accuracy']:.1%}, "
            f"{new['seconds_per_page']:.2f} vs {old['seconds_per_page']:.2f} s/page"
        )
    console.print(
        f"born-digital page (text layer, no OCR): {run.text_layer['to_fields'] * 1000:.1f} ms "
        f"per page to fields, {run.text_layer['read_document'] * 1000:.1f} ms through "
        f"read_document, {run.text_layer['text_layer'] * 1000:.1f} ms for the text layer alone"
    )
    console.print(
        f"peak RSS of the product's process (our OCR and the field scorer loaded, a scanned "
        f"and a born-digital page read to fields; no baseline): {run.rss['product']:.0f} MB; "
        f"load average {figures['load_average_1m']} on {figures['cpu_count']} cores"
    )
    print(json.dumps(figures))


def _table(title: str, *figures: str) -> Table:
    """A table of a row per engine: its name, then the ``figures`` columns right-aligned."""
    table = Table(title=title)
    table.add_column("engine", justify="left")
    for column in figures:
        table.add_column(column, justify="right")
    return table


def _confidence_figures(marked: list[tuple[bool, float]]) -> dict[str, object]:
    right = [c for ok, c in marked if ok]
    wrong = [c for ok, c in marked if not ok]
    return {
        "confidence_right": round(statistics.mean(right), 3) if right else 0.0,
        "confidence_wrong": round(statistics.mean(wrong), 3) if wrong else 0.0,
        "wrong_words": len(wrong),
        "wrong_at_095": sum(c >= 0.95 for c in wrong),
    }


if __name__ == "__main__":
    main()
