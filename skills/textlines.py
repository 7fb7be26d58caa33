"""Words and lines from boxes, in reading order: geometry shared by every reader.

The PDF text layer and the OCR engines both end with boxes that must become
:class:`~skills.schema.Line` objects ordered top to bottom, left to right. Doing it
in one place keeps a text-layer page and an OCR page of the same invoice alike,
which is what the field extractor relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from skills.schema import Box, Line, Word

T = TypeVar("T")


def make_line(words: Sequence[Word]) -> Line:
    """A line from words already in reading order."""
    return Line(
        text=" ".join(w.text for w in words),
        box=union(w.box for w in words),
        confidence=min(w.confidence for w in words),
        words=tuple(words),
    )


def union(boxes) -> Box:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def rows(items: Sequence[T], box_of: Callable[[T], Box]) -> list[list[T]]:
    """Group items whose vertical centres are within half a height of a row's first item.

    Rows come top to bottom; the items of a row are sorted left to right.
    """
    grouped: list[list[T]] = []
    band = (0.0, 0.0)  # (centre, height) of the current row's first item
    for item in sorted(items, key=lambda i: _centre_y(box_of(i))):
        box = box_of(item)
        centre, height = _centre_y(box), box[3] - box[1]
        if grouped and abs(centre - band[0]) < 0.5 * min(height, band[1]):
            grouped[-1].append(item)
            continue
        grouped.append([item])
        band = (centre, height)
    for row in grouped:
        row.sort(key=lambda i: box_of(i)[0])
    return grouped


def order_lines(lines: Sequence[Line]) -> list[Line]:
    """Lines in reading order: by row, then left to right."""
    return [line for row in rows(lines, lambda line: line.box) for line in row]


def split_evenly(text: str, box: Box, confidence: float) -> list[Word]:
    """Words of a line whose only geometry is the line box: widths shared by character count.

    Used for engines that give no character positions (the baselines).
    """
    tokens = text.split()
    if not tokens:
        return []
    x0, y0, x1, y1 = box
    per_char = (x1 - x0) / max(len(" ".join(tokens)), 1)
    words, cursor = [], x0
    for token in tokens:
        end = cursor + per_char * len(token)
        words.append(Word(token, (cursor, y0, end, y1), confidence))
        cursor = end + per_char
    return words


def _centre_y(box: Box) -> float:
    return (box[1] + box[3]) / 2
