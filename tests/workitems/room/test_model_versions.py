"""The administrators' page of model versions: lineage, metrics, state, who promoted a
version and when, and the audit log's promotions and rollbacks."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from workitems import Store
from workitems.rollouts import change
from workitems.room import RoomSettings, create_app
from workitems.room import repository as repo
from workitems.room.item_views import ViewRegistry
from workitems.room.model_versions import DEFAULT_REGISTRY, model_versions, read_registry

from .conftest import login

# A model of another kind than the invoice scorer: the page knows models and versions.
REGISTRY = {
    "models": {
        "parcel-sorter": {"name": "parcel-sorter", "version": "2.0", "file": "ps.onnx",
                          "created": "2026-10-01T08:00:00+00:00",
                          "training": {"documents": 900},
                          "metrics": {"accuracy": 0.934, "ece": 0.012,
                                      "per_class": {"a": 0.9}}},
        "label-reader": {"name": "label-reader", "version": "7", "file": "lr.onnx",
                         "created": "2026-09-01T08:00:00+00:00",
                         "training": {"generator": "label-maker", "family": "train",
                                      "examples": 120, "code_revision": "abc1234"},
                         "metrics": {"held_out": {"f1": 0.88, "per_label": {"x": 1.0}}}},
    },
    "previous": {
        "parcel-sorter": [{"name": "parcel-sorter", "version": "1.0", "file": "ps-1.0.onnx",
                           "created": "2026-08-01T08:00:00+00:00",
                           "metrics": {"accuracy": 0.901}}],
        "label-reader": [{"name": "label-reader", "version": "6", "file": "lr-6.onnx",
                          "created": "2026-07-01T08:00:00+00:00", "metrics": {"f1": 0.8}}],
    },
    "versions": {"parcel-sorter": [
        {"version": "1.0", "created": "2026-08-01T08:00:00+00:00", "status": "retired",
         "lineage": {"datasets": [{"name": "scanned labels", "documents": 500}],
                     "documents": 500, "code_revision": "1111111", "parent": None},
         "history": [{"action": "replaced", "by": "anna", "at": "2026-10-02T09:00:00+00:00",
                      "replaced_by": "2.0"}]},
        {"version": "2.0", "created": "2026-10-01T08:00:00+00:00", "status": "production",
         "lineage": {"datasets": [{"name": "scanned labels", "documents": 500},
                                  {"name": "clerks' corrections", "documents": 400}],
                     "documents": 900, "code_revision": "2222222", "parent": "1.0"},
         "history": [{"action": "trained", "at": "2026-10-01T08:00:00+00:00"},
                     {"action": "promoted", "by": "anna", "at": "2026-10-02T09:00:00+00:00",
                      "replaced": "1.0", "evidence": {"documents": 40}}]},
        {"version": "3.0", "created": "2026-11-01T08:00:00+00:00", "status": "candidate",
         "metrics": {"accuracy": 0.95},
         "lineage": {"datasets": [{"name": "clerks' corrections", "documents": 650}],
                     "documents": 1150, "code_revision": "3333333", "parent": "2.0"},
         "history": [{"action": "trained", "at": "2026-11-01T08:00:00+00:00"}]},
    ]},
}


def _client(store: Store, registry: Path, username: str) -> TestClient:
    app = create_app(store, RoomSettings(secret_key="test-secret", model_registry=registry),
                     views=ViewRegistry())
    return login(TestClient(app, base_url="http://127.0.0.1"), username)


def _row(page: str, version: str) -> str:
    found = re.search(rf'<tr data-version="{re.escape(version)}">(.*?)</tr>', page, re.S)
    assert found, f"no row for version {version}"
    return html.unescape(re.sub(r"\s+", " ", found.group(1)))


def test_admins_see_every_version_with_lineage_state_and_promotions(
        room_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(REGISTRY))
    change(room_store, "anna", "model_canary", "parcel-sorter", candidate="3.0", mode="canary",
           share=0.1)
    repo.audit(room_store, "anna", "model_promotion_refused",
               details={"model": "parcel-sorter", "candidate": "3.0",
                        "reasons": ["only 12 confirmed documents, 30 needed"]})
    change(room_store, "ben", "model_rollback", "label-reader", production="6")
    repo.audit(room_store, "anna", "approve", item_id=None)  # not a model's: not listed

    with _client(room_store, path, "admin") as admin:
        response = admin.get("/admin/models")
    assert response.status_code == 200
    page = response.text
    assert page.index('id="model-label-reader"') < page.index('id="model-parcel-sorter"')

    newest_first = re.findall(r'<tr data-version="([^"]+)">', page)
    assert newest_first == ["7", "6", "3.0", "2.0", "1.0"]
    production = _row(page, "2.0")
    assert "production" in production
    assert "scanned labels: 500" in production and "clerks' corrections: 400" in production
    assert "900 in all" in production and "trained to replace 1.0" in production
    assert "2222222" in production
    assert "accuracy: 0.934" in production and "ece: 0.012" in production
    assert "per class" not in production  # a breakdown, not one number
    assert "anna" in production and "2026-10-02T09:00:00+00:00" in production
    candidate = _row(page, "3.0")
    assert "candidate" in candidate and "canary 10 %" in candidate
    assert "accuracy: 0.95" in candidate and "3333333" in candidate
    retired = _row(page, "1.0")
    assert "retired" in retired and "replaced by anna" in retired
    assert "accuracy: 0.901" in retired  # metrics of a previous entry
    # a model without a version list: its production and previous entries
    assert "production on every worker" not in _row(page, "7")
    assert "production on every worker" in _row(page, "6")  # the store's rollback
    latest = _row(page, "7")
    assert "abc1234" in latest and "label-maker train: 120" in latest
    assert "held out f1: 0.88" in latest and "per label" not in latest

    audit = re.search(r'<table id="model-audit">(.*?)</table>', page, re.S).group(1)
    audit = html.unescape(audit)
    rows = re.findall(r"<tr><td>(.*?)</tr>", audit, re.S)
    assert len(rows) == 3
    assert "ben" in rows[0] and "rollback" in rows[0] and "production: – -> 6" in rows[0]
    assert "promotion refused" in rows[1] and "only 12 confirmed documents" in rows[1]
    assert "canary" in rows[2] and "candidate: – -> 3.0" in rows[2]


def test_only_admins_see_the_versions(room_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(REGISTRY))
    for who in ("clerk1", "sup"):
        with _client(room_store, path, who) as client:
            response = client.get("/admin/models")
        assert response.status_code == 403
        assert "2222222" not in response.text


@pytest.mark.parametrize("content", ["{not json", json.dumps(["a", "list"])])
def test_an_unreadable_registry_is_said_on_the_page(room_store: Store, tmp_path: Path,
                                                    content: str) -> None:
    path = tmp_path / "registry.json"
    path.write_text(content)
    change(room_store, "anna", "model_rollback", "parcel-sorter", production="1.0")
    with _client(room_store, path, "admin") as admin:
        response = admin.get("/admin/models")
    assert response.status_code == 200
    assert 'id="registry-problem"' in response.text
    assert "rollback" in response.text  # the audit log is still shown
    with _client(room_store, tmp_path / "missing.json", "admin") as admin:
        assert "cannot be read" in admin.get("/admin/models").text


def test_the_projects_own_registry_lists_the_production_version() -> None:
    registry = read_registry(DEFAULT_REGISTRY)
    shown = {m.name: m for m in model_versions(registry)}
    for name, entry in registry["models"].items():
        assert shown[name].production == entry["version"]
        states = {v.version: v.state for v in shown[name].versions}
        assert states[entry["version"]] == "production"
        for version in shown[name].versions:  # each says what it was trained on, and how well
            assert version.datasets and all(d.count for d in version.datasets), version
            assert version.metrics, version
