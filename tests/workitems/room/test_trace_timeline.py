"""A clerk's decisions are spans of the item's trace, and the item page draws the trace."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.workitems.room.conftest import csrf_of
from workitems import ExceptionType, ItemState, Store
from workitems.models import Step

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CREATED_UNDER = "00f067aa0ba902b7"  # the span the item was created under (another worker's)


def failed_item(store: Store) -> int:
    store.register_process("traced", [Step(process="traced", name="check")])
    item = store.create_item("traced", "check", {"note": "hard to read"},
                             traceparent=f"00-{TRACE}-{CREATED_UNDER}-01")
    taken = store.reserve("traced", "check", "w1")
    assert taken is not None and taken.item_id == item.id
    store.fail(item.id, taken.token, "w1", ExceptionType.BUSINESS, "LOW_CONFIDENCE", "unsure")
    return item.id


def test_decisions_join_the_trace_and_the_item_page_draws_it(make_client,
                                                             room_store: Store) -> None:
    item_id = failed_item(room_store)
    client: TestClient = make_client("clerk1")
    page = client.get(f"/items/{item_id}")
    assert page.status_code == 200 and 'id="trace"' not in page.text  # no span kept yet
    stale = client.post(f"/items/{item_id}/retry", data={
        "csrf_token": csrf_of(page.text), "version": "1"})
    assert stale.status_code == 409
    done = client.post(f"/items/{item_id}/reject", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "reason": "not ours",
        "version": str(room_store.get_item(item_id).version)})
    assert done.status_code == 303
    assert room_store.get_item(item_id).state is ItemState.DONE

    refused, rejected = room_store.spans(TRACE)
    assert (refused.name, refused.status) == ("decision.retry", "ERROR")
    assert (rejected.name, rejected.status) == ("decision.reject", "UNSET")
    for span in (refused, rejected):
        assert span.parent_span_id == CREATED_UNDER and span.item_id == item_id
        assert span.attributes["workitems.user"] == "clerk1"
        assert span.service  # the Control Room's (or the first service of this process)

    html = client.get(f"/items/{item_id}").text
    assert f"Trace {TRACE}: 2 spans" in html
    assert '<g class="span failed">' in html and ">decision.retry</text>" in html
    assert ">decision.reject</text>" in html
