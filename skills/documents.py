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
from pathlib import PurePosixPath
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from skills import image_files, pdf, pdf_jobs, sandbox
from skills.errors import UnreadableDocument
from skills.schema import Document, Line, Page, ReadMethod, Word

log = logging.getLogger(__name__)

PDF = "application/pdf"
XML = "application/xml"
_MAX_ATTACHMENT_BYTES = 10_000_000  # an e-invoice XML is kilobytes; anything bigger is ignored


class ReadOptions(BaseModel):
    """How to read a document, and the limits that keep a hostile file harmless."""

    model_config = ConfigDict(frozen=True)

    ocr_engine: Literal["onnx", "rapidocr", "paddle"] = "onnx"
    dpi: int = Field(150, ge=50, le=400, description="resolution pages are OCRed at")
    max_pages: int = Field(50, ge=1)
    max_file_bytes: int = Field(50_000_000, ge=1)
    max_image_pixels: int = Field(40_000_000, ge=1, description="per page, decoded")
    max_ocr_pixels: int = Field(
        12_000_000, ge=1, description="a page is OCRed at most this large (A2 at 150 dpi); "
        "a larger page or image is read at a lower resolution, which keeps OCR's memory "
        "bounded")
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
    reader = _Reader(options, name)
    try:
        if media_type == PDF:
            doc.pages, doc.einvoice = reader.pdf(data)
        elif media_type == XML:
            doc.einvoice = reader.xml_einvoice(data)
        else:
            doc.pages = reader.image_pages(data)
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

    def __init__(self, options: ReadOptions, label: str = "The document") -> None:
        self.options = options
        self.label = label
        self.deadline = time.monotonic() + options.time_limit
        self.used: dict[str, str] = {}

    def provenance(self) -> str:
        return "; ".join(f"{kind}: {what}" for kind, what in self.used.items())

    def pdf(self, data: bytes) -> tuple[list[Page], dict[str, object] | None]:
        """The PDF's pages, and the fields of an e-invoice attached to it.

        pdfium runs in a sandboxed child (see :mod:`skills.sandbox`): it sends each page's
        text-layer lines, or an image to OCR here, where the models are loaded."""
        pages: list[Page] = []
        found = None
        for header, blob in self._sandboxed("read_pdf", data):
            if header["kind"] == "page":
                self._check_time(len(pages))
                pages.append(self._page(header, blob))
            elif header["kind"] == "einvoice":
                found = header["found"]
        return pages, self._einvoice(found, "embedded {name}")

    def xml_einvoice(self, data: bytes) -> dict[str, object]:
        found = None
        for header, _ in self._sandboxed("read_xml", data):
            found = header["found"]
        return self._einvoice(found, "e-invoice XML")

    def _sandboxed(self, job: str, data: bytes):
        args = {"max_pages": self.options.max_pages, "dpi": self.options.dpi,
                "max_image_pixels": min(self.options.max_image_pixels,
                                        self.options.max_ocr_pixels),
                "min_text_chars": self.options.min_text_chars,
                "min_picture_share": self.options.min_picture_share,
                "max_attachment_bytes": _MAX_ATTACHMENT_BYTES,
                "max_file_pixels": self.options.max_image_pixels,
                "max_ocr_pixels": self.options.max_ocr_pixels}
        seconds = max(self.deadline - time.monotonic(), 0.001)
        return sandbox.run(job, data, args, seconds=seconds, label=self.label,
                           limit=self.options.time_limit)

    def _einvoice(self, found: dict | None, where: str) -> dict[str, object] | None:
        if found is None:
            return None
        fields = found["fields"]
        self.used["xml"] = f"{where.format(name=found['name'])} ({fields['syntax']})"
        return fields

    def _page(self, header: dict, blob: bytearray) -> Page:
        number = header["number"]
        start = time.perf_counter() - header["seconds"]
        image = _pixels(blob, header) if blob else None
        del blob  # the pixels are the blob's own memory, or a copy that replaces it
        if header["method"] == "ocr":
            return self._ocr_page(image, number, header["dpi"] / 72.0, start)
        self.used["text"] = f"pdf text layer ({pdf.PDFIUM_VERSION})"
        lines = [pdf_jobs.line_in(raw) for raw in header["lines"]]
        if image is not None:
            lines = self._with_picture_text(image, header["dpi"] / 72.0, lines,
                                            header["pictures"])
        return Page(number, header["layer_width"], header["layer_height"], ReadMethod.TEXT,
                    lines, rotation=header["rotation"], seconds=time.perf_counter() - start)

    def _with_picture_text(self, image: np.ndarray, scale: float, lines: list[Line],
                           pictures: list[list[float]]) -> list[Line]:
        """The text layer's lines plus the OCRed text of the page's large pictures, each
        picture's lines marked as read by OCR."""
        from skills.ocr import get_engine  # noqa: PLC0415 - heavy, only when needed

        engine = get_engine(self.options.ocr_engine)
        self.used["ocr"] = engine.version
        found = []
        for x0, y0, x1, y1 in pictures:
            crop = image[max(int(y0 * scale), 0) : int(y1 * scale) + 1,
                         max(int(x0 * scale), 0) : int(x1 * scale) + 1]
            result = engine.read_page(np.ascontiguousarray(crop))
            found += [_placed(line, 1 / scale, x0, y0, ReadMethod.OCR) for line in result.lines]
        return _merged(lines, found)

    def image_pages(self, data: bytes) -> list[Page]:
        """The pages of a PNG, JPEG or TIFF file: decoded and scaled down for OCR in a
        sandboxed child (a large image takes far more memory to decode than to OCR)."""
        pages: list[Page] = []
        for header, blob in self._sandboxed("read_image", data):
            self._check_time(len(pages))
            pages.append(self._page(header, blob))
        return pages

    def _ocr_page(self, image: np.ndarray, number: int, px_per_pt: float, start: float) -> Page:
        from skills.ocr import get_engine

        engine = get_engine(self.options.ocr_engine)
        self.used["ocr"] = engine.version
        result = engine.read_page(image)
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

    def _check_time(self, index: int) -> None:
        if time.monotonic() > self.deadline:
            raise UnreadableDocument(
                f"Reading stopped after {index} pages: the {self.options.time_limit:.0f} s time "
                "limit for one document was reached. Split the document or read it by hand."
            )


