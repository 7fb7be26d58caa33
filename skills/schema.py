"""What reading a document returns: pages of words and lines with boxes.

Every reader (PDF text layer, OCR engines, e-invoice XML) produces these
types, so extraction never cares how a page was read. Coordinates are in
PDF points (1/72 inch) from the page's top-left corner, whatever the source,
so a box drawn on a rendered page lines up at any resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ReadMethod(StrEnum):
    TEXT = "text"  # the PDF's own text layer: exact characters, confidence 1.0
    OCR = "ocr"  # rendered and read by PP-OCR detection + recognition
    XML = "xml"  # an embedded e-invoice (ZUGFeRD / Factur-X / XRechnung, CII or UBL)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points, top-left origin


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    box: Box
    confidence: float  # 0..1; 1.0 for a text layer


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # the words joined by single spaces, in reading order
    box: Box
    confidence: float  # the lowest confidence of its words
    words: tuple[Word, ...]
    # How this line was read when it differs from its page: the text of a picture on a
    # text-layer page is OCRed.
    method: ReadMethod | None = None


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float  # points
    height: float  # points
    method: ReadMethod
    lines: list[Line] = field(default_factory=list)
    rotation: int = 0  # degrees the page was turned to read it (0, 90, 180, 270)
    seconds: float = 0.0  # time spent reading this page

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(slots=True)
class Document:
    filename: str
    sha256: str
    media_type: str  # application/pdf, image/png, image/jpeg, image/tiff
    pages: list[Page] = field(default_factory=list)
    # Fields read from an embedded e-invoice, already normalised (ISO dates, decimal
    # strings, ISO currency); None when the document carries no e-invoice XML.
    einvoice: dict[str, object] | None = None
    engine: str = ""  # name and version of the readers used, for provenance

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)
