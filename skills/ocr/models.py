"""PaddleOCR's PP-OCRv4 ONNX files, as shipped inside the rapidocr-onnxruntime wheel.

We only borrow the model files; nothing from that package's code runs on our path.
Sessions are tuned for a small machine (two cores) and created once per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import onnxruntime as ort

from skills.ocr import fold as folding

log = logging.getLogger(__name__)

DET_FILE = "ch_PP-OCRv4_det_infer.onnx"
REC_FILE = "ch_PP-OCRv4_rec_infer.onnx"
CLS_FILE = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
MODEL_DIR_ENV = "AP_OCR_MODEL_DIR"


@dataclass(frozen=True)
class ModelFiles:
    det: Path
    rec: Path
    cls: Path

    def describe(self) -> str:
        parts = [f"{p.name} (sha256 {_sha256(p)[:12]})" for p in (self.det, self.rec, self.cls)]
        return ", ".join(parts) + f" from rapidocr-onnxruntime {_wheel_version()}"


def model_folder() -> Path:
    """Where the installed wheel keeps the models (no import of its code needed).

    ``AP_OCR_MODEL_DIR`` overrides it: a PaddleOCR process running in a virtualenv of its
    own is pointed at this environment's files, so both read the very same models.
    """
    if os.environ.get(MODEL_DIR_ENV):
        return Path(os.environ[MODEL_DIR_ENV])
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The OCR models come with the rapidocr-onnxruntime package, which is not installed: "
            "run `pip install -e .` in the project."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_files() -> ModelFiles:
    """The three model files, checked to be there."""
    folder = model_folder()
    files = ModelFiles(folder / DET_FILE, folder / REC_FILE, folder / CLS_FILE)
    missing = [p.name for p in (files.det, files.rec, files.cls) if not p.is_file()]
    if missing:
        raise RuntimeError(f"OCR model files missing from {folder.name}: {', '.join(missing)}")
    return files


def session(path: Path, fold: bool = True) -> ort.InferenceSession:
    """An onnxruntime session for a small CPU: all cores inside an operator, none across.

    With ``fold``, the model's exported elementwise chains are folded into fewer
    operators first (:mod:`skills.ocr.fold`: same results, a fifth to a quarter faster).
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = min(os.cpu_count() or 1, 4)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle threads sleep instead of spinning: on a busy two-core machine spinning threads
    # steal the core the other thread needs, and a page can take ten times longer.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Input shapes change with every page and line batch; a memory pattern is planned and
    # kept per shape, so a worker's memory kept growing (480 MB after a dozen different
    # pages, against 340 MB without them, no slower). The arena itself is kept: without it
    # the C allocator fragments and the peak is higher still.
    options.enable_mem_pattern = False
    model = path.read_bytes()
    if fold:
        try:
            model, _ = folding.fold_model(model)
        except (ValueError, IndexError, KeyError, StopIteration) as exc:  # an unexpected file
            log.warning("running %s unfolded: %s", path.name, exc)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def character_list(rec: ort.InferenceSession) -> list[str]:
    """CTC classes: blank, the model's own dictionary (stored in its metadata), space."""
    chars = rec.get_modelmeta().custom_metadata_map["character"].split("\n")
    return ["", *chars, " "]


def _wheel_version() -> str:
    try:
        return version("rapidocr-onnxruntime")
    except PackageNotFoundError:  # files borrowed from another environment's wheel
        return "(another environment's)"


@cache
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
