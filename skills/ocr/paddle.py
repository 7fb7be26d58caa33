"""Optional engine: PaddleOCR's own pipeline, run offline on the same PP-OCRv4 ONNX files.

PaddleOCR 3.x downloads its models unless it is given local model folders, each
holding ``inference.onnx`` and an ``inference.yml`` whose ``Global.model_name``
matches the name passed in. We build those folders on first use under
``output/paddle-models`` (the model files are linked, not copied), with the
pre- and post-processing settings of PaddleOCR's own PP-OCRv4 configs and the
recogniser's character dictionary taken from the ONNX file itself.

Only available when ``paddleocr`` and ``paddlepaddle`` are installed (about
1.5 GB, see ``pyproject.toml``). Their numpy bound clashes with the project's, so
they can live in a virtualenv of their own: name its interpreter in
``AP_PADDLE_PYTHON`` and :class:`PaddleProcessEngine` runs the pipeline there
(``python -m skills.ocr.paddle`` in this repository), sending it page images over
a pipe. It reports the seconds each read took inside that process, so the pipe
is not counted as PaddleOCR's time, and that process's own peak memory.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from skills.ocr import models
from skills.ocr.base import OcrEngine
from skills.schema import Line
from skills.textlines import make_line, order_lines, split_evenly

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / "output" / "paddle-models"
PYTHON_ENV = "AP_PADDLE_PYTHON"  # an interpreter whose environment has paddleocr
DET_NAME = "PP-OCRv4_mobile_det"
REC_NAME = "PP-OCRv4_mobile_rec"


class PaddleOcrEngine(OcrEngine):
    name = "paddle"

    def __init__(self, cache_dir: Path = CACHE_DIR) -> None:
        # Never look for model hosting platforms: everything is local.
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        try:
            from paddleocr import PaddleOCR
        except ImportError:
            raise RuntimeError(
                "The 'paddle' OCR engine needs PaddleOCR (about 1.5 GB): see pyproject.toml "
                "for how to install it, or use the default 'onnx' engine."
            ) from None
        files = models.model_files()
        det_dir, rec_dir = _model_folders(files, cache_dir)
        self._ocr = PaddleOCR(
            text_detection_model_name=DET_NAME,
            text_detection_model_dir=str(det_dir),
            text_recognition_model_name=REC_NAME,
            text_recognition_model_dir=str(rec_dir),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            engine="onnxruntime",
            device="cpu",
        )
        self._files = files

    @property
    def version(self) -> str:
        return (
            f"paddleocr {version('paddleocr')} (its own pipeline, engine onnxruntime; "
            f"{self._files.describe()})"
        )

    def read(self, image: np.ndarray) -> list[Line]:
        # PaddleOCR takes OpenCV's BGR channel order for arrays.
        (result,) = self._ocr.predict(np.ascontiguousarray(image[:, :, ::-1]))
        lines = []
        for poly, text, score in zip(
            result["rec_polys"], result["rec_texts"], result["rec_scores"], strict=True
        ):
            xs, ys = np.asarray(poly)[:, 0], np.asarray(poly)[:, 1]
            box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
            words = split_evenly(text, box, float(score))
            if words:
                lines.append(make_line(words))
        return order_lines(lines)


class PaddleProcessEngine(OcrEngine):
    """PaddleOCR's pipeline in another interpreter (a virtualenv of its own)."""

    name = "paddle"

    def __init__(self, python: str) -> None:
        self._process = subprocess.Popen(
            [python, "-m", "skills.ocr.paddle"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                models.MODEL_DIR_ENV: str(models.model_folder()),
            },
        )
        self._lock = threading.Lock()
        self.last_seconds = 0.0  # time of the last read inside the other process
        self.peak_rss_mb = 0.0  # that process's peak resident memory so far
        self._version = self._call("version")

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[Line]:
        return self._call("read", np.ascontiguousarray(image))

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait(timeout=30)

    def _call(self, command: str, argument: object = None):
        with self._lock:
            if self._process.poll() is not None:
                raise RuntimeError(f"the PaddleOCR process has ended ({self._process.returncode})")
            pickle.dump((command, argument), self._process.stdin, pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
            try:
                ok, result, seconds, peak_kb = pickle.load(self._process.stdout)
            except EOFError:
                raise RuntimeError(
                    f"the PaddleOCR process ended; is paddleocr installed for {PYTHON_ENV}?"
                ) from None
        self.last_seconds = seconds
        self.peak_rss_mb = peak_kb / 1024
        if not ok:
            raise RuntimeError(f"PaddleOCR failed: {result}")
        return result


def _serve() -> None:
    """Answer (command, argument) requests on stdin until it closes."""
    import resource

    # The answers own stdout; whatever the libraries print goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    engine: PaddleOcrEngine | None = None
    while True:
        try:
            command, argument = pickle.load(requests)
        except EOFError:
            return
        start = time.perf_counter()
        try:
            engine = engine or PaddleOcrEngine()
            result = engine.version if command == "version" else engine.read(argument)
            ok = True
        except Exception as exc:  # reported to the caller, which raises it there
            result, ok = f"{type(exc).__name__}: {exc}", False
        seconds = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pickle.dump((ok, result, seconds, peak_kb), answers, pickle.HIGHEST_PROTOCOL)
        answers.flush()


def _model_folders(files: models.ModelFiles, cache_dir: Path) -> tuple[Path, Path]:
    import yaml

    characters = models.character_list(models.session(files.rec))[1:-1]  # no blank, no space
    configs = {
        DET_NAME: (files.det, _det_config()),
        REC_NAME: (files.rec, _rec_config(characters)),
    }
    folders = []
    for name, (onnx_file, config) in configs.items():
        folder = cache_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "inference.yml").write_text(
            yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        _link_or_copy(onnx_file, folder / "inference.onnx")
        folders.append(folder)
    return folders[0], folders[1]


def _link_or_copy(source: Path, target: Path) -> None:
    if target.is_symlink() or target.exists():
        if target.resolve() == source.resolve():
            return
        target.unlink()
    try:
        target.symlink_to(source)
    except OSError:  # file systems without symlinks
        shutil.copyfile(source, target)


def _det_config() -> dict:
    """PaddleOCR's PP-OCRv4_mobile_det inference.yml."""
    return {
        "Global": {"model_name": DET_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetLabelEncode": None},
                {"DetResizeForTest": {"resize_long": 960}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": "1./255.",
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def _rec_config(characters: list[str]) -> dict:
    """PaddleOCR's PP-OCRv4_mobile_rec inference.yml, with the model's own dictionary."""
    return {
        "Global": {"model_name": REC_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {
                    "KeepKeys": {
                        "keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]
                    }
                },
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


if __name__ == "__main__":
    _serve()
