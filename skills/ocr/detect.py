"""Text-line detection: PP-OCRv4's DB model and its post-processing, without the extras.

The model paints a probability map of "text here"; lines are its connected regions.
Each region becomes a rotated rectangle (centre, size, angle), grown back to the
full text height by the DB "unclip" rule. For a rectangle that rule is a closed
formula, so no polygon-offsetting library is needed.

The model is a convolution over every pixel it is given, and most of an invoice
page is paper: margins, and blank bands between the header, the table and the
footer. So the detector only sees the page's inked bands (with a margin of paper
around each), stacked one under the other at the same scale as the page would
have had; boxes are moved back to where their band lies on the page.

The model's memory grows with its input (about 150 bytes a pixel: its head works at
the full input resolution), so a tall input is run in horizontal strips, each with a
margin of context above and below, and only each strip's middle is kept: the map is
stitched whole before any box is looked for, so no line is cut at a seam.
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
# Ink: a pixel this many grey levels darker than the paper, in a half-size copy of the
# page (which averages scanner grain away). Measured on simulated scans: print as pale
# as grey 220-230 on white still counts (by stroke weight), and grain alone does not
# (at 20 it starts to).
_INK_CONTRAST = 24
_BAND_MARGIN = 16  # page pixels of paper kept above, below and beside the ink
_MIN_GAP = 48  # shorter blank runs stay in: cutting them would save little
_BAND_SPACING = 32  # page pixels of paper between two stacked bands
_WORTH_STACKING = 0.8  # when the bands cover more of the page than this, read it whole
# Input pixels per model run. Measured here: 896 x 1280 (a whole A4 page) took 170 MB
# above the loaded model, 896 x 640 83 MB, and strips were no slower in all (the whole
# page's activations miss the caches). With 128 rows of context each side, 16 European
# scans read as many words right as in one run (1,139 against 1,138); with 64, boxes
# came out up to 6 pixels taller or shorter than in one run.
_STRIP_PIXELS = 896 * 640
_STRIP_CONTEXT = 128  # input rows seen above and below a strip's kept rows (a multiple of 32)
# A page's last model run gives the memory detection took from onnxruntime's arena back
# (the strips before it reuse what they grew). A kept arena is sized by the largest
# strip ever run and stays resident: a worker with every model loaded rested at 346-379
# MB after 7 different scans and the largest page twice (270-298 MB with this) and
# peaked at 380-418 MB, past the 400 MB bound in most runs (344-372 MB with this).
# Without any arena for detection the peak was higher still. The arena's memory is
# faulted in afresh on each page: OCR alone took about 8 % more CPU time on a scan, 3 %
# on the largest page; reading a page to fields 1.01-1.08x the CPU time of a scan,
# 1.00-1.04x of the largest page (bench/memory.py).
RUN_OPTIONS = ort.RunOptions()
RUN_OPTIONS.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")


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


@dataclass(frozen=True, slots=True)
class _Band:
    top: int  # first row in the stacked image
    y0: int  # the rows of the page it holds
    y1: int


def detect(session: ort.InferenceSession, image: np.ndarray, max_side: int) -> list[TextBox]:
    """Text lines in an RGB image, the model run at most ``max_side`` pixels on a side."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    stacked, bands, x0, paper = _inked_bands(image)
    stack_h, stack_w = stacked.shape[:2]
    in_h, in_w = max(round(stack_h * scale), 1), max(round(stack_w * scale), 1)
    resized = cv2.resize(stacked, (in_w, in_h), interpolation=cv2.INTER_AREA)
    del stacked  # a copy of the page's inked bands (16 MB on the largest page): done with
    # The model wants sides in multiples of 32: pad with paper rather than stretch.
    prob = _probability(session, resized, -in_h % 32, -in_w % 32, paper)
    del resized
    sx, sy = stack_w / in_w, stack_h / in_h
    tops = np.array([band.top for band in bands])
    boxes = []
    for b in _boxes_from_map(prob):
        cx, cy = b.cx * sx, b.cy * sy
        band = bands[max(int(np.searchsorted(tops, cy, side="right")) - 1, 0)]
        boxes.append(
            TextBox(cx + x0, cy - band.top + band.y0, b.width * sx, b.height * sy, b.angle, b.score)
        )
    return boxes


