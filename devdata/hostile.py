"""Hostile documents, built byte by byte, for the tests and the fuzzing benchmark.

Each builder writes a small, valid PDF whose one hostile part is what its name says:
compressed data that expands to far more than the file (a decompression bomb), a page
with millions of characters, thousands of drawing operations. Compressed parts are
deflated while they are generated, so building a 1 GiB bomb needs about 1 MB of memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

MiB = 1024 * 1024
GiB = 1024 * MiB


def deflated(chunks: Iterable[bytes]) -> bytes:
    """The zlib stream of the chunks' concatenation, compressed as they come."""
    packer = zlib.compressobj(9)
    out = [packer.compress(chunk) for chunk in chunks]
    out.append(packer.flush())
    return b"".join(out)


def repeated(unit: bytes, total: int, chunk: int = MiB) -> Iterable[bytes]:
    """``unit`` repeated to ``total`` bytes, in chunks of about ``chunk`` bytes."""
    block = unit * max(chunk // len(unit), 1)
    left = total
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def build_pdf(content: bytes = b"", *, compressed: bool = False,
              attachments: Iterable[tuple[str, bytes, bool]] = ()) -> bytes:
    """A one-page A4 PDF with ``content`` as its page content (already deflated when
    ``compressed``) and embedded files ``(name, data, data_is_deflated)``."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, deflate: bool, extra: bytes = b"") -> bytes:
        flt = b"/Filter /FlateDecode " if deflate else b""
        return b"<< /Length %d %s%s>>\nstream\n" % (len(data), flt, extra) + data + \
            b"\nendstream"

    catalog = add(b"")  # filled in below, once the other numbers are known
    pages = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    contents = add(stream(content, compressed))
    page = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
               b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages, contents, font))
    objects[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    specs = []
    for name, data, is_deflated in attachments:
        embedded = add(stream(data, is_deflated, b"/Type /EmbeddedFile "))
        label = name.encode("latin-1")
        specs.append(b"(%s) %d 0 R" % (label, add(
            b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>"
            % (label, label, embedded))))
    names = b""
    if specs:
        tree = add(b"<< /Names [%s] >>" % b" ".join(specs))
        names = b" /Names << /EmbeddedFiles %d 0 R >>" % tree
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages, names)
    return _assemble(objects, catalog)


def _assemble(objects: list[bytes], root: int) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref)
    return bytes(out)


def attachment_bomb(inflated: int = GiB, name: str = "factur-x.xml") -> bytes:
    """A PDF with one attachment that expands to ``inflated`` bytes."""
    return build_pdf(b"BT /F1 12 Tf 72 770 Td (Invoice) Tj ET",
                     attachments=[(name, deflated(repeated(b" ", inflated)), True)])


def many_attachments(count: int = 100, each: int = 9 * MiB) -> bytes:
    """A PDF with ``count`` attachments of ``each`` bytes expanded (one compressed copy)."""
    data = deflated(repeated(b"<a/>", each))
    return build_pdf(b"BT /F1 12 Tf 72 770 Td (Invoice) Tj ET",
                     attachments=[(f"note-{i}.xml", data, True) for i in range(count)])


def content_bomb(inflated: int = 512 * MiB) -> bytes:
    """A page whose content stream expands to ``inflated`` bytes of harmless operators."""
    return build_pdf(deflated(repeated(b"q Q\n", inflated)), compressed=True)


def many_chars(count: int = 2_000_000, per_show: int = 1) -> bytes:
    """A page drawing ``count`` characters, ``per_show`` characters per text operator."""
    show = b"(" + b"A" * per_show + b") Tj\n"
    body = repeated(show, count // per_show * len(show))
    return build_pdf(deflated([b"BT /F1 1 Tf 10 10 Td\n", *body, b"ET\n"]), compressed=True)


def many_paths(count: int = 1_000_000) -> bytes:
    """A page with ``count`` tiny filled rectangles (drawing operations)."""
    return build_pdf(deflated(repeated(b"1 1 1 1 re f\n", count * 13)), compressed=True)


def slow_render(count: int = 500) -> bytes:
    """A page of ``count`` large overlapping polygons: few operations, slow to paint
    (about 4 ms each here), and no text, so a reader renders it for OCR."""
    polygon = b"0 0 m 500 800 l 10 700 l 590 10 l 300 842 l f\n"
    return build_pdf(deflated(repeated(polygon, count * len(polygon))), compressed=True)


def plain_invoice() -> bytes:
    """A harmless one-page invoice, the baseline the hostile files are measured against."""
    text = b"".join(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (780 - 16 * i, line) for i, line in
                    enumerate([b"ACME Supplies GmbH", b"Invoice number: INV-2024-001",
                               b"Invoice date: 2024-03-05", b"Total: 119.00 EUR"]))
    return build_pdf(text)
