"""Peak memory of the process that reads invoices, beside the OCR baselines' processes.

    python -m bench.memory [--pages 6] [--paddle-python PATH] [--product-only]

Every figure is the peak resident set (VmHWM) of a fresh process, so nothing the
benchmark itself allocates is counted:

- ``product``: loads every model the bots use at run time (our OCR's detection,
  recognition and direction ONNX sessions and the ``invoice-fields`` scorer), then
  reads one scanned A4 page (a 150 dpi PNG) and one born-digital PDF page to fields
  (``read_document`` then ``extract``), as the consumer does. Target: 600 MB.
  Then, as a worker would, it reads ``--pages`` more scanned pages, all different
  (a page's size and its lines change the shapes the models run on), and the peak
  after those is reported too; then the largest page OCR ever gets (nine scanned
  invoices on one 20-megapixel JPEG sheet, read at 12 megapixels) twice, with the
  peak after each: no file may make a worker exceed 400 MB (``WORKER_BOUND_MB``).
  Seconds per page (reading and extraction; wall, and CPU of the process) are reported
  for the scans and the sheet.
- ``arena kept`` (baseline): the same run in a process where text detection keeps
  onnxruntime's memory arena between runs instead of giving it back after each
  (``skills.ocr.detect.RUN_OPTIONS`` off), as before; the ratios compare its peak and
  its seconds per page with ours.
- ``rapidocr``: the rapidocr_onnxruntime pipeline loaded, the same scanned page read.
- ``paddle``: PaddleOCR's pipeline loaded, the same page read; it is optional and runs
  in a process of its own (installed here, or in the virtualenv whose interpreter
  ``--paddle-python`` / ``AP_PADDLE_PYTHON`` names), so it is never part of the
  product's figure.

``--product-only`` runs the product's process alone (what the test suite checks).
Prints a table, then one JSON line of the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: the repository root, not bench/, comes first

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

TARGET_MB = 600
WORKER_BOUND_MB = 400  # no file may take a worker past this (issue 15)
SCANNED = "scanned.png"
DIGITAL = "digital.pdf"
MORE_PAGES = "more-{}.png"
LARGEST = "largest.jpg"
PRODUCT = "product"
ARENA_KEPT = "product-arena-kept"
# Figures of seconds per page, and the timings of the product's run they average.
TIMES = {"seconds_per_scan": "scans", "seconds_per_largest": "largest",
         "cpu_seconds_per_scan": "scans_cpu", "cpu_seconds_per_largest": "largest_cpu"}
STAGES = ("imports", "models", "scanned", "digital", "pages", "largest", "largest_again")


def main() -> None:
    args = _arguments()
    if args.child:
        kind, folder = args.child
        print(json.dumps(_child(kind, Path(folder))))
        return
    from rich.console import Console

    paddle_status = "not run" if args.product_only else paddle_setup(args.paddle_python)
    with tempfile.TemporaryDirectory() as folder:
        write_inputs(Path(folder), args.pages, largest=True)
        runs = {PRODUCT: measure(PRODUCT, Path(folder))}
        baselines = {}
        if not args.product_only:
            runs[ARENA_KEPT] = measure(ARENA_KEPT, Path(folder))
            baselines["rapidocr"] = measure("rapidocr", Path(folder))
            if paddle_status != "not installed":
                baselines["paddle"] = measure("paddle", Path(folder))

    console = Console()
    for table in _tables(runs, baselines, paddle_status, args.pages):
        console.print(table)
    figures = _figures(runs, baselines, paddle_status, args.pages)
    product = runs[PRODUCT]
    console.print(
        f"product process peak {product['peak_mb']:.0f} MB (target {TARGET_MB} MB), "
        f"{product['stages']['pages']['hwm_mb']:.0f} MB after {args.pages} more pages, "
        f"{figures['peak_rss_worker_mb']:.0f} MB after the largest page twice "
        f"(bound {WORKER_BOUND_MB} MB), {figures['seconds_per_scan']:.2f} s a scan, "
        f"{figures['seconds_per_largest']:.2f} s the largest page"
        + "".join(f"; {n} alone {f['peak_mb']:.0f} MB" for n, f in baselines.items())
    )
    print(json.dumps(figures))


def _tables(runs: dict, baselines: dict, paddle_status: str, pages: int) -> list:
    """Peaks after each stage; the worker's peak, resting memory and seconds per page."""
    from rich.table import Table

    names = {PRODUCT: "ours", ARENA_KEPT: "arena kept"}
    peaks = Table(title="Peak resident memory of a fresh process after each stage (MB)")
    for column in ("process", "imports", "models", "+ scan", "+ PDF", f"+ {pages} scans",
                   "+ largest", "+ again"):
        peaks.add_column(column, justify="left" if column == "process" else "right",
                         no_wrap=column == "process")
    worker = Table(title=f"The worker's run: {pages + 1} scans, then the largest page twice")
    for column in ("process", "peak MB", "resting MB", "s / scan", "s / largest",
                   "CPU s / scan", "CPU s / largest"):
        worker.add_column(column, justify="left" if column == "process" else "right")
    for kind, run in runs.items():
        stages = run["stages"]
        peaks.add_row(names[kind], *(f"{stages[s]['hwm_mb']:.0f}" for s in STAGES))
        worker.add_row(names[kind], f"{stages['largest_again']['hwm_mb']:.0f}",
                       f"{stages['largest_again']['rss_mb']:.0f}",
                       *(f"{_mean(run['seconds'][key]):.2f}"
                         for key in ("scans", "largest", "scans_cpu", "largest_cpu")))
    for name, figure in baselines.items():
        peaks.add_row(name, "", "", f"{figure['peak_mb']:.0f}", *[""] * 4)
    if "paddle" not in baselines:
        peaks.add_row("paddle", "", "", paddle_status, *[""] * 4)
    return [peaks, worker]


