"""Finished spans of the items' traces, kept beside the items.

Workers on many machines share the store, so the Control Room reads an item's whole
trace here, whichever worker recorded each span. The store does not interpret a
span's attributes; it checks only the sizes and the shape of the ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from workitems.errors import InvalidInput
from workitems.store._db import Cursor, Database, Row

MAX_READ = 2000  # spans of one trace shown at most (an item retried for days stays readable)
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_HEX = re.compile(r"^[0-9a-f]+$")
_MAX_NAME = 200


class Span(BaseModel):
    trace_id: str = Field(min_length=32, max_length=32)
    span_id: str = Field(min_length=16, max_length=16)
    parent_span_id: str | None = Field(None, min_length=16, max_length=16)
    item_id: int | None = None
    name: str = Field(min_length=1, max_length=_MAX_NAME)
    service: str = Field("", max_length=_MAX_NAME)
    started_at: float
    ended_at: float
    status: str = "OK"  # OK, ERROR or UNSET, as OpenTelemetry says
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended_at - self.started_at)


def checked_traceparent(value: str) -> str:
    """A W3C traceparent (version 00), or InvalidInput."""
    if not _TRACEPARENT.match(value):
        raise InvalidInput(f"{value[:80]!r} is not a W3C traceparent (00-<trace>-<span>-<flags>)")
    return value


def check(spans: Sequence[Span]) -> list[dict[str, Any]]:
    """The spans as rows to insert, or InvalidInput."""
    for span in spans:
        ids = [span.trace_id, span.span_id, span.parent_span_id or "0"]
        if not all(_HEX.match(i) for i in ids):
            raise InvalidInput("span and trace ids are lower-case hexadecimal")
    return [s.model_dump() for s in spans]


# The spans of an attempt, inserted from one JSON array in the statement that finishes it.
PG_INSERT_FROM_JSON = """
    INSERT INTO spans (trace_id, span_id, parent_span_id, item_id, name, service, started_at,
        ended_at, status, attributes, recorded_at)
    SELECT s.trace_id, s.span_id, s.parent_span_id, s.item_id, s.name, s.service,
        s.started_at, s.ended_at, s.status, s.attributes, {now}
    FROM jsonb_to_recordset(CAST(:spans AS jsonb)) AS s(trace_id text, span_id text,
        parent_span_id text, item_id bigint, name text, service text,
        started_at double precision, ended_at double precision, status text,
        attributes jsonb)"""


def keep(db: Database, cur: Cursor, spans: Sequence[Span], item_id: int,
         traceparent: str | None) -> None:
    """Inside a change of the item: its attempt's spans, and its trace if it had none."""
    add(db, cur, spans)
    if traceparent is not None:
        cur.execute("UPDATE items SET traceparent = :t WHERE id = :id AND traceparent IS NULL",
                    {"t": checked_traceparent(traceparent), "id": item_id})


def add(db: Database, cur: Cursor, spans: Sequence[Span]) -> None:
    check(spans)
    for span in spans:
        cur.execute(
            "INSERT INTO spans (trace_id, span_id, parent_span_id, item_id, name, service, "
            "started_at, ended_at, status, attributes, recorded_at) VALUES (:t, :s, :p, :i, "
            ":n, :svc, :start, :end, :status, :a, {now})",
            {"t": span.trace_id, "s": span.span_id, "p": span.parent_span_id,
             "i": span.item_id, "n": span.name, "svc": span.service, "start": span.started_at,
             "end": span.ended_at, "status": span.status,
             "a": db.json_param(span.attributes)})


def as_json(spans: Sequence[Span]) -> str:
    return json.dumps(check(spans), allow_nan=False, separators=(",", ":"))


def _span(db: Database, row: Row) -> Span:
    return Span(**{k: row[k] for k in Span.model_fields if k != "attributes"},
                attributes=db.json_value(row["attributes"]) or {})


def of_trace(db: Database, cur: Cursor, trace_id: str, limit: int) -> list[Span]:
    rows = cur.execute("SELECT * FROM spans WHERE trace_id = :t ORDER BY started_at, id "
                       "LIMIT :l", {"t": trace_id, "l": limit})
    return [_span(db, r) for r in rows]
