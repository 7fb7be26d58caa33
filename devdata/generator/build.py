"""Render invoices to files with their ground truth, deterministically from a seed.

For document ``i`` of a set the random generator is seeded with ``(seed, i)``, so
any single document can be rebuilt on its own and sets of different sizes share
their first documents.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from devdata.generator.canvas import Canvas, available_fonts
from devdata.generator.layouts import HELDOUT_LAYOUTS, TRAIN_LAYOUTS
from devdata.generator.scan import scan_pdf
from devdata.generator.style import pick_style
from devdata.generator.truth import InvoiceTruth, Vendor, make_invoice, make_vendor


class Rendering(BaseModel):
    """How a document was printed: everything besides the truth a test may want."""

    layout: str
    family: str  # train | heldout
    font: str
    language: str
    number_format: str
    date_format: str
    currency_placement: str
    scanned: bool
    einvoice: bool


class GeneratedInvoice(BaseModel):
    file: str  # file name next to the ground truth JSON
    truth: InvoiceTruth
    rendering: Rendering


def _build_cii() -> Callable[[dict], bytes] | None:
    """The e-invoice builder of the documents skill, when that module is present."""
    try:
        from skills.einvoice import build_cii  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None
    return build_cii


def render_invoice(
    seed: int,
    index: int,
    family: str = "train",
    scanned: bool = False,
    einvoice: bool = False,
    vendors: Sequence[Vendor] | None = None,
    po_numbers: Sequence[str] | None = None,
    truth: InvoiceTruth | None = None,
) -> tuple[bytes, str, GeneratedInvoice]:
    """One invoice: (file bytes, file suffix, ground truth). A given ``truth`` is printed
    instead of a sampled one (the demo bills the development ERP's real orders)."""
    rng = random.Random(f"{seed}/{index}")
    layouts = TRAIN_LAYOUTS if family == "train" else HELDOUT_LAYOUTS
    layout_name = rng.choice(sorted(layouts))
    vendor = rng.choice(list(vendors)) if vendors else make_vendor(rng)
    sampled = make_invoice(rng, vendor, list(po_numbers) if po_numbers else None)
    truth = truth or sampled  # sampled either way, so the layout draws stay the same
    style = pick_style(rng, _language(rng, vendor.country), truth.currency)
    font = rng.choice(available_fonts())
    canvas = Canvas(font)
    layouts[layout_name](canvas, truth, style, rng)
    builder = _build_cii() if einvoice and not scanned else None
    if builder is not None:
        xml = builder({**truth.model_dump(), "lines": [i.model_dump() for i in truth.line_items]})
        canvas.pdf.embed_file(basename="factur-x.xml", bytes=xml, desc="Factur-X invoice")
    data = canvas.output()
    suffix = ".pdf"
    if scanned:
        data, suffix = scan_pdf(data, rng), ".jpg"
    rendering = Rendering(
        layout=layout_name, family=family, font=canvas.font, language=style.language,
        number_format=style.number_format, date_format=style.date_format,
        currency_placement=style.currency_placement, scanned=scanned,
        einvoice=builder is not None,
    )
    return data, suffix, GeneratedInvoice(file="", truth=truth, rendering=rendering)


def _language(rng: random.Random, country: str) -> str:
    from devdata.generator.truth import language_for  # noqa: PLC0415

    if rng.random() < 0.7:
        return language_for(country)
    return rng.choice(["en", "de", "fr", "es", "nl"])


def generate_set(
    out: Path,
    count: int,
    seed: int,
    family: str = "train",
    scanned_share: float = 0.0,
    einvoice_share: float = 0.0,
    vendors: Sequence[Vendor] | None = None,
    po_numbers: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write ``count`` invoices and their ``.json`` truth into ``out``; returns the files."""
    if family not in ("train", "heldout"):
        raise ValueError(f"family must be 'train' or 'heldout', not {family!r}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        pick = random.Random(f"{seed}/{index}/kind").random()
        scanned = pick < scanned_share
        einvoice = not scanned and pick < scanned_share + einvoice_share
        data, suffix, generated = render_invoice(seed, index, family, scanned, einvoice,
                                                 vendors, po_numbers)
        name = f"{family}-{seed}-{index:05d}"
        path = out / f"{name}{suffix}"
        path.write_bytes(data)
        generated.file = path.name
        (out / f"{name}.json").write_text(json.dumps(generated.model_dump(), indent=1,
                                                     ensure_ascii=False))
        written.append(path)
        if progress:
            progress(1)
    return written


def load_truth(path: Path) -> GeneratedInvoice:
    """The ground truth written next to a generated document."""
    return GeneratedInvoice.model_validate_json(path.with_suffix(".json").read_text())
