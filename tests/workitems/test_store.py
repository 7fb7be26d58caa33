"""The store's contract, run once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import time

import pytest

from workitems import (
    Conflict,
    DuplicateReference,
    Duplicates,
    ExceptionType,
    FileTooLarge,
    InvalidFileName,
    InvalidInput,
    InvalidPayload,
    ItemNotFound,
    ItemState,
    LeaseLost,
    RetryPolicy,
    Settings,
    Step,
    Store,
    StoreUnavailable,
    open_store,
)

P = "ap"


@pytest.fixture(autouse=True)
def _steps(store: Store) -> None:
    store.register_process(P, [
        Step(process=P, name="consumer", next_step="reporter", lease_seconds=30,
             retry=RetryPolicy(max_attempts=3, initial_seconds=0.2, jitter=0)),
        Step(process=P, name="reporter"),
    ])


def kinds(store: Store, item_id: int) -> list[str]:
    return [e.kind for e in store.events(item_id)]


def test_an_item_goes_from_pending_to_done_with_its_files(store: Store) -> None:
    created = store.create_item(P, "consumer", {"vendor": "ACME"}, {"invoice.pdf": b"%PDF-1.7"})
    res = store.reserve(P, "consumer", "w1")
    assert res is not None and res.item_id == created.id and res.attempt == 1
    assert store.get_item(created.id).state is ItemState.IN_PROGRESS
    assert store.get_file(created.id, "invoice.pdf") == b"%PDF-1.7"
    store.complete(res.item_id, res.token, "w1")
    item = store.get_item(created.id)
    assert item.state is ItemState.DONE and item.lease_owner is None
    assert item.files == ["invoice.pdf"]
    assert kinds(store, created.id) == ["CREATED", "RESERVED", "COMPLETED"]
    assert store.reserve(P, "consumer", "w1") is None


def test_priority_first_then_oldest(store: Store) -> None:
    a = store.create_item(P, "consumer", {"n": "a"}).id
    b = store.create_item(P, "consumer", {"n": "b"}, priority=5).id
    c = store.create_item(P, "consumer", {"n": "c"}).id
    order = [store.reserve(P, "consumer", "w").item_id for _ in range(3)]  # type: ignore[union-attr]
    assert order == [b, a, c]


def test_a_reference_is_processed_once(store: Store) -> None:
    first = store.create_item(P, "consumer", {}, reference="sha-1")
    with pytest.raises(DuplicateReference) as info:
        store.create_item(P, "consumer", {}, reference="sha-1")
    assert info.value.existing_id == first.id
    merged = store.create_item(P, "consumer", {}, reference="sha-1", duplicates=Duplicates.MERGE)
    assert merged.id == first.id and not merged.created
    assert kinds(store, first.id) == ["CREATED", "MERGED"]
    # The same reference in another step is another item.
    assert store.create_item(P, "reporter", {}, reference="sha-1").created


def test_outputs_wait_for_their_parent_to_complete(store: Store) -> None:
    store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w1")
    assert res is not None
    out = store.create_output(res.item_id, {"doc": "5100001"})
    store.add_file(out, "report.txt", b"ok", actor="w1")
    assert store.reserve(P, "reporter", "w2") is None  # still a draft
    store.complete(res.item_id, res.token, "w1")
    nxt = store.reserve(P, "reporter", "w2")
    assert nxt is not None and nxt.item_id == out
    item = store.get_item(out)
    assert item.parent_id == res.item_id and item.files == ["report.txt"]


def test_a_failed_attempt_leaves_no_outputs(store: Store) -> None:
    store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w1")
    assert res is not None
    store.create_output(res.item_id, {"half": True})
    store.fail(res.item_id, res.token, "w1", ExceptionType.BUSINESS, "UNKNOWN_VENDOR", "who?")
    assert store.list_items(step="reporter") == []
    assert "OUTPUT_DISCARDED" in kinds(store, res.item_id)


def test_output_with_a_known_reference_is_merged(store: Store) -> None:
    existing = store.create_item(P, "reporter", {}, reference="inv-9").id
    store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w1")
    assert res is not None
    store.create_output(res.item_id, {"reference": "inv-9"})
    store.complete(res.item_id, res.token, "w1")
    assert [i.id for i in store.list_items(step="reporter")] == [existing]
    assert kinds(store, existing)[-1] == "MERGED"


def test_business_failure_waits_for_a_person(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    res = store.reserve(P, "consumer", "w1")
    assert res is not None
    state = store.fail(item_id, res.token, "w1", ExceptionType.BUSINESS, "PO_MISMATCH",
                       "PO 4500001 is closed")
    item = store.get_item(item_id)
    assert state is ItemState.FAILED and item.state is ItemState.FAILED
    assert (item.exception_type, item.exception_code) == (ExceptionType.BUSINESS, "PO_MISMATCH")
    assert item.exception_message == "PO 4500001 is closed"
    assert store.reserve(P, "consumer", "w1") is None


def test_application_failures_are_retried_with_backoff_then_failed(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    for attempt in (1, 2, 3):
        res = None
        deadline = time.time() + 5
        while res is None and time.time() < deadline:
            res = store.reserve(P, "consumer", "w1")
            if res is None:
                time.sleep(0.05)
        assert res is not None and res.attempt == attempt
        state = store.fail(item_id, res.token, "w1", ExceptionType.APPLICATION,
                           "ERP_UNAVAILABLE", "HTTP 503")
        if attempt < 3:
            assert state is ItemState.PENDING
            assert store.reserve(P, "consumer", "w1") is None  # not before the backoff
        else:
            assert state is ItemState.FAILED
    assert kinds(store, item_id).count("RETRY_SCHEDULED") == 2
    assert kinds(store, item_id)[-1] == "FAILED"


def test_an_expired_lease_returns_the_item_and_fences_the_old_worker(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    old = store.reserve(P, "consumer", "crashed-worker", lease_seconds=0.2)
    assert old is not None
    out = store.create_output(item_id, {"from": "crashed attempt"})
    time.sleep(0.3)
    assert store.reclaim_expired() == 1
    new = store.reserve(P, "consumer", "w2")
    assert new is not None and new.item_id == item_id and new.attempt == 2
    with pytest.raises(LeaseLost):
        store.complete(item_id, old.token, "crashed-worker")
    with pytest.raises(LeaseLost):
        store.renew(item_id, old.token, 30)
    store.complete(item_id, new.token, "w2")
    with pytest.raises(ItemNotFound):
        store.get_item(out)  # the crashed attempt's draft is gone
    assert kinds(store, item_id).count("COMPLETED") == 1


def test_a_poison_item_fails_after_its_attempts(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    for _ in range(3):
        assert store.reserve(P, "consumer", "w", lease_seconds=0.05) is not None
        time.sleep(0.1)
        store.reclaim_expired()
    item = store.get_item(item_id)
    assert item.state is ItemState.FAILED and item.exception_code == "LEASE_EXPIRED"


def test_heartbeat_keeps_the_lease(store: Store) -> None:
    store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w1", lease_seconds=0.3)
    assert res is not None
    for _ in range(4):
        time.sleep(0.1)
        store.renew(res.item_id, res.token, 0.3)
    assert store.reclaim_expired() == 0
    store.complete(res.item_id, res.token, "w1")


def test_people_retry_claim_and_close_failed_items(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {"total": "10.00"}).id
    res = store.reserve(P, "consumer", "w1")
    assert res is not None
    store.fail(item_id, res.token, "w1", ExceptionType.BUSINESS, "LOW_CONFIDENCE", "total?")
    version = store.get_item(item_id).version
    store.claim(item_id, "user:alice", expected_version=version)
    with pytest.raises(Conflict, match="claimed by user:alice"):
        store.claim(item_id, "user:bob")
    with pytest.raises(Conflict, match="changed since you opened it"):
        store.retry(item_id, "user:alice", expected_version=version)
    store.retry(item_id, "user:alice", payload={"total": "100.00"},
                expected_version=store.get_item(item_id).version)
    item = store.get_item(item_id)
    assert item.state is ItemState.PENDING and item.payload == {"total": "100.00"}
    assert item.attempts == 0 and item.exception_code is None and item.assignee is None
    with pytest.raises(Conflict, match="is PENDING"):
        store.claim(item_id, "user:bob")
    store.mark_done(item_id, "user:alice", reason="paid by hand")
    assert store.get_item(item_id).state is ItemState.DONE
    assert kinds(store, item_id)[-3:] == ["CLAIMED", "RETRIED", "MARKED_DONE"]
    assert store.events(item_id)[-1].actor == "user:alice"


@pytest.mark.parametrize("name", ["../../x", "a/b.pdf", "a\\b.pdf", "nul\x00.pdf", "..", "",
                                  "x..pdf"])
def test_file_names_that_are_paths_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InvalidFileName):
        store.create_item(P, "consumer", {}, {name: b"x"})
    assert store.list_items() == []  # nothing half written


def test_bad_payloads_and_sizes_are_refused(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'w.db'}", Settings(max_file_bytes=10)) as s:
        with pytest.raises(FileTooLarge, match="limit"):
            s.create_item(P, "consumer", {}, {"big.pdf": b"x" * 11})
        with pytest.raises(InvalidPayload):
            s.create_item(P, "consumer", {"x": float("nan")})
        with pytest.raises(InvalidPayload, match="cannot be stored as JSON"):
            s.create_item(P, "consumer", {"x": {1, 2}})
        assert s.list_items() == []


def test_unknown_items_and_files_are_named(store: Store) -> None:
    with pytest.raises(ItemNotFound, match="no work item with id 999"):
        store.get_item(999)
    with pytest.raises(ItemNotFound):
        store.add_file(999, "a.pdf", b"x", actor="w")
    item_id = store.create_item(P, "consumer", {}).id
    with pytest.raises(InvalidInput, match="no file named 'missing.pdf'"):
        store.get_file(item_id, "missing.pdf")
    with pytest.raises(ItemNotFound):
        store.retry(999, "user:alice")


def test_the_event_log_is_append_only(store: Store) -> None:
    store.create_item(P, "consumer", {})
    with pytest.raises(Exception, match="append-only"), store.db.transaction() as cur:
        cur.execute("UPDATE events SET actor = 'someone else'")
    with pytest.raises(Exception, match="append-only"), store.db.transaction() as cur:
        cur.execute("DELETE FROM events")
    assert store.events()[0].actor == "system"


def test_reopening_keeps_the_schema_and_data(store_url: str) -> None:
    with open_store(store_url) as first:
        item_id = first.create_item(P, "consumer", {"a": 1}).id
        version = first.schema_version
    with open_store(store_url) as again:
        assert again.schema_version == version
        assert again.get_item(item_id).payload == {"a": 1}


def test_counts_by_step_and_state(store: Store) -> None:
    for _ in range(3):
        store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w")
    assert res is not None
    store.complete(res.item_id, res.token, "w")
    assert store.counts(P)[(P, "consumer")] == {"PENDING": 2, "DONE": 1}


def test_an_unreachable_database_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(StoreUnavailable, match="cannot reach PostgreSQL"):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises((StoreUnavailable, OSError)):
        open_store(f"sqlite:///{blocker / 'sub' / 'w.db'}")
    with pytest.raises(StoreUnavailable, match="unsupported database URL"):
        open_store("mysql://x")


def test_payload_limits_and_file_names_that_disguise_their_type(store: Store) -> None:
    deep: list = []
    for _ in range(100_000):  # deeper than Python's recursion limit
        deep = [deep]
    with pytest.raises(InvalidPayload, match="nested more than") as caught:
        store.create_item(P, "consumer", {"x": deep})
    assert caught.value.code == "INVALID_PAYLOAD"
    with pytest.raises(InvalidPayload, match="limit is 5 MB"):
        store.create_item(P, "consumer", {"blob": "x" * 6_000_000})
    for name in ("invoice\u202efdp.exe", "a\u2066b.pdf", "x\u200f.pdf", "bell\x7f.pdf"):
        with pytest.raises(InvalidFileName):
            store.create_item(P, "consumer", {}, {name: b"%PDF"})
    assert store.list_items() == []
