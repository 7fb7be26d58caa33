"""Train, calibrate and register the invoice field scorer.

    python -m skills.train [--count 1150] [--scanned-share 0.15] [--receipt-share 0.3]
                           [--receipt-scanned-share 0.7] [--seed 7]
    python -m skills.train --with-corrections [--db URL]   # a candidate version

With ``--with-corrections`` the documents clerks corrected in the Control Room (less
the frozen evaluation set, see ``tasks.corrected_documents``) are fitted on too, each
field found on its page by its corrected value, and the result is registered as a
candidate version beside production (``skills.extract.versions``); it goes live only
through ``python -m tasks.model_rollout`` (shadow, canary, promotion).

1. Generates the TRAIN family of synthetic documents, invoices and till receipts
   (or reuses a set already generated with the same seed and counts), and reads
   every document the way the bots do (skills.documents); OCR output of scanned
   pages is cached by the file's sha256, so retraining does not OCR again.
2. Builds candidates per document and labels each: is its value the truth?
3. Scores every document with a gradient-boosted tree model trained WITHOUT that
   document's layout (layouts split into three folds), runs the full decision
   (best candidate, arithmetic checks), fits isotonic calibration on those
   outcomes (one table for all, one per reading method: text layer, OCR) and
   picks, per reading method, the lowest auto-accept threshold (never below 0.9)
   whose accepted fields are at least 99.5 % correct. Metrics are measured the same way
   (calibration cross-fitted over documents), so they describe unseen layouts.
4. Fits the final model on all documents.
5. Exports the model to ONNX (skl2onnx, zipmap off, calibration in its metadata),
   writes ``models/registry.json`` and the model card ``models/<name>.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress

from devdata.generator import generate_set, load_truth
from skills.extract import (
    REQUIRED_FIELDS,
    decide,
    decision_method,
    document_method,
    feature_matrix,
    values_match,
)
from skills.extract.candidates import FEATURES, FIELDS, Candidate, build_candidates
from skills.extract.lines import find_line_items
from skills.extract.model import (
    MODEL_NAME,
    MODELS_DIR,
    REGISTRY,
    read_registry,
    sha256_of,
    threshold_for,
)
from skills.normalize import normalize_text
from skills.schema import Document, Line, Page, Word

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "output" / "training"
CACHE_DIR = ROOT / "output" / "cache" / "documents"
TARGET_PRECISION = 0.995
MIN_AUTO_ACCEPT = 0.9  # no field below this calibrated confidence is ever auto-accepted
console = Console(stderr=True)


@dataclass
class Sample:
    """One document: its candidates, their labels, and the truth."""

    name: str
    scanned: bool
    layout: str
    candidates: list[Candidate]
    labels: np.ndarray
    truth: dict[str, str | None]
    kind: str = "invoice"  # invoice | receipt
    method: str = "text"  # text | ocr: how the document was read
    weight: float = 1.0  # how much its candidates count when fitting


@dataclass(frozen=True)
class Corrected:
    """A document a clerk corrected: its file and the values the clerk approved."""

    name: str
    data: bytes
    fields: dict[str, str | None]
    source: str  # where it came from, for the lineage ("correction 17")


# ------------------------------------------------------------------ reading


@cache
def _schema_tag() -> str:
    """A short digest of the reading result's shape: a document cached before a field was
    added to the schema is read again instead of unpickled without it."""
    shape = ";".join(f"{cls.__name__}:{','.join(f.name for f in fields(cls))}"
                     for cls in (Word, Line, Page, Document))
    return hashlib.sha256(shape.encode()).hexdigest()[:8]


def _reader_tag(data: bytes = b"") -> str:
    """Which OCR recogniser reads scans, and among which characters it decodes, and for a
    PDF how its text layer's words make lines: a cache made otherwise is not reused."""
    from skills.ocr import alphabet  # noqa: PLC0415
    from skills.ocr.models import (  # noqa: PLC0415
        SECOND_LOOK_BELOW,
        SECOND_LOOK_VERSION,
        recognizer_name,
        second_look_name,
    )
    from skills.pdf import LINES_VERSION  # noqa: PLC0415

    second = second_look_name()
    looks = f"+{second}@{SECOND_LOOK_BELOW}v{SECOND_LOOK_VERSION}" if second else ""
    tag = f"{recognizer_name()}{looks}-{alphabet.NAME}"
    return f"{tag}-lines{LINES_VERSION}" if data.startswith(b"%PDF") else tag


