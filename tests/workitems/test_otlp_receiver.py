"""The Control Room's OTLP/HTTP trace receiver, over real HTTP on both backends: a run's
token writes spans only onto the items that run worked, within bounds."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import httpx
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Status
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

from workitems import RetryPolicy, Step, Store
from workitems.remote import OTLP_MAX_BYTES, OTLP_MAX_SPANS, OTLP_TRACES_PATH, ControlRoom
from workitems.room import RoomSettings, runs
from workitems.room.background import BackgroundServer

P, STEP = "t", "a"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT = "00f067aa0ba902b7"
PROTOBUF = {"Content-Type": "application/x-protobuf"}


@pytest.fixture
def server(store: Store) -> Iterator[BackgroundServer]:
    store.register_process(P, [Step(process=P, name=STEP, lease_seconds=30,
                                    retry=RetryPolicy(max_attempts=1))])
    with BackgroundServer(store, RoomSettings(secret_key="test-secret")) as running:
        yield running


def start_run(store: Store, url: str) -> tuple[int, str]:
    """(the item the new run holds, the run's token)."""
    _, runner_token = runs.create_runner_token(store, "machine-2", P, STEP)
    room = ControlRoom(url, runner_token)
    try:
        run, _ = room.start_run(P, "tester")
    finally:
        room.close()
    assert run is not None
    return int(run.item_id), run.token


def otlp_span(item_id: object, span_id: str, parent: str | None = None, trace: str = TRACE,
              name: str = "work") -> OtlpSpan:
    return OtlpSpan(trace_id=bytes.fromhex(trace), span_id=bytes.fromhex(span_id),
                    parent_span_id=bytes.fromhex(parent) if parent else b"", name=name,
                    start_time_unix_nano=1_700_000_000_000_000_000,
                    end_time_unix_nano=1_700_000_001_500_000_000,
                    status=Status(code=Status.STATUS_CODE_ERROR, message="no"),
                    attributes=[KeyValue(key="workitems.item_id",
                                         value=AnyValue(int_value=item_id)),
                                KeyValue(key="pages", value=AnyValue(int_value=3))]
                    if item_id is not None else [])


def otlp_request(*spans: OtlpSpan) -> ExportTraceServiceRequest:
    service = KeyValue(key="service.name", value=AnyValue(string_value="t/a"))
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource=Resource(attributes=[service]), scope_spans=[ScopeSpans(spans=list(spans))])])


def post(url: str, token: str | None, body: bytes, headers: dict[str, str] | None = None
         ) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(url + OTLP_TRACES_PATH, content=body,
                      headers={**PROTOBUF, **auth, **(headers or {})}, timeout=30)


def test_a_run_keeps_spans_of_its_item_which_takes_their_trace(
        store: Store, server: BackgroundServer) -> None:
    item = store.create_item(P, STEP, {"n": 1}).id
    held, token = start_run(store, server.url)
    assert held == item and store.get_item(item).traceparent is None
    sent = otlp_request(otlp_span(item, ROOT), otlp_span(item, "b7ad6b7169203331", ROOT),
                        otlp_span(None, "1111111111111111"),
                        otlp_span(item, "2222222222222222", trace="f" * 32))
    answer = post(server.url, token, sent.SerializeToString())
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-protobuf"
    partial = ExportTraceServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_spans == 2, "one names no item, one is in another trace"

    assert store.get_item(item).traceparent == f"00-{TRACE}-{ROOT}-01"
    root, child = store.spans(TRACE)
    assert (root.span_id, root.parent_span_id, child.parent_span_id) == (ROOT, None, ROOT)
    assert (child.item_id, child.service, child.status) == (item, "t/a", "ERROR")
    assert child.seconds == pytest.approx(1.5)
    assert child.attributes == {"workitems.item_id": item, "pages": 3}
    assert store.spans("f" * 32) == []


