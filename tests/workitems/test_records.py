"""The store's keyed, versioned records, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from workitems import Conflict, Store


def test_a_record_is_saved_at_the_version_it_was_read(store: Store) -> None:
    first = store.put_record("note", "a", "g1", {"n": 1}, expected_version=0, actor="w1")
    assert (first.version, first.data, first.updated_by) == (1, {"n": 1}, "w1")
    second = store.put_record("note", "a", "g1", {"n": 2}, expected_version=1)
    assert second.version == 2
    with pytest.raises(Conflict):  # another worker saved version 2 meanwhile
        store.put_record("note", "a", "g1", {"n": 3}, expected_version=1)
    with pytest.raises(Conflict):  # a new record under a key that exists
        store.put_record("note", "a", "g1", {"n": 3}, expected_version=0)
    assert store.records("note")[0].data == {"n": 2}


def test_records_are_found_by_group_and_kind_and_removed(store: Store) -> None:
    store.put_record("note", "a", "g1", {}, expected_version=0)
    store.put_record("note", "b", "g2", {}, expected_version=0)
    store.put_record("other", "c", "g1", {}, expected_version=0)
    assert [r.key for r in store.records("note", ["g1", "g3"])] == ["a"]
    assert [r.key for r in store.records("note", [])] == []
    assert store.delete_record("note", "a") and not store.delete_record("note", "a")
    assert [r.key for r in store.records("note")] == ["b"]