def read_cached(path: Path, cache_dir: Path = CACHE_DIR) -> Document:
    """``read_document`` of ``path``, cached by content hash (OCR is slow)."""
    return read_bytes_cached(path.read_bytes(), path.name, cache_dir)


def read_bytes_cached(data: bytes, name: str, cache_dir: Path | None = None) -> Document:
    """``read_document`` of a file's bytes, cached by their hash (in ``CACHE_DIR`` unless
    another folder is given)."""
    from skills.documents import read_document  # noqa: PLC0415 - heavy, only when reading

    cache_dir = cache_dir or CACHE_DIR
    key = hashlib.sha256(data).hexdigest()
    cached = cache_dir / f"{key}-{_schema_tag()}-{_reader_tag(data)}.pkl"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    doc = read_document(data, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(doc))
    tmp.replace(cached)
    return doc


def _sample(path: Path, cache_dir: Path) -> Sample:
    generated = load_truth(path)
    doc = read_cached(path, cache_dir)
    return make_sample(doc, generated.truth.header(), path.name, generated.rendering.scanned,
                       generated.rendering.layout, generated.rendering.kind)


def make_sample(doc: Document, truth: dict[str, str | None], name: str,
                scanned: bool = False, layout: str = "", kind: str = "invoice") -> Sample:
    items = [row for page in doc.pages for row in find_line_items(page)]
    candidates = build_candidates(doc, [Decimal(r.amount) for r in items])
    labels = np.array([_is_right(c, truth.get(c.field)) for c in candidates], dtype=np.int8)
    return Sample(name, scanned, layout, candidates, labels, truth, kind, document_method(doc))


def corrected_samples(documents: list[Corrected], cache_dir: Path = CACHE_DIR,
                      weight: float = 1.0) -> tuple[list[Sample], dict[str, int]]:
    """Samples of clerk-corrected documents: each field is found on the page by its
    corrected value (the candidates whose value is that value are the right ones).
    Returns the samples and counts of fields found and not found on their pages."""
    samples, found, missing = [], 0, 0
    for d in documents:
        doc = read_bytes_cached(d.data, d.name, cache_dir)
        sample = make_sample(doc, d.fields, d.name, scanned=document_method(doc) == "ocr",
                             layout=f"corrected:{d.fields.get('vendor_vat') or d.name}")
        sample.weight = weight
        located = {c.field for c, right in zip(sample.candidates, sample.labels, strict=True)
                   if right}
        wanted = {k for k, v in d.fields.items() if v is not None and k in FIELDS}
        found += len(wanted & located)
        missing += len(wanted - located)
        samples.append(sample)
    return samples, {"fields_located": found, "fields_not_located": missing}


def _is_right(c: Candidate, expected: str | None) -> bool:
    if expected is None:
        return False
    if c.field == "vendor_name":  # training wants the exact line, not a longer one
        return normalize_text(c.value) == normalize_text(expected)
    return c.value == expected


def _generator_fingerprint() -> str:
    """Changes whenever the generator's code does, so a stale set is never reused."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "devdata" / "generator").rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def dataset_files(count: int, seed: int, scanned_share: float, data_dir: Path,
                  receipt_share: float = 0.0, receipt_scanned_share: float = 0.0,
                  family: str = "train") -> list[Path]:
    """A training family's set for these parameters, generated once and then reused."""
    name = f"{family}-{_generator_fingerprint()}-seed{seed}-n{count}-scan{scanned_share:.2f}"
    if receipt_share:
        name += f"-rcpt{receipt_share:.2f}-scan{receipt_scanned_share:.2f}"
    folder = data_dir / name
    marker = folder / "complete"
    if count and not marker.exists():
        with Progress(console=console) as progress:
            task = progress.add_task(f"Generating {count} {family} documents", total=count)
            generate_set(folder, count, seed, family, scanned_share,
                         progress=lambda n: progress.advance(task, n),
                         receipt_share=receipt_share,
                         receipt_scanned_share=receipt_scanned_share)
        marker.write_text("ok")
    if not count:
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".jpg"))


def training_files(count: int, seed: int, scanned_share: float, receipt_share: float,
                   receipt_scanned_share: float, procedural: int,
                   procedural_scanned_share: float, data_dir: Path = DATA_DIR) -> list[Path]:
    """The documents a version is trained on: the TRAIN family of fixed layouts (invoices
    and till receipts), then the procedural family, whose layouts are drawn from a
    grammar of blocks: the variety real invoices have. Its held-out family
    (procedural-heldout) is never used here, nor for thresholds."""
    files = dataset_files(count, seed, scanned_share, data_dir, receipt_share,
                          receipt_scanned_share)
    return files + dataset_files(procedural, seed, procedural_scanned_share, data_dir,
                                 family="procedural")


