"""The evaluation command on synthetic sets and, when present, the real documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devdata.generator import generate_set
from skills.evaluate import detect_format, evaluate, invoice2data_cases, main, sroie_cases

ROOT = Path(__file__).resolve().parents[2]
REALDATA = Path(os.environ.get("AP_REALDATA", ROOT.parent / "shared" / "realdata"))


def test_synthetic_set_is_scored_and_ends_with_a_json_line(tmp_path: Path, capsys) -> None:
    generate_set(tmp_path, 4, seed=77, family="heldout")
    assert detect_format(tmp_path) == "synthetic"
    assert main([str(tmp_path)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last)
    assert summary["documents"] == 4 and summary["format"] == "synthetic"
    assert 0.0 <= summary["accuracy"] <= 1.0
    assert set(summary["accuracy_per_field"]) >= {"total", "invoice_number", "vendor_name"}
    for key in ("straight_through_rate", "precision_at_threshold", "ece", "seconds_per_page",
                "accuracy_strict", "thresholds"):
        assert key in summary
    assert summary["accuracy_per_field_strict"]["vendor_name"] <= summary["accuracy_per_field"][
        "vendor_name"]
    assert "legal forms" in summary["vendor_comparison"]
    # How far the pages are from the training layouts, and the figures by that distance.
    assert 0.0 <= summary["layout_distance_median"] <= 1.0
    bands = summary["by_layout_distance"]
    assert sum(b["documents"] for b in bands) == 4
    assert all(b["from"] < b["to"] and 0.0 <= b["accuracy"] <= 1.0 for b in bands)


def test_learn_replays_recurring_layouts_and_counts_corrections(tmp_path: Path,
                                                                capsys) -> None:
    """Two vendors, three invoices each, taking turns: each layout is first seen once, then
    read after one and after two corrections."""
    generate_set(tmp_path, 6, seed=5, family="procedural-heldout", layout_repeat=3)
    assert main([str(tmp_path), "--learn"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    buckets = summary["buckets"]
    assert summary["layouts"] == 2
    assert [buckets[b]["documents"] for b in ("first seen", "after 1", "after 2")] == [2, 2, 2]
    assert buckets["first seen"]["recognised"] == 0.0
    assert buckets["after 1"]["recognised"] == 1.0 and buckets["after 2"]["recognised"] == 1.0
    first = buckets["first seen"]
    # Nothing learned yet: the memory changes nothing on a layout's first invoice.
    assert first["with_memory"] == first["model_alone"]
    assert summary["recall_ms_mean"] is not None


def test_learn_with_misses_lists_what_the_memory_read_wrongly(tmp_path: Path,
                                                             capsys) -> None:
    generate_set(tmp_path, 4, seed=5, family="procedural-heldout", layout_repeat=2)
    assert main([str(tmp_path), "--learn", "--misses"]) == 0
    out = capsys.readouterr().out
    assert "wrong fields with the layout memory" in out
    table, last = out.strip().rsplit("\n", 1)
    summary = json.loads(last)
    rows = [line for line in table.splitlines() if "procedural-heldout-5-" in line]
    fields = 4 * 12  # four invoices, twelve header fields each
    wrong = round(fields * (1 - summary["overall"]["with_memory"]["accuracy"]))
    assert len(rows) == wrong  # one row per wrong field (none wraps at this width)


def test_mixed_sets_are_also_scored_per_method_and_kind(tmp_path: Path) -> None:
    generate_set(tmp_path, 4, seed=3, family="heldout", receipt_share=0.5,
                 receipt_scanned_share=0.0)
    summary = evaluate(tmp_path)
    assert {"kind=invoice", "kind=receipt"} <= set(summary["groups"])
    assert sum(g["documents"] for k, g in summary["groups"].items()
               if k.startswith("kind=")) == 4


def test_formats_are_detected(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "key").mkdir()
    assert detect_format(tmp_path) == "sroie"
    other = tmp_path / "i2d"
    other.mkdir()
    (other / "a.json").write_text(json.dumps([{"issuer": "X", "amount": 1.5}]))
    assert detect_format(other) == "invoice2data"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no documents"):
        detect_format(empty)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    assert main([str(tmp_path / "nope")]) == 2


@pytest.mark.skipif(not (REALDATA / "invoices").is_dir(),
                    reason="real invoices not present (../shared/realdata or AP_REALDATA)")
def test_real_invoices_are_read_with_normalised_truth() -> None:
    cases = list(invoice2data_cases(REALDATA / "invoices"))
    assert cases and all(c.path.suffix == ".pdf" for c in cases)
    assert all(c.truth.get("total") is None or "." in c.truth["total"] for c in cases)
    summary = evaluate(REALDATA / "invoices", "invoice2data")
    assert summary["documents"] == len(cases)
    assert summary["errors"] == 0


@pytest.mark.skipif(not (REALDATA / "sroie").is_dir(),
                    reason="SROIE receipts not present (../shared/realdata or AP_REALDATA)")
def test_sroie_truth_is_normalised() -> None:
    cases = list(sroie_cases(REALDATA / "sroie"))
    assert cases
    assert all(len(c.truth.get("invoice_date") or "2000-01-01") == 10 for c in cases)
