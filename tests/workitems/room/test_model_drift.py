"""Model versions and their drift in the Control Room: the overview's alert, /metrics and
the JSON API. The store and the room know readings only as categories of traits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from workitems import Store
from workitems.rollouts import change, rollout
from workitems.room import RoomSettings, create_app
from workitems.room import repository as repo
from workitems.room.drift import compare, drift_report, psi

from .conftest import login


def _feed(store: Store, version: str, traits: list[dict[str, str]]) -> None:
    for t in traits:
        store.add_reading("scorer", version, "production", used=True, item_id=None,
                          data={"traits": t})


def _mix(n: int, share_b: float, trait: str = "source") -> list[dict[str, str]]:
    """``n`` readings, the first ``share_b`` of them "b", the others "a"."""
    return [{trait: "b" if i < share_b * n else "a", "pages": "1"} for i in range(n)]


def test_psi_is_zero_for_the_same_mix_and_large_for_a_new_one() -> None:
    from collections import Counter

    same, _ = psi(Counter(a=50, b=50), Counter(a=50, b=50))
    assert same == pytest.approx(0.0)
    moved, cats = psi(Counter(a=90, b=10), Counter(a=10, b=90))
    assert cats == 2 and moved > 1.5
    # The same PSI is not drift on a handful of readings: chance explains it there.
    few = next(t for t in compare(_mix(4, 0.0), _mix(4, 0.5)) if t.trait == "source")
    assert few.psi >= 0.25 and not few.drifted


def _client(store: Store, username: str) -> TestClient:
    """The app with drift windows of 60 readings."""
    app = create_app(store, RoomSettings(secret_key="test-secret", drift_reference=60,
                                         drift_live=60))
    return login(TestClient(app, base_url="http://127.0.0.1"), username)


def test_drift_shows_on_the_overview_metrics_and_api(room_store: Store) -> None:
    _feed(room_store, "v1", _mix(60, 0.1))
    _feed(room_store, "v1", _mix(60, 0.8))
    _feed(room_store, "v2", _mix(50, 0.5) * 2)  # steady: no alert
    report = drift_report(room_store, "scorer", "v1", reference=60, live=60)
    assert [t.trait for t in report.alerts] == ["source"]
    assert not drift_report(room_store, "scorer", "v2", reference=50, live=50).alerts

    change(room_store, "admin", "model_canary", "scorer", candidate="v2", mode="canary",
           share=0.25)
    assert rollout(room_store, "scorer").share == 0.25
    sup = _client(room_store, "sup")
    page = sup.get("/overview").text
    assert "Model drift: scorer v1" in page and "source: PSI" in page
    assert "Model drift: scorer v2" not in page
    assert "<td>v2</td><td>canary</td>" in page
    metrics = sup.get("/metrics").text
    assert 'workitems_model_drift_alerts{model="scorer",version="v1"} 1' in metrics
    assert 'workitems_model_drift_alerts{model="scorer",version="v2"} 0' in metrics
    assert 'workitems_model_drift_psi{model="scorer",version="v1",trait="source"}' in metrics
    figures = sup.get("/api/v1/overview", headers=_token(sup, room_store)).json()
    assert figures["models"][0]["candidate"] == "v2"
    assert {d["version"]: d["alerts"] for d in figures["drift"]} == {"v1": ["source"], "v2": []}
    [entry] = [e for e in repo.audit_entries(room_store) if e.action == "model_canary"]
    assert entry.actor == "admin" and entry.after["candidate"] == "v2"


def test_a_window_too_small_gives_no_verdict(room_store: Store) -> None:
    _feed(room_store, "v1", _mix(10, 0.0) + _mix(10, 1.0))
    report = drift_report(room_store, "scorer", "v1", reference=10, live=10)
    assert not report.ready and report.alerts == []
    assert "too few readings" in report.describe()


def _token(client: TestClient, store: Store) -> dict[str, str]:
    found = repo.password_hash_of(store, "sup")
    assert found is not None
    repo.create_token(store, found[0].id, "test", "a-long-random-test-token")
    return {"Authorization": "Bearer a-long-random-test-token"}