def write_training_layouts(files: list[Path], model_path: Path,
                           cache_dir: Path = CACHE_DIR) -> None:
    """Keep the born-digital training documents' layouts beside the model file (a scan
    shares its layout with them), to say how far a page is from all of them."""
    from skills.layouts.novelty import TrainingLayouts, index_path  # noqa: PLC0415

    docs = [read_cached(f, cache_dir) for f in files if f.suffix == ".pdf"]
    TrainingLayouts.of(docs, sha256_of(model_path)).save(index_path(model_path))


def load_samples(files: list[Path], cache_dir: Path, workers: int = 2) -> list[Sample]:
    samples = []
    with Progress(console=console) as progress:
        task = progress.add_task(f"Reading {len(files)} documents", total=len(files))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for sample in pool.map(_sample, files, [cache_dir] * len(files), chunksize=4):
                samples.append(sample)
                progress.advance(task)
    return samples


# ------------------------------------------------------------------ fitting


def _stack(samples: Iterable[Sample]) -> tuple[np.ndarray, np.ndarray]:
    samples = list(samples)
    x = np.vstack([feature_matrix(s.candidates) for s in samples])
    y = np.concatenate([s.labels for s in samples])
    return x, y


def _weights(samples: Iterable[Sample]) -> np.ndarray | None:
    """Per-candidate weights, or None when every document counts the same."""
    samples = list(samples)
    if all(s.weight == 1.0 for s in samples):
        return None
    return np.concatenate([np.full(len(s.candidates), s.weight) for s in samples])


def fit_model(x: np.ndarray, y: np.ndarray, iterations: int, seed: int,
              weight: np.ndarray | None = None):
    # Classic gradient boosting: skl2onnx 1.20 cannot export this scikit-learn's
    # HistGradientBoosting (its missing-value flags come out as booleans).
    from sklearn.ensemble import GradientBoostingClassifier  # noqa: PLC0415

    model = GradientBoostingClassifier(n_estimators=iterations, learning_rate=0.1, max_depth=4,
                                       min_samples_leaf=10, subsample=0.8, random_state=seed)
    model.fit(x, y, sample_weight=weight)
    return model


@dataclass
class Outcome:
    """One field of one calibration document: score, calibration kind, right or not."""

    doc: int
    field: str
    score: float
    kind: str
    correct: bool
    method: str = "text"  # how the decided value was read (text layer / OCR)
    doc_kind: str = "invoice"  # invoice | receipt


def outcomes(samples: list[Sample], predict) -> list[Outcome]:
    out = []
    for i, s in enumerate(samples):
        probs = predict(feature_matrix(s.candidates)) if s.candidates else np.zeros(0)
        for name, d in decide(s.candidates, probs).items():
            out.append(Outcome(i, name, d.score, d.kind,
                               values_match(name, d.value, s.truth.get(name)),
                               decision_method(d, s.method), s.kind))
    return out


def out_of_layout_outcomes(samples: list[Sample], iterations: int, seed: int,
                           folds: int = 3) -> list[Outcome]:
    """Decisions for every document by a model trained without its layout.

    New vendors bring layouts the model has never seen; calibrating on layouts it
    was trained on would promise far more certainty than it has there."""
    layouts = sorted({s.layout for s in samples})
    folds = max(1, min(folds, len(layouts)))
    fold_of = {layout: i % folds for i, layout in enumerate(layouts)}
    results: list[Outcome] = []
    for fold in range(folds):
        train_part = [s for s in samples if fold_of[s.layout] != fold] or samples
        test_part = [s for s in samples if fold_of[s.layout] == fold]
        x, y = _stack(train_part)
        held = sorted(k for k, v in fold_of.items() if v == fold)
        console.print(f"Fold {fold + 1}/{folds}: fitting without {len(held)} of "
                      f"{len(layouts)} layouts ({len(test_part)} documents)")
        model = fit_model(x, y, iterations, seed, _weights(train_part))
        offset = len({r.doc for r in results})
        for r in outcomes(test_part, lambda m, model=model: model.predict_proba(m)[:, 1]):
            r.doc += offset
            results.append(r)
    return results


METHODS = ("text", "ocr")
MIN_METHOD_OUTCOMES = 200  # fewer outcomes read one way: that method uses the shared table
MIN_FIELD_OUTCOMES = 400  # a field needs this many outcomes of a method for its own threshold


