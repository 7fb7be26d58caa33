"""How far a document's layout is from every layout the field model was trained on.

Each training document's fingerprint (``printed``: its printed words without values,
with the quarter of the page each starts in) is kept as a MinHash signature of
``HASHES`` numbers; the share of equal numbers between two signatures estimates the
Jaccard similarity of the two word sets. A document's distance is one minus its
similarity to the nearest training document: near 0 for a layout the model learned
from, near 1 for a page sharing almost no printed words with any of them.

The signatures sit beside the model file (``invoice-fields.layouts.npz`` beside
``invoice-fields.onnx``), written by ``skills.train`` or, for a model trained before,
by ``python -m skills.layouts.novelty`` from the model's own training set.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from skills.layouts.printed import fingerprint
from skills.schema import Document

HASHES = 64
_RANDOM = np.random.default_rng(20261204)
_SALTS = _RANDOM.integers(0, 2**63, HASHES, dtype=np.uint64)
_MULTIPLIERS = _RANDOM.integers(0, 2**63, HASHES, dtype=np.uint64) | np.uint64(1)  # odd
_EMPTY = np.full(HASHES, np.iinfo(np.uint32).max, dtype=np.uint32)


def signature(tokens: Iterable[str]) -> np.ndarray:
    """The MinHash signature of a set of tokens (``HASHES`` unsigned 32-bit numbers)."""
    hashed = [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
              for t in tokens]
    if not hashed:
        return _EMPTY.copy()
    x = np.array(hashed, dtype=np.uint64)[:, None]
    # One cheap hash family: xor with a salt, multiply by an odd number (mod 2^64), keep
    # the high bits. Unsigned arithmetic wraps, which is what this needs.
    mixed = ((x ^ _SALTS) * _MULTIPLIERS) >> np.uint64(32)
    return mixed.min(axis=0).astype(np.uint32)


def index_path(model_path: Path) -> Path:
    """Where the training layouts of the model in ``model_path`` are kept."""
    return model_path.with_suffix(".layouts.npz")


class TrainingLayouts:
    """The signatures of a model's training documents."""

    def __init__(self, signatures: np.ndarray, model_sha256: str = "") -> None:
        self.signatures = np.asarray(signatures, dtype=np.uint32).reshape(-1, HASHES)
        self.model_sha256 = model_sha256  # the model file these documents trained

    @classmethod
    def of(cls, docs: Iterable[Document], model_sha256: str = "") -> TrainingLayouts:
        signatures = np.array([signature(fingerprint(d)) for d in docs], dtype=np.uint32)
        return cls(signatures, model_sha256)

    @classmethod
    def load(cls, path: Path, model_sha256: str | None = None) -> TrainingLayouts | None:
        """The layouts kept at ``path``; None when there are none, or when they belong
        to another model file than the one whose sha256 is given."""
        if not path.is_file():
            return None
        with np.load(path) as data:
            found = cls(data["signatures"], str(data["model_sha256"]))
        return found if model_sha256 in (None, found.model_sha256) else None

    def save(self, path: Path) -> None:
        np.savez_compressed(path, signatures=self.signatures,
                            model_sha256=np.array(self.model_sha256))

    def __len__(self) -> int:
        return len(self.signatures)

    def distance(self, doc: Document) -> float:
        """1 - the estimated Jaccard similarity of ``doc``'s printed words to the nearest
        training document's."""
        if not len(self):
            return 1.0
        mine = signature(fingerprint(doc))
        if np.array_equal(mine, _EMPTY):
            return 1.0
        return 1.0 - float((self.signatures == mine).mean(axis=1).max())


def build_for_production(models_dir: Path | None = None) -> Path:
    """Write the training layouts of the production field model, from its registry
    entry's training set."""
    from skills.extract.model import MODEL_NAME, MODELS_DIR  # noqa: PLC0415
    from skills.train import read_registry, training_files, write_training_layouts  # noqa: PLC0415

    models_dir = models_dir or MODELS_DIR
    entry = read_registry(models_dir)["models"][MODEL_NAME]
    t = entry["training"]
    files = training_files(t["documents"] - t["procedural"]["documents"], t["seed"],
                           t["scanned_share"], t["receipt_share"], t["receipt_scanned_share"],
                           t["procedural"]["documents"], t["procedural"]["scanned_share"])
    model_path = models_dir / entry["file"]
    write_training_layouts(files, model_path)
    return index_path(model_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    path = build_for_production(args.models_dir)
    print(f"Training layouts of the production field model written to {path.name}: "
          f"{len(TrainingLayouts.load(path) or [])} documents")


if __name__ == "__main__":
    main()