def _probability(session: ort.InferenceSession, image: np.ndarray, pad_h: int, pad_w: int,
                 fill: int) -> np.ndarray:
    """The model's text probability map of ``image`` padded to sides in multiples of 32,
    run in strips of at most :data:`_STRIP_PIXELS` input pixels, each normalised only
    when it runs."""
    name = session.get_inputs()[0].name
    height, width = image.shape[0] + pad_h, image.shape[1] + pad_w
    rows = max(_STRIP_PIXELS // width // 32 * 32, 2 * _STRIP_CONTEXT + 64)
    if height <= rows:
        return session.run(None, {name: _normalized(image, pad_h, pad_w, fill)},
                           RUN_OPTIONS)[0][0, 0]
    core = rows - 2 * _STRIP_CONTEXT
    prob = np.empty((height, width), dtype=np.float32)
    for top in range(0, height, core):
        start, end = max(top - _STRIP_CONTEXT, 0), min(top + core + _STRIP_CONTEXT, height)
        piece = image[start:end]
        tensor = _normalized(piece, end - start - piece.shape[0], pad_w, fill)
        last = top + core >= height  # the strips before it reuse the arena they grew
        part = session.run(None, {name: tensor}, RUN_OPTIONS if last else None)[0]
        kept = min(core, height - top)
        prob[top : top + kept] = part[0, 0, top - start : top - start + kept]
    return prob


def _normalized(image: np.ndarray, pad_h: int, pad_w: int, fill: int) -> np.ndarray:
    """The detector's input: ImageNet-normalised, channels first, padded with grey ``fill``."""
    scale = (1.0 / (255.0 * _STD)).astype(np.float32)
    offset = (-_MEAN / _STD).astype(np.float32)
    height, width = image.shape[:2]
    planes = np.empty((1, 3, height + pad_h, width + pad_w), dtype=np.float32)
    for channel in range(3):
        plane = planes[0, channel]
        plane[...] = fill * scale[channel] + offset[channel]
        np.multiply(image[:, :, channel], scale[channel], out=plane[:height, :width])
        plane[:height, :width] += offset[channel]
    return planes


def _inked_bands(image: np.ndarray) -> tuple[np.ndarray, list[_Band], int, int]:
    """The page's inked bands stacked into one image, the bands, their left edge, and
    the paper's grey level.

    A page whose bands cover most of it comes back whole, as a single band.
    """
    height, width = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(
        gray, (max(width // 2, 1), max(height // 2, 1)), interpolation=cv2.INTER_AREA
    )
    counts = np.cumsum(np.bincount(small.ravel(), minlength=256))
    paper = int(np.searchsorted(counts, 0.75 * counts[-1]))  # most of a page is paper
    whole = image, [_Band(0, 0, height)], 0, paper
    if height < 2 * _MIN_GAP or width < 2 * _MIN_GAP:
        return whole
    dark = small < paper - _INK_CONTRAST
    rows = np.flatnonzero(np.count_nonzero(dark, axis=1) >= 2) * 2
    columns = np.flatnonzero(np.count_nonzero(dark, axis=0) >= 2) * 2
    if rows.size == 0:  # blank, or too faint to tell: let the model judge the whole page
        return whole
    x0 = max(int(columns[0]) - _BAND_MARGIN, 0)
    x1 = min(int(columns[-1]) + 2 + _BAND_MARGIN, width)
    spans: list[list[int]] = []
    for row in rows.tolist():
        start, end = max(row - _BAND_MARGIN, 0), min(row + 2 + _BAND_MARGIN, height)
        if spans and start - spans[-1][1] < _MIN_GAP:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    kept = sum(end - start for start, end in spans) + _BAND_SPACING * (len(spans) - 1)
    if kept * (x1 - x0) > _WORTH_STACKING * height * width:
        return whole
    stacked = np.full((kept, x1 - x0, 3), paper, dtype=np.uint8)
    bands, top = [], 0
    for start, end in spans:
        stacked[top : top + end - start] = image[start:end, x0:x1]
        bands.append(_Band(top, start, end))
        top += end - start + _BAND_SPACING
    return stacked, bands, x0, paper


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
