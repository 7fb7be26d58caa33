"""Make a born-digital page look scanned: 150 dpi raster, slight skew, blur, noise, JPEG."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

SCAN_DPI = 150


def scan_pdf(pdf_bytes: bytes, rng: random.Random) -> bytes:
    """The first page of ``pdf_bytes`` as a degraded JPEG."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        image = pdf[0].render(scale=SCAN_DPI / 72).to_pil().convert("L")
    finally:
        pdf.close()
    image = image.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BICUBIC,
                         expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(4, 12), pixels.shape)
    pixels = np.clip(pixels * rng.uniform(0.9, 1.0) + noise + rng.uniform(0, 12), 0, 255)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=rng.randint(35, 75),
                                                  dpi=(SCAN_DPI, SCAN_DPI))
    return out.getvalue()
