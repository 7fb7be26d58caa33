"""Training end to end on a tiny generated set, into a temporary models folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from skills.documents import read_document
from skills.extract import extract
from skills.extract.model import load_scorer, previous_versions, sha256_of
from skills.train import (
    Outcome,
    expected_calibration_error,
    pick_threshold,
    pick_thresholds,
    set_aside_current,
    train,
    write_registry,
)
from skills.train import (
    metrics as training_metrics,
)


@pytest.mark.slow
def test_tiny_training_run_registers_a_working_model(tmp_path: Path) -> None:
    models = tmp_path / "models"
    entry = train(count=18, seed=3, scanned_share=0.0, iterations=8, models_dir=models,
                  data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", workers=1,
                  receipt_share=0.3, receipt_scanned_share=0.0, procedural=6,
                  procedural_scanned_share=0.0)
    registry = json.loads((models / "registry.json").read_text())
    registered = registry["models"]["invoice-fields"]
    model_file = models / registered["file"]
    assert registered["sha256"] == sha256_of(model_file) == entry["sha256"]
    assert model_file.stat().st_size < 1_000_000
    assert (models / "invoice-fields.md").read_text().startswith("# invoice-fields")
    metrics = registered["metrics"]
    for key in ("accuracy", "ece", "threshold", "precision_at_threshold",
                "straight_through_rate"):
        assert key in metrics
    assert registered["training"]["documents"] == 24
    assert registered["training"]["procedural"]["documents"] == 6
    assert registered["training"]["receipts"] > 0
    assert registered["training"]["family"] == "train"
    # The exported model runs through the normal extraction path.
    scorer = load_scorer(models)
    doc_path = next((tmp_path / "data").glob("*/*.pdf"))
    result = extract(read_document(doc_path.read_bytes(), doc_path.name), scorer)
    assert result.model_version == registered["version"]
    assert result.threshold == metrics["threshold"]
    assert result.thresholds == registered["metrics"]["thresholds"]


def test_a_new_version_keeps_the_one_it_replaces(tmp_path: Path) -> None:
    models = tmp_path
    (models / "invoice-fields.onnx").write_bytes(b"old model")
    old = {"name": "invoice-fields", "version": "1", "file": "invoice-fields.onnx",
           "sha256": sha256_of(models / "invoice-fields.onnx")}
    write_registry(models, old)
    set_aside_current(models)
    (models / "invoice-fields.onnx").write_bytes(b"new model")
    write_registry(models, {**old, "version": "2",
                            "sha256": sha256_of(models / "invoice-fields.onnx")})
    registry = json.loads((models / "registry.json").read_text())
    assert registry["models"]["invoice-fields"]["version"] == "2"
    kept = registry["previous"]["invoice-fields"][0]
    assert kept["version"] == "1" and kept["file"] == "invoice-fields-1.onnx"
    assert sha256_of(models / kept["file"]) == kept["sha256"]
    assert previous_versions(models) == ["1"]


def test_threshold_is_the_lowest_cut_meeting_the_precision() -> None:
    conf = np.array([0.99, 0.98, 0.97, 0.9, 0.8, 0.5])
    right = np.array([1, 1, 1, 1, 0, 0], dtype=float)
    assert pick_threshold(conf, right, target=0.995) == 0.9
    assert pick_threshold(conf, right, target=0.75) == 0.8
    assert pick_threshold(np.array([0.9]), np.array([0.0])) == 1.0  # nothing qualifies


def test_expected_calibration_error() -> None:
    conf = np.array([0.9] * 10)
    assert expected_calibration_error(conf, np.array([1.0] * 9 + [0.0])) == pytest.approx(0.0)
    assert expected_calibration_error(conf, np.zeros(10)) == pytest.approx(0.9)


def test_each_reading_method_gets_its_own_threshold() -> None:
    text = [Outcome(i, "total", 0.0, "value", True, "text") for i in range(4)]
    ocr = [Outcome(10 + i, "total", 0.0, "value", ok, "ocr")
           for i, ok in enumerate([True, True, False, True])]
    results = text + ocr
    conf = np.array([0.99, 0.95, 0.9, 0.85, 0.99, 0.97, 0.93, 0.9])
    assert pick_thresholds(results, conf, target=0.995, floor=0.0) == {"text": 0.85, "ocr": 0.97}
    thresholds = pick_thresholds(results, conf, target=0.995)  # never below 0.9
    assert thresholds == {"text": 0.9, "ocr": 0.97}
    found = training_metrics(results, conf, thresholds)
    assert found["precision_at_threshold"] == 1.0
    assert found["by_method"]["ocr"]["accepted_share"] == 0.5
    assert found["by_method"]["text"]["accepted_share"] == 0.75


def test_a_field_wrong_more_often_gets_a_higher_threshold_of_its_own() -> None:
    # 500 totals and 500 dates read from text layers: the dates are right above 0.92,
    # the totals only above 0.97.
    results, conf = [], []
    for i in range(500):
        c = 0.9 + 0.1 * i / 500
        results.append(Outcome(i, "invoice_date", c, "value", c >= 0.92))
        results.append(Outcome(i, "total", c, "value", c >= 0.97))
        conf += [c, c]
    thresholds = pick_thresholds(results, np.array(conf), target=0.995)
    assert thresholds["text:total"] > thresholds["text"]
    assert "text:invoice_date" not in thresholds  # never lower than the method's own
    found = training_metrics(results, np.array(conf), thresholds)
    assert found["precision_at_threshold"] >= 0.995
