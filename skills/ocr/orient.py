"""Which way up is the page, and how skewed: decided cheaply from detected lines.

- Sideways (90/270): lines of text are long and thin; on a page turned a quarter
  turn the detector's boxes come out taller than wide.
- Upside down (180): PaddleOCR's small direction classifier votes on a few of the
  longest lines (one batch, a few milliseconds).
- Skew: the median angle of the long lines.
"""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from skills.ocr.detect import TextBox

_CLS_HEIGHT, _CLS_WIDTH = 48, 192
_CLS_LINES = 8  # how many of the longest lines vote on up or down
_MIN_ELONGATION = 2.0  # a box this much longer than thick is surely a line of text


def is_sideways(boxes: list[TextBox]) -> bool:
    """True when most of the clearly elongated boxes stand upright."""
    tall = sum(b.height for b in boxes if b.height > _MIN_ELONGATION * b.width)
    wide = sum(b.width for b in boxes if b.width > _MIN_ELONGATION * b.height)
    return tall > wide


def is_upside_down(session: ort.InferenceSession, image: np.ndarray, boxes: list[TextBox]) -> bool:
    """The classifier's mean vote on the longest lines: is the text turned 180 degrees?"""
    longest = sorted(boxes, key=lambda b: b.width, reverse=True)[:_CLS_LINES]
    if not longest:
        return False
    tensor = np.zeros((len(longest), 3, _CLS_HEIGHT, _CLS_WIDTH), dtype=np.float32)
    for row, box in enumerate(longest):
        width = int(min(max(round(_CLS_HEIGHT * box.width / max(box.height, 1.0)), 8), _CLS_WIDTH))
        target = np.array([[0, 0], [width, 0], [0, _CLS_HEIGHT]], dtype=np.float32)
        matrix = cv2.getAffineTransform(box.corners(), target)
        piece = cv2.warpAffine(image, matrix, (width, _CLS_HEIGHT), flags=cv2.INTER_LINEAR)
        tensor[row, :, :, :width] = piece.transpose(2, 0, 1) / 127.5 - 1.0
    probs = session.run(None, {session.get_inputs()[0].name: tensor})[0]
    return float(probs[:, 1].mean()) > 0.5  # classes: 0 degrees, 180 degrees


def skew(boxes: list[TextBox]) -> float:
    """The page's skew in radians: the median angle of its long lines (0 if none)."""
    angles = [b.angle for b in boxes if b.width > 4 * b.height]
    return float(np.median(angles)) if angles else 0.0


def turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by a multiple of 90 degrees."""
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def align(boxes: list[TextBox], angle: float, tolerance: float) -> list[TextBox]:
    """Give every box within ``tolerance`` of the page's skew exactly that angle.

    A short box's own angle is noisy (a few pixels decide it); cutting it out along
    the page's angle keeps letters upright, and the gaps between words visible.
    """
    return [
        TextBox(b.cx, b.cy, b.width, b.height, angle, b.score)
        if abs(b.angle - angle) <= tolerance
        else b
        for b in boxes
    ]
