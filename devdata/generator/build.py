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

from pydantic import BaseModel, Field

from devdata.generator import procedural
from devdata.generator.canvas import Canvas, available_fonts
from devdata.generator.layouts import HELDOUT_LAYOUTS, TRAIN_LAYOUTS
from devdata.generator.receipts import (
    PAPER_WIDTHS,
    RECEIPT_HELDOUT_LAYOUTS,
    RECEIPT_TRAIN_LAYOUTS,
    draw_receipt,
    make_receipt,
    pick_receipt_style,
    rate_printed,
    receipt_fonts,
)
from devdata.generator.scan import scan_pdf
from devdata.generator.style import pick_style
from devdata.generator.truth import InvoiceTruth, Vendor, make_invoice, make_vendor

FAMILIES = ("train", "heldout", *procedural.FAMILIES)


class Rendering(BaseModel):
    """How a document was printed: everything besides the truth a test may want."""

    layout: str
    family: str  # train | heldout | procedural | procedural-heldout
    font: str
    language: str
    number_format: str
    date_format: str
    currency_placement: str
    scanned: bool
    einvoice: bool
    kind: str = "invoice"  # invoice | receipt (a narrow till slip)
    # procedural families only: block kind -> variant, label key -> wording, page count
    blocks: dict[str, str] = Field(default_factory=dict)
    wordings: dict[str, str] = Field(default_factory=dict)
    pages: int = 1
    details: dict[str, str] = Field(default_factory=dict)  # e.g. credit_amounts: negative


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
    *,
    country: str | None = None,
    buyer_vat: str | None = None,
    house: int | None = None,
) -> tuple[bytes, str, GeneratedInvoice]:
    """One invoice: (file bytes, file suffix, ground truth). A given ``truth`` is printed
    instead of a sampled one (the demo bills the development ERP's real orders). The
    procedural families embed no e-invoice; printing a given truth, they take the
    seller's ``country`` (else the one its VAT id or IBAN names) and print ``buyer_vat``
    with the buyer when given. Invoices of one ``house`` share their vendor, layout, style
    and font (a vendor's recurring layout); their facts differ."""
    if family in procedural.FAMILIES:
        return _render_procedural(seed, index, family, scanned, vendors, po_numbers, truth,
                                  country, buyer_vat, house)
    rng = random.Random(f"{seed}/{index}")
    looks = rng if house is None else random.Random(f"{seed}/house/{house}")
    layouts = TRAIN_LAYOUTS if family == "train" else HELDOUT_LAYOUTS
    layout_name = looks.choice(sorted(layouts))
    vendor = looks.choice(list(vendors)) if vendors else make_vendor(looks)
    sampled = make_invoice(rng, vendor, list(po_numbers) if po_numbers else None)
    truth = truth or sampled  # sampled either way, so the layout draws stay the same
    style = pick_style(looks, _language(looks, vendor.country), truth.currency)
    font = looks.choice(available_fonts())
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


def _render_procedural(seed: int, index: int, family: str, scanned: bool,
                       vendors: Sequence[Vendor] | None, po_numbers: Sequence[str] | None,
                       truth: InvoiceTruth | None = None, country: str | None = None,
                       buyer_vat: str | None = None,
                       house: int | None = None) -> tuple[bytes, str, GeneratedInvoice]:
    printed = procedural.render(seed, index, family, scanned, vendors, po_numbers, truth,
                                country=country, buyer_vat=buyer_vat, house=house)
    data, suffix = printed.pdf, ".pdf"
    if scanned:
        data, suffix = scan_pdf(data, random.Random(f"{seed}/{index}/scan")), ".jpg"
    rendering = Rendering(
        layout=printed.layout, family=family, font=printed.font, language=printed.language,
        number_format=printed.number_format, date_format=printed.date_format,
        currency_placement=printed.currency_placement, scanned=scanned, einvoice=False,
        blocks=printed.blocks, wordings=printed.wordings, pages=printed.pages,
        details=printed.details,
    )
    return data, suffix, GeneratedInvoice(file="", truth=printed.truth, rendering=rendering)


_HELDOUT_FAMILIES = ("heldout", "procedural-heldout")