def _isotonic(results: list[Outcome]) -> dict[str, list[float]]:
    from sklearn.isotonic import IsotonicRegression  # noqa: PLC0415

    scores = np.array([r.score for r in results])
    right = np.array([r.correct for r in results], dtype=float)
    if len(scores) < 2 or len(set(right)) < 2:
        return {"x": [0.0, 1.0], "y": [float(right.mean()) if len(right) else 0.5] * 2}
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, right)
    return {"x": [float(v) for v in iso.X_thresholds_], "y": [float(v) for v in iso.y_thresholds_]}


def fit_calibration(results: list[Outcome]) -> dict[str, dict[str, list[float]]]:
    """Isotonic tables per decision kind ("value", "none"), and per kind and reading
    method ("value:ocr"...) where that method has enough outcomes of both classes."""
    tables = {}
    for kind in ("value", "none"):
        tables[kind] = _isotonic([r for r in results if r.kind == kind])
        for method in METHODS:
            part = [r for r in results if r.kind == kind and r.method == method]
            if len(part) >= MIN_METHOD_OUTCOMES and len({r.correct for r in part}) == 2:
                tables[f"{kind}:{method}"] = _isotonic(part)
    return tables


def calibrated(results: list[Outcome], tables: dict) -> np.ndarray:
    """Confidences as extraction computes them (a missing required field scores 0)."""
    def table(r: Outcome) -> dict:
        return tables.get(f"{r.kind}:{r.method}") or tables[r.kind]

    return np.array([0.0 if r.kind == "missing" else
                     np.interp(r.score, table(r)["x"], table(r)["y"]) for r in results])


def crossfit_confidences(results: list[Outcome], folds: int = 2) -> np.ndarray:
    """Calibrated confidences where each document's calibration was fitted on the
    other documents, so ECE and the threshold are not measured on the fitting data."""
    conf = np.zeros(len(results))
    docs = np.array([r.doc for r in results])
    for k in range(folds):
        held = docs % folds == k
        tables = fit_calibration([r for r, h in zip(results, held, strict=True) if not h])
        conf[held] = calibrated([r for r, h in zip(results, held, strict=True) if h], tables)
    return conf


def pick_threshold(conf: np.ndarray, right: np.ndarray,
                   target: float = TARGET_PRECISION, floor: float = 0.0) -> float:
    """The lowest confidence cut, not below ``floor``, whose accepted fields are ≥ ``target``
    correct."""
    for t in np.unique(conf[conf >= floor]):
        accepted = conf >= t
        if accepted.any() and right[accepted].mean() >= target:
            return float(t)
    return 1.0


def expected_calibration_error(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total, ece = len(conf), 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf >= lo) & ((conf < hi) if hi < 1 else (conf <= hi))
        if inside.any():
            ece += inside.sum() / total * abs(right[inside].mean() - conf[inside].mean())
    return float(ece)


def pick_thresholds(results: list[Outcome], conf: np.ndarray,
                    target: float = TARGET_PRECISION,
                    floor: float = MIN_AUTO_ACCEPT) -> dict[str, float]:
    """One threshold per reading method, each on the fields read that way. Never below
    ``floor``: however right the accepted fields are on the whole, a field the model
    itself gives less than that chance is shown to a person."""
    right = np.array([r.correct for r in results], dtype=float)
    methods = np.array([r.method for r in results])
    names = np.array([r.field for r in results])
    found = {}
    for method in METHODS:
        mask = methods == method
        if not mask.any():
            continue
        found[method] = pick_threshold(conf[mask], right[mask], target, floor)
        # A field the model gets wrong more often than the others needs a higher cut of its
        # own; never a lower one than its method's.
        for field in FIELDS:
            part = mask & (names == field)
            if part.sum() >= MIN_FIELD_OUTCOMES:
                own = pick_threshold(conf[part], right[part], target, floor)
                if own > found[method]:
                    found[f"{method}:{field}"] = own
    return found


