"""An item's document pages as images, and the boxes of the fields read on them.

PDF pages are rendered to PNG with pypdfium2; PNG and JPEG images are served as
they are (other image types are converted to PNG, which every browser shows).
Boxes are in PDF points from the top-left, so the page overlay is an SVG whose
viewBox is the page size in points: the browser scales boxes with the image.
For an image, one pixel at the image's own DPI (72 if it has none) is
1/dpi inch, so its size in points is pixels * 72 / dpi.

The documents are the ones the bots read, hostile ones included, so they are
opened and rendered the way the bots read them: in :mod:`skills.sandbox`'s
children, bounded in memory and time, each view on its own child (no lock shared
between clerks). A page is rendered once: the result, or the reason it cannot be
shown, is cached by the file's hash, and clerks asking for a page being rendered
wait for that one rendering.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from skills import sandbox
from skills.errors import UnreadableDocument
from workitems import Store

RENDER_SCALE = 1.5  # 108 dpi: sharp enough to read, small enough to load fast
MAX_PIXELS = 4000 * 4000  # a page asking for more is rendered smaller
MAX_IMAGE_PIXELS = 40_000_000  # an image file larger than this is not shown (as in reading)
RENDER_SECONDS = 10.0  # a page that takes longer is not shown


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


def is_pdf(content: bytes) -> bool:
    return content[:1024].lstrip().startswith(b"%PDF")


def page_infos(content: bytes) -> list[PageInfo]:
    """Each page's size; raises :class:`UnreadableDocument` for a file that cannot be shown."""
    sizes = _SIZES.get((hashlib.sha256(content).hexdigest(), 0), lambda: _sizes(content))
    return [PageInfo(number=i + 1, width=w, height=h) for i, (w, h) in enumerate(sizes)]


def render_page(content: bytes, number: int) -> tuple[bytes, str]:
    """(image bytes, media type) of one 1-based page; raises IndexError past the end and
    :class:`UnreadableDocument` for a file that cannot be shown."""
    for header, blob in _sandboxed("render_view", content, {"number": number}):
        if header["kind"] == "missing":
            raise IndexError(number)
        return bytes(blob), header["type"]
    raise UnreadableDocument("The document could not be rendered.")


def _sizes(content: bytes) -> list[tuple[float, float]]:
    for header, _ in _sandboxed("page_sizes", content, {}):
        return [tuple(size) for size in header["sizes"]]
    return []


def _sandboxed(job: str, content: bytes, args: dict[str, Any]):
    args = {"scale": RENDER_SCALE, "max_pixels": MAX_PIXELS if is_pdf(content)
            else MAX_IMAGE_PIXELS, **args}
    return sandbox.run(job, content, args, seconds=RENDER_SECONDS, label="The document")


def confidence_level(confidence: float, threshold: float) -> str:
    """high: the bot would accept it; medium: just under; low: far under."""
    if confidence >= threshold:
        return "high"
    return "medium" if confidence >= threshold - 0.2 else "low"


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


class _Once:
    """Results computed once per key, the last ``size`` kept; failures are kept too (a
    hostile document is refused once, not at every view). Callers asking for a key
    being computed wait for that computation; other keys never wait."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._done: OrderedDict[tuple[str, int], tuple[bool, Any]] = OrderedDict()
        self._running: dict[tuple[str, int], threading.Event] = {}
        self._lock = threading.Lock()  # guards the two dicts only, never a computation

    def get(self, key: tuple[str, int], compute: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._done:
                    self._done.move_to_end(key)
                    ok, value = self._done[key]
                    if ok:
                        return value
                    raise value
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    break
            running.wait()
        try:
            outcome = (True, compute())
        except (IndexError, UnreadableDocument) as exc:
            outcome = (False, exc)
        except BaseException:
            self._finish(key, running, None)  # not kept: the next caller tries again
            raise
        self._finish(key, running, outcome)
        ok, value = outcome
        if ok:
            return value
        raise value

    def _finish(self, key: tuple[str, int], running: threading.Event,
                outcome: tuple[bool, Any] | None) -> None:
        with self._lock:
            if outcome is not None:
                self._done[key] = outcome
                while len(self._done) > self._size:
                    self._done.popitem(last=False)
            del self._running[key]
        running.set()


_SIZES = _Once(256)


class RenderCache:
    """Rendered pages by file hash and page number, each rendered once."""

    def __init__(self, size: int = 64) -> None:
        self._pages = _Once(size)

    def get(self, sha256: str, number: int, load: Callable[[], bytes]) -> tuple[bytes, str]:
        """The page of the file with this hash; ``load`` reads the file only on a miss."""
        return self._pages.get((sha256, number), lambda: render_page(load(), number))


def file_sha256(store: Store, item_id: int, name: str) -> str | None:
    """The hash the store recorded for one of the item's files (None: no such file)."""
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT sha256 FROM item_files WHERE item_id = :id AND name = :n",
                           {"id": item_id, "n": name})
    return rows[0]["sha256"] if rows else None
