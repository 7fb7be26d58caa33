"""The Control Room as an OTLP/HTTP trace receiver, for the bots of runs over HTTP.

A bot working a run over HTTP (``workitems worker --via``) has no store: it sends its
spans here with OpenTelemetry's stock OTLP/HTTP exporter and its run's token
(:mod:`workitems.tracing`), and they are kept in the store like a direct worker's, so
the item page draws them in the item's timeline.

    POST /otlp/v1/traces   Authorization: Bearer <run token>
        body: ExportTraceServiceRequest, application/x-protobuf or application/json
        (OTLP/JSON), plain, gzip or deflate
        -> 200 ExportTraceServiceResponse, encoded as the request was

A span is kept only when it names its item (``workitems.item_id``, which the bot
stamps on every span of an item's work), the run worked that item (its latest
reservation was this run's, in hand or released since: the spans arrive just before the
release, or just after) and the span is in the item's trace. An item with no trace yet
takes the trace of the first root span sent for it. A span naming no item, or in
another trace, is refused as a partial success; an item the run did not work refuses
the whole request.

Errors are the protocol's ``{"error": {"code", "message"}}``: 400 a malformed body,
401 no valid run token, 403 an item the run did not work, 413 a body over
``OTLP_MAX_BYTES`` (unpacked) or more than ``OTLP_MAX_SPANS`` spans, 415 another
content type or encoding.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan
from opentelemetry.trace import StatusCode
from starlette.concurrency import run_in_threadpool

from workitems import InvalidInput, Store, tracing
from workitems.remote import OTLP_MAX_BYTES, OTLP_MAX_SPANS, OTLP_TRACES_PATH
from workitems.room import runs
from workitems.room.robocorp_protocol import ProtocolRoute, Refused, bearer
from workitems.room.runs import RemoteRun
from workitems.store._spans import Span

router = APIRouter(route_class=ProtocolRoute)
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ID_KEYS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")


@router.post(OTLP_TRACES_PATH)
async def receive_traces(request: Request) -> Response:
    store: Store = request.app.state.room.store
    run = await run_in_threadpool(runs.run_for, store, bearer(request))  # before any reading
    content_type = _content_type(request)
    body = _unpacked(await _body(request), request.headers.get("content-encoding", ""))
    sent = _decoded(body, content_type)
    answer = await run_in_threadpool(keep, store, run, sent)
    if content_type == JSON:
        return Response(json_format.MessageToJson(answer, indent=None), media_type=JSON)
    return Response(answer.SerializeToString(), media_type=PROTOBUF)


# -- reading the request, within bounds -------------------------------------------------


def _content_type(request: Request) -> str:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise Refused(415, "UNSUPPORTED_MEDIA_TYPE",
                      f"spans are sent as {PROTOBUF} or {JSON}, not {kind or 'no type'}")
    return kind


def _too_large() -> Refused:
    return Refused(413, "TOO_LARGE", f"a request of spans is at most {OTLP_MAX_BYTES} bytes; "
                                     "send fewer spans at a time")


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > OTLP_MAX_BYTES:
        raise _too_large()  # refused before a byte of it is read
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > OTLP_MAX_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _unpacked(body: bytes, encoding: str) -> bytes:
    """The body as sent before compression, bounded like the body itself (a small gzip
    can unpack to gigabytes)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise Refused(415, "UNSUPPORTED_ENCODING", f"spans are sent plain, gzip or deflate, "
                                                   f"not {encoding[:40]!r}")
    unpacker = zlib.decompressobj(wbits=32 + zlib.MAX_WBITS)  # a gzip or zlib header
    try:
        plain = unpacker.decompress(body, OTLP_MAX_BYTES + 1)
    except zlib.error as exc:
        raise InvalidInput(f"the body is not valid {encoding}: {exc}") from None
    if len(plain) > OTLP_MAX_BYTES or unpacker.unconsumed_tail:
        raise _too_large()
    if not unpacker.eof:
        raise InvalidInput(f"the {encoding} body is cut short")
    return plain


