"""Train, calibrate and register the invoice field scorer.

    python -m skills.train [--count 800] [--scanned-share 0.15] [--seed 7]

1. Generates the TRAIN family of synthetic invoices (or reuses a set already
   generated with the same seed and counts) and reads every document the way
   the bots do (skills.documents); OCR output of scanned pages is cached by the
   file's sha256, so retraining does not OCR again.
2. Builds candidates per document and labels each: is its value the truth?
3. Scores every document with a gradient-boosted tree model trained WITHOUT that
   document's layout (layouts split into three folds), runs the full decision
   (best candidate, arithmetic checks), fits isotonic calibration on those
   outcomes and picks the lowest auto-accept threshold whose accepted fields are
   at least 99.5 % correct. Metrics are measured the same way (calibration
   cross-fitted over documents), so they describe unseen layouts.
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
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress

from devdata.generator import generate_set, load_truth
from skills.extract import REQUIRED_FIELDS, decide, feature_matrix, values_match
from skills.extract_candidates import FEATURES, FIELDS, Candidate, build_candidates
from skills.extract_lines import find_line_items
from skills.extract_model import MODEL_NAME, MODELS_DIR, REGISTRY, read_registry, sha256_of
from skills.normalize import normalize_text
from skills.schema import Document

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "output" / "training"
CACHE_DIR = ROOT / "output" / "cache" / "documents"
TARGET_PRECISION = 0.995
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


# ------------------------------------------------------------------ reading


def read_cached(path: Path, cache_dir: Path = CACHE_DIR) -> Document:
    """``read_document`` of ``path``, cached by content hash (OCR is slow)."""
    import hashlib  # noqa: PLC0415

    from skills.documents import read_document  # noqa: PLC0415 - heavy, only when reading

    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    cached = cache_dir / f"{key}.pkl"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    doc = read_document(data, path.name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(doc))
    tmp.replace(cached)
    return doc


def _sample(path: Path, cache_dir: Path) -> Sample:
    generated = load_truth(path)
    doc = read_cached(path, cache_dir)
    return make_sample(doc, generated.truth.header(), path.name, generated.rendering.scanned,
                       generated.rendering.layout)


def make_sample(doc: Document, truth: dict[str, str | None], name: str,
                scanned: bool = False, layout: str = "") -> Sample:
    items = [row for page in doc.pages for row in find_line_items(page)]
    candidates = build_candidates(doc, [Decimal(r.amount) for r in items])
    labels = np.array([_is_right(c, truth.get(c.field)) for c in candidates], dtype=np.int8)
    return Sample(name, scanned, layout, candidates, labels, truth)


def _is_right(c: Candidate, expected: str | None) -> bool:
    if expected is None:
        return False
    if c.field == "vendor_name":  # training wants the exact line, not a longer one
        return normalize_text(c.value) == normalize_text(expected)
    return c.value == expected


def _generator_fingerprint() -> str:
    """Changes whenever the generator's code does, so a stale set is never reused."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "devdata" / "generator").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def dataset_files(count: int, seed: int, scanned_share: float, data_dir: Path) -> list[Path]:
    """The TRAIN family set for these parameters, generated once and then reused."""
    name = f"train-{_generator_fingerprint()}-seed{seed}-n{count}-scan{scanned_share:.2f}"
    folder = data_dir / name
    marker = folder / "complete"
    if not marker.exists():
        with Progress(console=console) as progress:
            task = progress.add_task(f"Generating {count} training invoices", total=count)
            generate_set(folder, count, seed, "train", scanned_share,
                         progress=lambda n: progress.advance(task, n))
        marker.write_text("ok")
    return sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".jpg"))


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


def fit_model(x: np.ndarray, y: np.ndarray, iterations: int, seed: int):
    # Classic gradient boosting: skl2onnx 1.20 cannot export this scikit-learn's
    # HistGradientBoosting (its missing-value flags come out as booleans).
    from sklearn.ensemble import GradientBoostingClassifier  # noqa: PLC0415

    model = GradientBoostingClassifier(n_estimators=iterations, learning_rate=0.1, max_depth=4,
                                       min_samples_leaf=10, subsample=0.8, random_state=seed)
    model.fit(x, y)
    return model


@dataclass
class Outcome:
    """One field of one calibration document: score, calibration kind, right or not."""

    doc: int
    field: str
    score: float
    kind: str
    correct: bool


