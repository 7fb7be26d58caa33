"""``/metrics`` in the Prometheus text format.

Gauges are read fresh at every scrape: items by state, the exception queue by
code, the oldest waiting items, and the straight-through and human-intervention
rates over the last hour.

The histograms and the failure counter are kept in memory and brought up to date
incrementally: each scrape reads only the events and spans appended since the
previous one. Like any exporter's counters they start when the server starts
(Prometheus' ``rate()`` handles the reset); the first scrape backfills the last hour.

- ``workitems_step_duration_seconds``: RESERVED -> COMPLETED, per step;
- ``workitems_span_duration_seconds``: the spans of the items' traces (see
  :mod:`workitems.tracing`), per span name: the steps inside a bot's attempt
  (reading, each check, each screen of a target system) and people's decisions;
- ``workitems_failures_total``: every failed attempt (a business or application
  failure, a lease that expired), per step, exception type and code;
- ``workitems_field_confidence``: the extracted fields' confidences, observed
  each time a bot finishes or fails an item that carries extracted fields.

Events and spans are read only once they are a few seconds old, so a transaction
that committed a little after a later one is still counted. Labels that bots
choose (codes, span names) are bounded: past a fixed number of distinct values,
or for a value that does not look like a name, they count as "other".
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from workitems import Store
from workitems.room import overview as ov
from workitems.room.drift import DriftReport, drift_reports
from workitems.room.item_views import default_registry
from workitems.store import BreakerState

DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
SPAN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
FAILURE_KINDS = ("FAILED", "RETRY_SCHEDULED", "LEASE_EXPIRED")
MAX_LABEL_VALUES = 100  # distinct codes, or span names, before the rest count as "other"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_./:-]{0,79}$")
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
SETTLE_SECONDS = 5.0
BACKFILL_SECONDS = 3600.0
BATCH = 5000


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts: dict[tuple[str, ...], list[int]] = defaultdict(
            lambda: [0] * (len(buckets) + 1))
        self.sums: dict[tuple[str, ...], float] = defaultdict(float)

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        self.counts[labels][bisect.bisect_left(self.buckets, value)] += 1
        self.sums[labels] += value

    def lines(self, name: str, label_names: tuple[str, ...]) -> list[str]:
        out = []
        for labels in sorted(self.counts):
            base = _labels(label_names, labels)
            running = 0
            for bound, n in zip((*self.buckets, float("inf")), self.counts[labels],
                                strict=True):
                running += n
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                out.append(f'{name}_bucket{{{base},le="{le}"}} {running}')
            out.append(f"{name}_sum{{{base}}} {self.sums[labels]:.6g}")
            out.append(f"{name}_count{{{base}}} {running}")
        return out


class Counter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, ...], int] = defaultdict(int)

    def inc(self, labels: tuple[str, ...]) -> None:
        self.counts[labels] += 1

    def lines(self, name: str, label_names: tuple[str, ...]) -> list[str]:
        return [f"{name}{{{_labels(label_names, labels)}}} {self.counts[labels]}"
                for labels in sorted(self.counts)]


class BoundedLabel:
    """A label whose values come from bots: the first ``limit`` names, the rest "other"."""

    def __init__(self, limit: int = MAX_LABEL_VALUES) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        value = value or ""
        if value in self.seen or value == "":
            return value
        if not _NAME.match(value) or len(self.seen) >= self.limit:
            return "other"
        self.seen.add(value)
        return value


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    return ",".join(f'{k}="{_escape(v)}"' for k, v in zip(names, values, strict=True))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class EventHistograms:
    """The histograms and counters read from the event log and the spans, and how far
    into each they have read."""

    def __init__(self, settle_seconds: float = SETTLE_SECONDS,
                 backfill_seconds: float = BACKFILL_SECONDS,
                 fields: Collection[str] | None = None) -> None:
        # Field names become labels only for the fields the processes' views declare,
        # the rest count as "other": a payload cannot grow the label set. None: the
        # fields of the views the process configuration declares.
        self.fields = frozenset(default_registry().field_names() if fields is None
                                else fields)
        self.settle_seconds = settle_seconds
        self.backfill_seconds = backfill_seconds
        self.durations = Histogram(DURATION_BUCKETS)
        self.confidences = Histogram(CONFIDENCE_BUCKETS)
        self.spans = Histogram(SPAN_BUCKETS)
        self.failures = Counter()
        self._codes = BoundedLabel()
        self._span_names = BoundedLabel()
        self.after_id: int | None = None  # read events after this id; None: not started
        self.spans_after_id: int | None = None  # read spans after this id
        self._lock = threading.Lock()

    def update(self, store: Store) -> None:
        with self._lock:
            self._update_events(store)
            self._update_spans(store)

    def _update_events(self, store: Store) -> None:
        if self.after_id is None:
            kinds = ", ".join(f"'{k}'" for k in ("COMPLETED", *FAILURE_KINDS))
            self.after_id = self._start(store, "events", "at", f"kind IN ({kinds}) AND ")
        while True:
            rows = self._next_events(store)
            if not rows:
                return
            for r in rows:
                if r["kind"] == "COMPLETED" and r["seconds"] is not None:
                    self.durations.observe((r["process"], r["step"]), float(r["seconds"]))
                elif r["kind"] in FAILURE_KINDS:
                    self.failures.inc((r["process"], r["step"], *self._failure(store, r)))
            self._observe_confidences(store, [r["item_id"] for r in rows
                                              if r["kind"] in ("COMPLETED", "FAILED")])
            self.after_id = rows[-1]["id"]
            if len(rows) < BATCH:
                return

    def _failure(self, store: Store, row: dict[str, Any]) -> tuple[str, str]:
        """The exception type and code of a failure event."""
        if row["kind"] == "LEASE_EXPIRED":
            return "APPLICATION", "LEASE_EXPIRED"
        details = store.db.json_value(row["details"]) or {}
        kind = details.get("type") if details.get("type") in ("BUSINESS", "APPLICATION") \
            else "APPLICATION"
        return kind, self._codes(str(details.get("code") or ""))

    def _update_spans(self, store: Store) -> None:
        if self.spans_after_id is None:
            self.spans_after_id = self._start(store, "spans", "recorded_at", "")
        while True:
            with store.db.transaction(write=False) as cur:
                rows = cur.execute(
                    "SELECT id, name, ended_at - started_at AS seconds FROM spans "
                    "WHERE id > :after AND recorded_at < {now} - :settle ORDER BY id "
                    "LIMIT :limit", {"after": self.spans_after_id,
                                     "settle": self.settle_seconds, "limit": BATCH})
            for r in rows:
                self.spans.observe((self._span_names(r["name"]),),
                                   max(0.0, float(r["seconds"])))
            if rows:
                self.spans_after_id = rows[-1]["id"]
            if len(rows) < BATCH:
                return

    def _start(self, store: Store, table: str, at: str, where: str) -> int:
        """The id after which the backfill starts: the last row before the window."""
        with store.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT min(id) AS first FROM {table} WHERE {where}"
                f"{at} >= {{now}} - :backfill", {"backfill": self.backfill_seconds})
            if rows and rows[0]["first"] is not None:
                return int(rows[0]["first"]) - 1
            last = cur.execute(f"SELECT max(id) AS last FROM {table}")
        return int(last[0]["last"] or 0)

    def _next_events(self, store: Store) -> list[dict[str, Any]]:
        kinds = ", ".join(f"'{k}'" for k in ("COMPLETED", *FAILURE_KINDS))
        with store.db.transaction() as cur:
            return cur.execute(
                "SELECT c.id, c.kind, c.item_id, c.details, i.process, i.step, "
                "c.at - r.at AS seconds FROM events c JOIN items i ON i.id = c.item_id "
                "LEFT JOIN events r ON r.id = (SELECT max(e.id) FROM events e WHERE "
                "e.item_id = c.item_id AND e.id < c.id AND e.kind = 'RESERVED') "
                f"WHERE c.id > :after AND c.kind IN ({kinds}) "
                "AND c.at < {now} - :settle ORDER BY c.id LIMIT :limit",
                {"after": self.after_id, "settle": self.settle_seconds, "limit": BATCH})

    def _observe_confidences(self, store: Store, item_ids: list[int]) -> None:
        """One observation per field for each event (an item failed then completed counts
        twice: each was a bot's attempt)."""
        unique = sorted(set(item_ids))
        if not unique:
            return
        marks = ", ".join(f":i{n}" for n in range(len(unique)))
        params = {f"i{n}": item_id for n, item_id in enumerate(unique)}
        if store.dialect == "sqlite":
            sql = ("SELECT i.id, je.key AS field, json_extract(je.value, '$.confidence') AS c "
                   "FROM items i, json_each(i.payload, '$.extracted.fields') je "
                   f"WHERE i.id IN ({marks})")
        else:
            fields = "i.payload #> '{extracted,fields}'"
            sql = ("SELECT i.id, f.key AS field, f.value ->> 'confidence' AS c FROM items i, "
                   f"jsonb_each(CASE WHEN jsonb_typeof({fields}) = 'object' THEN {fields} "
                   f"ELSE '{{}}'::jsonb END) f WHERE i.id IN ({marks})")
        with store.db.transaction() as cur:
            rows = cur.execute(sql, params)
        by_item: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for r in rows:
            try:
                value = float(r["c"])
            except (TypeError, ValueError):
                continue
            by_item[r["id"]].append((r["field"] if r["field"] in self.fields else "other",
                                     value))
        for item_id in item_ids:
            for field, value in by_item.get(item_id, []):
                self.confidences.observe((field,), value)


def _gauge(name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        out.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")
    return out


def render(store: Store, histograms: EventHistograms,
           drift: list[DriftReport] | None = None) -> str:
    """The exposition text; ``drift`` are the model drift reports (computed with default
    windows when not given)."""
    histograms.update(store)
    figures = ov.overview(store, "1h", throughput=False)
    lines: list[str] = []
    lines += _gauge("workitems_items", "Work items by process, step and state.", [
        ({"process": s.process, "step": s.step, "state": state}, n)
        for s in figures.steps for state, n in sorted(s.states.items())])
    lines += _gauge("workitems_exception_queue", "FAILED items waiting for a person, by code.",
                    _queue_by_code(store))
    lines += _gauge("workitems_straight_through_ratio",
                    "Items completed with no person involved / all completed, last hour.",
                    [({"process": s.process, "step": s.step}, s.straight_through)
                     for s in figures.steps if s.straight_through is not None])
    lines += _gauge("workitems_human_intervention_ratio",
                    "Items a bot sent to a person / items a bot finished or failed, last hour.",
                    [({"process": s.process, "step": s.step}, s.human_intervention)
                     for s in figures.steps if s.human_intervention is not None])
    oldest = [({"state": state}, figures.now - at) for state, at in
              (("PENDING", figures.oldest_pending_at), ("FAILED", figures.oldest_failed_at))
              if at is not None]
    lines += _gauge("workitems_oldest_waiting_seconds",
                    "Age of the oldest item waiting for a worker (PENDING) or a person "
                    "(FAILED).", oldest)
    lines += _gauge("workitems_circuit_breaker",
                    "1 for the state each step's circuit breaker is in (CLOSED: items flow; "
                    "OPEN: workers take none; HALF_OPEN: one probe is out).",
                    [({"process": b.process, "step": b.step, "target": b.target,
                       "state": state}, float(b.state == state))
                     for b in figures.breakers for state in BreakerState])
    lines += _gauge("workitems_circuit_breaker_failures",
                    "Consecutive failures that count towards opening the breaker.",
                    [({"process": b.process, "step": b.step, "target": b.target},
                      b.failures) for b in figures.breakers])
    lines += _drift_gauges(drift_reports(store) if drift is None else drift)
    lines += ["# HELP workitems_step_duration_seconds Time from a worker's reservation to "
              "completion.", "# TYPE workitems_step_duration_seconds histogram"]
    lines += histograms.durations.lines("workitems_step_duration_seconds", ("process", "step"))
    lines += ["# HELP workitems_span_duration_seconds Duration of the spans of the items' "
              "traces, by span name.", "# TYPE workitems_span_duration_seconds histogram"]
    lines += histograms.spans.lines("workitems_span_duration_seconds", ("name",))
    lines += ["# HELP workitems_failures_total Failed attempts (business, application, "
              "expired lease) by step, exception type and code.",
              "# TYPE workitems_failures_total counter"]
    lines += histograms.failures.lines("workitems_failures_total",
                                       ("process", "step", "type", "code"))
    lines += ["# HELP workitems_field_confidence Confidence of extracted fields when a bot "
              "finished or failed an item.", "# TYPE workitems_field_confidence histogram"]
    lines += histograms.confidences.lines("workitems_field_confidence", ("field",))
    return "\n".join(lines) + "\n"


def _queue_by_code(store: Store) -> list[tuple[dict[str, str], float]]:
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT exception_code AS code, count(*) AS n FROM items "
                           "WHERE state = 'FAILED' AND draft = 0 GROUP BY exception_code")
    return [({"code": r["code"] or ""}, int(r["n"])) for r in rows]


def _drift_gauges(reports: list[DriftReport]) -> list[str]:
    reports = [d for d in reports if d.ready]
    lines = _gauge("workitems_model_drift_psi",
                   "Population stability index of a trait of a model version's readings, "
                   "live window against its reference window.",
                   [({"model": d.model, "version": d.version, "trait": t.trait}, t.psi)
                    for d in reports for t in d.traits])
    lines += _gauge("workitems_model_drift_alerts",
                    "Traits of a model version's readings that drifted past the threshold.",
                    [({"model": d.model, "version": d.version}, len(d.alerts))
                     for d in reports])
    return lines