def render_receipt(seed: int, index: int, family: str = "train",
                   scanned: bool = False) -> tuple[bytes, str, GeneratedInvoice]:
    """One till receipt: (file bytes, file suffix, ground truth). The procedural families
    mix in the receipt layouts of their side (train or held-out)."""
    rng = random.Random(f"{seed}/{index}/receipt-doc")
    layouts = RECEIPT_HELDOUT_LAYOUTS if family in _HELDOUT_FAMILIES else RECEIPT_TRAIN_LAYOUTS
    layout_name = rng.choice(sorted(layouts))
    truth, facts = make_receipt(rng)
    style = pick_receipt_style(rng, truth, facts)
    if not rate_printed(facts, style):
        truth = truth.model_copy(update={"tax_rate": None})
    font = rng.choice(receipt_fonts())
    canvas = draw_receipt(layouts[layout_name], font, truth, facts, style, rng,
                          rng.choice(PAPER_WIDTHS))
    data, suffix = canvas.output(), ".pdf"
    if scanned:
        data, suffix = scan_pdf(data, rng, thermal=True), ".jpg"
    rendering = Rendering(
        layout=layout_name, family=family, font=canvas.font, language="en",
        number_format="1,234.56" if style.grouping else "1234.56", date_format=style.date_format,
        currency_placement=style.with_sign, scanned=scanned, einvoice=False, kind="receipt",
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
    receipt_share: float = 0.0,
    receipt_scanned_share: float | None = None,
    layout_repeat: int = 1,
) -> list[Path]:
    """Write ``count`` documents and their ``.json`` truth into ``out``; returns the files.

    A ``receipt_share`` of them are till receipts (``receipt_scanned_share`` of those
    scanned, ``scanned_share`` unless given), the rest invoices. With ``layout_repeat``
    N > 1 the invoices come from count/N vendors, each with its own layout, taking turns
    (document i is vendor i mod count/N's): each layout recurs about N times, as a
    recurring vendor's invoices do."""
    if layout_repeat < 1:
        raise ValueError(f"layout_repeat must be at least 1, not {layout_repeat}")
    houses = -(-count // layout_repeat) if layout_repeat > 1 else 0
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    out.mkdir(parents=True, exist_ok=True)
    receipt_scanned = scanned_share if receipt_scanned_share is None else receipt_scanned_share
    written = []
    for index in range(count):
        pick = random.Random(f"{seed}/{index}/kind").random()
        if receipt_share and random.Random(f"{seed}/{index}/receipt").random() < receipt_share:
            data, suffix, generated = render_receipt(seed, index, family,
                                                     pick < receipt_scanned)
            name = f"{family}-{seed}-{index:05d}-receipt"
        else:
            scanned = pick < scanned_share
            einvoice = not scanned and pick < scanned_share + einvoice_share
            data, suffix, generated = render_invoice(seed, index, family, scanned, einvoice,
                                                     vendors, po_numbers,
                                                     house=index % houses if houses else None)
            name = f"{family}-{seed}-{index:05d}"
        path = out / f"{name}{suffix}"
        path.write_bytes(data)
        generated.file = path.name
        (out / f"{name}.json").write_text(json.dumps(_dump(generated), indent=1,
                                                     ensure_ascii=False))
        written.append(path)
        if progress:
            progress(1)
    return written


# Fields added for the procedural families, left out of a fixed-layout document's JSON
# while they hold their defaults, so those files stay exactly as they were.
_NEW_DEFAULTS = {"truth": {"document_type": "invoice", "amount_due": None},
                 "rendering": {"blocks": {}, "wordings": {}, "pages": 1, "details": {}}}


def _dump(generated: GeneratedInvoice) -> dict:
    data = generated.model_dump()
    if generated.rendering.family in procedural.FAMILIES:
        return data
    for part, defaults in _NEW_DEFAULTS.items():
        for key, default in defaults.items():
            if data[part].get(key) == default:
                del data[part][key]
    return data


def load_truth(path: Path) -> GeneratedInvoice:
    """The ground truth written next to a generated document."""
    return GeneratedInvoice.model_validate_json(path.with_suffix(".json").read_text())
