"""The learned candidate scorer, run with onnxruntime only (no scikit-learn at run time).

``models/registry.json`` names the model file, its sha256, and the auto-accept
thresholds chosen at training time (one per reading method: text layer, OCR).
The ONNX file carries, in its metadata, the feature names it expects and the
calibration tables that turn a raw score into the probability that the chosen
value is right.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort

from skills.layouts.novelty import TrainingLayouts, index_path

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
MODEL_NAME = "invoice-fields"
REGISTRY = "registry.json"


class ModelMissing(RuntimeError):
    """No trained field scorer is registered; run ``python -m skills.train``."""


@dataclass(frozen=True)
class Calibration:
    """Isotonic step function x → y, applied by linear interpolation."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, score: float) -> float:
        if not self.x:
            return float(score)
        return float(np.interp(score, self.x, self.y))


class FieldScorer:
    def __init__(self, model_path: Path, entry: dict) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # batches are tiny; threads only add latency
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.features: list[str] = json.loads(meta["features"])
        tables = json.loads(meta["calibration"])
        self.calibration = {kind: Calibration(tuple(t["x"]), tuple(t["y"]))
                            for kind, t in tables.items()}
        self.name: str = entry["name"]
        self.version: str = entry["version"]
        self.threshold: float = float(entry["metrics"]["threshold"])
        # Auto-accept threshold per reading method (text layer, OCR); the one above is
        # the text layer's, and stands in for any method without its own.
        self.thresholds: dict[str, float] = {
            method: float(t) for method, t in entry["metrics"].get("thresholds", {}).items()}
        # The model's training documents, to say how far a page is from all of them
        # (None for a model file written without them).
        self.training_layouts = TrainingLayouts.load(index_path(model_path), entry["sha256"])
        self._input = self.session.get_inputs()[0].name
        self._proba = self.session.get_outputs()[1].name

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(candidate is the right value) per row of features."""
        if not len(rows):
            return np.zeros(0)
        out = self.session.run([self._proba], {self._input: rows.astype(np.float32)})[0]
        return np.asarray(out)[:, 1]

    def confidence(self, score: float, kind: str, method: str = "text") -> float:
        """Calibrated probability that a decision of ``kind`` ("value" / "none") with this
        score is right; OCR decisions have their own table when the model carries one."""
        table = self.calibration.get(f"{kind}:{method}") or self.calibration[kind]
        return table(score)


def threshold_for(thresholds: dict[str, float], method: str, field: str) -> float:
    """The cut a field read by ``method`` must reach: its own ("ocr:total"), else its
    method's, else the text layer's."""
    return thresholds.get(f"{method}:{field}", thresholds.get(method, thresholds.get("text",
                                                                                      1.0)))


def read_registry(models_dir: Path = MODELS_DIR) -> dict:
    path = models_dir / REGISTRY
    if not path.exists():
        return {"models": {}}
    return json.loads(path.read_text())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def previous_versions(models_dir: Path = MODELS_DIR, name: str = MODEL_NAME) -> list[str]:
    """Versions of ``name`` kept from before the registered one, newest first."""
    return [e["version"] for e in read_registry(models_dir).get("previous", {}).get(name, [])]


def load_scorer(models_dir: Path = MODELS_DIR, name: str = MODEL_NAME,
                version: str | None = None) -> FieldScorer:
    """The registered scorer, or another ``version`` kept in the registry (an earlier one,
    or a candidate not promoted yet); refuses a
    model file whose sha256 differs from the registry."""
    from skills.extract.versions import version_entry  # noqa: PLC0415 - it imports this

    registry = read_registry(models_dir)
    entry = registry["models"].get(name)
    if version is not None and (entry is None or entry["version"] != version):
        entry = version_entry(registry, version, name)
    if entry is None:
        raise ModelMissing(f"no model {name!r}{' ' + version if version else ''} in "
                           f"{models_dir / REGISTRY}; train one with: python -m skills.train")
    path = models_dir / entry["file"]
    if not path.exists() or sha256_of(path) != entry["sha256"]:
        raise ModelMissing(f"{path.name} is missing or does not match its registry sha256; "
                           "retrain with: python -m skills.train")
    return FieldScorer(path, entry)


@cache
def default_scorer() -> FieldScorer:
    """The committed model, loaded once per process."""
    return load_scorer()
