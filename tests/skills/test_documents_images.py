"""Hostile and damaged image files: refused from the header, quickly, with a clear message."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib

import pytest
from PIL import Image

from skills.documents import ReadOptions, read_document
from skills.errors import UnreadableDocument
from tests.skills.fixtures.read.pages import image_bytes


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 20_000) -> bytes:
    """A ~50 KB 1-bit PNG that decodes to side x side pixels (400 million by default)."""
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)  # filter byte + one bit per pixel, all black
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_from_the_header_in_bounded_time_and_memory():
    bomb = png_bomb()
    assert len(bomb) < 200_000
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(UnreadableDocument, match="far too large") as caught:
        read_document(bomb, "bomb.png")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "400,000,000 pixels" in str(caught.value)
    assert elapsed < 2.0 and peak < 20_000_000  # nothing was decoded


def test_pixel_limit_is_configurable():
    small = image_bytes(Image.new("RGB", (400, 300), "white"))
    with pytest.raises(UnreadableDocument, match="far too large"):
        read_document(small, "x.png", ReadOptions(max_image_pixels=100_000))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_truncated_images_are_refused(fmt):
    data = image_bytes(Image.effect_noise((600, 400), 60).convert("RGB"), fmt)
    with pytest.raises(UnreadableDocument, match="damaged or truncated|cannot be opened"):
        read_document(data[: len(data) // 2], f"cut.{fmt.lower()}")


def test_tiff_with_too_many_pages_is_refused():
    page = Image.new("RGB", (50, 50), "white")
    data = image_bytes(page, "TIFF", save_all=True, append_images=[page] * 5)
    with pytest.raises(UnreadableDocument, match="6 pages, more than the 3 allowed"):
        read_document(data, "many.tif", ReadOptions(max_pages=3))


def test_a_blank_image_reads_as_a_page_without_lines():
    doc = read_document(image_bytes(Image.new("RGB", (1240, 1754), "white")), "blank.png")
    assert len(doc.pages) == 1 and doc.pages[0].lines == []


@pytest.mark.parametrize(("mode", "fmt", "dpi"), [
    ("RGBA", "PNG", 300), ("LA", "PNG", 600), ("RGB", "JPEG", 600), ("1", "TIFF", 300)])
def test_large_scans_are_scaled_down_for_ocr_as_they_are_decoded(mode, fmt, dpi):
    from skills import image_files

    side = (8 * dpi, 10 * dpi)  # an 8 x 10 inch scan
    image = Image.new("RGB", side, "white")
    image.paste((20, 20, 20), (dpi, dpi, 2 * dpi, dpi + dpi // 10))  # a black bar
    data = image_bytes(image.convert(mode), fmt, dpi=(dpi, dpi))

    [(page, page_dpi)] = image_files.ocr_frames(data, 100_000_000, 1, 150, 12_000_000)

    assert page.mode == "RGB" and page_dpi == pytest.approx(150, abs=1)
    assert page.size == pytest.approx((8 * 150, 10 * 150), abs=2)
    # The bar is where it was, as dark: scaled with a filter, not dropped or smeared.
    assert page.getpixel((225, 157))[0] < 60 and page.getpixel((225, 100))[0] > 200
