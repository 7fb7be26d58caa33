"""The parsing of untrusted files that runs inside :mod:`skills.sandbox`'s children.

Each job gets the file's bytes and a dict of arguments and yields messages (a JSON-able
header, a blob). Everything pdfium, the image decoders or the XML parser touch happens
here, so the sandbox's memory and time bounds cover it; OCR, which needs the models, runs
in the caller on the page images these jobs send.

- ``read_pdf``: per page either its text-layer lines, or a rendered image to OCR (and
  the boxes of pictures on a text page worth OCRing), then the fields of an e-invoice
  attached to the PDF;
- ``read_image``: per page of an image file, the page scaled down for OCR;
- ``read_xml``: the fields of an e-invoice XML file;
- ``page_sizes`` and ``render_view``: what the Control Room shows of a document.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

from PIL import Image

from skills import einvoice, image_files, pdf
from skills.errors import UnreadableDocument
from skills.schema import Line, Word

Message = tuple[dict[str, Any], bytes]


# -- reading -----------------------------------------------------------------------------


def read_pdf(data: bytes, args: dict[str, Any]) -> Iterator[Message]:
    """Messages ``page`` (one per page, with an RGB image blob when it must be OCRed) and,
    last, ``einvoice`` (the attached e-invoice's fields, or None)."""
    pdf.check_streams(data)
    with pdf.open_pdf(data) as document:
        count = len(document)
        if count == 0:
            raise UnreadableDocument("The PDF has no pages. Ask the sender to send it again.")
        if count > args["max_pages"]:
            raise UnreadableDocument(
                f"The document has {count} pages, more than the {args['max_pages']} "
                "allowed for one invoice. Split it into single invoices and send them again.")
        for index in range(count):
            page = document[index]
            bitmap = None
            try:
                header, bitmap = _page(page, index + 1, args)
                # The bitmap's memory is sent as it is: no copy of a large page.
                yield header, (b"" if bitmap is None else memoryview(bitmap.buffer))
            finally:
                if bitmap is not None:
                    bitmap.close()
                page.close()
        attachments = pdf.embedded_files(document, args["max_attachment_bytes"])
    found = attached_einvoice(attachments)
    yield {"kind": "einvoice", "found": found}, b""


def read_image(data: bytes, args: dict[str, Any]) -> Iterator[Message]:
    """Messages ``page`` (one per page of a PNG, JPEG or TIFF file), each with the RGB
    image to OCR, already within the OCR resolution and pixel budget: decoding a large
    image takes far more memory than the page OCR reads, so it is done here."""
    frames = image_files.ocr_frames(data, args["max_file_pixels"], args["max_pages"],
                                    args["dpi"], args["max_ocr_pixels"])
    number = 0
    while True:
        start = time.perf_counter()
        found = next(frames, None)
        if found is None:
            return
        image, dpi = found
        number += 1
        header = {"kind": "page", "number": number, "method": "ocr", "dpi": dpi,
                  "image_size": [image.width, image.height], "stride": image.width * 3}
        pixels = image.tobytes()
        del image, found
        header["seconds"] = time.perf_counter() - start
        yield header, pixels


def read_xml(data: bytes, args: dict[str, Any]) -> Iterator[Message]:
    """One message ``einvoice`` with the fields of the e-invoice XML ``data``."""
    try:
        fields = einvoice.parse_einvoice(data)
    except einvoice.NotAnEInvoice as exc:
        raise UnreadableDocument(
            f"The XML file is not an e-invoice ({exc}). Send the invoice as PDF, or as "
            "XRechnung / ZUGFeRD XML (CII or UBL).") from None
    yield {"kind": "einvoice", "found": {"name": None, "fields": fields}}, b""


def _page(page: pdf.pdfium.PdfPage, number: int,
          args: dict[str, Any]) -> tuple[dict[str, Any], pdf.pdfium.PdfBitmap | None]:
    """The page's message header, and the bitmap to OCR when it needs OCR."""
    start = time.perf_counter()
    width, height = pdf.page_size(page, number)
    pdf.check_page(page, number)
    layer = pdf.read_text_layer(page)
    chars = sum(len(w.text) for line in layer.lines for w in line.words)
    header: dict[str, Any] = {"kind": "page", "number": number, "width": width,
                              "height": height}
    if chars >= args["min_text_chars"]:
        header.update(method="text", layer_width=layer.width, layer_height=layer.height,
                      rotation=layer.rotation, lines=[_line_out(ln) for ln in layer.lines])
        pictures = _pictures(page, layer, width, height, args["min_picture_share"])
        if not pictures:
            header["seconds"] = time.perf_counter() - start
            return header, None
        header["pictures"] = pictures
    else:
        header["method"] = "ocr"
    # A scanned page, or pictures to OCR: render it within the pixel budget.
    dpi = min(args["dpi"], dpi_within(width, height, args["max_image_pixels"]))
    bitmap = pdf.render_rgb(page, dpi)
    header.update(dpi=dpi, image_size=[bitmap.width, bitmap.height], stride=bitmap.stride,
                  seconds=time.perf_counter() - start)
    return header, bitmap


def _pictures(page: pdf.pdfium.PdfPage, layer: pdf.TextLayer, width: float, height: float,
              min_share: float) -> list[list[float]]:
    """Large pictures with no text over them (a sender's details pasted as an image): the
    largest few only, since a hostile page may carry thousands."""
    if layer.rotation != 0:  # pictures are found in the displayed page's frame
        return []
    area = width * height
    words = [w for line in layer.lines for w in line.words]
    found = [b for b in pdf.image_boxes(page)
             if (b[2] - b[0]) * (b[3] - b[1]) >= min_share * area
             and not any(_inside(w.box, b) for w in words)]
    found.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return [list(b) for b in found[:MAX_PICTURES]]


MAX_PICTURES = 4  # pictures OCRed per text page


def attached_einvoice(files: dict[str, bytes]) -> dict[str, Any] | None:
    """``{"name", "fields"}`` of a ZUGFeRD / Factur-X / XRechnung XML among the
    attachments, or None.

    The standard names first, then other ``.xml`` files, then every other attachment:
    senders attach UBL and CII under names of their own, and any of them that parses
    as an e-invoice is used. Hostile XML (a DTD or entities) refuses the document when
    it is named as XML; a damaged file refuses it only under a standard name.
    """
    for name in sorted(files, key=_attachment_rank):
        rank = _attachment_rank(name)
        try:
            fields = einvoice.parse_einvoice(files[name])
        except einvoice.NotAnEInvoice:
            continue
        except einvoice.HostileXml:
            if rank < 2:
                raise
            continue  # never expanded; a file not named XML is not taken for the invoice
        except einvoice.BrokenXml:
            if rank == 0:
                raise
            continue  # some other attachment (notes, a picture), not the invoice
        return {"name": name, "fields": fields}
    return None


def _attachment_rank(name: str) -> int:
    """0 for the names the e-invoice standards use, 1 for other XML files, 2 for the rest."""
    lowered = name.lower()
    if lowered in einvoice.ATTACHMENT_NAMES:
        return 0
    return 1 if lowered.endswith(".xml") else 2


def dpi_within(width_pt: float, height_pt: float, max_pixels: int) -> int:
    """The highest resolution at which the page stays within the pixel budget."""
    return max(int(72.0 * (max_pixels / (width_pt * height_pt)) ** 0.5), 1)


def _inside(box: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _line_out(line: Line) -> list[Any]:
    return [line.text, line.box, line.confidence,
            [[w.text, w.box, w.confidence] for w in line.words]]


def line_in(raw: list[Any]) -> Line:
    """A text-layer line as :func:`read_pdf` sent it."""
    text, box, confidence, words = raw
    return Line(text, tuple(box), confidence,
                tuple(Word(t, tuple(b), c) for t, b, c in words))


# -- showing, for the Control Room ---------------------------------------------------------


def page_sizes(data: bytes, args: dict[str, Any]) -> Iterator[Message]:
    """One message ``sizes``: each page's size in points (an image is one page)."""
    if not data[:1024].lstrip().startswith(b"%PDF"):
        image = _view_image(data, args["max_pixels"])
        dpi = float((image.info.get("dpi") or (72, 72))[0]) or 72.0
        yield {"kind": "sizes", "sizes": [[image.width * 72 / dpi,
                                           image.height * 72 / dpi]]}, b""
        return
    pdf.check_streams(data)
    with pdf.open_pdf(data) as document:
        sizes = []
        for index in range(len(document)):
            page = document[index]
            try:
                sizes.append(list(pdf.page_size(page, index + 1)))
            finally:
                page.close()
    yield {"kind": "sizes", "sizes": sizes}, b""


def render_view(data: bytes, args: dict[str, Any]) -> Iterator[Message]:
    """One message ``image``: page ``number`` as PNG (PNG and JPEG files as they are),
    at ``scale`` and within ``max_pixels``; ``missing`` past the last page."""
    number, max_pixels = args["number"], args["max_pixels"]
    if not data[:1024].lstrip().startswith(b"%PDF"):
        if number != 1:
            yield {"kind": "missing"}, b""
            return
        image = _view_image(data, max_pixels)
        if image.format in ("PNG", "JPEG"):
            yield {"kind": "image", "type": f"image/{image.format.lower()}"}, data
            return
        image.load()
        yield {"kind": "image", "type": "image/png"}, _png(image.convert("RGB"))
        return
    pdf.check_streams(data)
    with pdf.open_pdf(data) as document:
        if not 1 <= number <= len(document):
            yield {"kind": "missing"}, b""
            return
        page = document[number - 1]
        try:
            width, height = pdf.page_size(page, number)
            pdf.check_page(page, number)
            scale = min(args["scale"], (max_pixels / max(width * height, 1.0)) ** 0.5)
            bitmap = page.render(scale=scale, may_draw_forms=True)
            try:
                image = bitmap.to_pil()
                png = _png(image)
            finally:
                bitmap.close()
        finally:
            page.close()
    yield {"kind": "image", "type": "image/png"}, png


def _view_image(data: bytes, max_pixels: int) -> Image.Image:
    """An image file opened for showing (header only): the checks of reading apply."""
    if image_files.media_type(data[:16]) is None:
        raise UnreadableDocument("The file is neither a PDF nor a PNG, JPEG or TIFF image.")
    return image_files.open_checked(data, max_pixels)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
