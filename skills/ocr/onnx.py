"""Our OCR path: PP-OCR detection + recognition (+ direction classifier) on onnxruntime.

A lean pipeline around PaddleOCR's own model files (PP-OCRv4 detection; PP-OCRv6 tiny
recognition by default, PP-OCRv4's on request: see :mod:`skills.ocr.models`; any
paddle2onnx elementwise chains folded into fewer operators at load,
:mod:`skills.ocr.fold`): one detection pass over the page's inked bands only, at a
resolution that still resolves 8 pt text, page orientation and skew decided from the
detected lines, straight line crops at the recogniser's height, width-batched
recognition, and word boxes from the recogniser's character positions.

Boxes are returned in the frame of the page turned upright and deskewed (the
rotation and skew applied are reported with them).
"""

from __future__ import annotations

import ctypes
import math
import time
from importlib.metadata import version

import numpy as np

from skills.ocr import alphabet, models, orient
from skills.ocr.base import OcrEngine, OcrPage
from skills.ocr.detect import TextBox, detect
from skills.ocr.models import SECOND_LOOK_BELOW
from skills.ocr.recognize import BATCH_PIXELS, RecLine, recognize
from skills.schema import Line, Word
from skills.textlines import make_line, order_lines

# Longest side the detector sees. An A4 page at 150 dpi (1240 x 1754) is shrunk to
# 905 x 1280: 8 pt text is still ~12 px tall there, and detection costs about half.
DET_MAX_SIDE = 1280
MIN_LINE_CONFIDENCE = 0.5
_SKEW_TOLERANCE = math.radians(0.2)  # below this, turning the page would only blur it
_ALIGN_TOLERANCE = math.radians(4.0)  # boxes this close to the page's skew share its angle


