"""read_document on born-digital PDFs: the text-layer path (no OCR)."""

from __future__ import annotations

import io

import pypdf
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from skills.documents import ReadOptions, read_document, sniff
from skills.errors import UnreadableDocument
from skills.extract import extract
from skills.schema import ReadMethod
from tests.skills.fixtures.read.pages import invoice_pdf


def _line_texts(doc) -> list[str]:
    return [line.text for page in doc.pages for line in page.lines]


def _rotated(data: bytes, degrees: int) -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        page.rotate(degrees)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_born_digital_pdf_reads_words_lines_and_boxes_from_the_text_layer():
    doc = read_document(invoice_pdf(seed=3), "invoice.pdf")

    assert doc.media_type == "application/pdf"
    assert len(doc.sha256) == 64
    assert "pypdfium2" in doc.engine
    (page,) = doc.pages
    assert page.method == ReadMethod.TEXT
    assert (round(page.width), round(page.height)) == (595, 842)
    texts = _line_texts(doc)
    assert texts[0] == "Tecnicas Iberia S.L."
    assert "Invoice No: INV-0003-1" in texts
    assert "IBAN: ES91 2100 0418 4502 0005 1332" in texts
    # Table columns are separate lines, as a text detector would see them.
    assert {"Description", "Qty", "Unit price", "Amount"} <= set(texts)
    for word in page.words:
        x0, y0, x1, y1 = word.box
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert word.confidence == 1.0
    # Boxes are top-left based: the vendor name is near the top, the footer near the bottom.
    by_text = {w.text: w for w in page.words}
    assert by_text["Tecnicas"].box[1] < 80
    assert by_text["business."].box[1] > 760


def test_reading_order_is_top_to_bottom_then_left_to_right():
    page = read_document(invoice_pdf(seed=1), "i.pdf").pages[0]
    tops = [line.box[1] for line in page.lines]
    # Each line starts no higher than half a line above the previous one.
    assert all(b >= a - 8 for a, b in zip(tops, tops[1:], strict=False))
    labels = [line.text for line in page.lines]
    assert labels.index("Net amount:") < labels.index("VAT 19%:") < labels.index("Total EUR:")


def test_multi_page_pdf_numbers_pages_and_times_each():
    doc = read_document(invoice_pdf(seed=2, pages=3), "three.pdf")
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert all(p.method == ReadMethod.TEXT and p.seconds > 0 for p in doc.pages)
    assert "Invoice No: INV-0002-3" in doc.pages[2].text


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_pdf_page_is_turned_until_its_text_is_upright(degrees):
    doc = read_document(_rotated(invoice_pdf(seed=3), degrees), "turned.pdf")
    (page,) = doc.pages
    # /Rotate turns the display clockwise; reading turns it back the rest of the way.
    assert page.rotation == (360 - degrees) % 360
    assert (round(page.width), round(page.height)) == (595, 842)
    assert page.lines[0].text == "Tecnicas Iberia S.L."
    assert "Invoice No: INV-0003-1" in page.text.splitlines()
    for word in page.words:
        assert 0 <= word.box[0] < word.box[2] <= page.width + 0.5
        assert 0 <= word.box[1] < word.box[3] <= page.height + 0.5


def test_type_comes_from_the_bytes_not_the_name():
    doc = read_document(invoice_pdf(), "looks-like-a-picture.png")
    assert doc.media_type == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"


def test_path_like_file_names_are_kept_as_plain_labels():
    assert read_document(invoice_pdf(), "../../etc/x.pdf").filename == "x.pdf"
    assert read_document(invoice_pdf(), "..\\..\\evil.pdf").filename == "evil.pdf"


# -- bad input: every case is UnreadableDocument with a message a person can act on ----------