def metrics(results: list[Outcome], conf: np.ndarray, thresholds: dict[str, float],
            breakdown: bool = True) -> dict:
    right = np.array([r.correct for r in results], dtype=float)
    default = thresholds.get("text", 1.0)
    accepted = np.array([c >= threshold_for(thresholds, r.method, r.field)
                         for r, c in zip(results, conf, strict=True)], dtype=bool)
    by_doc: dict[int, list[int]] = {}
    for i, r in enumerate(results):
        if r.field in REQUIRED_FIELDS:
            by_doc.setdefault(r.doc, []).append(i)
    docs = sorted({r.doc for r in results})
    passing = sum(all(accepted[i] for i in by_doc.get(d, [])) for d in docs)
    per_field = {f: float(np.mean([r.correct for r in results if r.field == f])) for f in FIELDS
                 if any(r.field == f for r in results)}
    found = {
        "accuracy": float(right.mean()),
        "accuracy_per_field": per_field,
        "ece": expected_calibration_error(conf, right),
        "threshold": default,
        "thresholds": thresholds,
        "precision_at_threshold": float(right[accepted].mean()) if accepted.any() else None,
        "accepted_share": float(accepted.mean()),
        "straight_through_rate": passing / len(docs) if docs else 0.0,
        "documents": len(docs),
    }
    if breakdown:  # the same figures for the fields read each way, and per kind of document
        for key, parts in (("by_method", {m: [r.method == m for r in results] for m in METHODS}),
                           ("by_document", {k: [r.doc_kind == k for r in results]
                                            for k in ("invoice", "receipt")})):
            found[key] = {}
            for name, mask in parts.items():
                idx = [i for i, keep in enumerate(mask) if keep]
                if idx:
                    found[key][name] = metrics([results[i] for i in idx], conf[idx], thresholds,
                                               breakdown=False)
    return found


# ------------------------------------------------------------------ export


def export_onnx(model, tables: dict, path: Path, thresholds: dict[str, float]) -> None:
    import onnx  # noqa: PLC0415
    from skl2onnx import convert_sklearn  # noqa: PLC0415
    from skl2onnx.common.data_types import FloatTensorType  # noqa: PLC0415

    onx = convert_sklearn(model, initial_types=[("features", FloatTensorType([None,
                                                                               len(FEATURES)]))],
                          options={id(model): {"zipmap": False}}, target_opset=17)
    for key, value in (("features", json.dumps(list(FEATURES))),
                       ("calibration", json.dumps(tables)),
                       ("threshold", str(thresholds.get("text", 1.0))),
                       ("thresholds", json.dumps(thresholds))):
        entry = onx.metadata_props.add()
        entry.key, entry.value = key, value
    onx.doc_string = "Invoice field candidate scorer (gradient-boosted trees)"
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(onx, str(path))


def check_onnx(path: Path, model, x: np.ndarray) -> float:
    """Largest difference between ONNX and scikit-learn probabilities on ``x``."""
    import onnxruntime as ort  # noqa: PLC0415

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_p = session.run(None, {"features": x.astype(np.float32)})[1][:, 1]
    return float(np.max(np.abs(onnx_p - model.predict_proba(x)[:, 1])))


def write_registry(models_dir: Path, entry: dict) -> None:
    """Register ``entry`` as the model in use. The one it replaces is kept: its file is
    renamed ``NAME-VERSION.onnx`` and its entry moves to ``previous`` (newest first), so
    benchmarks can compare versions and a model can be rolled back."""
    registry = read_registry(models_dir)
    models = registry.setdefault("models", {})
    old = models.get(entry["name"])
    if old is not None and old["version"] != entry["version"]:
        kept = f"{old['name']}-{old['version']}.onnx"
        if (models_dir / "_replaced.onnx").exists():
            (models_dir / "_replaced.onnx").replace(models_dir / kept)
        registry.setdefault("previous", {}).setdefault(entry["name"], []).insert(
            0, {**old, "file": kept})
    models[entry["name"]] = entry
    if "versions" in registry:  # the version list, with its lineage, has it too
        from skills.extract.versions import versions  # noqa: PLC0415

        versions(registry, entry["name"])
    (models_dir / REGISTRY).write_text(json.dumps(registry, indent=2) + "\n")


