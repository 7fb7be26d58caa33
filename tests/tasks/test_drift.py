"""Drift of the field scorer's readings: real invoices read by the production model,
a reference window, then a live stream that is shifted (another language, scans only,
a layout family the model never saw) or not."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import pytest

from devdata.generator import render_invoice
from skills.documents import read_document
from skills.extract import extract
from tasks.model_rollout import reading_data
from workitems import Store
from workitems.room.drift import drift_report

REFERENCE = 60
LANGUAGES = ("de", "en", "es", "nl")  # the reference's mix; French comes later


@cache  # each stream is read once, for both store backends
def _stream(seed: int, count: int, family: str = "train", scanned: bool = False,
            languages: tuple[str, ...] = LANGUAGES) -> list[dict]:
    """What the reader records for ``count`` invoices of a family in ``languages``."""
    out, index = [], 0
    while len(out) < count:
        data, suffix, generated = render_invoice(seed, index, family, scanned=scanned)
        index += 1
        if generated.rendering.language not in languages:
            continue
        doc = read_document(data, f"invoice.{suffix.lstrip('.')}")
        out.append(reading_data(extract(doc), doc, hashlib.sha256(data).hexdigest()))
    return out


@pytest.fixture
def reference() -> list[dict]:
    return _stream(21, REFERENCE)


def _drift(store: Store, reference: list[dict], live: list[dict]) -> Any:
    for data in [*reference, *live]:
        store.add_reading("invoice-fields", "v1", "production", used=True, item_id=None,
                          data=data)
    return drift_report(store, "invoice-fields", "v1", reference=REFERENCE, live=len(live))


@pytest.mark.slow
def test_an_unshifted_stream_raises_no_alert(store: Store, reference: list[dict]) -> None:
    found = _drift(store, reference, _stream(22, 60))
    assert found.ready and found.alerts == [], found.describe()
    assert {"language", "reading method", "confidence total", "accepted total"} <= {
        t.trait for t in found.traits}


@pytest.mark.slow
def test_another_language_is_drift(store: Store, reference: list[dict]) -> None:
    found = _drift(store, reference, _stream(23, 40, languages=("fr",)))
    assert "language" in [t.trait for t in found.alerts], found.describe()
    assert "language: PSI" in found.describe() and "fr 100%" in found.describe()


@pytest.mark.slow
def test_scans_only_are_drift(store: Store, reference: list[dict]) -> None:
    found = _drift(store, reference, _stream(24, 30, scanned=True))
    assert "reading method" in [t.trait for t in found.alerts], found.describe()


@pytest.mark.slow
def test_an_unknown_layout_family_is_drift(store: Store, reference: list[dict]) -> None:
    found = _drift(store, reference, _stream(25, 40, family="procedural-heldout"))
    drifted = {t.trait for t in found.alerts}
    assert "label familiarity" in drifted, found.describe()
    assert "language" not in drifted and "reading method" not in drifted, \
        found.describe()
