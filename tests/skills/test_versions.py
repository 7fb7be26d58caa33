"""The registry's version list: lineage, candidates, promotion and rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skills.extract.model import read_registry, sha256_of
from skills.extract.versions import (
    VersionError,
    add_candidate,
    promote,
    rollback,
    version_entry,
    versions,
)
from skills.train import write_registry

ROOT = Path(__file__).resolve().parents[2]


def _entry(models: Path, version: str, file: str, **training: object) -> dict:
    (models / file).write_bytes(f"model {version}".encode())
    return {"name": "invoice-fields", "version": version, "file": file,
            "sha256": sha256_of(models / file), "created": f"{version}T00:00:00+00:00",
            "training": {"generator": "devdata.generator", "seed": 7, "family": "train",
                         "documents": 100, **training},
            "metrics": {"threshold": 0.9, "thresholds": {"text": 0.9}}}


def test_the_committed_registry_lists_every_version_and_keeps_its_entries() -> None:
    registry = json.loads((ROOT / "models" / "registry.json").read_text())
    production = json.loads(json.dumps(registry["models"]["invoice-fields"]))
    assert "versions" in registry
    # A version trained into production since the list was written joins it when read.
    listed = {v["version"]: v for v in versions(registry)}
    assert registry["models"]["invoice-fields"] == production
    assert listed[production["version"]]["status"] == "production"
    assert listed[production["version"]]["sha256"] == production["sha256"]
    for old in registry["previous"]["invoice-fields"]:
        assert listed[old["version"]]["status"] == "retired"
    assert all(v["lineage"]["datasets"] for v in listed.values())


def test_a_candidate_is_promoted_and_rolled_back(tmp_path: Path) -> None:
    write_registry(tmp_path, _entry(tmp_path, "1", "invoice-fields.onnx"))
    candidate = _entry(tmp_path, "2", "invoice-fields-2.onnx", parent="1",
                       corrections=[{"name": "clerk corrections", "documents": 12}])
    add_candidate(candidate, {"datasets": [{"name": "clerk corrections"}], "parent": "1"},
                  tmp_path)
    registry = read_registry(tmp_path)
    assert registry["models"]["invoice-fields"]["version"] == "1"
    assert version_entry(registry, "2")["file"] == "invoice-fields-2.onnx"
    with pytest.raises(VersionError, match="exists already"):
        add_candidate(candidate, {}, tmp_path)

    promote("2", "admin", {"fields_won": 9}, tmp_path)
    registry = read_registry(tmp_path)
    assert registry["models"]["invoice-fields"]["version"] == "2"
    kept = registry["previous"]["invoice-fields"][0]
    # The old production file keeps its bytes under a name a later training cannot reuse.
    assert kept["file"] == "invoice-fields-1.onnx"
    assert sha256_of(tmp_path / kept["file"]) == kept["sha256"]
    listed = {v["version"]: v for v in versions(registry)}
    assert listed["2"]["status"] == "production" and listed["1"]["status"] == "retired"
    assert listed["2"]["history"][-1] | {"at": None} == {
        "action": "promoted", "by": "admin", "at": None, "replaced": "1",
        "evidence": {"fields_won": 9}}
    with pytest.raises(VersionError, match="not a candidate"):
        promote("2", "admin", None, tmp_path)

    assert rollback("sup", "misses", tmp_path) == ("2", "1")
    registry = read_registry(tmp_path)
    assert registry["models"]["invoice-fields"]["file"] == "invoice-fields-1.onnx"
    listed = {v["version"]: v for v in versions(registry)}
    assert (listed["1"]["status"], listed["2"]["status"]) == ("production", "rolled_back")
    assert listed["2"]["history"][-1]["by"] == "sup"


def test_a_version_trained_into_production_retires_the_one_before(tmp_path: Path) -> None:
    write_registry(tmp_path, _entry(tmp_path, "1", "invoice-fields.onnx"))
    registry = read_registry(tmp_path)
    versions(registry)
    (tmp_path / "registry.json").write_text(json.dumps(registry))
    write_registry(tmp_path, _entry(tmp_path, "2", "invoice-fields.onnx"))
    listed = {v["version"]: v["status"] for v in versions(read_registry(tmp_path))}
    assert listed == {"1": "retired", "2": "production"}