class OnnxOcrEngine(OcrEngine):
    name = "onnx"

    def __init__(self, det_max_side: int = DET_MAX_SIDE, recognizer: str | None = None,
                 second_look: str | None | bool = True) -> None:
        """``recognizer``: one of :data:`models.RECOGNIZERS`; default ``AP_OCR_RECOGNIZER``.
        ``second_look``: the recogniser that reads again the lines the first was unsure
        of; True: the one ``AP_OCR_SECOND_LOOK`` names, if any; None or False: none."""
        self.files = models.model_files()
        self.det = models.session(self.files.det)
        self.cls = models.session(self.files.cls)
        self.reader = _Reader(models.recognizer_files(recognizer))
        if second_look is True:
            second_look = models.second_look_name()
        self.second_name = second_look or None
        self._second: _Reader | None = None  # loaded on the first doubtful line
        self.det_max_side = det_max_side

    @property
    def recognizer(self) -> models.Recognizer:
        return self.reader.recognizer

    @property
    def version(self) -> str:
        second = ""
        if self.second_name:
            files = models.recognizer_files(self.second_name)
            second = (f", a second look by {files.model} at lines read below "
                      f"{SECOND_LOOK_BELOW}; {files.describe()}")
        return (
            f"skills.ocr.onnx (PP-OCRv4 det, PP-OCR mobile v2 cls, {self.recognizer.model}"
            f"{second}; {self.files.describe(('det', 'cls'))}; {self.recognizer.describe()}; "
            f"{alphabet.NAME} alphabet; onnxruntime {version('onnxruntime')})"
        )

    def read(self, image: np.ndarray) -> list[Line]:
        boxes = detect(self.det, image, self.det_max_side)
        return self._lines(image, boxes, 0.0)

    def read_page(self, image: np.ndarray) -> OcrPage:
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        boxes = detect(self.det, image, self.det_max_side)
        rotation = 0
        if orient.is_sideways(boxes):
            rotation = 90
            image = orient.turn(image, 90)
            boxes = detect(self.det, image, self.det_max_side)
        timings["detect"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if orient.is_upside_down(self.cls, image, boxes):
            # Detect again rather than turning the boxes: upside-down text is detected less
            # reliably (words merge or lose a letter), and the case is rare.
            rotation += 180
            image = orient.turn(image, 180)
            boxes = detect(self.det, image, self.det_max_side)
        angle = orient.skew(boxes)
        if abs(angle) < _SKEW_TOLERANCE:
            angle = 0.0
        boxes = orient.align(boxes, angle, _ALIGN_TOLERANCE)
        timings["orient"] = time.perf_counter() - clock
        clock = time.perf_counter()
        lines = self._lines(image, boxes, angle)
        timings["recognize"] = time.perf_counter() - clock
        height, width = image.shape[:2]
        _give_back_freed_memory()
        return OcrPage(lines, width, height, rotation, math.degrees(angle), timings)

    def _lines(self, image: np.ndarray, boxes: list[TextBox], angle: float) -> list[Line]:
        """Recognise every box; place its words in the page frame turned back by ``angle``."""
        if not boxes:
            return []
        read = self.reader.read(image, boxes)
        if self.second_name:
            read = self._look_again(image, boxes, read)
        height, width = image.shape[:2]
        cos, sin = math.cos(angle), math.sin(angle)
        lines = []
        for box, rec_line in zip(boxes, read, strict=True):
            if not rec_line.words:
                continue
            if np.mean([w.confidence for w in rec_line.words]) < MIN_LINE_CONFIDENCE:
                continue
            # The box centre, rotated by -angle about the page centre (deskew).
            dx, dy = box.cx - width / 2, box.cy - height / 2
            cx = width / 2 + cos * dx + sin * dy
            cy = height / 2 - sin * dx + cos * dy
            left, top, bottom = cx - box.width / 2, cy - box.height / 2, cy + box.height / 2
            scale = box.width / rec_line.crop_width
            words = [
                Word(
                    w.text,
                    (
                        left + w.x0 * scale,
                        top,
                        left + min(w.x1, rec_line.crop_width) * scale,
                        bottom,
                    ),
                    w.confidence,
                )
                for w in rec_line.words
            ]
            lines.append(make_line(words))
        return order_lines(lines)

    def _look_again(self, image: np.ndarray, boxes: list[TextBox],
                    read: list[RecLine]) -> list[RecLine]:
        """The lines with a word read below :data:`SECOND_LOOK_BELOW`, read again by the
        second recogniser; its reading is kept where it is the surer of the two."""
        if len(read) > SECOND_LOOK_LINES:
            return read  # a sheet of many documents: too much to read twice
        least = {i: min(w.confidence for w in line.words)
                 for i, line in enumerate(read) if line.words}
        doubtful = sorted((i for i, c in least.items() if c < SECOND_LOOK_BELOW),
                          key=least.__getitem__)[:SECOND_LOOK_MOST]
        if not doubtful:
            return read
        if self._second is None:
            self._second = _Reader(models.recognizer_files(self.second_name), lean=True)
        again = self._second.read(image, [boxes[i] for i in doubtful])
        read = list(read)
        for index, line in zip(doubtful, again, strict=True):
            if _surer(line, read[index]):
                read[index] = line
        return read


# At most this many lines of a page are read again, the least sure first, and none on
# a page of more lines than a document prints (a sheet of many invoices): time, and the
# worker's memory bound (bench/memory.py).
SECOND_LOOK_MOST = 64
SECOND_LOOK_LINES = 160


def _surer(again: RecLine, first: RecLine) -> bool:
    """The second reading is surer of its least sure word, and of its words on average:
    on a blurred scan a larger recogniser is not always the better reader ("22%" read
    "221" with more confidence on average, less in its worst word)."""
    if not again.words:
        return False
    least = min(w.confidence for w in again.words) > min(w.confidence for w in first.words)
    mean = np.mean([w.confidence for w in again.words]) >= np.mean(
        [w.confidence for w in first.words])
    return bool(least and mean)


class _Reader:
    """One recogniser, its session and the characters it may write."""

    def __init__(self, recognizer: models.Recognizer, lean: bool = False) -> None:
        """``lean``: a session that keeps less memory (:func:`models.session`), run on
        half the pixels at a time."""
        self.recognizer = recognizer
        self.batch_pixels = BATCH_PIXELS // 2 if lean else BATCH_PIXELS
        self.session = models.session(recognizer.rec, fold=recognizer.fold, lean=lean)
        self.characters = models.character_list(self.session, recognizer.dictionary)
        self.allowed = alphabet.allowed_classes(self.characters)

    def read(self, image: np.ndarray, boxes: list[TextBox]) -> list[RecLine]:
        return recognize(self.session, image, boxes, self.characters,
                         self.recognizer.space_rules, self.allowed, self.batch_pixels)


def _give_back_freed_memory() -> None:
    """Return the heap the page's tensors freed to the system (glibc keeps it otherwise,
    and a worker's memory creeps up page by page); a no-op where there is no glibc."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _glibc()