def _figures(runs: dict, baselines: dict, paddle_status: str, pages: int) -> dict[str, object]:
    product = runs[PRODUCT]
    stages = product["stages"]
    worker_peak = stages["largest_again"]["hwm_mb"]
    figures: dict[str, object] = {
        "peak_rss_product_mb": product["peak_mb"],
        "peak_rss_product_after_pages_mb": stages["pages"]["hwm_mb"],
        "pages_after": pages,
        "peak_rss_product_after_largest_mb": stages["largest"]["hwm_mb"],
        "peak_rss_worker_mb": worker_peak,  # after the pages and the largest page twice
        "rss_worker_resting_mb": stages["largest_again"]["rss_mb"],
        "worker_bound_mb": WORKER_BOUND_MB,
        "within_worker_bound": worker_peak <= WORKER_BOUND_MB,
        **{figure: round(_mean(product["seconds"][key]), 3)
           for figure, key in TIMES.items()},
        "largest_page_words": product["largest_words"],
        "target_mb": TARGET_MB,
        "within_target": product["peak_mb"] <= TARGET_MB,
        "product_stages_mb": {s: v["hwm_mb"] for s, v in stages.items()},
        "fields_read": product["fields_read"],
        "paddle_status": paddle_status,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if ARENA_KEPT in runs:
        kept = runs[ARENA_KEPT]
        kept_peak = kept["stages"]["largest_again"]["hwm_mb"]
        figures["peak_rss_worker_arena_kept_mb"] = kept_peak
        figures["rss_worker_resting_arena_kept_mb"] = kept["stages"]["largest_again"]["rss_mb"]
        figures["worker_peak_vs_arena_kept"] = round(worker_peak / kept_peak, 2)
        for figure, key in TIMES.items():
            theirs = _mean(kept["seconds"][key])
            figures[f"{figure}_arena_kept"] = round(theirs, 3)
            figures[f"{figure}_vs_arena_kept"] = round(figures[figure] / theirs, 2)
    for name, figure in baselines.items():
        figures[f"peak_rss_{name}_mb"] = figure["peak_mb"]
        figures[f"product_vs_{name}"] = round(figure["peak_mb"] / product["peak_mb"], 2)
    return figures


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--paddle-python",
        default=os.environ.get("AP_PADDLE_PYTHON"),
        help="interpreter of a virtualenv with paddleocr (when it is not installed here)",
    )
    parser.add_argument("--pages", type=int, default=6, help="more scanned pages afterwards")
    parser.add_argument("--product-only", action="store_true",
                        help="only the product's process: no baselines")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    return parser.parse_args()


def paddle_setup(python: str | None) -> str:
    """Where PaddleOCR's pipeline runs: 'installed', 'separate virtualenv' or 'not installed'."""
    if importlib.util.find_spec("paddleocr") is not None:
        return "installed"
    if python:
        from skills.ocr.paddle import PYTHON_ENV

        os.environ[PYTHON_ENV] = python
        return "separate virtualenv"
    return "not installed"


