"""PDF access with pypdfium2: open safely, check limits, read the text layer, render, list
attachments.

The text layer is read character by character (pdfium's own char boxes), turned into
the page's displayed frame (``/Rotate`` and a mediabox that does not start at 0,0 are
handled by pdfium's page-to-device mapping) and grouped into words and lines by
plain geometry: whitespace and gaps split words; words whose vertical bands overlap
form a row; a wide horizontal gap splits a row into separate lines, the way a text
detector sees separate text blocks.
"""

from __future__ import annotations

import ctypes
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from skills.errors import UnreadableDocument
from skills.schema import Line, Word
from skills.textlines import make_line, rows, union

PDFIUM_VERSION = f"pypdfium2 {pdfium.version.PYPDFIUM_INFO}"

# A page larger than this (in points, either side) is refused: 14,400 pt is the PDF
# spec's own limit (200 inches), and rendering anything bigger would be a memory bomb.
MAX_PAGE_SIDE_PT = 14_400.0

# What one page may hold. A dense A4 page of 6 pt text has about 20,000 characters and
# a detailed vector drawing some tens of thousands of objects; a page over these limits
# is an attack on the reader's memory and time, not an invoice.
MAX_PAGE_CHARS = 100_000
MAX_PAGE_OBJECTS = 100_000

# How far compressed data may expand. Pictures may be large (a 300 dpi colour scan is
# about 26 MB); page contents, fonts and attachments of an invoice are a few MB at most.
MAX_PICTURE_STREAM = 256 * 1024 * 1024
MAX_OTHER_STREAM = 32 * 1024 * 1024
MAX_OTHER_TOTAL = 128 * 1024 * 1024

_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
# Operators that each make a page object: text shown (Tj, TJ, ' and ") and paths
# painted (f, S, B, n and their variants, counted by their usual spelling).
_OPERATORS = (b"Tj", b"TJ", b"' ", b"\" ", b" f\n", b" f ", b" S\n", b" S ", b" n\n",
              b" B\n", b" f*", b" B*", b" b\n", b" s\n")
_PICTURE = re.compile(rb"/Subtype\s*/Image")
_WHITESPACE = frozenset(" \t\r\n\u00a0\u2002\u2003\u2009\u200b\u3000\x00")


@dataclass(frozen=True, slots=True)
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@contextmanager
def open_pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF from bytes; every failure becomes :class:`UnreadableDocument`."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(_explain_open_error(str(exc))) from None
    try:
        yield pdf
    finally:
        pdf.close()


def _explain_open_error(detail: str) -> str:
    if "password" in detail.lower():
        return (
            "The PDF is encrypted with a password, so it cannot be read. "
            "Ask the sender for an unprotected copy."
        )
    return (
        f"The file looks like a PDF but cannot be opened ({detail}); it is probably "
        "truncated or damaged. Ask the sender to send it again."
    )


def page_size(page: pdfium.PdfPage, number: int) -> tuple[float, float]:
    """The displayed page size in points, refusing absurd or empty pages."""
    width, height = page.get_size()
    if not (0 < width <= MAX_PAGE_SIDE_PT and 0 < height <= MAX_PAGE_SIDE_PT):
        raise UnreadableDocument(
            f"Page {number} of the PDF has an impossible size ({width:.0f} x {height:.0f} "
            f"points; the limit is {MAX_PAGE_SIDE_PT:.0f}). The file is damaged or hostile; "
            "ask the sender for a normal PDF."
        )
    return width, height


@dataclass(frozen=True, slots=True)
class TextLayer:
    """A page's text layer, in the frame where its text runs left to right."""

    lines: list[Line]
    width: float  # points, of the turned page
    height: float
    rotation: int  # degrees the displayed page was turned clockwise to make the text upright


