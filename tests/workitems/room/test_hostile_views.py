"""The Control Room shows hostile documents within bounds, once, without stalling others."""

from __future__ import annotations

import io
import threading
import time

from PIL import Image

from devdata import hostile
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import Store
from workitems.room.documents import _Once


def _item_with(store: Store, number: str, content: bytes) -> int:
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number=number))
    store.add_file(item_id, "invoice.pdf", content, "test")
    return item_id


def _tiff(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, format="TIFF", compression="group4")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_with_a_reason_and_the_item_still_opens(
        make_client, room_store: Store) -> None:
    bomb = _item_with(room_store, "BOMB-1", hostile.content_bomb(512 * hostile.MiB))
    clerk = make_client("clerk1")

    start = time.monotonic()
    page = clerk.get(f"/items/{bomb}/pages/1.png")
    assert page.status_code == 422
    assert "decompression bomb" in page.text
    assert time.monotonic() - start < 5
    view = clerk.get(f"/items/{bomb}")
    assert view.status_code == 200 and "BOMB-1" in view.text  # fields and reason still shown
    # Refused once: the next view answers from the cache.
    start = time.monotonic()
    assert clerk.get(f"/items/{bomb}/pages/1.png").status_code == 422
    assert time.monotonic() - start < 0.5


def test_an_81_megapixel_tiff_page_is_not_decoded(make_client, room_store: Store) -> None:
    item_id = _item_with(room_store, "TIFF-1", _tiff(9000, 9000))
    clerk = make_client("clerk1")

    start = time.monotonic()
    page = clerk.get(f"/items/{item_id}/pages/1.png")

    assert page.status_code == 422 and "too large" in page.text
    assert time.monotonic() - start < 3
    small = _item_with(room_store, "TIFF-2", _tiff(1240, 1754))
    shown = clerk.get(f"/items/{small}/pages/1.png")
    assert shown.status_code == 200 and shown.content[:4] == b"\x89PNG"


def test_slow_documents_do_not_stall_another_clerks_view(make_client, room_store: Store) -> None:
    slow = [_item_with(room_store, f"SLOW-{i}", hostile.slow_render(400 + i))
            for i in range(4)]
    warm = seed_failed_invoice(room_store, DemoInvoice(invoice_number="PLAIN-1"))
    plain = seed_failed_invoice(room_store, DemoInvoice(invoice_number="PLAIN-2"))
    clients = [make_client("clerk1") for _ in range(4)]
    other = make_client("clerk2")
    other.get(f"/items/{warm}/pages/1.png")  # a warm start, as on a running server
    ended: list[float] = []

    def view_slow(client, item_id: int) -> None:
        client.get(f"/items/{item_id}/pages/1.png")
        ended.append(time.monotonic())

    threads = [threading.Thread(target=view_slow, args=(c, i))
               for c, i in zip(clients, slow, strict=True)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # the slow renderings are under way

    view = other.get(f"/items/{plain}")
    page = other.get(f"/items/{plain}/pages/1.png")
    done = time.monotonic()
    for thread in threads:
        thread.join()

    assert view.status_code == 200 and page.content[:4] == b"\x89PNG"
    # Behind one shared lock the plain page would wait for all four slow ones; here it
    # shares the processor with them and is done before the last of them.
    assert len(ended) == 4 and done < max(ended), (done, ended)


def test_each_page_is_computed_once_however_many_ask_at_once() -> None:
    once = _Once(8)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.2)
        return b"png"

    results = []
    threads = [threading.Thread(target=lambda: results.append(once.get(("sha", 1), compute)))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [b"png"] * 6
    assert len(calls) == 1
    assert once.get(("sha", 2), lambda: b"other") == b"other"  # another key: computed
