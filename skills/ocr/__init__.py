"""OCR engines behind one interface, chosen by name.

- ``onnx`` (default): our lean PP-OCR pipeline on onnxruntime (:mod:`skills.ocr.onnx`),
  with the recogniser ``AP_OCR_RECOGNIZER`` names (default ``ppocrv6-tiny``, which
  reads accents, umlauts, "€" and "£"; ``ppocrv4`` for the older one)
- ``onnx-ppocrv4``, ``onnx-ppocrv6-tiny``, ``onnx-ppocrv6-small``: the same pipeline
  with that recogniser alone (no second look), whatever the setting (to compare them in
  one process)
- ``rapidocr``: the rapidocr_onnxruntime package's own pipeline (the baseline)
- ``paddle``: PaddleOCR's own pipeline, only when ``paddleocr`` is installed, here or
  in the environment of the interpreter named by ``AP_PADDLE_PYTHON``

Engines are loaded once per process and reused: loading the models costs far more
than reading a page.
"""

from __future__ import annotations

import importlib.util
import os
import threading

from skills.ocr.base import OcrEngine, OcrPage

ENGINE_NAMES = ("onnx", "onnx-ppocrv4", "onnx-ppocrv6-tiny", "onnx-ppocrv6-small", "rapidocr",
                "paddle")

_engines: dict[str, OcrEngine] = {}
_lock = threading.Lock()


def get_engine(name: str = "onnx") -> OcrEngine:
    """The shared engine called ``name``, loading it on first use."""
    with _lock:
        if name not in _engines:
            _engines[name] = _load(name)
        return _engines[name]


def _load(name: str) -> OcrEngine:
    if name == "onnx":
        from skills.ocr.onnx import OnnxOcrEngine

        return OnnxOcrEngine()
    if name.startswith("onnx-") and name in ENGINE_NAMES:
        from skills.ocr.onnx import OnnxOcrEngine

        return OnnxOcrEngine(recognizer=name.removeprefix("onnx-"), second_look=None)
    if name == "rapidocr":
        from skills.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine()
    if name == "paddle":
        from skills.ocr.paddle import PYTHON_ENV, PaddleOcrEngine, PaddleProcessEngine

        if importlib.util.find_spec("paddleocr") is None and os.environ.get(PYTHON_ENV):
            return PaddleProcessEngine(os.environ[PYTHON_ENV])
        return PaddleOcrEngine()
    raise ValueError(f"Unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}.")


__all__ = ["ENGINE_NAMES", "OcrEngine", "OcrPage", "get_engine"]
