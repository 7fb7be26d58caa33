"""Traces through the store and the adapter, on SQLite and PostgreSQL: an item carries its
trace to its outputs, an attempt's spans are kept under the item's trace, and an item
without a trace starts one that its later attempts continue."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from robocorp.workitems import BusinessException
from robocorp.workitems._context import Context

from workitems import InvalidInput, Store, tracing
from workitems.adapter import StoreAdapter
from workitems.config import Settings
from workitems.models import Step
from workitems.remote import RemoteRunHandle
from workitems.store._spans import Span

P = "traced"
TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE}-b7ad6b7169203331-01"


@pytest.fixture
def steps(store: Store) -> Store:
    store.register_process(P, [Step(process=P, name="first", position=0, next_step="second",
                                    lease_seconds=60),
                               Step(process=P, name="second", position=1, lease_seconds=60)])
    return store


@pytest.fixture
def context(steps: Store, store_url: str) -> Iterator[Context]:
    tracing.setup("tests")
    adapter = StoreAdapter(settings=Settings(db_url=store_url, process=P, step="first"))
    yield Context(adapter=adapter)
    adapter.close()


def test_outputs_inherit_their_parents_trace(steps: Store) -> None:
    parent = steps.create_item(P, "first", {"n": 1}, traceparent=PARENT).id
    taken = steps.reserve(P, "first", "w")
    assert taken is not None and taken.traceparent == PARENT
    own = f"00-{'1' * 32}-{'2' * 16}-01"
    inherited = steps.create_output(parent, {"n": 2}, token=taken.token)
    chosen = steps.create_output(parent, {"n": 3}, token=taken.token, traceparent=own)
    assert steps.get_item(inherited).traceparent == PARENT
    assert steps.get_item(chosen).traceparent == own
    with pytest.raises(InvalidInput, match="traceparent"):
        steps.create_item(P, "first", {"n": 4}, traceparent="00-not-a-trace")


def test_spans_are_kept_by_trace_and_give_an_untraced_item_its_trace(steps: Store) -> None:
    item = steps.create_item(P, "first", {"n": 1}).id
    assert steps.get_item(item).traceparent is None
    span = Span(trace_id=TRACE, span_id="b7ad6b7169203331", name="work", item_id=item,
                started_at=10.0, ended_at=12.5, attributes={"k": "v", "n": [1, 2]})
    earlier = span.model_copy(update={"span_id": "00f067aa0ba902b7", "name": "before",
                                      "started_at": 9.0, "parent_span_id": None})
    steps.add_spans([span, earlier], item_id=item, traceparent=PARENT)
    steps.add_spans([], item_id=item, traceparent=f"00-{'3' * 32}-{'4' * 16}-01")
    assert steps.get_item(item).traceparent == PARENT  # the first trace stays
    kept = steps.spans(TRACE)
    assert [s.name for s in kept] == ["before", "work"]
    assert kept[1] == span and kept[1].seconds == 2.5
    assert steps.spans("f" * 32) == []


def test_a_bot_attempt_continues_the_item_trace_and_its_outputs_follow(
        steps: Store, context: Context, traces_file: Path) -> None:
    item_id = steps.create_item(P, "first", {"n": 1}, traceparent=PARENT).id
    item = context.reserve_input()
    with tracing.span("work", {"size": 3}):
        output = item.create_output()
        output.payload = {"n": 2}
        output.save()
    item.done()

    spans = {s.name: s for s in steps.spans(TRACE)}
    assert set(spans) == {"traced/first", "work"}
    attempt, work = spans["traced/first"], spans["work"]
    assert attempt.parent_span_id == PARENT.split("-")[2]  # continues the item's trace
    assert work.parent_span_id == attempt.span_id and work.attributes == {"size": 3}
    assert attempt.item_id == item_id and attempt.status == "UNSET"
    assert attempt.attributes["workitems.state"] == "DONE"
    [published] = steps.list_items(process=P, step="second")
    assert steps.get_item(published.id).traceparent.split("-")[1:3] == [TRACE, work.span_id]
    # The same spans went to the JSON-lines file.
    tracing.flush()
    lines = [json.loads(line) for line in traces_file.read_text().splitlines()]
    assert {(s["context"]["trace_id"], s["name"]) for s in lines} >= {
        (f"0x{TRACE}", "work"), (f"0x{TRACE}", "traced/first")}


def test_an_untraced_item_starts_a_trace_its_failed_and_later_attempts_share(
        steps: Store, context: Context) -> None:
    item_id = steps.create_item(P, "first", {"n": 1}).id
    item = context.reserve_input()
    item.fail("BUSINESS", code="NOT_SURE", message="a person decides")
    traceparent = steps.get_item(item_id).traceparent
    assert traceparent is not None
    [failed] = steps.spans(tracing.trace_id_of(traceparent))
    assert failed.status == "ERROR" and failed.parent_span_id is None
    assert failed.attributes["workitems.exception_code"] == "NOT_SURE"

    steps.retry(item_id, "clerk")
    item = context.reserve_input()
    with item:  # a bot's failure, released as Robocorp releases it
        raise BusinessException(code="AGAIN", message="still not sure")
    attempts = steps.spans(tracing.trace_id_of(traceparent))
    assert len(attempts) == 2 and attempts[1].parent_span_id == failed.span_id


def test_an_item_worked_from_the_desktop_still_makes_one_trace(traces_file: Path) -> None:
    """Robocorp's file adapter holds no attempt span: the bot's own makes the trace, and
    inside a worker's attempt it adds no level."""
    tracing.setup("tests")
    with tracing.item_work("desktop/consumer"), tracing.span("read"):
        desktop = trace_of_current()
    with tracing.span("attempt") as attempt, tracing.item_work("desktop/consumer"), \
            tracing.span("read") as read:
        assert read.parent.span_id == attempt.get_span_context().span_id
    tracing.flush()
    lines = [json.loads(line) for line in traces_file.read_text().splitlines()]
    mine = [s for s in lines if s["context"]["trace_id"] == f"0x{desktop}"]
    assert sorted(s["name"] for s in mine) == ["desktop/consumer", "read"]
    root = next(s for s in mine if s["name"] == "desktop/consumer")
    assert root["parent_id"] is None
    assert next(s for s in mine if s["name"] == "read")["parent_id"] == root["context"][
        "span_id"]


def trace_of_current() -> str:
    return tracing.trace_id_of(tracing.traceparent_of()) or ""


def test_a_bot_over_http_goes_on_when_the_control_room_cannot_be_reached(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A lost timeline is never worth a lost item: the work gets a span of its own."""
    tracing.setup("tests")
    gone = RemoteRunHandle(url="http://127.0.0.1:9", workspace="workitems", process=P,
                           run_id="1", step="first", item_id="1", token="t", lease_seconds=60)
    for name, value in gone.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(tracing, "_room_spans", BatchSpanProcessor(InMemorySpanExporter()))
    with caplog.at_level(logging.WARNING), tracing.item_work("t/traced"), tracing.span("read"):
        assert tracing.traceparent_of() is not None
    assert "did not name the item in hand" in caplog.text
