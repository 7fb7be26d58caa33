"""Read any incoming invoice file into a :class:`~skills.schema.Document`.

This is the one entry point the bots and the extractor call::

    from skills.documents import read_document, ReadOptions
    doc = read_document(data, "invoice.pdf")

The file type comes from the bytes (magic numbers), never from the name. PDF pages
with a text layer are read from it (no OCR); pages without one are rendered and
OCRed, so scanned and mixed PDFs both work. PNG, JPEG and (multi-page) TIFF images
are OCRed. An e-invoice XML attached to a PDF (ZUGFeRD, Factur-X) or sent on its
own (XRechnung; the document then has no pages) fills ``Document.einvoice``.
Everything that cannot be read ends as :class:`~skills.errors.UnreadableDocument`
with a message a person can act on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from skills import einvoice, image_files, pdf
from skills.errors import UnreadableDocument
from skills.schema import Document, Line, Page, ReadMethod, Word

log = logging.getLogger(__name__)

PDF = "application/pdf"
XML = "application/xml"
_MAX_ATTACHMENT_BYTES = 10_000_000  # an e-invoice XML is kilobytes; anything bigger is ignored
_MAX_PICTURES = 4  # pictures OCRed per text page (each at least min_picture_share of it)


class ReadOptions(BaseModel):
    """How to read a document, and the limits that keep a hostile file harmless."""

    model_config = ConfigDict(frozen=True)

    ocr_engine: Literal["onnx", "rapidocr", "paddle"] = "onnx"
    dpi: int = Field(150, ge=50, le=400, description="resolution pages are OCRed at")
    max_pages: int = Field(50, ge=1)
    max_file_bytes: int = Field(50_000_000, ge=1)
    max_image_pixels: int = Field(40_000_000, ge=1, description="per page, decoded")
    time_limit: float = Field(300.0, gt=0, description="seconds for the whole document")
    min_text_chars: int = Field(
        20, ge=1, description="a PDF page with fewer text-layer characters is OCRed"
    )
    min_picture_share: float = Field(
        0.05, gt=0, le=1.0, description="a picture on a text page covering this share of the "
        "page or more, with no text over it, is OCRed too (a sender's details pasted as an "
        "image); smaller ones are taken for logos. 1.0 turns this off"
    )


def read_document(data: bytes, filename: str, options: ReadOptions | None = None) -> Document:
    """Read ``data`` (the file's bytes); ``filename`` is kept for the record only."""
    options = options or ReadOptions()
    name = _safe_name(filename)
    _check_size(data, options)
    media_type = sniff(data)
    doc = Document(filename=name, sha256=hashlib.sha256(data).hexdigest(), media_type=media_type)
    reader = _Reader(options)
    try:
        if media_type == PDF:
            doc.pages, doc.einvoice = reader.pdf(data)
        elif media_type == XML:
            doc.einvoice = reader.xml_einvoice(data)
        else:
            doc.pages = list(reader.image_pages(data))
    except UnreadableDocument:
        raise
    except MemoryError:
        raise UnreadableDocument(
            f"{name} needs more memory to read than this machine allows; "
            "ask the sender for a smaller or simpler file."
        ) from None
    except Exception as exc:  # a parser bug must not crash the bot: the file goes to a person
        log.exception("unexpected failure reading %s", name)
        raise UnreadableDocument(
            f"{name} could not be read ({type(exc).__name__}: {exc}). "
            "Open it by hand; if it looks fine, report the file to the bot's maintainers."
        ) from None
    doc.engine = reader.provenance()
    return doc


def sniff(data: bytes) -> str:
    """The media type from the file's first bytes; unknown types are refused."""
    head = data[:1024]
    if b"%PDF-" in head:  # the spec allows a little junk before the header
        return PDF
    found = image_files.media_type(head)
    if found:
        return found
    if _looks_like_xml(head):
        return XML
    raise UnreadableDocument(
        "The file is not a PDF, PNG, JPEG, TIFF or e-invoice XML (its first bytes match none "
        "of them), so it cannot be read as an invoice. Ask the sender for a PDF."
    )


def _looks_like_xml(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or (text[:1] == b"<" and text[1:2].isalpha())


def _safe_name(filename: str) -> str:
    # Only ever a label: drop any directory part so "../../x" cannot mislead a reader.
    return PurePosixPath(filename.replace("\\", "/")).name or "document"


def _check_size(data: bytes, options: ReadOptions) -> None:
    if not data:
        raise UnreadableDocument("The file is empty (0 bytes). Ask the sender to send it again.")
    if len(data) > options.max_file_bytes:
        raise UnreadableDocument(
            f"The file is {len(data) / 1e6:.1f} MB, over the {options.max_file_bytes / 1e6:.0f} MB "
            "limit for one invoice. Ask the sender for a smaller file."
        )


class _Reader:
    """Reads pages one by one, keeping the time limit and noting which readers ran."""

    def __init__(self, options: ReadOptions) -> None:
        self.options = options
        self.deadline = time.monotonic() + options.time_limit
        self.used: dict[str, str] = {}

    def provenance(self) -> str:
        return "; ".join(f"{kind}: {what}" for kind, what in self.used.items())

    def pdf(self, data: bytes) -> tuple[list[Page], dict[str, object] | None]:
        """The PDF's pages, and the fields of an e-invoice attached to it."""
        with pdf.open_pdf(data) as document:
            count = len(document)
            if count == 0:
                raise UnreadableDocument("The PDF has no pages. Ask the sender to send it again.")
            self._check_page_count(count)
            pages = []
            for index in range(count):
                self._check_time(index)
                page = document[index]
                try:
                    pages.append(self._pdf_page(page, index + 1))
                finally:
                    page.close()
            attachments = pdf.embedded_files(document, _MAX_ATTACHMENT_BYTES)
        return pages, self._attached_einvoice(attachments)

    def _pdf_page(self, page, number: int) -> Page:
        start = time.perf_counter()
        width, height = pdf.page_size(page, number)
        layer = pdf.read_text_layer(page)
        chars = sum(len(w.text) for line in layer.lines for w in line.words)
        if chars >= self.options.min_text_chars:
            self.used["text"] = f"pdf text layer ({pdf.PDFIUM_VERSION})"
            lines = layer.lines
            if layer.rotation == 0:  # pictures are found in the displayed page's frame
                lines = self._with_picture_text(page, lines, width, height)
            return Page(
                number,
                layer.width,
                layer.height,
                ReadMethod.TEXT,
                lines,
                rotation=layer.rotation,
                seconds=time.perf_counter() - start,
            )
        # No usable text layer: a scanned page. Render it within the pixel budget.
        dpi = min(self.options.dpi, _dpi_within(width, height, self.options.max_image_pixels))
        image = pdf.render_page(page, dpi)
        return self._ocr_page(image, number, dpi / 72.0, start)

    def _with_picture_text(self, page, lines: list[Line], width: float,
                           height: float) -> list[Line]:
        """The text layer's lines plus the OCRed text of large pictures with no text over
        them, each picture's lines marked as read by OCR."""
        area = width * height
        words = [w for line in lines for w in line.words]
        pictures = [b for b in pdf.image_boxes(page)
                    if (b[2] - b[0]) * (b[3] - b[1]) >= self.options.min_picture_share * area
                    and not any(_inside(w.box, b) for w in words)]
        if not pictures:
            return lines
        # The largest few only: a hostile page may carry thousands of pictures.
        pictures = sorted(pictures, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]),
                          reverse=True)[:_MAX_PICTURES]
        from skills.ocr import get_engine  # noqa: PLC0415 - heavy, only when needed

        engine = get_engine(self.options.ocr_engine)
        self.used["ocr"] = engine.version
        dpi = min(self.options.dpi, _dpi_within(width, height, self.options.max_image_pixels))
        scale = dpi / 72.0
        image = pdf.render_page(page, dpi)
        found = []
        for x0, y0, x1, y1 in pictures:
            crop = image.crop((int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1,
                               int(y1 * scale) + 1))
            result = engine.read_page(np.asarray(crop))
            found += [_placed(line, 1 / scale, x0, y0, ReadMethod.OCR) for line in result.lines]
        return _merged(lines, found)

    def _attached_einvoice(self, files: dict[str, bytes]) -> dict[str, object] | None:
        """Fields of a ZUGFeRD / Factur-X / XRechnung XML among the attachments, if any.

        The standard names first, then other ``.xml`` files, then every other attachment:
        senders attach UBL and CII under names of their own, and any of them that parses
        as an e-invoice is used. Hostile XML (a DTD or entities) refuses the document when
        it is named as XML; a damaged file refuses it only under a standard name.
        """
        for name in sorted(files, key=_attachment_rank):
            rank = _attachment_rank(name)
            try:
                fields = einvoice.parse_einvoice(files[name])
            except einvoice.NotAnEInvoice:
                continue
            except einvoice.HostileXml:
                if rank < 2:
                    raise
                continue  # never expanded; a file not named XML is not taken for the invoice
            except einvoice.BrokenXml:
                if rank == 0:
                    raise
                continue  # some other attachment (notes, a picture), not the invoice
            self.used["xml"] = f"embedded {name} ({fields['syntax']})"
            return fields
        return None

    def xml_einvoice(self, data: bytes) -> dict[str, object]:
        try:
            fields = einvoice.parse_einvoice(data)
        except einvoice.NotAnEInvoice as exc:
            raise UnreadableDocument(
                f"The XML file is not an e-invoice ({exc}). Send the invoice as PDF, or as "
                "XRechnung / ZUGFeRD XML (CII or UBL)."
            ) from None
        self.used["xml"] = f"e-invoice XML ({fields['syntax']})"
        return fields

    def image_pages(self, data: bytes) -> Iterator[Page]:
        frames = image_files.open_frames(
            data, self.options.max_image_pixels, self.options.max_pages
        )
        for index, (image, dpi) in enumerate(frames):
            self._check_time(index)
            start = time.perf_counter()
            image, dpi = image_files.at_most_dpi(image, dpi, self.options.dpi)
            yield self._ocr_page(image, index + 1, dpi / 72.0, start)

    def _ocr_page(self, image: Image.Image, number: int, px_per_pt: float, start: float) -> Page:
        from skills.ocr import get_engine

        engine = get_engine(self.options.ocr_engine)
        self.used["ocr"] = engine.version
        result = engine.read_page(np.asarray(image.convert("RGB")))
        scale = 1.0 / px_per_pt
        return Page(
            number=number,
            width=result.width * scale,
            height=result.height * scale,
            method=ReadMethod.OCR,
            lines=[_placed(line, scale) for line in result.lines],
            rotation=result.rotation,
            seconds=time.perf_counter() - start,
        )

    def _check_page_count(self, count: int) -> None:
        if count > self.options.max_pages:
            raise UnreadableDocument(
                f"The document has {count} pages, more than the {self.options.max_pages} "
                "allowed for one invoice. Split it into single invoices and send them again."
            )

    def _check_time(self, index: int) -> None:
        if time.monotonic() > self.deadline:
            raise UnreadableDocument(
                f"Reading stopped after {index} pages: the {self.options.time_limit:.0f} s time "
                "limit for one document was reached. Split the document or read it by hand."
            )


