"""The process overview's figures, read from the items table and the event log.

Items by state are counted over the whole store (what is in each queue now).
Everything else is measured over a time window (1 h, 24 h, 7 d, 30 d), from the
bots' and people's events in it, so the cost grows with the window's traffic,
not with the size of the history:

- straight-through and human-intervention rates: one definition for the whole
  product (``workitems.rates``), per item of the process's measured step
  (``measure_at`` in the process configuration; AP: per invoice, at the consumer),
  over the items that step finished or sent to a person in the window;
- processing time per step: from a worker's RESERVED event to the COMPLETED
  event that follows it (p50/p95/p99);
- throughput: COMPLETED events per time bucket;
- oldest waiting: creation time of the oldest PENDING item (waiting for a
  worker) and of the oldest FAILED item (waiting for a person);
- circuit breakers: per step and target system, whether workers take items.

Events in the window, the reservations before them and person actions all come
through ``events_kind_at`` as range reads.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from workitems import Store
from workitems.processes import measured_steps
from workitems.rates import DEFINITION, Rates, rates_of
from workitems.store import Breaker

WINDOWS = {"1h": (3600, 300), "24h": (86400, 3600), "7d": (7 * 86400, 6 * 3600),
           "30d": (30 * 86400, 86400)}  # name: (seconds, bucket seconds)
# Rates and percentiles use at most this many of the window's most recent events.
EVENT_SAMPLE = 20_000
PERSON_KINDS = ("RETRIED", "APPROVED", "MARKED_DONE")


class StepFigures(BaseModel):
    process: str
    step: str
    states: dict[str, int]  # now, whole store
    completed: int = 0  # in the window: COMPLETED + MARKED_DONE
    rates: Rates = Field(default_factory=Rates)  # in the window, see workitems.rates
    durations: list[float] = Field(default_factory=list, exclude=True)
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None

    @property
    def completions(self) -> int:
        return len(self.durations)

    @property
    def straight_through(self) -> float | None:
        return self.rates.straight_through_rate

    @property
    def human_intervention(self) -> float | None:
        return self.rates.human_intervention_rate


class Overview(BaseModel):
    window: str
    now: float
    steps: list[StepFigures]
    measured: dict[str, str] = {}  # process -> the step its headline rates are measured at
    throughput: list[tuple[float, int]]  # (bucket start, items completed)
    bucket_seconds: int
    oldest_pending_at: float | None
    oldest_failed_at: float | None
    definition: str = DEFINITION
    breakers: list[Breaker] = Field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(s, attribute) for s in self.steps)

    @property
    def headline(self) -> Rates:
        """The measured steps' rates together: the figure shown as the process's rate."""
        return sum((s.rates for s in self.steps if self.measured.get(s.process) == s.step),
                   Rates())

    @property
    def measured_label(self) -> str:
        return ", ".join(f"{p} / {s}" for p, s in sorted(self.measured.items()))

    @property
    def straight_through(self) -> float | None:
        return self.headline.straight_through_rate

    @property
    def human_intervention(self) -> float | None:
        return self.headline.human_intervention_rate


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _floor(dialect: str, expression: str) -> str:
    # PostgreSQL rounds when casting to integer; SQLite truncates (and lacks floor()
    # unless built with the math functions). Values here are never negative.
    return f"floor({expression})" if dialect == "postgres" else f"CAST({expression} AS INTEGER)"


# A reservation this long before the window still counts for a completion inside it,
# and a person's action this long before it still makes it "not straight through".
RESERVATION_MARGIN = 6 * 3600.0
PERSON_MARGIN = 7 * 86400.0


def window_events(store: Store, since: float, limit: int = EVENT_SAMPLE) -> list[dict[str, Any]]:
    """The window's COMPLETED, FAILED and MARKED_DONE events, newest first, each with its
    item's step, the time of the reservation before it (``reserved_at``) and whether a
    person acted on the item before it (``by_person``).

    Three range reads instead of a lookup per event: the window's events, the
    reservations around them, and the (rare) person actions on the items completed in
    the window; they are paired up here.
    """
    person = ", ".join(f"'{k}'" for k in PERSON_KINDS)
    with store.db.transaction() as cur:
        rows = cur.execute(
            "SELECT c.id, c.item_id, c.kind, c.at, i.process, i.step FROM events c "
            "JOIN items i ON i.id = c.item_id "
            "WHERE c.kind IN ('COMPLETED', 'FAILED', 'MARKED_DONE') AND c.at >= :since "
            "ORDER BY c.at DESC LIMIT :limit", {"since": since, "limit": limit})
        reservations = cur.execute(
            "SELECT id, item_id, at FROM events WHERE kind = 'RESERVED' AND at >= :since",
            {"since": since - RESERVATION_MARGIN})
        person_actions = cur.execute(
            f"SELECT p.id, p.item_id FROM events p WHERE p.kind IN ({person}) "
            "AND p.at >= :person_since AND p.item_id IN "
            "(SELECT c.item_id FROM events c WHERE c.kind = 'COMPLETED' AND c.at >= :since)",
            {"since": since, "person_since": since - PERSON_MARGIN})
    reserved: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r in reservations:
        reserved[r["item_id"]].append((r["id"], float(r["at"])))
    first_person: dict[int, int] = {}
    for r in person_actions:
        first_person[r["item_id"]] = min(r["id"], first_person.get(r["item_id"], r["id"]))
    for r in rows:
        before = [(i, at) for i, at in reserved.get(r["item_id"], ()) if i < r["id"]]
        r["reserved_at"] = max(before)[1] if before else None
        r["by_person"] = first_person.get(r["item_id"], r["id"]) < r["id"]
    return rows


def _figures(rows: list[dict[str, Any]]) -> dict[tuple[str, str], StepFigures]:
    by_step: dict[tuple[str, str], StepFigures] = {}
    kinds: dict[tuple[str, str], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        key = (r["process"], r["step"])
        fig = by_step.setdefault(key, StepFigures(process=key[0], step=key[1], states={}))
        kinds[key][r["item_id"]].add(r["kind"])
        if r["kind"] == "MARKED_DONE":
            fig.completed += 1
        elif r["kind"] == "COMPLETED":
            fig.completed += 1
            if r["by_person"]:  # sent back by a person before the window's completion
                kinds[key][r["item_id"]].add("RETRIED")
            if r["reserved_at"] is not None:
                fig.durations.append(float(r["at"]) - float(r["reserved_at"]))
    for key, fig in by_step.items():
        fig.rates = rates_of(kinds[key])
        values = sorted(fig.durations)
        fig.p50, fig.p95, fig.p99 = (percentile(values, q) for q in (50, 95, 99))
    return by_step


@functools.cache
def _configured_steps() -> dict[str, str]:
    return measured_steps()  # read once per server: the configuration changes with a restart


def _measured(steps: list[StepFigures], configured: dict[str, str]) -> dict[str, str]:
    """The configured step of each process, else its step that dealt with most items."""
    out: dict[str, str] = {}
    for fig in sorted(steps, key=lambda f: -f.rates.dealt_with):
        out.setdefault(fig.process, configured.get(fig.process, fig.step))
    return out


def _throughput(store: Store, since: float, bucket: int, now: float) -> list[tuple[float, int]]:
    index = _floor(store.dialect, "(at - :since) / :bucket")
    with store.db.transaction() as cur:
        rows = cur.execute(
            f"SELECT {index} AS b, count(*) AS n FROM events WHERE kind = 'COMPLETED' "
            "AND at >= :since GROUP BY 1", {"since": since, "bucket": bucket})
    counts = {int(r["b"]): int(r["n"]) for r in rows}
    buckets = max(1, math.ceil((now - since) / bucket))
    return [(since + b * bucket, counts.get(b, 0)) for b in range(buckets)]


def _oldest(store: Store) -> tuple[float | None, float | None]:
    """Creation time of the oldest PENDING and the oldest FAILED item.

    Ids grow with creation time, so the oldest pending item is the one with the
    lowest id, found in the small partial index of pending items (``items_queue``)."""
    with store.db.transaction() as cur:
        pending = cur.execute(
            "SELECT created_at AS t FROM items WHERE id = (SELECT min(id) FROM items "
            "WHERE state = 'PENDING' AND draft = 0)")
        failed = cur.execute("SELECT min(created_at) AS t FROM items WHERE state = 'FAILED' "
                             "AND draft = 0")
    return (pending[0]["t"] if pending else None), failed[0]["t"]


def db_now(store: Store) -> float:
    """The database's clock, which every timestamp in the store comes from."""
    with store.db.transaction() as cur:
        return float(cur.execute("SELECT {now} AS t")[0]["t"])


