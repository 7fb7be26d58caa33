"""The store's contract, run once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from workitems import (
    BreakerPolicy,
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


def test_a_paused_holder_cannot_overwrite_an_item_another_worker_finished(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {"posting": None}, {"invoice.pdf": b"%PDF"}).id
    paused = store.reserve(P, "consumer", "paused-worker", lease_seconds=0.2)
    assert paused is not None
    draft = store.create_output(item_id, {"from": "paused"}, "paused-worker", token=paused.token)
    store.save_payload(item_id, {"posting": None, "started": 1}, "paused-worker",
                       token=paused.token)  # allowed while the lease holds
    time.sleep(0.3)  # the holder is stopped past its lease
    store.reclaim_expired()
    other = store.reserve(P, "consumer", "w2")
    assert other is not None and other.item_id == item_id
    store.save_payload(item_id, {"posting": {"document_number": "5100001"}}, "w2",
                       token=other.token)
    store.complete(item_id, other.token, "w2")
    finished = store.get_item(item_id)

    # The paused holder resumes: every write it tries is refused, the DONE item is unchanged.
    writes = [
        lambda: store.save_payload(item_id, {"posting": None}, "paused-worker",
                                   token=paused.token),
        lambda: store.add_file(item_id, "late.txt", b"x", "paused-worker", token=paused.token),
        lambda: store.remove_file(item_id, "invoice.pdf", "paused-worker", token=paused.token),
        lambda: store.create_output(item_id, {"late": True}, "paused-worker",
                                    token=paused.token),
    ]
    for write in writes:
        with pytest.raises(LeaseLost, match="DONE"):
            write()
    with pytest.raises(ItemNotFound):  # its draft went with its attempt
        store.save_payload(draft, {"x": 1}, "paused-worker", token=paused.token)
    after = store.get_item(item_id)
    assert after == finished and after.state is ItemState.DONE
    assert after.payload == {"posting": {"document_number": "5100001"}}
    assert after.files == ["invoice.pdf"]
    assert store.list_items(process=P, step="reporter") == [], "no output of the paused one"


def test_a_draft_output_is_written_under_its_parents_lease(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    res = store.reserve(P, "consumer", "w1", lease_seconds=0.2)
    assert res is not None
    out = store.create_output(item_id, {"n": 1}, "w1", token=res.token)
    store.save_payload(out, {"n": 2}, "w1", token=res.token)
    store.add_file(out, "report.txt", b"ok", "w1", token=res.token)
    with pytest.raises(LeaseLost):
        store.save_payload(out, {"n": 3}, "w1", token="not-the-token")
    time.sleep(0.3)
    store.reclaim_expired()
    with pytest.raises((LeaseLost, ItemNotFound)):
        store.save_payload(out, {"n": 4}, "w1", token=res.token)
    assert store.get_item(item_id).state is ItemState.PENDING


def test_a_poison_item_fails_after_its_attempts(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    for _ in range(3):
        assert store.reserve(P, "consumer", "w", lease_seconds=0.05) is not None
        time.sleep(0.1)
        store.reclaim_expired()
    item = store.get_item(item_id)
    assert item.state is ItemState.FAILED and item.exception_code == "LEASE_EXPIRED"
    assert "stopped 3 times" in item.exception_message


def test_lease_expired_counts_the_expiries_not_all_attempts(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {}).id
    for _ in range(2):  # two ordinary retryable failures
        res = store.reserve(P, "consumer", "w")
        assert res is not None
        store.fail(item_id, res.token, "w", ExceptionType.APPLICATION, "ERP_UNAVAILABLE")
        with store.db.transaction() as cur:
            cur.execute("UPDATE items SET available_at = 0 WHERE id = :id", {"id": item_id})
    assert store.reserve(P, "consumer", "w", lease_seconds=0.05) is not None
    time.sleep(0.1)
    store.reclaim_expired()  # the third and last attempt: the worker died
    item = store.get_item(item_id)
    assert item.exception_code == "LEASE_EXPIRED"
    assert "stopped once" in item.exception_message
    assert "3 attempts in all; the other 2 ended in retryable errors" in item.exception_message


def _settling_step(store: Store) -> None:
    store.register_process(P, [Step(process=P, name="settled", retry=RetryPolicy(
        max_attempts=2, initial_seconds=0, jitter=0, settling_attempt=True))])


def _expire_attempts(store: Store, n: int) -> None:
    for _ in range(n):
        res = store.reserve(P, "settled", "w", lease_seconds=0.05)
        assert res is not None and not res.settling
        time.sleep(0.1)
        store.reclaim_expired()


def test_a_killed_last_attempt_earns_one_settling_attempt(store: Store) -> None:
    _settling_step(store)
    done_id = store.create_item(P, "settled", {"n": 1}).id
    _expire_attempts(store, 2)  # the last attempt's bot was killed
    item = store.get_item(done_id)
    assert (item.state, item.attempts) == (ItemState.PENDING, 2), "not failed unasked"
    assert item.exception_code == "LEASE_EXPIRED", "the expiry is on record meanwhile"
    assert store.events(done_id)[-1].details["settling_attempt_next"] is True
    settling = store.reserve(P, "settled", "w")
    assert settling is not None and settling.settling and settling.attempt == 3
    assert store.events(done_id)[-1].details == {"attempt": 3, "settling": True}
    store.complete(done_id, settling.token, "w")  # the target system had the work done
    assert store.get_item(done_id).state is ItemState.DONE

    failed_id = store.create_item(P, "settled", {"n": 2}).id
    _expire_attempts(store, 2)
    settling = store.reserve(P, "settled", "w")
    assert settling is not None and settling.settling
    state = store.fail(failed_id, settling.token, "w", ExceptionType.APPLICATION,
                       "LEASE_EXPIRED", "not done outside either")
    assert state is ItemState.FAILED, "the settling attempt is never retried"


def test_a_settling_attempt_that_dies_too_fails_the_item(store: Store) -> None:
    _settling_step(store)
    item_id = store.create_item(P, "settled", {}).id
    _expire_attempts(store, 2)
    assert store.reserve(P, "settled", "w", lease_seconds=0.05).settling
    time.sleep(0.1)
    store.reclaim_expired()
    item = store.get_item(item_id)
    assert (item.state, item.exception_code, item.attempts) == (
        ItemState.FAILED, "LEASE_EXPIRED", 3)
    assert "stopped 3 times" in item.exception_message
    assert store.reserve(P, "settled", "w") is None


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


def test_an_item_settled_outside_the_bots_gets_its_payload_and_outputs(store: Store) -> None:
    item_id = store.create_item(P, "consumer", {"reference": "inv-1", "done": False}).id
    res = store.reserve(P, "consumer", "w", lease_seconds=0.05)
    assert res is not None
    store.create_output(item_id, {"reference": "inv-1", "from": "dead attempt"}, "w",
                        token=res.token)
    store.fail(item_id, res.token, "w", ExceptionType.APPLICATION, "ERP_UNAVAILABLE")
    store.mark_done(item_id, "reconciliation", reason="found elsewhere",
                    payload={"reference": "inv-1", "done": True},
                    outputs=[{"reference": "inv-1", "done": True}])
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE and item.payload["done"] is True
    [output] = store.list_items(step="reporter")
    assert output.parent_id == item_id and output.payload == {"reference": "inv-1", "done": True}
    assert output.state is ItemState.PENDING
    done = store.events(item_id)[-1]
    assert done.kind == "MARKED_DONE" and done.details["previous_code"] == "ERP_UNAVAILABLE"


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


BREAKER = BreakerPolicy(target="erp", codes=["ERP_UNAVAILABLE"], after=2, open_seconds=0.3,
                        factor=2, max_open_seconds=0.5)


def _fail_next(store: Store, code: str = "ERP_UNAVAILABLE") -> int:
    res = store.reserve(P, "guarded", "w")
    assert res is not None, "an item was handed out"
    store.fail(res.item_id, res.token, "w", ExceptionType.APPLICATION, code, "down")
    return res.item_id


def test_a_circuit_breaker_holds_the_queue_while_the_target_is_down(store: Store) -> None:
    store.register_process(P, [Step(process=P, name="guarded", retry=RetryPolicy(
        max_attempts=2, initial_seconds=60, jitter=0, breaker=BREAKER))])
    ids = [store.create_item(P, "guarded", {"n": n}).id for n in range(4)]
    first = _fail_next(store)  # below the threshold: an ordinary retry, attempt spent
    assert store.get_item(first).attempts == 1
    second = _fail_next(store)  # the threshold: the breaker opens
    assert second != first
    [breaker] = store.breakers()
    assert (breaker.state, breaker.target, breaker.failures) == ("OPEN", "erp", 2)
    item = store.get_item(second)
    assert item.state is ItemState.PENDING and item.attempts == 0, "its attempt was refunded"
    assert store.events(second)[-1].details["attempt_refunded"] is True

    # Open: nothing is handed out, nothing spends an attempt, no worker is started.
    assert store.reserve(P, "guarded", "w") is None and store.available(P, "guarded") == 0
    time.sleep(0.35)
    assert store.available(P, "guarded") == 1, "one probe, not the whole queue"
    probe = store.reserve(P, "guarded", "w")
    assert probe is not None and store.breakers()[0].state == "HALF_OPEN"
    assert store.reserve(P, "guarded", "w2") is None, "one probe at a time"
    store.fail(probe.item_id, probe.token, "w", ExceptionType.APPLICATION, "ERP_UNAVAILABLE")
    reopened = store.breakers()[0]
    assert reopened.state == "OPEN" and reopened.open_seconds == 0.5  # 0.3 x 2, capped
    assert store.get_item(probe.item_id).state is ItemState.PENDING

    time.sleep(0.55)
    probe = store.reserve(P, "guarded", "w")
    assert probe is not None
    store.complete(probe.item_id, probe.token, "w")  # the target answers again
    assert store.breakers()[0].state == "CLOSED" and store.breakers()[0].failures == 0
    assert store.events(probe.item_id)[-1].details == {"breaker_closed": True}
    while (res := store.reserve(P, "guarded", "w")) is not None:
        store.complete(res.item_id, res.token, "w")
    states = [store.get_item(i).state for i in ids]
    assert states == [ItemState.PENDING] + [ItemState.DONE] * 3, "the first waits its backoff"


def test_only_the_breakers_codes_count_and_a_success_resets_it(store: Store) -> None:
    store.register_process(P, [Step(process=P, name="guarded", retry=RetryPolicy(
        max_attempts=5, initial_seconds=0, jitter=0, breaker=BREAKER))])
    for n in range(4):
        store.create_item(P, "guarded", {"n": n})
    _fail_next(store, "LOCATOR_NOT_FOUND")  # the item's own trouble, not the target's
    _fail_next(store)
    ok = store.reserve(P, "guarded", "w")
    assert ok is not None
    store.complete(ok.item_id, ok.token, "w")
    _fail_next(store)  # one after a success: still closed
    assert store.breakers()[0].state == "CLOSED" and store.breakers()[0].failures == 1
    assert store.reserve(P, "guarded", "w") is not None


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


def test_concurrent_workers_take_and_complete_each_item_exactly_once(store_url: str) -> None:
    """Four workers, each with its own connection, drain one queue; the event log shows
    every item reserved once and completed once, in that order."""
    with open_store(store_url) as setup:
        setup.register_process(P, [Step(process=P, name="consumer")])
        ids = {setup.create_item(P, "consumer", {"n": n}).id for n in range(120)}

    def drain(name: str) -> int:
        done = 0
        with open_store(store_url) as store:
            while (res := store.reserve(P, "consumer", name)) is not None:
                store.complete(res.item_id, res.token, name)
                done += 1
        return done

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(drain, [f"w{i}" for i in range(4)]))
    assert sum(counts) == len(ids)
    with open_store(store_url) as store:
        events = [e for e in store.events(limit=10_000) if e.item_id in ids]
        assert {i.state for i in store.list_items(process=P, limit=1000)} == {ItemState.DONE}
    for item_id in ids:
        mine = [(e.kind, e.to_state) for e in events if e.item_id == item_id]
        assert mine == [("CREATED", "PENDING"), ("RESERVED", "IN_PROGRESS"),
                        ("COMPLETED", "DONE")], item_id


def test_a_lease_taken_without_waiting_for_the_disk_leaves_completions_durable(
        store: Store) -> None:
    """On PostgreSQL, taking a lease skips the WAL flush for its own transaction only: the
    completion that follows on the same connection is flushed before it returns."""
    if store.dialect != "postgres":
        pytest.skip("SQLite has no per-transaction flush setting")
    store.create_item(P, "consumer", {})
    res = store.reserve(P, "consumer", "w")
    assert res is not None
    with store.db.transaction() as cur:
        assert cur.execute("SHOW synchronous_commit") == [{"synchronous_commit": "on"}]
    store.complete(res.item_id, res.token, "w")
    assert [(e.kind, e.details) for e in store.events(res.item_id)][1:] == [
        ("RESERVED", {"attempt": 1}), ("COMPLETED", {})]