def set_aside_current(models_dir: Path, name: str = MODEL_NAME) -> None:
    """Keep the registered model's file before a new one is written over it."""
    entry = read_registry(models_dir).get("models", {}).get(name)
    if entry and (models_dir / entry["file"]).exists():
        (models_dir / "_replaced.onnx").write_bytes((models_dir / entry["file"]).read_bytes())


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def write_card(models_dir: Path, entry: dict, evaluation: str = "") -> Path:
    """The model card; ``evaluation`` is a markdown section of figures measured on held-out
    sets, kept from the card already there when not given."""
    m, t = entry["metrics"], entry["training"]
    path = models_dir / f"{entry['name']}.md"
    if not evaluation and path.exists():
        old = path.read_text()
        if "\n## Measured on held-out sets" in old:
            evaluation = "## Measured on held-out sets" + old.split(
                "\n## Measured on held-out sets", 1)[1].split("\n## Limits", 1)[0]
    parts = [("all", m), *m.get("by_method", {}).items(), *m.get("by_document", {}).items()]
    head = " | ".join(name for name, _ in parts)
    rule = "|".join("---:" for _ in parts)
    rows = []
    for key, label in (("accuracy", "field accuracy"), ("ece", "expected calibration error"),
                       ("precision_at_threshold", "precision of accepted fields"),
                       ("accepted_share", "share of fields accepted"),
                       ("straight_through_rate", "straight-through rate (all required fields "
                                                 "accepted)")):
        rows.append(f"| {label} | " + " | ".join(_fmt(part.get(key)) for _, part in parts) + " |")
    rows.append("| documents | " + " | ".join(str(part["documents"]) for _, part in parts) + " |")
    fields = "\n".join(f"| {f} | {v:.3f} |" for f, v in m["accuracy_per_field"].items())
    thresholds = ", ".join(f"{k} {v:.4f}" for k, v in m.get("thresholds", {}).items())
    card = f"""# {entry['name']} {entry['version']}

Scores candidate values of invoice and receipt header fields (vendor name, VAT id,
IBAN, invoice/receipt number, dates, PO number, currency, net, tax, rate, total)
and gives the probability that a candidate is the right one. Used by `skills.extract`.

- File: `{entry['file']}` (ONNX, sha256 `{entry['sha256']}`), {entry['size_bytes']} bytes
- Model: scikit-learn GradientBoostingClassifier ({t['iterations']}
  iterations), exported with skl2onnx (zipmap off); runs with onnxruntime only.
- Features: {len(FEATURES)} per candidate (field, distance and direction to its label
  and to other fields' labels, position, OCR confidence, pattern and arithmetic checks).
- Calibration: isotonic regression on out-of-layout predictions (each training
  layout scored by a model fitted without it), one table per decision kind and
  reading method (text layer, OCR), stored in the ONNX metadata.
- Auto-accept thresholds (lowest confidence, never below {MIN_AUTO_ACCEPT}, at which
  accepted fields were at least {TARGET_PRECISION:.1%} right, per reading method, and per
  method and field where a field needed a higher one): {thresholds}. A field is accepted
  at its own threshold for the method it was read with, else at the method's.
- Created: {entry['created']}

## Training data

Synthetic documents from `devdata.generator`, seed {t['seed']}, {t['documents']} documents
({t.get('invoices', t['documents'])} invoices, {t.get('receipts', 0)} receipts;
{t['scanned']} scanned and OCRed), {t['candidates']} candidates. No real documents were used.

- the TRAIN family of fixed layouts: invoices ({', '.join(t['layouts'])}) and till
  receipts ({', '.join(t.get('receipt_layouts', []))});
{_procedural_line(t)}
- trained from code revision `{t.get('code_revision') or 'unknown'}`; OCR by
  {t.get('ocr', 'the product reader')}.

## Out-of-layout metrics on the training documents ({m['documents']} documents)

Fields are split by how their value was read (text layer / OCR) and by the kind
of document they come from.

| metric | {head} |
|---|{rule}|
{chr(10).join(rows)}

| field | accuracy |
|---|---|
{fields}

{evaluation.strip()}

## Limits

Trained only on generated layouts; measure on real documents with
`python -m skills.evaluate`. Line items are read by rules (table header and
columns), not by this model. Fields read by OCR are accepted only at a high
confidence, so few scans go straight through; where no currency can be read,
`skills.extract` suggests the seller's home currency (method `inferred`), which is
never accepted alone. Receipts are generated in English (Malaysian, British, US and
euro-area tills).

Beyond the model's score, `skills.extract.checks` caps below every threshold a value
the document does not confirm: amounts that do not add up, an invoice number without
its own label or nearer another number's label, a vendor value in the buyer's block, a
due date before the invoice date, and every field of a page whose printed labels are
mostly unknown. The held-out figures above include these checks.

Beside the model, `skills.layouts` remembers each vendor's layout once a clerk approved
one of its invoices (where each field sat next to its printed labels) and reads the next
invoice of that layout there too. A value read at a learned place is checked like any
other and its confidence is the layout's own record (how often that place was right, 0.5
after one example), so the thresholds above still decide what is accepted.
"""
    path.write_text(card.replace("\n\n\n\n", "\n\n"))
    return path


