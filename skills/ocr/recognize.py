"""Text-line recognition: a PP-OCR CTC model, batched by width, with word positions.

Each detected line is cut out straight (an affine warp along its own angle, directly
at the model's 48-pixel height), lines of similar width are batched together, and
the CTC output is decoded greedily while keeping the frame where each character
fired. Those positions, checked against the gaps in the ink, split the line into
words even where the model forgot a space ("InvoiceNo:INV-1" becomes
"Invoice No: INV-1").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from skills.ocr.detect import TextBox

HEIGHT = 48  # the model's input height
_MAX_WIDTH = 48 * 64  # a line longer than 64 character heights is squeezed (rare on invoices)
# The model's activations for one batch must stay in the CPU's caches: measured here,
# a batch 1,280 pixels wide in all costs 6.7 ms of CPU per 100 columns, one of 5,120
# costs 11. Run overhead is well under a millisecond, so small batches lose nothing.
BATCH_PIXELS = HEIGHT * 1280
_MAX_WIDTH_GROWTH = 1.1  # a batch pads every crop to its widest; keep the waste low
# When the model drops a space, the ink still shows it. Measured on 10 pt Helvetica
# scans at 150 dpi, in line heights: gaps inside words reach 0.21 (a "1" beside a
# digit), gaps between words start at 0.2. So the gap alone decides only when wide;
# otherwise the model must also have given the space class some probability there.
# Each rule: (minimum gap in line heights, minimum space probability). These are
# PP-OCRv4's; a recogniser that writes its own spaces more reliably passes stricter ones.
_SPACE_RULES = ((0.29, 0.0), (0.19, 0.02), (0.12, 0.2))
_STANDOUT = 0.1  # and it must be this much wider than the line's usual letter gap


@dataclass(frozen=True, slots=True)
class RecWord:
    text: str
    x0: float  # in the crop's pixels (height HEIGHT)
    x1: float
    confidence: float


@dataclass(frozen=True, slots=True)
class RecLine:
    words: list[RecWord]
    crop_width: int


def crop_width(box: TextBox) -> int:
    """The width of the line's crop at the model's height."""
    return int(min(max(round(HEIGHT * box.width / max(box.height, 1.0)), 8), _MAX_WIDTH))


def crop(image: np.ndarray, box: TextBox) -> np.ndarray:
    """The line straightened along its angle, already at the model's height."""
    width = crop_width(box)
    target = np.array([[0, 0], [width, 0], [0, HEIGHT]], dtype=np.float32)
    matrix = cv2.getAffineTransform(box.corners(), target)
    return cv2.warpAffine(
        image, matrix, (width, HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def recognize(
    session: ort.InferenceSession,
    image: np.ndarray,
    boxes: list[TextBox],
    characters: list[str],
    space_rules: tuple[tuple[float, float], ...] = _SPACE_RULES,
    allowed: np.ndarray | None = None,
    batch_pixels: int = BATCH_PIXELS,
) -> list[RecLine]:
    """Words with positions for every box's line in ``image``, in the order given.
    ``allowed``: the classes decoding may choose (skills.ocr.alphabet); all by default.
    ``batch_pixels``: how many pixels of crops one run takes at most (its memory).

    Lines are cut out one batch at a time: a page of a thousand long lines would need
    hundreds of MB for all its crops at once."""
    results: list[RecLine | None] = [None] * len(boxes)
    for batch in _batches([crop_width(b) for b in boxes], batch_pixels):
        crops = {index: crop(image, boxes[index]) for index in batch}
        padded_width = max(crops[i].shape[1] for i in batch)
        tensor = np.zeros((len(batch), 3, HEIGHT, padded_width), dtype=np.float32)
        for row, index in enumerate(batch):
            piece = crops[index]
            tensor[row, :, :, : piece.shape[1]] = piece.transpose(2, 0, 1) / 127.5 - 1.0
        probs = session.run(None, {session.get_inputs()[0].name: tensor})[0]
        frame_width = padded_width / probs.shape[1]
        best, best_prob = _best_classes(probs, allowed)
        space_prob = probs[:, :, len(characters) - 1]
        for row, index in enumerate(batch):
            chars = _ctc_chars(best[row], best_prob[row], frame_width, characters)
            words = _split_words(chars, _ink_gaps(crops[index]), space_prob[row], space_rules)
            results[index] = RecLine(words, crops[index].shape[1])
    return [r for r in results if r is not None]


def _batches(widths: list[int], batch_pixels: int = BATCH_PIXELS) -> list[list[int]]:
    """Indices grouped by similar width, narrowest first."""
    order = sorted(range(len(widths)), key=widths.__getitem__)
    batches: list[list[int]] = []
    for index in order:
        width = widths[index]
        if batches:
            batch = batches[-1]
            narrowest = widths[batch[0]]
            if width <= narrowest * _MAX_WIDTH_GROWTH and (
                (len(batch) + 1) * width * HEIGHT <= batch_pixels
            ):
                batch.append(index)
                continue
        batches.append([index])
    return batches


@dataclass(frozen=True, slots=True)
class _Char:
    text: str
    frame: int  # the CTC frame where the character fired
    x: float  # that frame's centre, in crop pixels
    prob: float


def _best_classes(probs: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The likeliest class per frame among ``allowed``, and its probability."""
    if allowed is None:
        return probs.argmax(axis=2), probs.max(axis=2)
    kept = probs[:, :, allowed]
    choice = kept.argmax(axis=2)
    return allowed[choice], np.take_along_axis(kept, choice[..., None], axis=2)[..., 0]


def _ctc_chars(
    best: np.ndarray, best_prob: np.ndarray, frame_width: float, characters: list[str]
) -> list[_Char]:
    """Greedy CTC decoding: drop blanks (class 0) and repeats, keep each character's frame."""
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    frames = np.flatnonzero(keep)
    return [
        _Char(characters[best[t]], int(t), (t + 0.5) * frame_width, float(best_prob[t]))
        for t in frames
    ]


def _ink_gaps(piece: np.ndarray) -> list[tuple[int, int]]:
    """Every column range with no ink between two inked columns."""
    gray = piece.mean(axis=2) if piece.ndim == 3 else piece
    band = gray[HEIGHT // 6 : HEIGHT - HEIGHT // 6]  # ignore neighbours' ascenders/descenders
    low, high = float(band.min()), float(band.max())
    if high - low < 40:  # no contrast: nothing to measure
        return []
    ink = (band < (low + high) / 2).any(axis=0)
    columns = np.flatnonzero(ink)
    if columns.size < 2:
        return []
    steps = np.diff(columns) - 1  # blank columns between two inked ones
    return [(int(columns[i]) + 1, int(columns[i + 1])) for i in np.flatnonzero(steps > 0)]


def _split_words(
    chars: list[_Char],
    gaps: list[tuple[int, int]],
    space_prob: np.ndarray,
    space_rules: tuple[tuple[float, float], ...] = _SPACE_RULES,
) -> list[RecWord]:
    words: list[RecWord] = []
    current: list[_Char] = []
    spacing = _letter_spacing(chars, gaps)
    for char in chars:
        if char.text == " ":
            _flush(current, words)
            current = []
            continue
        if current and _dropped_space(current[-1], char, gaps, space_prob, spacing, space_rules):
            _flush(current, words)
            current = []
        current.append(char)
    _flush(current, words)
    return words


def _gap_between(left: _Char, right: _Char, gaps: list[tuple[int, int]]) -> int:
    return max((b - a for a, b in gaps if left.x < (a + b) / 2 < right.x), default=0)


def _letter_spacing(chars: list[_Char], gaps: list[tuple[int, int]]) -> float:
    """The line's usual gap between neighbouring letters (wide in letter-spaced print)."""
    pairs = [
        _gap_between(a, b, gaps)
        for a, b in zip(chars, chars[1:], strict=False)
        if a.text != " " and b.text != " "
    ]
    return float(np.median(pairs)) if pairs else 0.0


def _dropped_space(
    left: _Char,
    right: _Char,
    gaps: list[tuple[int, int]],
    space_prob: np.ndarray,
    spacing: float,
    space_rules: tuple[tuple[float, float], ...] = _SPACE_RULES,
) -> bool:
    """Whether the ink between two characters read as adjacent shows a word space."""
    widest = _gap_between(left, right, gaps)
    # A word space stands out from the line's own letter spacing, whatever the font.
    if widest < spacing + _STANDOUT * HEIGHT:
        return False
    hint = float(space_prob[left.frame : right.frame + 1].max())
    return any(widest >= gap * HEIGHT and hint >= prob for gap, prob in space_rules)


def _flush(chars: list[_Char], words: list[RecWord]) -> None:
    if not chars:
        return
    pitch = HEIGHT * 0.25  # about half a character either side of the first and last frame
    words.append(
        RecWord(
            "".join(c.text for c in chars),
            max(chars[0].x - pitch, 0.0),
            chars[-1].x + pitch,
            float(np.mean([c.prob for c in chars])),
        )
    )
