"""Traces of work items: one trace follows an item from intake to its last step.

An item carries its trace context, a W3C ``traceparent``, in the store. Whoever works
the item (a bot through the adapter, a person in the Control Room) continues that
trace with a span of its own, and the outputs a bot creates carry the span they were
created under, so the spans of the producer, the triage step, the consumer and the
clerk, on whatever machines they ran, join one trace. An item without a trace (a
trigger, a seeded item) starts one at its first attempt.

Finished spans go, with the OpenTelemetry SDK, to:

- the store, for the spans of an item's attempt (its ``spans`` table, written once
  when the attempt ends): the Control Room's item page draws the timeline from there,
  since every worker shares the store;
- a JSON-lines file, one span a line: ``$WORKITEMS_TRACES``, by default
  ``output/traces.jsonl`` in the current folder ("" writes none);
- the Control Room, for a bot working a run over HTTP (``workitems worker --via``), which
  has no store: with the stock OTLP/HTTP exporter and the run's token, each item's
  spans sent before the item is released (:mod:`workitems.room.otlp_receiver` keeps
  them in the store, for the items the run worked);
- an OTLP/HTTP collector when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) names one, with the standard ``OTEL_*``
  settings. ``OTEL_SDK_DISABLED=true`` turns tracing off.

Bots add their own spans with :func:`span`; nothing here knows what a bot does.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Link, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from workitems import remote

if TYPE_CHECKING:
    from workitems.store import Store
    from workitems.store._spans import Span

LOGGER = logging.getLogger(__name__)
DEFAULT_FILE = "output/traces.jsonl"
TRACER_NAME = "workitems"
ITEM_ATTRIBUTE = "workitems.item_id"  # the item a span belongs to
ROOM_TIMEOUT_SECONDS = 5.0  # an export to the Control Room waits at most this long
# Spans go to the Control Room when an item's work ends; the timer only empties the queue
# of a long item, so a short item costs one request.
ROOM_EXPORT_EVERY_MILLIS = 30_000
_lock = threading.Lock()
_configured = False
# The finished spans of the attempt in hand, written to the store when it ends.
_attempt_spans: ContextVar[list[ReadableSpan] | None] = ContextVar("attempt_spans",
                                                                   default=None)
_room_spans: BatchSpanProcessor | None = None  # the export to the Control Room (over HTTP)


def setup(service: str) -> None:
    """Install the process's tracer provider once (the first call's service name wins);
    nothing when ``OTEL_SDK_DISABLED`` is true."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
        if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(_AttemptSpans())
        path = os.environ.get("WORKITEMS_TRACES", DEFAULT_FILE)
        if path:  # written in batches: a bot's hot path never waits for the file
            provider.add_span_processor(BatchSpanProcessor(JsonLinesExporter(Path(path))))
        if (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        run = remote.bot_run()
        if run is not None:
            _send_to_room(provider, run)
        trace.set_tracer_provider(provider)


def _send_to_room(provider: TracerProvider, run: remote.BotRun) -> None:
    """A bot working a run over HTTP sends its spans to the Control Room, each one naming
    the item in hand (:class:`_ItemStamp`)."""
    global _room_spans
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=run.traces_url, headers=run.headers,
                                timeout=ROOM_TIMEOUT_SECONDS,
                                max_request_size=remote.OTLP_MAX_BYTES)
    provider.add_span_processor(_stamp)
    _room_spans = BatchSpanProcessor(exporter, schedule_delay_millis=ROOM_EXPORT_EVERY_MILLIS,
                                     max_export_batch_size=remote.OTLP_MAX_SPANS)
    provider.add_span_processor(_room_spans)


def flush(timeout_millis: int = 5000) -> None:
    """Write out the spans the exporters still hold (they write in batches)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(timeout_millis)


_TRACER = trace.get_tracer(TRACER_NAME)  # a proxy: it uses whatever provider is installed


def _tracer() -> trace.Tracer:
    return _TRACER


class _AttemptSpans(SpanProcessor):
    """Keeps the spans that end during an attempt (see :class:`ItemTrace`)."""

    def on_end(self, span: ReadableSpan) -> None:
        pending = _attempt_spans.get()
        if pending is not None:
            pending.append(span)


class _ItemStamp(SpanProcessor):
    """Names the item in hand (``workitems.item_id``) on every span started while its work
    is current: the Control Room keeps a span only for an item the run worked.

    One item for the whole process, not a context variable: a run over HTTP holds one
    item at a time, and a span a bot starts in a thread of its own belongs to it too."""

    item_id: int | None = None

    def on_start(self, span: trace.Span, parent_context: Context | None = None) -> None:
        if self.item_id is not None:
            span.set_attribute(ITEM_ATTRIBUTE, self.item_id)


_stamp = _ItemStamp()


class JsonLinesExporter(SpanExporter):
    """One span a line, as the SDK's JSON; the folder is made when first needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(s.to_json(indent=None) + "\n" for s in spans)
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(lines)  # one write in append mode: slots' lines never interleave
        except OSError as exc:
            LOGGER.warning("could not write spans to %s: %s", self.path, exc)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


