"""The invoice's pages as images, and the extracted fields' boxes on them.

PDF pages are rendered to PNG with pypdfium2; PNG and JPEG images are served as
they are (other image types are converted to PNG, which every browser shows).
Boxes are in PDF points from the top-left, so the page overlay is an SVG whose
viewBox is the page size in points: the browser scales boxes with the image.
For an image, one pixel at the image's own DPI (72 if it has none) is
1/dpi inch, so its size in points is pixels * 72 / dpi.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable

import pypdfium2 as pdfium
from PIL import Image
from pydantic import BaseModel

from tasks.payloads import InvoicePayload
from workitems import Item, Store

RENDER_SCALE = 1.5  # 108 dpi: sharp enough to read, small enough to load fast
MAX_PIXELS = 4000 * 4000  # a page asking for more is rendered smaller
# pdfium is not thread-safe and the web server renders in a thread pool.
_PDFIUM = threading.Lock()


class PageInfo(BaseModel):
    number: int  # 1-based
    width: float  # points
    height: float


class BoxView(BaseModel):
    field: str
    x: float
    y: float
    width: float
    height: float
    level: str  # high, medium, low: the colour


def document_name(item: Item, invoice: InvoicePayload | None) -> str | None:
    """The file holding the invoice: the payload's document if attached, else the first file."""
    if invoice is not None and invoice.document.filename in item.files:
        return invoice.document.filename
    return item.files[0] if item.files else None


def is_pdf(content: bytes) -> bool:
    return content[:1024].lstrip().startswith(b"%PDF")


def page_infos(content: bytes) -> list[PageInfo]:
    if is_pdf(content):
        with _PDFIUM:
            pdf = pdfium.PdfDocument(content)
            try:
                sizes = [pdf[i].get_size() for i in range(len(pdf))]
            finally:
                pdf.close()
        return [PageInfo(number=i + 1, width=w, height=h) for i, (w, h) in enumerate(sizes)]
    with Image.open(io.BytesIO(content)) as image:
        dpi = float((image.info.get("dpi") or (72, 72))[0]) or 72.0
        return [PageInfo(number=1, width=image.width * 72 / dpi, height=image.height * 72 / dpi)]


def render_page(content: bytes, number: int) -> tuple[bytes, str]:
    """(image bytes, media type) of one 1-based page; raises IndexError past the end."""
    if not is_pdf(content):
        if number != 1:
            raise IndexError(number)
        with Image.open(io.BytesIO(content)) as image:
            if image.format in ("PNG", "JPEG"):
                return content, f"image/{image.format.lower()}"
            return _png(image.convert("RGB")), "image/png"
    with _PDFIUM:
        pdf = pdfium.PdfDocument(content)
        try:
            if not 1 <= number <= len(pdf):
                raise IndexError(number)
            page = pdf[number - 1]
            width, height = page.get_size()
            scale = min(RENDER_SCALE, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
            image = page.render(scale=scale).to_pil()
        finally:
            pdf.close()
    return _png(image), "image/png"


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def confidence_level(confidence: float, threshold: float) -> str:
    """high: the bot would accept it; medium: just under; low: far under."""
    if confidence >= threshold:
        return "high"
    return "medium" if confidence >= threshold - 0.2 else "low"


def boxes_on_page(invoice: InvoicePayload, page: int,
                  stopped: frozenset[str] = frozenset()) -> list[BoxView]:
    """The fields' boxes on one page; ``stopped`` fields (named in the reason the bot
    stopped) are drawn as low, whatever their confidence."""
    if invoice.extracted is None:
        return []
    threshold = invoice.extracted.threshold
    out = []
    for name, field in invoice.extracted.fields.items():
        if field.page == page and field.box and len(field.box) == 4:
            x0, y0, x1, y1 = field.box
            level = "low" if name in stopped else confidence_level(field.confidence, threshold)
            out.append(BoxView(field=name, x=min(x0, x1), y=min(y0, y1), width=abs(x1 - x0),
                               height=abs(y1 - y0), level=level))
    return out


class WordView(BaseModel):
    """A word printed on a page, in points from the top-left: what a clerk can click."""

    text: str
    x: float
    y: float
    width: float
    height: float


def page_words(content: bytes, filename: str) -> dict[int, list[WordView]]:
    """Every page's words, read the way the bots read them (text layer, else OCR).

    Pages read turned (sideways text) are left out: their boxes are in the turned frame.
    """
    from skills.documents import read_document  # the models load only when asked

    document = read_document(content, filename)
    return {page.number: [WordView(text=w.text, x=w.box[0], y=w.box[1],
                                   width=w.box[2] - w.box[0], height=w.box[3] - w.box[1])
                          for w in page.words]
            for page in document.pages if page.rotation == 0}


class WordCache:
    """The words of the last few documents, by file hash: OCR takes a second a page."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._words: OrderedDict[str, dict[int, list[WordView]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, filename: str, load: Callable[[], bytes]
            ) -> dict[int, list[WordView]]:
        with self._lock:
            if sha256 in self._words:
                self._words.move_to_end(sha256)
                return self._words[sha256]
        words = page_words(load(), filename)
        with self._lock:
            self._words[sha256] = words
            while len(self._words) > self._size:
                self._words.popitem(last=False)
        return words


class RenderCache:
    """The last few rendered pages, so paging back and forth does not re-render."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._pages: OrderedDict[tuple[str, int], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, number: int, load: Callable[[], bytes]) -> tuple[bytes, str]:
        """The page of the file with this hash; ``load`` reads the file only on a miss."""
        key = (sha256, number)
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        rendered = render_page(load(), number)
        with self._lock:
            self._pages[key] = rendered
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)
        return rendered


def file_sha256(store: Store, item_id: int, name: str) -> str | None:
    """The hash the store recorded for one of the item's files (None: no such file)."""
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT sha256 FROM item_files WHERE item_id = :id AND name = :n",
                           {"id": item_id, "n": name})
    return rows[0]["sha256"] if rows else None