def outcomes(samples: list[Sample], predict) -> list[Outcome]:
    out = []
    for i, s in enumerate(samples):
        probs = predict(feature_matrix(s.candidates)) if s.candidates else np.zeros(0)
        for name, d in decide(s.candidates, probs).items():
            out.append(Outcome(i, name, d.score, d.kind,
                               values_match(name, d.value, s.truth.get(name))))
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
        console.print(f"Fold {fold + 1}/{folds}: fitting without layouts "
                      f"{sorted(k for k, v in fold_of.items() if v == fold)}")
        model = fit_model(x, y, iterations, seed)
        offset = len({r.doc for r in results})
        for r in outcomes(test_part, lambda m, model=model: model.predict_proba(m)[:, 1]):
            r.doc += offset
            results.append(r)
    return results


def fit_calibration(results: list[Outcome]) -> dict[str, dict[str, list[float]]]:
    from sklearn.isotonic import IsotonicRegression  # noqa: PLC0415

    tables = {}
    for kind in ("value", "none"):
        scores = np.array([r.score for r in results if r.kind == kind])
        right = np.array([r.correct for r in results if r.kind == kind], dtype=float)
        if len(scores) < 2 or len(set(right)) < 2:
            tables[kind] = {"x": [0.0, 1.0], "y": [float(right.mean()) if len(right) else 0.5] * 2}
            continue
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, right)
        tables[kind] = {"x": [float(v) for v in iso.X_thresholds_],
                        "y": [float(v) for v in iso.y_thresholds_]}
    return tables


def calibrated(results: list[Outcome], tables: dict) -> np.ndarray:
    """Confidences as extraction computes them (a missing required field scores 0)."""
    return np.array([0.0 if r.kind == "missing" else
                     np.interp(r.score, tables[r.kind]["x"], tables[r.kind]["y"])
                     for r in results])


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
                   target: float = TARGET_PRECISION) -> float:
    """The lowest confidence cut whose accepted fields are ≥ ``target`` correct."""
    for t in np.unique(conf):
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


def metrics(results: list[Outcome], conf: np.ndarray, threshold: float) -> dict:
    right = np.array([r.correct for r in results], dtype=float)
    accepted = conf >= threshold
    docs = sorted({r.doc for r in results})
    passing = 0
    for d in docs:
        req = [i for i, r in enumerate(results) if r.doc == d and r.field in REQUIRED_FIELDS]
        passing += all(accepted[i] for i in req)
    per_field = {f: float(np.mean([r.correct for r in results if r.field == f])) for f in FIELDS}
    return {
        "accuracy": float(right.mean()),
        "accuracy_per_field": per_field,
        "ece": expected_calibration_error(conf, right),
        "threshold": threshold,
        "precision_at_threshold": float(right[accepted].mean()) if accepted.any() else None,
        "accepted_share": float(accepted.mean()),
        "straight_through_rate": passing / len(docs) if docs else 0.0,
        "documents": len(docs),
    }


# ------------------------------------------------------------------ export


def export_onnx(model, tables: dict, path: Path, threshold: float) -> None:
    import onnx  # noqa: PLC0415
    from skl2onnx import convert_sklearn  # noqa: PLC0415
    from skl2onnx.common.data_types import FloatTensorType  # noqa: PLC0415

    onx = convert_sklearn(model, initial_types=[("features", FloatTensorType([None,
                                                                               len(FEATURES)]))],
                          options={id(model): {"zipmap": False}}, target_opset=17)
    for key, value in (("features", json.dumps(list(FEATURES))),
                       ("calibration", json.dumps(tables)), ("threshold", str(threshold))):
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
    registry = read_registry(models_dir)
    registry.setdefault("models", {})[entry["name"]] = entry
    (models_dir / REGISTRY).write_text(json.dumps(registry, indent=2) + "\n")


