"""The robocorp.workitems surface over our adapter, on SQLite and PostgreSQL.

Robocorp's own ``Context``, ``Input`` and ``Output`` drive :class:`StoreAdapter` the way
a bot does (``workitems.inputs`` is this same context), so what passes here holds for a
bot run by a worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from robocorp.workitems import BusinessException, EmptyQueue, State
from robocorp.workitems._context import Context

from workitems import ItemState, Store
from workitems.adapter import StoreAdapter
from workitems.config import Settings

P, STEP = "ap", "consumer"

# Every kind of JSON value Robocorp allows as a payload.
PAYLOADS = [{"a": 1, "nested": {"list": [1, "x", None]}}, [1, 2, 3], "hello", '{"a": 1}',
            42, 3.5, True, False, None, [], {}, ""]


@pytest.fixture
def context(store: Store, store_url: str) -> Iterator[Context]:
    settings = Settings(db_url=store_url, process=P, step=STEP)
    adapter = StoreAdapter(settings=settings)  # its own connection, as in a bot process
    yield Context(adapter=adapter)
    adapter.close()


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(p)[:20] for p in PAYLOADS])
def test_any_json_payload_is_stored_and_returned_exactly(store: Store, context: Context,
                                                         payload) -> None:
    item_id = store.create_item(P, STEP, payload).id
    assert _same(store.get_item(item_id).payload, payload)

    item = context.reserve_input()
    assert _same(item.payload, payload)
    item.payload = [payload, "again"]
    item.save()
    output = item.create_output()
    output.payload = payload
    output.save()
    item.done()

    assert _same(store.load_payload(item_id), [payload, "again"])
    (published,) = store.list_items(step=_next(store))
    assert _same(published.payload, payload)


def test_files_payloads_and_outputs_through_the_whole_surface(store: Store, context: Context,
                                                                tmp_path: Path) -> None:
    store.create_item(P, STEP, {"n": 1}, {"invoice.pdf": b"%PDF-1 one"})
    store.create_item(P, STEP, {"n": 2})

    first = context.reserve_input()
    assert first.files == ["invoice.pdf"]
    assert first.get_file("invoice.pdf", tmp_path / "a.pdf").read_bytes() == b"%PDF-1 one"
    (tmp_path / "note.txt").write_text("checked")
    first.add_file(tmp_path / "note.txt")
    first.remove_file("invoice.pdf")
    first.save()
    with first.create_output() as output:
        output.payload = {"posted": True}
        output.add_file(tmp_path / "note.txt", name="proof.txt")
        output.save()
    first.done()
    assert first.state is State.DONE and first.released
    with pytest.raises(RuntimeError, match="already released"):
        first.done()

    second = context.reserve_input()
    with second:
        raise BusinessException("closed PO", code="PO_MISMATCH")
    assert second.state is State.FAILED
    with pytest.raises(EmptyQueue):
        context.reserve_input()

    items = {i.id: i for i in store.list_items(step=STEP)}
    done_item = items[int(first.id)]
    failed_item = items[int(second.id)]
    assert done_item.state is ItemState.DONE
    assert store.list_files(done_item.id) == ["note.txt"]
    assert failed_item.state is ItemState.FAILED
    assert (failed_item.exception_type, failed_item.exception_code,
            failed_item.exception_message) == ("BUSINESS", "PO_MISMATCH", "closed PO")
    (published,) = store.list_items(step=_next(store))
    assert published.payload == {"posted": True}
    assert store.list_files(published.id) == ["proof.txt"]
    assert store.get_file(published.id, "proof.txt") == b"checked"


def test_an_output_for_a_released_input_is_refused(store: Store, context: Context) -> None:
    store.create_item(P, STEP, {"n": 1})
    item = context.reserve_input()
    late = item.create_output()
    late.payload = {"late": True}
    item.done()

    with pytest.raises(ValueError, match="already released"):
        late.save()  # Robocorp's FileAdapter raises ValueError here too
    with pytest.raises(ValueError, match="already released"):
        context.adapter.create_output(item.id, {"late": True})
    assert store.list_items(step=_next(store)) == []


def _next(store: Store) -> str:
    """Where the consumer's outputs go in this store."""
    return store.step(P, STEP).next_step or f"{STEP}.output"


def _same(got, expected) -> bool:
    """Equal and of the same JSON type (True is not 1, "1" is not 1)."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(got) == len(expected) and all(map(_same, got, expected))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(_same(got[k], expected[k])
                                                       for k in expected)
    return got == expected