# -- trace contexts ---------------------------------------------------------------------


def traceparent_of(span: trace.Span | None = None) -> str | None:
    """The W3C traceparent naming ``span`` (the current span by default); None if none."""
    ctx = (span or trace.get_current_span()).get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def trace_id_of(traceparent: str | None) -> str | None:
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 else None


def _context(traceparent: str | None) -> Context | None:
    if not traceparent:
        return Context()  # a new trace, whatever is current
    return TraceContextTextMapPropagator().extract({"traceparent": traceparent},
                                                   context=Context())


@contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None, *,
         new_trace: bool = False) -> Iterator[trace.Span]:
    """A span around a block, child of the current one; ``new_trace``: the first span of
    a trace of its own, linked to the current span (an item born in another's attempt).
    An exception leaving the block marks the span failed, with its message."""
    current = trace.get_current_span().get_span_context()
    links = [Link(current)] if new_trace and current.is_valid else []
    with _tracer().start_as_current_span(name, context=Context() if new_trace else None,
                                         links=links, attributes=_attrs(attributes)) as s:
        yield s


@contextmanager
def item_work(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[None]:
    """One item's work in a bot: inside a worker's attempt (its span is current) nothing
    more; in a run over HTTP, a span continuing the item's trace, whose spans reach the
    Control Room when the block ends (before the bot releases the item); run from the
    desktop with Robocorp's file adapter, a span of its own, so the item's steps still
    make one trace."""
    if trace.get_current_span().get_span_context().is_valid:
        yield
        return
    held = _held_over_http()
    if held is None:
        with span(name, attributes):
            yield
        return
    with _work_over_http(held, name, attributes):
        yield


def _held_over_http() -> remote.HeldItem | None:
    """The item in hand, when this process sends its spans to the Control Room; None for
    other bots, or when the Control Room cannot say (the work goes on, untraced there)."""
    run = remote.bot_run() if _room_spans is not None else None
    if run is None:
        return None
    try:
        held = remote.held_item(run)
    except (httpx.HTTPError, ValueError) as exc:
        LOGGER.warning("the Control Room did not name the item in hand, so its spans are "
                       "not kept there: %s", exc)
        return None
    return held if held.item_id is not None else None


@contextmanager
def _work_over_http(held: remote.HeldItem, name: str,
                    attributes: Mapping[str, Any] | None) -> Iterator[None]:
    _stamp.item_id = held.item_id
    try:
        with _tracer().start_as_current_span(name, context=_context(held.traceparent),
                                             attributes=_attrs(attributes)):
            yield
    finally:
        _stamp.item_id = None
        _flush_to_room(held.item_id)


def _flush_to_room(item_id: int | None) -> None:
    """Send the spans still queued; a Control Room out of reach costs the timeline only."""
    if _room_spans is not None and not _room_spans.force_flush(
            int(ROOM_TIMEOUT_SECONDS * 1000) + 1000):
        LOGGER.warning("the spans of item %s did not reach the Control Room in time", item_id)


def _attrs(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    """Attributes OpenTelemetry takes: None left out, anything else not a plain value as
    text."""
    plain = (str, bool, int, float)
    return {k: (v if isinstance(v, plain) else str(v))
            for k, v in (attributes or {}).items() if v is not None}


# -- an attempt at an item --------------------------------------------------------------


class ItemTrace:
    """The span of one attempt at an item, current from start to :meth:`end`.

    It continues the item's trace (``traceparent``); an item with none starts a trace,
    which the item keeps. Every span that ends during the attempt is written to the
    store when it ends, in one transaction."""

    def __init__(self, store: Store, item_id: int, name: str, traceparent: str | None,
                 attributes: Mapping[str, Any] | None = None) -> None:
        self.store = store
        self.item_id = item_id
        self.had_trace = bool(traceparent)
        self.span = _tracer().start_span(
            name, context=_context(traceparent),
            attributes={ITEM_ATTRIBUTE: item_id, **_attrs(attributes)})
        self._context_token = otel_context.attach(trace.set_span_in_context(self.span))
        self._spans_token: Token = _attempt_spans.set([])

    @property
    def traceparent(self) -> str | None:
        return traceparent_of(self.span)

    def finish(self, error: str | None = None, attributes: Mapping[str, Any] | None = None
               ) -> Finished:
        """End the attempt's span (failed with ``error``, if given): the spans to keep with
        the item's change of state (:meth:`Store.complete`, :meth:`Store.fail`)."""
        if attributes:
            self.span.set_attributes(_attrs(attributes))
        if error:
            self.span.set_status(Status(StatusCode.ERROR, error))
        self.span.end()
        otel_context.detach(self._context_token)
        finished = _attempt_spans.get() or []
        _attempt_spans.reset(self._spans_token)
        own = self.span.get_span_context().trace_id  # spans of other traces: no item's
        spans = [store_span(s, self.item_id if s.context.trace_id == own else None)
                 for s in finished]
        return Finished(spans, None if self.had_trace or not spans else self.traceparent)

    def end(self, error: str | None = None, *, adopt: bool = True) -> None:
        """:meth:`finish` and keep the spans at once; an item without a trace takes this
        one unless ``adopt`` is false."""
        done = self.finish(error)
        if not done.spans:
            return  # tracing is off
        try:
            self.store.add_spans(done.spans, item_id=self.item_id,
                                 traceparent=done.traceparent if adopt else None)
        except Exception as exc:  # noqa: BLE001 - a lost timeline is never worth a lost item
            LOGGER.warning("could not keep the spans of item %s: %s", self.item_id, exc)


@dataclass(frozen=True)
class Finished:
    """An attempt's finished spans, and the trace its item takes (None: it has one)."""

    spans: list[Span]
    traceparent: str | None


@contextmanager
def item_span(store: Store, item_id: int, name: str,
              attributes: Mapping[str, Any] | None = None) -> Iterator[trace.Span]:
    """An attempt at an item outside a bot (a person's decision), as a block. One that
    fails leaves an item without a trace as it was (its span is kept on its own)."""
    attempt = ItemTrace(store, item_id, name, store.get_item(item_id).traceparent, attributes)
    error = None
    try:
        yield attempt.span
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        attempt.end(error, adopt=error is None)


def store_span(span: ReadableSpan, item_id: int | None) -> Span:
    """A finished SDK span as the store keeps it."""
    ctx = span.context
    parent = span.parent.span_id if span.parent is not None else None
    service = span.resource.attributes.get("service.name", "") if span.resource else ""
    return stored_span(
        trace_id=f"{ctx.trace_id:032x}", span_id=f"{ctx.span_id:016x}",
        parent_span_id=f"{parent:016x}" if parent else None, item_id=item_id,
        name=span.name, service=service, start_nanos=span.start_time or 0,
        end_nanos=span.end_time or 0, status=span.status.status_code,
        attributes=span.attributes or {})


def stored_span(*, trace_id: str, span_id: str, parent_span_id: str | None,
                item_id: int | None, name: str, service: object, start_nanos: int,
                end_nanos: int, status: StatusCode, attributes: Mapping[str, Any]) -> Span:
    """A span as the store keeps it, from an SDK span or one a bot sent over OTLP: names
    cut to the store's size, times in seconds, attributes as plain JSON values."""
    from workitems.store._spans import Span

    return Span(trace_id=trace_id, span_id=span_id, parent_span_id=parent_span_id,
                item_id=item_id, name=(name or "(unnamed)")[:200], service=str(service)[:200],
                started_at=start_nanos / 1e9, ended_at=end_nanos / 1e9, status=status.name,
                attributes={str(k): plain(v) for k, v in attributes.items()})


def plain(value: Any) -> Any:
    """An attribute value as JSON keeps it: sequences as lists, mappings as objects,
    bytes as hex, anything else not a plain value (NaN and infinities too) as text."""
    if value is None or isinstance(value, str | bool | int) or (
            isinstance(value, float) and math.isfinite(value)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [plain(v) for v in value]
    return str(value)
