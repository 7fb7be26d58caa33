"""Make a born-digital page look scanned: 150 dpi raster, slight skew, blur, noise, JPEG.

Till receipts (``thermal=True``) are also faded unevenly, as thermal paper prints
and ages, on a slightly grey sheet.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

SCAN_DPI = 150


def scan_pdf(pdf_bytes: bytes, rng: random.Random, thermal: bool = False) -> bytes:
    """The first page of ``pdf_bytes`` as a degraded JPEG."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        image = pdf[0].render(scale=SCAN_DPI / 72).to_pil().convert("L")
    finally:
        pdf.close()
    if thermal:
        image = _thermal(image, rng)
        if rng.random() < 0.25:  # laid on a flatbed scanner: the slip on an A4-shaped sheet
            image = _on_sheet(image, rng)
    image = image.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BICUBIC,
                         expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(4, 12), pixels.shape)
    pixels = np.clip(pixels * rng.uniform(0.9, 1.0) + noise + rng.uniform(0, 12), 0, 255)
    out = io.BytesIO()
    quality = rng.randint(35, 75)
    if thermal and rng.random() < 0.3:  # a photo or scan that does not say its resolution
        Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=quality)
    else:
        Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=quality,
                                                      dpi=(SCAN_DPI, SCAN_DPI))
    return out.getvalue()


def _on_sheet(image: Image.Image, rng: random.Random) -> Image.Image:
    """The slip somewhere on a white sheet of A4 proportions."""
    w, h = image.size
    sheet_h = max(int(h * rng.uniform(1.05, 1.5)), int(w * 1.5 * 1.414))
    sheet_w = int(sheet_h / 1.414)
    sheet = Image.new("L", (sheet_w, sheet_h), rng.randint(240, 255))
    sheet.paste(image, (rng.randint(0, sheet_w - w), rng.randint(0, max(sheet_h - h, 0))))
    return sheet


def _thermal(image: Image.Image, rng: random.Random) -> Image.Image:
    """Faded print (weaker towards one end of the slip) on off-white paper."""
    ink = 255.0 - np.asarray(image, dtype=np.float32)
    h = ink.shape[0]
    top, bottom = rng.uniform(0.55, 1.0), rng.uniform(0.55, 1.0)
    fade = np.linspace(top, bottom, h, dtype=np.float32)[:, None]
    paper = rng.uniform(225, 250)
    pixels = paper - ink * fade * paper / 255.0
    if rng.random() < 0.5:  # thin print-head streaks along the paper
        cols = np.random.default_rng(rng.randrange(2**32)).random(ink.shape[1]) < 0.01
        pixels[:, cols] = np.minimum(pixels[:, cols] + 60, paper)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