def _pixels(blob: bytearray, header: dict) -> np.ndarray:
    """A rendered page as an H x W x 3 array: the sandbox's bytes themselves, no copy,
    unless its rows are padded (then one compact copy)."""
    width, height = header["image_size"]
    stride = header["stride"]
    rows = np.frombuffer(blob, dtype=np.uint8, count=stride * height).reshape(height, stride)
    if stride == width * 3:
        return rows.reshape(height, width, 3)
    return np.ascontiguousarray(rows[:, : width * 3]).reshape(height, width, 3)


def _merged(lines: list[Line], found: list[Line]) -> list[Line]:
    """``lines`` in their own order, each of ``found`` put before the first line that
    starts below it."""
    merged = list(lines)
    for line in found:
        at = next((i for i, ln in enumerate(merged) if ln.box[1] > line.box[1]), len(merged))
        merged.insert(at, line)
    return merged


def _placed(line: Line, scale: float, dx: float = 0.0, dy: float = 0.0,
            method: ReadMethod | None = None) -> Line:
    """A line read off an image, in page points: scaled, then moved by (dx, dy) when the
    image was a picture cut out of the page (its lines then marked with ``method``)."""
    def box(b):
        return (b[0] * scale + dx, b[1] * scale + dy, b[2] * scale + dx, b[3] * scale + dy)

    words = tuple(Word(w.text, box(w.box), w.confidence) for w in line.words)
    return Line(line.text, box(line.box), line.confidence, words, method=method)