def _decoded(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    sent = ExportTraceServiceRequest()
    try:
        if content_type == PROTOBUF:
            sent.ParseFromString(body)
        else:
            json_format.ParseDict(_ids_as_base64(json.loads(body)), sent,
                                  ignore_unknown_fields=True)
    except (DecodeError, json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"the body is not an OTLP ExportTraceServiceRequest "
                           f"({content_type}): {str(exc)[:200]}") from None
    count = sum(len(scope.spans) for res in sent.resource_spans for scope in res.scope_spans)
    if count > OTLP_MAX_SPANS:
        raise Refused(413, "TOO_MANY_SPANS", f"a request holds at most {OTLP_MAX_SPANS} spans, "
                                             f"not {count}")
    return sent


def _ids_as_base64(body: Any) -> Any:
    """OTLP/JSON writes trace and span ids in hex where protobuf's JSON mapping of bytes
    has base64."""
    for res in _list(body, "resourceSpans"):
        for scope in _list(res, "scopeSpans"):
            for span in _list(scope, "spans"):
                for holder in (span, *_list(span, "links")):
                    for key in _ID_KEYS:
                        value = holder.get(key)
                        if isinstance(value, str):
                            holder[key] = base64.b64encode(bytes.fromhex(value)).decode()
    return body


def _list(holder: Any, key: str) -> list[dict[str, Any]]:
    """The objects under ``key``; anything of another shape is left for the parser to refuse."""
    found = holder.get(key) if isinstance(holder, dict) else None
    return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []


# -- keeping the spans ------------------------------------------------------------------


def keep(store: Store, run: RemoteRun, sent: ExportTraceServiceRequest
         ) -> ExportTraceServiceResponse:
    """Keep the spans of the items the run worked (403 for any other item, before
    anything is written); the others are counted as refused."""
    by_item: dict[int, list[Span]] = {}
    unnamed = 0
    for item_id, span in _spans(sent):
        if item_id is None:
            unnamed += 1
        else:
            by_item.setdefault(item_id, []).append(span)
    traces = {item_id: runs.trace_of_worked_item(store, run, item_id) for item_id in by_item}
    foreign = sum(_keep_item(store, item_id, spans, traces[item_id])
                  for item_id, spans in by_item.items())
    return _answer(unnamed, foreign)


def _keep_item(store: Store, item_id: int, spans: list[Span], traceparent: str | None) -> int:
    """Keep the spans in the item's trace (taking one for an item without); the number of
    spans of other traces, which are refused: a run writes only its own items' timelines."""
    adopted = None if traceparent else _root_traceparent(spans)
    trace_id = tracing.trace_id_of(traceparent or adopted)
    kept = [s for s in spans if s.trace_id == trace_id]
    store.add_spans(kept, item_id=item_id, traceparent=adopted)
    return len(spans) - len(kept)


def _root_traceparent(spans: list[Span]) -> str:
    """The traceparent of the earliest root span (the span of the item's work, when it
    started the trace), or of the earliest span when no root came with them."""
    first = min(spans, key=lambda s: (s.parent_span_id is not None, s.started_at))
    return f"00-{first.trace_id}-{first.span_id}-01"


def _answer(unnamed: int, foreign: int) -> ExportTraceServiceResponse:
    if not unnamed and not foreign:
        return ExportTraceServiceResponse()
    reasons = [f"{unnamed} spans name no item ({tracing.ITEM_ATTRIBUTE})" if unnamed else "",
               f"{foreign} spans are not in their item's trace" if foreign else ""]
    return ExportTraceServiceResponse(partial_success=ExportTracePartialSuccess(
        rejected_spans=unnamed + foreign, error_message="; ".join(r for r in reasons if r)))


# -- OTLP's spans as the store's --------------------------------------------------------


def _spans(sent: ExportTraceServiceRequest) -> Iterator[tuple[int | None, Span]]:
    """Each span with the item it names (None: none)."""
    for res in sent.resource_spans:
        service = _attributes(res.resource.attributes).get("service.name", "")
        for scope in res.scope_spans:
            for span in scope.spans:
                yield _stored(span, service)


def _stored(span: OtlpSpan, service: Any) -> tuple[int | None, Span]:
    attributes = _attributes(span.attributes)
    item_id = _item_id(attributes.get(tracing.ITEM_ATTRIBUTE))
    return item_id, tracing.stored_span(
        trace_id=_hex(span.trace_id, 16, "trace"), span_id=_hex(span.span_id, 8, "span"),
        parent_span_id=_hex(span.parent_span_id, 8, "parent span") if span.parent_span_id
        else None, item_id=item_id, name=span.name, service=service,
        start_nanos=span.start_time_unix_nano, end_nanos=span.end_time_unix_nano,
        status=_status(span.status.code), attributes=attributes)


def _hex(value: bytes, size: int, what: str) -> str:
    if len(value) != size or not any(value):
        raise InvalidInput(f"a {what} id is {size} bytes, not all zero")
    return value.hex()


def _status(code: int) -> StatusCode:
    try:
        return StatusCode(code)
    except ValueError:
        raise InvalidInput(f"{code} is not a span status code") from None


def _item_id(value: Any) -> int | None:
    """The item a span names: a whole number the store's ids can be, or its digits."""
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 2**63 else None


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None
