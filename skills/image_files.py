"""Image files (PNG, JPEG, multi-page TIFF): recognise, check and open them safely.

Sizes are checked from the header before any pixel is decoded, so a small file
that would decode to gigabytes (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Iterator

from PIL import Image, ImageSequence

from skills.errors import UnreadableDocument

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_FORMATS = {"PNG", "JPEG", "TIFF", "MPO"}  # MPO: a JPEG from a phone camera

A4_HEIGHT_INCHES = 11.69


def media_type(head: bytes) -> str | None:
    """The image media type from the first bytes, or None."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def ocr_frames(data: bytes, max_pixels: int, max_frames: int, target_dpi: int,
               max_ocr_pixels: int) -> Iterator[tuple[Image.Image, float]]:
    """Each page as OCR takes it: upright, RGB, at most ``target_dpi`` and
    ``max_ocr_pixels``, with its resolution in dpi.

    Memory is what bounds this, so a page is made small as early as it can be: a JPEG is
    decoded straight at a half, quarter or eighth of its size when that is still enough
    (a 40-megapixel photo then never exists at full size), and a page is scaled down
    before it is converted to RGB or turned upright."""
    image = _open(data, max_pixels)
    frames = getattr(image, "n_frames", 1)
    if frames > max_frames:
        raise UnreadableDocument(
            f"The image has {frames} pages, more than the {max_frames} allowed for one invoice. "
            "Split it into single invoices and send them again."
        )
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        _check_pixels(frame.size, max_pixels, number)
        dpi, width = _dpi(frame), frame.width
        factor = min(_dpi_factor(dpi, target_dpi), _pixel_factor(frame.size, max_ocr_pixels))
        if factor < 1.0:
            frame.draft(None, (math.ceil(frame.width * factor), math.ceil(frame.height * factor)))
            dpi *= frame.width / width  # a JPEG decoded at a reduced scale
        _load(frame, number)
        turn = _turn(frame)
        factor = min(_dpi_factor(dpi, target_dpi), _pixel_factor(frame.size, max_ocr_pixels))
        page, dpi = _scalable(frame, dpi, factor)
        page, dpi = at_most_dpi(page, dpi, target_dpi)
        page, dpi = at_most_pixels(page, dpi, max_ocr_pixels)
        page = page.convert("RGB") if page.mode != "RGB" else page
        yield (page.transpose(turn) if turn is not None else page), dpi


def _scalable(frame: Image.Image, dpi: float, factor: float) -> tuple[Image.Image, float]:
    """The frame in a mode Pillow scales with the filter asked for (others fall back to
    the nearest pixel, which breaks thin strokes), and its resolution.

    RGB and grey are scaled as they are and converted to RGB afterwards. Converting an
    image with alpha, or scaling it, makes a full-size copy first (Pillow keeps 4 bytes
    a pixel), so its colour channels are scaled one at a time and then joined."""
    if frame.mode in ("RGB", "L"):
        return frame, dpi
    if frame.mode in ("RGBA", "LA"):
        size = (max(int(frame.width * factor), 1), max(int(frame.height * factor), 1))
        bands = [_scaled(frame.getchannel(band), size) for band in frame.mode[:-1]]
        joined = Image.merge("RGB", bands if len(bands) == 3 else bands * 3)
        return joined, dpi * size[0] / frame.width
    return frame.convert(_SCALABLE_AS.get(frame.mode, "RGB")), dpi


def _scaled(band: Image.Image, size: tuple[int, int]) -> Image.Image:
    return band if band.size == size else band.resize(size, Image.Resampling.LANCZOS)


_SCALABLE_AS = {"1": "L", "I;16": "L"}  # a fax or grey scan stays one byte a pixel
_ORIENTATION = 0x0112  # the EXIF tag
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _turn(frame: Image.Image) -> Image.Transpose | None:
    """What turns the page upright per its EXIF orientation (None: it is, or unknown)."""
    try:
        return _TRANSPOSE.get(frame.getexif().get(_ORIENTATION, 1))
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, struct.error):
        return None  # damaged EXIF: the pixels decoded fine, read them as they are


def _dpi_factor(dpi: float, target: int) -> float:
    return target / dpi if dpi > target * 1.1 else 1.0


def _pixel_factor(size: tuple[int, int], max_pixels: int) -> float:
    return min((max_pixels / (size[0] * size[1])) ** 0.5, 1.0)


def _load(frame: Image.Image, number: int) -> None:
    try:
        frame.load()
    except (OSError, ValueError, SyntaxError) as exc:  # what PIL raises on damaged data
        raise UnreadableDocument(
            f"Page {number} of the image is damaged or truncated ({exc}). "
            "Ask the sender to send it again."
        ) from None


def open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """The image's first page, header read and size checked, no pixel decoded yet."""
    image = _open(data, max_pixels)
    _check_pixels(image.size, max_pixels, 1)
    return image


def at_most_dpi(image: Image.Image, dpi: float, target: int) -> tuple[Image.Image, float]:
    """Scale a high-resolution scan down to ``target`` dpi: OCR needs no more, and it is faster."""
    factor = _dpi_factor(dpi, target)
    if factor == 1.0:
        return image, dpi
    size = (max(round(image.width * factor), 1), max(round(image.height * factor), 1))
    return image.resize(size, Image.Resampling.LANCZOS), float(target)


def at_most_pixels(image: Image.Image, dpi: float,
                   max_pixels: int) -> tuple[Image.Image, float]:
    """Scale an image down to at most ``max_pixels``, keeping its aspect and its dpi true."""
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image, dpi
    factor = (max_pixels / pixels) ** 0.5
    size = (max(int(image.width * factor), 1), max(int(image.height * factor), 1))
    return image.resize(size, Image.Resampling.LANCZOS), dpi * factor


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:  # Pillow's own, stricter-than-ours check
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else 0
        raise UnreadableDocument(_too_big_message(pixels, max_pixels)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnreadableDocument(
            f"The image cannot be opened ({exc}); it is probably truncated or damaged. "
            "Ask the sender to send it again."
        ) from None
    if image.format not in _FORMATS:
        raise UnreadableDocument(
            f"Images of type {image.format} are not supported; send a PDF, PNG, JPEG or TIFF."
        )
    return image


def _check_pixels(size: tuple[int, int], max_pixels: int, number: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise UnreadableDocument(f"Page {number} of the image is empty (0 pixels).")
    if width * height > max_pixels:
        raise UnreadableDocument(_too_big_message(width * height, max_pixels))


def _too_big_message(pixels: int, max_pixels: int) -> str:
    size = f" ({pixels:,} pixels; the limit is {max_pixels:,})" if pixels else ""
    return (
        f"The image is far too large to read safely{size}. It may be a decompression bomb; "
        "if it is a real invoice, ask the sender to scan it at 150-300 dpi."
    )


def _dpi(image: Image.Image) -> float:
    """The scan resolution from the file, or one that makes the page as tall as A4."""
    info = image.info.get("dpi")
    if info:
        try:
            dpi = float(info[1])
        except (TypeError, ValueError, IndexError):
            dpi = 0.0
        if 50 <= dpi <= 1200:
            return dpi
    return max(image.width, image.height) / A4_HEIGHT_INCHES
