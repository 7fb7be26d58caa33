"""Text-line detection: PP-OCRv4's DB model and its post-processing, without the extras.

The model paints a probability map of "text here"; lines are its connected regions.
Each region becomes a rotated rectangle (centre, size, angle), grown back to the
full text height by the DB "unclip" rule. For a rectangle that rule is a closed
formula, so no polygon-offsetting library is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

# PaddleOCR's detection settings for PP-OCRv4 (det_db_thresh, det_db_box_thresh, ...).
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
_BINARY_THRESHOLD = 0.3
_BOX_THRESHOLD = 0.5
_UNCLIP_RATIO = 1.6
_MAX_CANDIDATES = 1000
_MIN_SIDE = 3.0


@dataclass(frozen=True, slots=True)
class TextBox:
    """A detected line as a rotated rectangle in image pixels.

    ``width`` runs along ``angle`` (radians, within +-45 degrees of horizontal), so a
    line of text on a page turned by a quarter turn shows up as width < height.
    """

    cx: float
    cy: float
    width: float
    height: float
    angle: float
    score: float

    def corners(self) -> np.ndarray:
        """Top-left, top-right, bottom-left corners (what an affine crop needs)."""
        ux, uy = np.cos(self.angle), np.sin(self.angle)
        half_w = np.array([ux, uy]) * self.width / 2
        half_h = np.array([-uy, ux]) * self.height / 2
        centre = np.array([self.cx, self.cy])
        return np.array(
            [centre - half_w - half_h, centre + half_w - half_h, centre - half_w + half_h],
            dtype=np.float32,
        )


def detect(session: ort.InferenceSession, image: np.ndarray, max_side: int) -> list[TextBox]:
    """Text lines in an RGB image, the model run at most ``max_side`` pixels on a side."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    in_h = max(32, round(height * scale / 32) * 32)
    in_w = max(32, round(width * scale / 32) * 32)
    resized = cv2.resize(image, (in_w, in_h), interpolation=cv2.INTER_AREA)
    tensor = ((resized.astype(np.float32) / 255.0 - _MEAN) / _STD).transpose(2, 0, 1)[None]
    prob = session.run(None, {session.get_inputs()[0].name: tensor})[0][0, 0]
    boxes = _boxes_from_map(prob)
    sx, sy = width / in_w, height / in_h
    return [
        TextBox(b.cx * sx, b.cy * sy, b.width * sx, b.height * sy, b.angle, b.score) for b in boxes
    ]


def _boxes_from_map(prob: np.ndarray) -> list[TextBox]:
    mask = (prob > _BINARY_THRESHOLD).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))  # joins letters split by the threshold
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours[:_MAX_CANDIDATES]:
        (cx, cy), (w, h), degrees = cv2.minAreaRect(contour)
        if min(w, h) < _MIN_SIDE:
            continue
        score = _mean_inside(prob, contour)
        if score < _BOX_THRESHOLD:
            continue
        # DB trains on lines shrunk by a margin; grow them back: d = area * ratio / perimeter.
        grow = w * h * _UNCLIP_RATIO / (2 * (w + h))
        w, h = w + 2 * grow, h + 2 * grow
        # OpenCV's angle convention changed between versions; fold it into (-45, 45]
        # degrees, swapping the sides at each quarter turn.
        while degrees > 45:
            degrees -= 90
            w, h = h, w
        while degrees <= -45:
            degrees += 90
            w, h = h, w
        boxes.append(TextBox(cx, cy, w, h, float(np.deg2rad(degrees)), score))
    return boxes


def _mean_inside(prob: np.ndarray, contour: np.ndarray) -> float:
    """Mean probability inside the contour (PaddleOCR's "fast" box score uses its bbox)."""
    x, y, w, h = cv2.boundingRect(contour)
    local = np.zeros((h, w), np.uint8)
    cv2.fillPoly(local, [contour.reshape(-1, 2) - (x, y)], 1)
    return float(cv2.mean(prob[y : y + h, x : x + w], local)[0])