def overview(store: Store, window: str = "24h", *, throughput: bool = True,
             measured: dict[str, str] | None = None) -> Overview:
    """The figures; ``measured`` names each process's measured step (default: the
    process configuration's ``measure_at``)."""
    seconds, bucket = WINDOWS.get(window, WINDOWS["24h"])
    window = window if window in WINDOWS else "24h"
    now = db_now(store)
    since = (now - seconds) // bucket * bucket  # whole buckets: hours start on the hour
    in_window = _figures(window_events(store, since))
    steps = []
    for key, states in sorted(store.counts().items()):
        fig = in_window.pop(key, None) or StepFigures(process=key[0], step=key[1], states={})
        fig.states = states
        steps.append(fig)
    oldest_pending, oldest_failed = _oldest(store)
    configured = _configured_steps() if measured is None else measured
    return Overview(window=window, now=now, steps=steps, measured=_measured(steps, configured),
                    throughput=_throughput(store, since, bucket, now) if throughput else [],
                    bucket_seconds=bucket, oldest_pending_at=oldest_pending,
                    oldest_failed_at=oldest_failed, breakers=store.breakers())


def as_json(o: Overview) -> dict[str, Any]:
    """The overview as plain figures (for the JSON API and the benchmark)."""
    return {
        "window": o.window,
        "straight_through_rate": o.straight_through,
        "human_intervention_rate": o.human_intervention,
        "measured_at": o.measured,
        "definition": o.definition,
        "oldest_pending_age_seconds": (o.now - o.oldest_pending_at) if o.oldest_pending_at
        else None,
        "oldest_failed_age_seconds": (o.now - o.oldest_failed_at) if o.oldest_failed_at
        else None,
        "steps": [{**s.model_dump(exclude={"rates"}), "dealt_with": s.rates.dealt_with,
                   "straight_through": s.rates.straight_through, "completions": s.completions,
                   "straight_through_rate": s.straight_through,
                   "human_intervention_rate": s.human_intervention} for s in o.steps],
        "throughput": [{"from": t, "completed": n} for t, n in o.throughput],
        "breakers": [b.model_dump(mode="json") for b in o.breakers],
    }