def test_spans_may_arrive_after_the_release_and_follow_the_items_trace(
        store: Store, server: BackgroundServer) -> None:
    traced = f"00-{TRACE}-{ROOT}-01"
    item = store.create_item(P, STEP, {"n": 1}, traceparent=traced).id
    _, token = start_run(store, server.url)
    with store.db.transaction(write=False) as cur:  # released as the bot's release does
        [run] = cur.execute("SELECT lease_token FROM room_runs")
    store.complete(item, run["lease_token"], "tester")
    late = otlp_request(otlp_span(item, "b7ad6b7169203331", ROOT))
    assert post(server.url, token, late.SerializeToString()).status_code == 200
    assert [s.span_id for s in store.spans(TRACE)] == ["b7ad6b7169203331"]
    assert store.get_item(item).traceparent == traced, "an item keeps its trace"


def test_the_receiver_refuses(store: Store, server: BackgroundServer) -> None:
    mine = store.create_item(P, STEP, {"n": 1}).id
    theirs = store.create_item(P, STEP, {"n": 2}).id
    _, my_token = start_run(store, server.url)
    _, their_token = start_run(store, server.url)
    body = otlp_request(otlp_span(mine, ROOT)).SerializeToString()

    assert post(server.url, None, body).status_code == 401
    assert post(server.url, "not-a-token", body).status_code == 401
    # Another run's token, for an item that run never worked: nothing is written.
    both = otlp_request(otlp_span(theirs, "1111111111111111"), otlp_span(mine, ROOT))
    refused = post(server.url, their_token, both.SerializeToString())
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    assert store.spans(TRACE) == [] and store.get_item(mine).traceparent is None

    malformed = post(server.url, my_token, b"\x0a\x05ab")  # a field cut short
    assert malformed.status_code == 400 and "ExportTraceServiceRequest" in malformed.text
    zero_ids = otlp_request(otlp_span(mine, "0" * 16)).SerializeToString()
    assert post(server.url, my_token, zero_ids).status_code == 400
    oversized = post(server.url, my_token, b"\x00" * (OTLP_MAX_BYTES + 1))
    assert oversized.status_code == 413 and "at most" in oversized.json()["error"]["message"]
    bomb = gzip.compress(b"\x00" * (OTLP_MAX_BYTES + 1))  # small, but not once unpacked
    assert post(server.url, my_token, bomb, {"Content-Encoding": "gzip"}).status_code == 413
    many = otlp_request(*[otlp_span(mine, f"{n + 1:016x}") for n in range(OTLP_MAX_SPANS + 1)])
    too_many = post(server.url, my_token, many.SerializeToString())
    assert too_many.status_code == 413 and too_many.json()["error"]["code"] == "TOO_MANY_SPANS"
    assert post(server.url, my_token, body, {"Content-Type": "text/plain"}).status_code == 415
    assert store.spans(TRACE) == []

    # Compressed as the exporter may send it, the same request is kept.
    kept = post(server.url, my_token, gzip.compress(body), {"Content-Encoding": "gzip"})
    assert kept.status_code == 200 and [s.span_id for s in store.spans(TRACE)] == [ROOT]


def test_otlp_json_is_accepted(store: Store, server: BackgroundServer) -> None:
    item = store.create_item(P, STEP, {"n": 1}).id
    _, token = start_run(store, server.url)
    body = {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name",
                                     "value": {"stringValue": "t/a"}}]},
        "scopeSpans": [{"scope": {"name": "workitems"}, "spans": [{
            "traceId": TRACE.upper(), "spanId": ROOT, "name": "work", "kind": 1,
            "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000250000000",
            "attributes": [{"key": "workitems.item_id", "value": {"intValue": str(item)}},
                           {"key": "tags", "value": {"arrayValue": {"values": [
                               {"stringValue": "a"}, {"boolValue": True}]}}}],
            "status": {}, "someFutureField": 1}]}]}]}
    answer = post(server.url, token, json.dumps(body).encode(),
                  {"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert json_format.Parse(answer.text, ExportTraceServiceResponse()) == \
        ExportTraceServiceResponse()
    [span] = store.spans(TRACE)
    assert (span.name, span.status, span.item_id) == ("work", "UNSET", item)
    assert span.seconds == pytest.approx(0.25)
    assert span.attributes["tags"] == ["a", True]
    assert store.get_item(item).traceparent == f"00-{TRACE}-{ROOT}-01"
    broken = post(server.url, token, b'{"resourceSpans": [{"scopeSpans": 3}]}',
                  {"Content-Type": "application/json"})
    assert broken.status_code == 400
