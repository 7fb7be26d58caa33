"""The process overview's figures, read from the items table and the event log.

Definitions (per process step, and overall):
- straight-through rate: DONE items no person acted on (no RETRIED or
  MARKED_DONE event) / all DONE items;
- human-intervention rate: items that ever failed to a person (a FAILED event)
  / items that finished (DONE or FAILED);
- processing time: from a worker's RESERVED event to the COMPLETED event that
  follows it, over the chosen time window;
- oldest waiting: the creation time of the oldest PENDING item (waiting for a
  worker) and of the oldest FAILED item (waiting for a person).

Every query reads through an index: states through ``items_state``, events of
one kind in a window through ``events_kind_at``, person actions (rare) through
the same, so the page stays fast on a store of a few hundred thousand items.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel

from workitems import Store

WINDOWS = {"1h": (3600, 300), "24h": (86400, 3600), "7d": (7 * 86400, 6 * 3600),
           "30d": (30 * 86400, 86400)}  # name: (seconds, bucket seconds)
LATENCY_SAMPLE = 20_000  # the most recent completions a window's percentiles are taken from
PERSON_KINDS = ("RETRIED", "MARKED_DONE")


class StepFigures(BaseModel):
    process: str
    step: str
    states: dict[str, int]
    done: int = 0
    done_by_person: int = 0
    needed_person: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    completions: int = 0  # in the window, for the percentiles

    @property
    def straight_through(self) -> float | None:
        return (self.done - self.done_by_person) / self.done if self.done else None

    @property
    def human_intervention(self) -> float | None:
        finished = self.states.get("DONE", 0) + self.states.get("FAILED", 0)
        return self.needed_person / finished if finished else None


class Overview(BaseModel):
    window: str
    now: float
    steps: list[StepFigures]
    throughput: list[tuple[float, int]]  # (bucket start, items completed)
    bucket_seconds: int
    oldest_pending_at: float | None
    oldest_failed_at: float | None

    def total(self, attribute: str) -> int:
        return sum(getattr(s, attribute) for s in self.steps)

    @property
    def straight_through(self) -> float | None:
        done = self.total("done")
        return (done - self.total("done_by_person")) / done if done else None

    @property
    def human_intervention(self) -> float | None:
        finished = sum(s.states.get("DONE", 0) + s.states.get("FAILED", 0) for s in self.steps)
        return self.total("needed_person") / finished if finished else None


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


def _person_counts(store: Store) -> tuple[dict[tuple[str, str], int],
                                          dict[tuple[str, str], int]]:
    kinds = ", ".join(f"'{k}'" for k in PERSON_KINDS)
    with store.db.transaction() as cur:
        done_by_person = cur.execute(
            "SELECT i.process, i.step, count(DISTINCT i.id) AS n FROM events e "
            f"JOIN items i ON i.id = e.item_id WHERE e.kind IN ({kinds}) AND i.state = 'DONE' "
            "GROUP BY i.process, i.step")
        needed_person = cur.execute(
            "SELECT i.process, i.step, count(DISTINCT i.id) AS n FROM events e "
            "JOIN items i ON i.id = e.item_id WHERE e.kind = 'FAILED' "
            "GROUP BY i.process, i.step")
    return ({(r["process"], r["step"]): int(r["n"]) for r in done_by_person},
            {(r["process"], r["step"]): int(r["n"]) for r in needed_person})


def step_durations(store: Store, since: float, limit: int = LATENCY_SAMPLE
                   ) -> dict[tuple[str, str], list[float]]:
    """Seconds from RESERVED to COMPLETED for completions after ``since``, per step."""
    with store.db.transaction() as cur:
        rows = cur.execute(
            "SELECT i.process, i.step, c.at - r.at AS seconds FROM events c "
            "JOIN items i ON i.id = c.item_id "
            "JOIN events r ON r.id = (SELECT max(e.id) FROM events e WHERE "
            "e.item_id = c.item_id AND e.id < c.id AND e.kind = 'RESERVED') "
            "WHERE c.kind = 'COMPLETED' AND c.at >= :since ORDER BY c.at DESC LIMIT :limit",
            {"since": since, "limit": limit})
    out: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        out.setdefault((r["process"], r["step"]), []).append(float(r["seconds"]))
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
    with store.db.transaction() as cur:
        pending = cur.execute("SELECT min(created_at) AS t FROM items WHERE state = 'PENDING' "
                              "AND draft = 0")
        failed = cur.execute("SELECT min(created_at) AS t FROM items WHERE state = 'FAILED' "
                             "AND draft = 0")
    return pending[0]["t"], failed[0]["t"]


def _db_now(store: Store) -> float:
    with store.db.transaction() as cur:
        return float(cur.execute("SELECT {now} AS t")[0]["t"])


def overview(store: Store, window: str = "24h") -> Overview:
    seconds, bucket = WINDOWS.get(window, WINDOWS["24h"])
    window = window if window in WINDOWS else "24h"
    now = _db_now(store)
    since = now - seconds
    done_by_person, needed_person = _person_counts(store)
    durations = step_durations(store, since)
    steps = []
    for (process, step), states in sorted(store.counts().items()):
        values = sorted(durations.get((process, step), []))
        key = (process, step)
        steps.append(StepFigures(
            process=process, step=step, states=states, done=states.get("DONE", 0),
            done_by_person=done_by_person.get(key, 0), needed_person=needed_person.get(key, 0),
            p50=percentile(values, 50), p95=percentile(values, 95), p99=percentile(values, 99),
            completions=len(values)))
    oldest_pending, oldest_failed = _oldest(store)
    return Overview(window=window, now=now, steps=steps,
                    throughput=_throughput(store, since, bucket, now), bucket_seconds=bucket,
                    oldest_pending_at=oldest_pending, oldest_failed_at=oldest_failed)


def as_json(o: Overview) -> dict[str, Any]:
    """The overview as plain figures (for the JSON API and the benchmark)."""
    return {
        "window": o.window,
        "straight_through_rate": o.straight_through,
        "human_intervention_rate": o.human_intervention,
        "oldest_pending_age_seconds": (o.now - o.oldest_pending_at) if o.oldest_pending_at
        else None,
        "oldest_failed_age_seconds": (o.now - o.oldest_failed_at) if o.oldest_failed_at
        else None,
        "steps": [{**s.model_dump(), "straight_through_rate": s.straight_through,
                   "human_intervention_rate": s.human_intervention} for s in o.steps],
        "throughput": [{"from": t, "completed": n} for t, n in o.throughput],
    }