def write_card(models_dir: Path, entry: dict) -> Path:
    m = entry["metrics"]
    rows = "\n".join(f"| {f} | {v:.3f} |" for f, v in m["accuracy_per_field"].items())
    card = f"""# {entry['name']} {entry['version']}

Scores candidate values of invoice header fields (vendor name, VAT id, IBAN,
invoice number, dates, PO number, currency, net, tax, rate, total) and gives the
probability that a candidate is the right one. Used by `skills.extract`.

- File: `{entry['file']}` (ONNX, sha256 `{entry['sha256']}`), {entry['size_bytes']} bytes
- Model: scikit-learn GradientBoostingClassifier ({entry['training']['iterations']}
  iterations), exported with skl2onnx (zipmap off); runs with onnxruntime only.
- Features: {len(FEATURES)} per candidate (field, distance and direction to its label
  and to other fields' labels, position, OCR confidence, pattern and arithmetic checks).
- Calibration: isotonic regression on out-of-layout predictions (each training
  layout scored by a model fitted without it), stored in the ONNX metadata.
- Created: {entry['created']}

## Training data

Synthetic invoices from `devdata.generator`, TRAIN family of layouts only
({', '.join(entry['training']['layouts'])}); seed {entry['training']['seed']},
{entry['training']['documents']} documents ({entry['training']['scanned']} scanned and
OCRed), {entry['training']['candidates']} candidates. No real documents were used.

## Out-of-layout metrics on the training documents ({m['documents']} documents)

| metric | value |
|---|---|
| field accuracy | {m['accuracy']:.4f} |
| expected calibration error | {m['ece']:.4f} |
| auto-accept threshold | {m['threshold']:.4f} |
| precision of accepted fields | {m['precision_at_threshold']} |
| share of fields accepted | {m['accepted_share']:.4f} |
| straight-through rate (all required fields accepted) | {m['straight_through_rate']:.4f} |

| field | accuracy |
|---|---|
{rows}

## Limits

Trained only on generated layouts; measure on real documents with
`python -m skills.evaluate`. Line items are read by rules (table header and
columns), not by this model.
"""
    path = models_dir / f"{entry['name']}.md"
    path.write_text(card)
    return path


# ------------------------------------------------------------------ the command


def train(count: int = 800, seed: int = 7, scanned_share: float = 0.15, iterations: int = 150,
          models_dir: Path = MODELS_DIR, data_dir: Path = DATA_DIR,
          cache_dir: Path = CACHE_DIR, workers: int = 2) -> dict:
    from devdata.generator import TRAIN_LAYOUTS  # noqa: PLC0415

    files = dataset_files(count, seed, scanned_share, data_dir)
    samples = load_samples(files, cache_dir, workers)
    results = out_of_layout_outcomes(samples, iterations, seed)
    tables = fit_calibration(results)
    conf = crossfit_confidences(results)
    right = np.array([r.correct for r in results], dtype=float)
    threshold = pick_threshold(conf, right)
    found = metrics(results, conf, threshold)
    x, y = _stack(samples)
    console.print(f"Fitting the final model on {len(x)} candidates from {len(samples)} "
                  f"documents ({int(y.sum())} right)")
    model = fit_model(x, y, iterations, seed)
    path = models_dir / f"{MODEL_NAME}.onnx"
    export_onnx(model, tables, path, threshold)
    diff = check_onnx(path, model, x[:2000])
    if diff > 1e-3:
        raise RuntimeError(f"ONNX and scikit-learn disagree by {diff:.4f}")
    now = datetime.now(UTC)
    entry = {
        "name": MODEL_NAME, "version": now.strftime("%Y.%m.%d.%H%M"), "file": path.name,
        "sha256": sha256_of(path), "size_bytes": path.stat().st_size,
        "created": now.isoformat(timespec="seconds"),
        "training": {
            "generator": "devdata.generator", "seed": seed, "family": "train",
            "layouts": sorted(TRAIN_LAYOUTS), "documents": len(samples),
            "scanned": sum(s.scanned for s in samples), "scanned_share": scanned_share,
            "calibration": "isotonic on out-of-layout predictions (each layout scored by a "
                           "model that never saw it), cross-fitted over documents for metrics",
            "candidates": int(sum(len(s.candidates) for s in samples)),
            "iterations": iterations, "onnx_max_abs_diff": diff,
        },
        "metrics": found,
    }
    write_registry(models_dir, entry)
    write_card(models_dir, entry)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scanned-share", type=float, default=0.15)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    entry = train(args.count, args.seed, args.scanned_share, args.iterations, args.models_dir,
                  args.data_dir, workers=args.workers)
    m = entry["metrics"]
    console.print(f"[bold]{entry['name']} {entry['version']}[/bold] → {entry['file']} "
                  f"({entry['size_bytes']} bytes)")
    console.print(f"accuracy {m['accuracy']:.4f}  ECE {m['ece']:.4f}  threshold "
                  f"{m['threshold']:.4f}  precision@threshold {m['precision_at_threshold']}  "
                  f"straight-through {m['straight_through_rate']:.3f}")
    print(json.dumps({"name": entry["name"], "version": entry["version"], **{
        k: v for k, v in m.items() if k != "accuracy_per_field"}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
