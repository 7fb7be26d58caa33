"""Baseline engine: the rapidocr_onnxruntime package's own pipeline, unchanged.

It runs the same PP-OCRv4 ONNX files as our engine, so comparing the two measures
only the pipeline around the models.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from skills.ocr.base import OcrEngine
from skills.schema import Line
from skills.textlines import make_line, order_lines, split_evenly


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR()

    @property
    def version(self) -> str:
        return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')} (its own pipeline)"

    def read(self, image: np.ndarray) -> list[Line]:
        # rapidocr expects OpenCV's BGR channel order.
        result, _ = self._ocr(np.ascontiguousarray(image[:, :, ::-1]))
        lines = []
        for quad, text, score in result or []:
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
            words = split_evenly(text, box, float(score))
            if words:
                lines.append(make_line(words))
        return order_lines(lines)
