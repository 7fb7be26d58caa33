"""Administrators see the records the bots keep in the store (learned layouts) and remove
one; nobody else may."""

from __future__ import annotations

from workitems import Store
from workitems.room import repository as repo

from .conftest import csrf_of


def test_an_admin_sees_a_learned_record_and_removes_it(make_client, room_store: Store) -> None:
    room_store.put_record("layout", "abc123", "name:acme", {
        "summary": {"vendor": "ACME GmbH", "documents seen": "3",
                    "fields read right / read at the learned place": "total 2/2"}},
        expected_version=0, actor="consumer")
    assert make_client("clerk1").get("/admin/records").status_code == 403
    admin = make_client("admin")
    shown = admin.get("/admin/records")
    assert shown.status_code == 200
    assert "ACME GmbH" in shown.text and "total 2/2" in shown.text and "name:acme" in shown.text

    answer = admin.post("/admin/records/remove", data={
        "csrf_token": csrf_of(shown.text), "kind": "layout", "key": "abc123"})

    assert answer.status_code == 200 and "removed" in answer.text
    assert room_store.records("layout") == []
    (entry,) = [a for a in repo.audit_entries(room_store) if a.action == "remove_record"]
    assert entry.actor == "admin" and entry.before["key"] == "abc123"
