"""The registered triage model: encoder + a linear head, both ONNX, run with onnxruntime.

``models/registry.json`` under ``inbox-triage`` names the head's file and sha256, the
encoder's files and sha256s, the intents in the head's output order, the temperature that
calibrates the head's logits, and per intent the confidence below which a person decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort

from skills.triage.encoder import (
    MAX_TOKENS,
    MODELS_DIR,
    Encoder,
    EncoderMissing,
    encoder_spec,
    sha256_of,
)

MODEL_NAME = "inbox-triage"


class TriageModelMissing(RuntimeError):
    """No triage model is registered; train one with ``python -m skills.triage.train``."""


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float  # calibrated probability of ``intent``
    probabilities: dict[str, float]
    needs_person: bool  # below the registered threshold of ``intent``
    threshold: float  # that threshold


class Head:
    """Embedding → logits (a linear layer in ONNX); softmax at the registered temperature."""

    def __init__(self, path: Path, intents: list[str], temperature: float) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.intents = intents
        self.temperature = temperature
        self._input = self.session.get_inputs()[0].name

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self._input: embeddings.astype(np.float32)})[0]

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(self.logits(embeddings) / self.temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TriageModel:
    def __init__(self, encoder: Encoder, head: Head, thresholds: dict[str, float],
                 entry: dict) -> None:
        self.encoder = encoder
        self.head = head
        self.thresholds = thresholds  # per predicted intent: some routes cost more if wrong
        self.version: str = entry["version"]

    def predict_text(self, text: str) -> Prediction:
        probs = self.head.probabilities(self.encoder.encode(text)[None, :])[0]
        best = int(np.argmax(probs))
        confidence, intent = float(probs[best]), self.head.intents[best]
        return Prediction(intent=intent, confidence=confidence,
                          probabilities={k: float(p) for k, p in zip(self.head.intents, probs,
                                                                     strict=True)},
                          needs_person=confidence < self.thresholds[intent],
                          threshold=self.thresholds[intent])


def registry_entry(models_dir: Path = MODELS_DIR) -> dict:
    path = models_dir / "registry.json"
    entry = json.loads(path.read_text()).get("models", {}).get(MODEL_NAME) if path.exists() \
        else None
    if entry is None:
        raise TriageModelMissing(f"no {MODEL_NAME!r} model in {path}; train one with: "
                                 "python -m skills.triage.train")
    return entry


def load_model(models_dir: Path = MODELS_DIR) -> TriageModel:
    """The registered model; refuses files whose sha256 differs from the registry."""
    entry = registry_entry(models_dir)
    head_path = models_dir / entry["file"]
    if not head_path.exists() or sha256_of(head_path) != entry["sha256"]:
        raise TriageModelMissing(f"{head_path.name} is missing or does not match its "
                                 "registry sha256; retrain: python -m skills.triage.train")
    enc = entry["encoder"]
    try:
        encoder = encoder_spec(enc["name"]).load(
            expect={"model": enc["sha256"], "tokenizer": enc["tokenizer_sha256"]},
            max_tokens=int(enc.get("max_tokens", MAX_TOKENS)))
    except EncoderMissing as exc:
        raise TriageModelMissing(str(exc)) from exc
    head = Head(head_path, list(entry["intents"]), float(entry["temperature"]))
    return TriageModel(encoder, head, _thresholds(entry), entry)


def _thresholds(entry: dict) -> dict[str, float]:
    """One threshold per intent; an entry from before they were per intent has one."""
    if "thresholds" in entry:
        return {k: float(v) for k, v in entry["thresholds"].items()}
    return dict.fromkeys(entry["intents"], float(entry["threshold"]))


@cache
def default_model() -> TriageModel:
    """The committed model, loaded once per process."""
    return load_model()