def write_inputs(folder: Path, pages: int = 0, largest: bool = False) -> None:
    """The scanned page and the born-digital page every measured process reads; with
    ``largest``, a sheet of nine scanned invoices (20 megapixels, read at the 12 of
    ``ReadOptions.max_ocr_pixels``: the largest page OCR ever gets)."""
    from PIL import Image

    from tests.skills.fixtures.read.pages import image_bytes, invoice_pdf, render_pdf_page, scan

    def scanned(seed: int, skew: float) -> bytes:
        page = scan(render_pdf_page(invoice_pdf(seed=seed), dpi=150), skew=skew, seed=seed)
        return image_bytes(page, "PNG", dpi=(150, 150))

    (folder / SCANNED).write_bytes(scanned(1, 1.0))
    (folder / DIGITAL).write_bytes(invoice_pdf(seed=3))
    for number in range(pages):
        (folder / MORE_PAGES.format(number)).write_bytes(scanned(10 + number, number * 0.4 - 1))
    if largest:
        page = Image.open(folder / SCANNED).convert("RGB")
        sheet = Image.new("RGB", (page.width * 3, page.height * 3), "white")
        for index in range(9):
            sheet.paste(page, (index % 3 * page.width, index // 3 * page.height))
        sheet.save(folder / LARGEST, quality=90, dpi=(150, 150))


def measure(kind: str, folder: Path) -> dict:
    """Run a fresh process of ``kind`` (:data:`PRODUCT`, :data:`ARENA_KEPT` or an engine
    name) on the inputs."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--child", kind, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        last = out.stderr.strip().splitlines()[-1:] or [f"exit status {out.returncode}"]
        raise RuntimeError(f"the {kind} process failed: {last[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(kind: str, folder: Path) -> dict:
    if kind in (PRODUCT, ARENA_KEPT):
        return _product(folder, arena_kept=kind == ARENA_KEPT)
    import numpy as np
    from PIL import Image

    from skills.ocr import get_engine

    engine = get_engine(kind)
    image = np.asarray(Image.open(folder / SCANNED).convert("RGB"))
    engine.read(image)
    # An engine running in a process of its own reports that process's peak.
    peak = getattr(engine, "peak_rss_mb", None) or _status()["hwm_mb"]
    return {"peak_mb": round(peak, 1)}


def _product(folder: Path, arena_kept: bool) -> dict:
    """The worker's run: models loaded, a scan and a born-digital page read to fields,
    the more pages, then the largest page twice; peaks after each stage, seconds a page."""
    from skills.documents import read_document
    from skills.extract import extract
    from skills.extract.model import default_scorer
    from skills.ocr import detect, get_engine
    from skills.schema import Document

    if arena_kept:
        detect.RUN_OPTIONS = None
    stages = {"imports": _status()}
    get_engine("onnx")
    default_scorer()
    stages["models"] = _status()
    seconds: dict[str, list[float]] = {"scans": [], "largest": [], "scans_cpu": [],
                                       "largest_cpu": []}

    def read(name: str, timed: str | None = None) -> tuple[Document, dict]:
        """``name`` read to fields, its seconds (wall, and CPU of this process: less
        swayed by a busy machine) kept under ``timed``: the document and its values."""
        clock, cpu = time.perf_counter(), time.process_time()
        document = read_document((folder / name).read_bytes(), name)
        values = extract(document).values()
        if timed is not None:
            seconds[timed].append(round(time.perf_counter() - clock, 3))
            seconds[f"{timed}_cpu"].append(round(time.process_time() - cpu, 3))
        return document, values

    fields = 0
    for stage, name in (("scanned", SCANNED), ("digital", DIGITAL)):
        fields += sum(value is not None for value in read(name)[1].values())
        stages[stage] = _status()
    for path in sorted(folder.glob(MORE_PAGES.format("*"))):
        read(path.name, "scans")
    stages["pages"] = _status()
    words = 0
    for stage in ("largest", "largest_again") if (folder / LARGEST).exists() else ():
        words = len(read(LARGEST, "largest")[0].text.split())
        stages[stage] = _status()
    return {"peak_mb": stages["digital"]["hwm_mb"], "stages": stages, "fields_read": fields,
            "seconds": seconds, "largest_words": words}


def _status() -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of this process, in MB."""
    status = Path("/proc/self/status")
    if not status.exists():  # not Linux: the peak is all getrusage knows
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_mb = round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
        return {"rss_mb": peak_mb, "hwm_mb": peak_mb}
    values = {}
    for line in status.read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)  # kB
    return {"rss_mb": values["VmRSS"], "hwm_mb": values["VmHWM"]}


if __name__ == "__main__":
    main()