def read_text_layer(page: pdfium.PdfPage) -> TextLayer:
    """The page's text layer as lines of words in reading order (no lines when none).

    Text drawn sideways or upside down (a landscape table on a portrait page, a
    page with /Rotate) is turned upright, so reading order works the same everywhere.
    """
    width, height = page.get_size()
    chars = _on_page(_page_chars(page), width, height)
    rotation = _upright_rotation(chars)
    if rotation:
        chars = [_turn(c, rotation, width, height) for c in chars]
        if rotation in (90, 270):
            width, height = height, width
    return TextLayer(_group_lines(_group_words(chars)), width, height, rotation)


def _on_page(chars: list[_Char], width: float, height: float) -> list[_Char]:
    """Only what a person sees: text placed off the page is dropped, boxes clipped to it.

    Real PDFs do carry text outside the visible area (templates, hidden markers); an
    extractor must not find an invoice number there that nobody can read.
    """
    kept = []
    for c in chars:
        if c.text == " ":
            kept.append(c)
            continue
        cx, cy = (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2
        if 0 <= cx <= width and 0 <= cy <= height:
            kept.append(
                _Char(c.text, max(c.x0, 0.0), max(c.y0, 0.0), min(c.x1, width), min(c.y1, height))
            )
    return kept


def _upright_rotation(chars: list[_Char]) -> int:
    """The clockwise quarter turn that makes most text run left to right."""
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    for a, b in zip(chars, chars[1:], strict=False):
        if a.text == " " or b.text == " ":
            continue
        dx = (b.x0 + b.x1 - a.x0 - a.x1) / 2
        dy = (b.y0 + b.y1 - a.y0 - a.y1) / 2
        if abs(dx) >= abs(dy):
            votes[0 if dx > 0 else 180] += 1
        else:  # text running down needs a 270 degree turn, running up a 90 degree one
            votes[270 if dy > 0 else 90] += 1
    return max(votes, key=lambda r: (votes[r], r == 0))


def _turn(c: _Char, rotation: int, width: float, height: float) -> _Char:
    """A char box after turning the page ``rotation`` degrees clockwise."""
    if c.text == " ":
        return c
    if rotation == 90:  # (x, y) -> (height - y, x)
        return _Char(c.text, height - c.y1, c.x0, height - c.y0, c.x1)
    if rotation == 180:  # (x, y) -> (width - x, height - y)
        return _Char(c.text, width - c.x1, height - c.y1, width - c.x0, height - c.y0)
    # 270: (x, y) -> (y, width - x)
    return _Char(c.text, c.y0, width - c.x1, c.y1, width - c.x0)


def image_boxes(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Where the page's pictures are drawn: boxes in points on the displayed page, top-left
    origin (pictures inside form XObjects included)."""
    transform = _display_transform(page)
    width, height = page.get_size()
    boxes = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        x0, y0, x1, y1 = transform(*obj.get_bounds())
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height)
        if x1 > x0 and y1 > y0:
            boxes.append((x0, y0, x1, y1))
    return boxes


def render_rgb(page: pdfium.PdfPage, dpi: int) -> pdfium.PdfBitmap:
    """Render the displayed page into a bitmap of RGB bytes (3 per pixel, rows
    ``bitmap.stride`` bytes apart); the caller closes it. The least memory a colour
    page can take."""
    return page.render(scale=dpi / 72.0, may_draw_forms=True,
                       force_bitmap_format=pdfium_c.FPDFBitmap_BGR, rev_byteorder=True)


def embedded_files(pdf: pdfium.PdfDocument, max_bytes: int) -> dict[str, bytes]:
    """The document's embedded files by name, skipping any larger than ``max_bytes``, and
    keeping at most ``max_bytes`` in all (an e-invoice XML is one small file)."""
    files: dict[str, bytes] = {}
    kept = 0
    for index in range(pdf.count_attachments()):
        if kept >= max_bytes:
            break
        attachment = pdf.get_attachment(index)
        try:
            name = attachment.get_name()
            data = bytes(attachment.get_data())
        except pdfium.PdfiumError:
            continue  # an unreadable attachment is not a reason to refuse the invoice
        if kept + len(data) <= max_bytes:
            files[name] = data
            kept += len(data)
    return files


def check_streams(data: bytes) -> None:
    """Refuse a PDF whose compressed (Flate) streams expand beyond the limits above.

    pdfium inflates a stream whole before anyone can look at its size, so a 1 MB file
    can make it allocate gigabytes. Every stream is inflated here first, piece by piece
    and thrown away, stopping as soon as a limit is passed: about 1 MB of memory,
    whatever the file holds. Streams with other filters are bounded by the process
    limits of :mod:`skills.sandbox`.
    """
    other_total = 0
    for found in _STREAM.finditer(data):
        start = found.end()
        picture = _PICTURE.search(data, max(data.rfind(b"obj", 0, found.start()),
                                            found.start() - 4096), found.start()) is not None
        limit = MAX_PICTURE_STREAM if picture else min(MAX_OTHER_STREAM,
                                                       MAX_OTHER_TOTAL - other_total)
        size, operators = _inflated_size(data, start, limit)
        if size > limit:
            if picture or limit == MAX_OTHER_STREAM:
                what = "a picture" if picture else "a compressed part"
            else:
                what, limit = "its compressed parts together", MAX_OTHER_TOTAL
            raise UnreadableDocument(
                f"The PDF was refused: {what} would expand to more than {limit // 2**20} MB "
                "in memory (the file may be a decompression bomb). Ask the sender for a "
                "normal PDF of the invoice.")
        if operators > MAX_PAGE_OBJECTS:
            raise UnreadableDocument(
                f"The PDF was refused: a page draws more than {MAX_PAGE_OBJECTS:,} text or "
                "drawing operations, far more than an invoice has; the file may be built to "
                "exhaust the reader. Open it by hand, or ask the sender for a plain PDF.")
        if not picture:
            other_total += size


def _inflated_size(data: bytes, start: int, limit: int) -> tuple[int, int]:
    """Bytes the zlib stream at ``start`` inflates to (counting stops past ``limit``), and
    about how many text and path operators it holds (pdfium makes an object of each)."""
    head = data[start:start + 2]
    if len(head) < 2 or head[0] & 0x0F != 8 or (head[0] << 8 | head[1]) % 31:
        return 0, 0  # not a zlib stream: not ours to measure
    inflater = zlib.decompressobj()
    size, operators, at, step = 0, 0, start, 1 << 16
    pending = b""
    while size <= limit and not inflater.eof:
        if not pending:
            if at >= len(data):
                break
            pending, at = data[at:at + step], at + step
        try:
            out = inflater.decompress(pending, 1 << 20)
        except zlib.error:
            break  # damaged data: pdfium copes or refuses; it cannot expand
        size += len(out)
        operators += sum(map(out.count, _OPERATORS))
        pending = inflater.unconsumed_tail
    return size, operators


def check_page(page: pdfium.PdfPage, number: int) -> None:
    """Refuse a page drawn with more objects than any invoice needs."""
    objects = pdfium_c.FPDFPage_CountObjects(page.raw)
    if objects > MAX_PAGE_OBJECTS:
        raise UnreadableDocument(
            f"Page {number} of the PDF draws {objects:,} objects, more than the "
            f"{MAX_PAGE_OBJECTS:,} an invoice page can have; the file may be built to "
            "exhaust the reader. Open it by hand, or ask the sender for a plain PDF.")


# -- characters --------------------------------------------------------------------------


def _page_chars(page: pdfium.PdfPage) -> list[_Char]:
    """Every character with its loose box in the displayed frame, top-left origin.

    Generated characters (the spaces and line breaks pdfium infers) are kept as
    whitespace: they are exactly the word breaks we need.
    """
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        if count > MAX_PAGE_CHARS:
            raise UnreadableDocument(
                f"A page of the PDF holds {count:,} characters, more than the "
                f"{MAX_PAGE_CHARS:,} an invoice page can have; the file may be built to "
                "exhaust the reader. Open it by hand, or ask the sender for a plain PDF.")
        to_display = _display_transform(page)
        raw = textpage.raw
        rect = pdfium_c.FS_RECTF()
        chars: list[_Char] = []
        for index in range(count):
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            text = chr(code) if 0 < code < 0x110000 else " "
            if text in _WHITESPACE or pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
                chars.append(_Char(" ", 0, 0, 0, 0))
                continue
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect):
                continue
            x0, y0, x1, y1 = to_display(rect.left, rect.bottom, rect.right, rect.top)
            chars.append(_Char(text, x0, y0, x1, y1))
        return chars
    finally:
        textpage.close()


def _display_transform(page: pdfium.PdfPage):
    """A function mapping a box in PDF user space to the displayed page, top-left origin.

    pdfium's FPDF_PageToDevice knows the page's /Rotate and mediabox origin; we ask it
    for three points at a 1 pt/unit scale and build the affine map once.
    """
    width, height = page.get_size()
    dx, dy = ctypes.c_int(), ctypes.c_int()  # pdfium answers in whole device pixels

    def device(x: float, y: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(
            page.raw, 0, 0, round(width * 64), round(height * 64), 0, x, y, dx, dy
        )
        return dx.value / 64.0, dy.value / 64.0

    ox, oy = device(0.0, 0.0)
    ax, ay = device(1000.0, 0.0)
    bx, by = device(0.0, 1000.0)
    xx, xy = (ax - ox) / 1000.0, (bx - ox) / 1000.0
    yx, yy = (ay - oy) / 1000.0, (by - oy) / 1000.0

    def transform(left: float, bottom: float, right: float, top: float) -> tuple[float, ...]:
        xs = (xx * left + xy * bottom + ox, xx * right + xy * top + ox)
        ys = (yx * left + yy * bottom + oy, yx * right + yy * top + oy)
        return min(xs), min(ys), max(xs), max(ys)

    return transform


# -- words and lines ---------------------------------------------------------------------


def _group_words(chars: list[_Char]) -> list[Word]:
    """Consecutive non-space characters on one baseline, without a visible gap, form a word."""
    words: list[Word] = []
    current: list[_Char] = []
    for char in chars:
        if char.text == " ":
            _flush_word(current, words)
            current = []
            continue
        if current and _breaks_word(current[-1], char):
            _flush_word(current, words)
            current = []
        current.append(char)
    _flush_word(current, words)
    return words


def _breaks_word(prev: _Char, char: _Char) -> bool:
    height = max(prev.y1 - prev.y0, char.y1 - char.y0, 1e-3)
    centre_shift = abs((prev.y0 + prev.y1) - (char.y0 + char.y1)) / 2
    gap = char.x0 - prev.x1
    # A jump to another baseline, a step backwards, or a gap wider than a thin space.
    return centre_shift > 0.4 * height or gap < -0.5 * height or gap > 0.2 * height


def _flush_word(chars: list[_Char], words: list[Word]) -> None:
    if not chars:
        return
    box = union((c.x0, c.y0, c.x1, c.y1) for c in chars)
    words.append(Word("".join(c.text for c in chars), box, 1.0))


# Changes when the same words would make other lines: caches of read documents say it.
LINES_VERSION = 2


def _group_lines(words: list[Word]) -> list[Line]:
    """Rows of vertically overlapping words, split at wide gaps, top to bottom, left to right."""
    lines: list[Line] = []
    for row in rows(words, lambda w: w.box):
        segment = [row[0]]
        for word in row[1:]:
            # A gap of about three spaces or more is a column break, not a word break;
            # spaces measured in the two words' own size (a letterhead's large name sits
            # on one row with a small address).
            prev = segment[-1]
            height = min(word.box[3] - word.box[1], prev.box[3] - prev.box[1])
            if word.box[0] - prev.box[2] > 1.0 * height:
                lines.append(make_line(segment))
                segment = []
            segment.append(word)
        lines.append(make_line(segment))
    return lines