def _procedural_line(t: dict) -> str:
    p = t.get("procedural")
    if not p:
        return "- no procedural layouts."
    return (f"- the `procedural` family: {p['documents']} documents whose layouts are drawn "
            "from a grammar of blocks (letterheads, party blocks under role headings, "
            "key-value tables, title lines, look-alike identifiers, several dates, multi-page "
            "tables, totals with several rates, credit notes) in six languages, "
            f"{p['scanned_share']:.0%} scanned. Its held-out twin, `procedural-heldout` "
            "(block variants, wordings and fonts reserved for it), was never used to fit the "
            "model, its calibration or its thresholds;")


# ------------------------------------------------------------------ the command


@dataclass
class CorrectionSet:
    """Clerk-corrected documents to fit on, and what the lineage says about them."""

    documents: list[Corrected]
    weight: float = 3.0  # a corrected document counts as this many generated ones
    lineage: dict | None = None  # store, counts, the frozen evaluation set kept out


def train(count: int = 1150, seed: int = 7, scanned_share: float = 0.15, iterations: int = 150,
          models_dir: Path = MODELS_DIR, data_dir: Path = DATA_DIR,
          cache_dir: Path = CACHE_DIR, workers: int = 2, receipt_share: float = 0.3,
          receipt_scanned_share: float = 0.7, procedural: int = 1500,
          procedural_scanned_share: float = 0.2,
          corrections: CorrectionSet | None = None) -> dict:
    """Train a version. Without ``corrections`` it becomes the production model (as it
    always did); with them it is registered as a candidate beside production, to be read
    in shadow and promoted through a canary (``tasks.model_rollout``)."""
    from devdata.generator import RECEIPT_TRAIN_LAYOUTS, TRAIN_LAYOUTS  # noqa: PLC0415

    started = time.perf_counter()
    files = training_files(count, seed, scanned_share, receipt_share, receipt_scanned_share,
                           procedural, procedural_scanned_share, data_dir)
    samples = load_samples(files, cache_dir, workers)
    corrected_lineage = []
    if corrections is not None:
        extra, located = corrected_samples(corrections.documents, cache_dir, corrections.weight)
        samples += extra
        corrected_lineage = [{"name": "clerk corrections", "documents": len(extra),
                              "weight": corrections.weight, **located,
                              **(corrections.lineage or {})}]
    results = out_of_layout_outcomes(samples, iterations, seed)
    tables = fit_calibration(results)
    conf = crossfit_confidences(results)
    thresholds = pick_thresholds(results, conf)
    found = metrics(results, conf, thresholds)
    x, y = _stack(samples)
    console.print(f"Fitting the final model on {len(x)} candidates from {len(samples)} "
                  f"documents ({int(y.sum())} right)")
    model = fit_model(x, y, iterations, seed, _weights(samples))
    now = datetime.now(UTC)
    version = now.strftime("%Y.%m.%d.%H%M%S") if corrections else now.strftime("%Y.%m.%d.%H%M")
    if corrections is not None:
        version = _unused_version(models_dir, version)
    if corrections is None:
        path = models_dir / f"{MODEL_NAME}.onnx"
        set_aside_current(models_dir)
    else:
        path = models_dir / f"{MODEL_NAME}-{version}.onnx"
    export_onnx(model, tables, path, thresholds)
    diff = check_onnx(path, model, x[:2000])
    if diff > 1e-3:
        raise RuntimeError(f"ONNX and scikit-learn disagree by {diff:.4f}")
    write_training_layouts(files, path, cache_dir)
    production = read_registry(models_dir).get("models", {}).get(MODEL_NAME)
    entry = {
        "name": MODEL_NAME, "version": version, "file": path.name,
        "sha256": sha256_of(path), "size_bytes": path.stat().st_size,
        "created": now.isoformat(timespec="seconds"),
        "training": {
            "generator": "devdata.generator", "seed": seed, "family": "train",
            "layouts": sorted(TRAIN_LAYOUTS), "receipt_layouts": sorted(RECEIPT_TRAIN_LAYOUTS),
            "procedural": {"family": "procedural", "documents": procedural,
                           "scanned_share": procedural_scanned_share,
                           "held_out_family": "procedural-heldout (never used to fit or to "
                                              "choose thresholds)"},
            "code_revision": _code_revision(),
            "ocr": _ocr_description(),
            "documents": len(samples),
            "invoices": sum(s.kind == "invoice" for s in samples),
            "receipts": sum(s.kind == "receipt" for s in samples),
            "scanned": sum(s.scanned for s in samples), "scanned_share": scanned_share,
            "receipt_share": receipt_share, "receipt_scanned_share": receipt_scanned_share,
            "calibration": "isotonic on out-of-layout predictions (each layout scored by a "
                           "model that never saw it), per reading method (text layer, OCR); "
                           "cross-fitted over documents for metrics and thresholds",
            "candidates": int(sum(len(s.candidates) for s in samples)),
            "iterations": iterations, "onnx_max_abs_diff": diff,
            **({"corrections": corrected_lineage,
                "parent": production["version"] if production else None}
               if corrections is not None else {}),
            "seconds": round(time.perf_counter() - started, 1),
        },
        "metrics": found,
    }
    if corrections is None:
        write_registry(models_dir, entry)
        write_card(models_dir, entry)
    else:
        from skills.extract.versions import add_candidate, lineage_of  # noqa: PLC0415

        add_candidate(entry, lineage_of(entry), models_dir)
    return entry