def _encrypted(data: bytes) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _huge_page_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200_000, height=200_000)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: b"", "empty"),
        (lambda: invoice_pdf()[:300], "damaged"),
        (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 100, "damaged"),
        (lambda: _encrypted(invoice_pdf()), "password"),
        (_huge_page_pdf, "impossible size"),
        (lambda: b"PK\x03\x04 a zip file, not an invoice", "not a PDF, PNG, JPEG, TIFF"),
        (lambda: b"Rechnung Nr. 1", "not a PDF"),
    ],
    ids=["empty", "truncated", "corrupt", "encrypted", "huge-page", "zip", "plain-text"],
)
def test_bad_pdf_input_is_refused_with_a_clear_message(make, expected):
    with pytest.raises(UnreadableDocument) as caught:
        read_document(make(), "bad.pdf")
    message = str(caught.value)
    assert expected in message
    assert caught.value.code == "UNREADABLE_DOCUMENT"


def test_limits_on_file_size_and_page_count_are_enforced():
    with pytest.raises(UnreadableDocument, match="limit for one invoice"):
        read_document(invoice_pdf(), "big.pdf", ReadOptions(max_file_bytes=1000))
    with pytest.raises(UnreadableDocument, match="more than the 2 allowed"):
        read_document(invoice_pdf(pages=3), "long.pdf", ReadOptions(max_pages=2))


def test_time_limit_stops_a_long_document_between_pages():
    with pytest.raises(UnreadableDocument, match="time limit"):
        read_document(invoice_pdf(pages=3), "slow.pdf", ReadOptions(time_limit=1e-9))


def _picture(lines: list[str], size: tuple[int, int]) -> Image.Image:
    """Text drawn into an image at 150 dpi, as a sender pastes its letterhead."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 22)
    for i, text in enumerate(lines):
        draw.text((10, 10 + 34 * i), text, fill="black", font=font)
    return image


def _with_pictures(pictures: list[tuple[Image.Image, float, float, float]]) -> bytes:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    pdf.text(50, 300, "Invoice No: INV-7 Total EUR: 120.00")
    for image, x, y, width in pictures:
        pdf.image(image, x=x, y=y, w=width)
    return bytes(pdf.output())


def test_text_in_a_large_picture_on_a_text_page_is_read_by_ocr():
    footer = _picture(["Keller Fournitures AG", "IBAN: AT37 8242 1502 9655 2808"], (900, 150))
    logo = _picture(["LOGOTYPE"], (200, 50))  # under 5 % of the page: taken for a logo
    data = _with_pictures([(footer, 40, 720, 432), (logo, 40, 30, 96)])

    doc = read_document(data, "invoice.pdf")
    (page,) = doc.pages
    assert page.method == ReadMethod.TEXT
    ocr = [ln for ln in page.lines if ln.method == ReadMethod.OCR]
    # (OCR may space words differently: "AT 37 8242 ...")
    assert [ln.text.replace(" ", "") for ln in ocr] == [
        "KellerFournituresAG", "IBAN:AT378242150296552808"]
    assert all(720 <= ln.box[1] < ln.box[3] <= 800 and ln.box[0] >= 40 for ln in ocr)
    assert page.lines[-1] is ocr[-1]  # in reading order: the footer comes last
    assert "ocr" in doc.engine and "LOGOTYPE" not in page.text

    iban = extract(doc).fields["vendor_iban"]
    assert (iban.value, iban.method) == ("AT378242150296552808", "ocr")

    off = read_document(data, "invoice.pdf", ReadOptions(min_picture_share=1.0))
    assert all(ln.method is None for ln in off.pages[0].lines)


def test_a_letterheads_large_words_make_one_line_beside_a_small_address() -> None:
    from skills.pdf import _group_lines
    from skills.schema import Word

    def word(text: str, x: float, size: float, top: float = 40.0) -> Word:
        return Word(text, (x, top, x + len(text) * size * 0.55, top + size), 1.0)

    # An 18 pt name, a space of 10 pt between its words, and a 9 pt address on its row.
    address = "Rue Royale 34 2000 Antwerpen"
    row = [word("López", 36, 18), word("Impianti", 97, 18), word("NV", 180, 18)]
    x = 406.0
    for text in address.split():
        row.append(word(text, x, 9, top=45.0))
        x = row[-1].box[2] + 2.5
    assert {line.text for line in _group_lines(row)} == {"López Impianti NV", address}