def _attachment_rank(name: str) -> int:
    """0 for the names the e-invoice standards use, 1 for other XML files, 2 for the rest."""
    lowered = name.lower()
    if lowered in einvoice.ATTACHMENT_NAMES:
        return 0
    return 1 if lowered.endswith(".xml") else 2


def _dpi_within(width_pt: float, height_pt: float, max_pixels: int) -> int:
    """The highest resolution at which the page stays within the pixel budget."""
    return max(int(72.0 * (max_pixels / (width_pt * height_pt)) ** 0.5), 1)


def _merged(lines: list[Line], found: list[Line]) -> list[Line]:
    """``lines`` in their own order, each of ``found`` put before the first line that
    starts below it."""
    merged = list(lines)
    for line in found:
        at = next((i for i, ln in enumerate(merged) if ln.box[1] > line.box[1]), len(merged))
        merged.insert(at, line)
    return merged


def _inside(box: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _placed(line: Line, scale: float, dx: float = 0.0, dy: float = 0.0,
            method: ReadMethod | None = None) -> Line:
    """A line read off an image, in page points: scaled, then moved by (dx, dy) when the
    image was a picture cut out of the page (its lines then marked with ``method``)."""
    def box(b):
        return (b[0] * scale + dx, b[1] * scale + dy, b[2] * scale + dx, b[3] * scale + dy)

    words = tuple(Word(w.text, box(w.box), w.confidence) for w in line.words)
    return Line(line.text, box(line.box), line.confidence, words, method=method)