def _unused_version(models_dir: Path, version: str) -> str:
    """``version``, or with a count after it when a version of that name exists (two
    candidates trained within one second)."""
    from skills.extract.versions import version_entry  # noqa: PLC0415

    registry = read_registry(models_dir)
    taken, n = version, 1
    while version_entry(registry, taken) is not None:
        n += 1
        taken = f"{version}.{n}"
    return taken


def _ocr_description() -> str:
    from skills.ocr.models import recognizer_files  # noqa: PLC0415

    return recognizer_files().describe()


def _code_revision() -> str | None:
    """The git commit the model was trained from, when the code is a git checkout."""
    import subprocess  # noqa: PLC0415

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _corrections(db: str | None, weight: float) -> CorrectionSet:
    """The corrected documents in the store, less its frozen evaluation set."""
    from tasks.corrected_documents import corrected_documents, lineage  # noqa: PLC0415
    from workitems import open_store  # noqa: PLC0415

    with open_store(db) as store:
        sets = corrected_documents(store)
        console.print(f"{len(sets.training)} corrected documents to fit on, "
                      f"{len(sets.evaluation)} kept out for evaluation, {sets.skipped} gone")
        return CorrectionSet(sets.training, weight, lineage(sets, store))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1150, help="documents, receipts included")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scanned-share", type=float, default=0.15,
                        help="share of the invoices that are scanned")
    parser.add_argument("--receipt-share", type=float, default=0.3,
                        help="share of the documents that are till receipts")
    parser.add_argument("--receipt-scanned-share", type=float, default=0.7,
                        help="share of the receipts that are scanned")
    parser.add_argument("--procedural", type=int, default=1500,
                        help="documents of the procedural family (layouts from a grammar)")
    parser.add_argument("--procedural-scanned-share", type=float, default=0.2)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--with-corrections", action="store_true",
                        help="also fit on the documents clerks corrected (from the work-item "
                             "store) and register the result as a candidate, not production")
    parser.add_argument("--db", help="work-item store URL (default: $WORKITEMS_DB)")
    parser.add_argument("--correction-weight", type=float, default=3.0,
                        help="a corrected document counts as this many generated ones")
    args = parser.parse_args(argv)
    corrections = _corrections(args.db, args.correction_weight) if args.with_corrections \
        else None
    entry = train(args.count, args.seed, args.scanned_share, args.iterations, args.models_dir,
                  args.data_dir, workers=args.workers, receipt_share=args.receipt_share,
                  receipt_scanned_share=args.receipt_scanned_share,
                  procedural=args.procedural,
                  procedural_scanned_share=args.procedural_scanned_share,
                  corrections=corrections)
    m = entry["metrics"]
    console.print(f"[bold]{entry['name']} {entry['version']}[/bold] → {entry['file']} "
                  f"({entry['size_bytes']} bytes)")
    for name, part in [("all", m), *m["by_method"].items()]:
        console.print(f"{name:>5}: accuracy {part['accuracy']:.4f}  ECE {part['ece']:.4f}  "
                      f"precision@threshold {part['precision_at_threshold']}  "
                      f"straight-through {part['straight_through_rate']:.3f}")
    console.print("thresholds: " + ", ".join(f"{k} {v:.4f}" for k, v in m["thresholds"].items()))
    print(json.dumps({"name": entry["name"], "version": entry["version"], **{
        k: v for k, v in m.items() if k not in ("accuracy_per_field", "by_method",
                                                 "by_document")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
