"""Items per second through reserve -> complete, on SQLite and PostgreSQL, at 1, 4 and 8
workers, beside a durable PostgreSQL job queue (procrastinate, the baseline) run with
the same workers on the same server in the same run.

Each worker is a separate process holding a ``StoreAdapter`` (what a bot uses) and
looping ``reserve_input`` / ``release_input(DONE)`` until the queue is empty; the
peer's workers are procrastinate's own, one job at a time (see bench.queue_peer).
The ratio column is ours over the peer's rate at the same number of workers.

    python -m bench.queue [--items 3000] [--repeat 3] [--pg postgresql://...] [--tracing]

The store alone is measured: our workers' tracing (workitems.tracing, a span per item
kept with its completion) is off unless ``--tracing``, which measures what it costs.

Prints a table, then one JSON line of the figures (median of the repeats).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named queue.py, like the standard library's module: keep its folder off
# the import path, or every "import queue" (urllib3, multiprocessing) would find it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import multiprocessing as mp
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from workitems import Step, open_store

PROCESS, STEP = "bench", "q"
PEER = "procrastinate"
BACKENDS = ("sqlite", "postgres", PEER)
WORKERS = (1, 4, 8)
DEFAULT_PG = os.environ.get("WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _store_worker(url: str, start: mp.Event, counts: mp.Queue) -> None:  # type: ignore[type-arg]
    os.environ.update(WORKITEMS_DB=url, WORKITEMS_PROCESS=PROCESS, WORKITEMS_STEP=STEP,
                      WORKITEMS_EXIT_WHEN_EMPTY="1")
    from robocorp.workitems import EmptyQueue, State

    from workitems.adapter import StoreAdapter

    adapter = StoreAdapter()
    start.wait()
    done = 0
    try:
        while True:
            item_id = adapter.reserve_input()
            adapter.release_input(item_id, State.DONE)
            done += 1
    except EmptyQueue:
        pass
    finally:
        adapter.close()
    counts.put(done)


def fill(url: str, items: int) -> None:
    """``items`` pending items of the bench's process, inserted in bulk."""
    with open_store(url) as store:
        store.register_process(PROCESS, [Step(process=PROCESS, name=STEP)])
        with store.db.transaction() as cur:
            for start in range(0, items, 1000):
                rows = ", ".join(
                    f"('{PROCESS}', '{STEP}', 'PENDING', 0, '{{\"n\": {n}}}', {{now}}, {{now}}, "
                    "{now})" for n in range(start, min(items, start + 1000)))
                cur.execute("INSERT INTO items (process, step, state, draft, payload, "
                            f"available_at, created_at, updated_at) VALUES {rows}")


def run_store(url: str, workers: int, items: int) -> float:
    fill(url, items)
    return timed_workers(_store_worker, (url,), workers, items, timeout=600)


def timed_workers(target: Callable[..., None], args: tuple, workers: int, items: int,
                  timeout: float = 900) -> float:
    """Items per second of ``workers`` processes running ``target(*args, start, counts)``,
    timed from when all of them are ready; each puts how many items it did in ``counts``."""
    ctx = mp.get_context("spawn")
    start, counts = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, counts)) for _ in range(workers)]
    for p in procs:
        p.start()
    time.sleep(1.5 + 0.3 * workers)  # let every worker import and connect before the clock starts
    began = time.perf_counter()
    start.set()
    total = sum(counts.get(timeout=timeout) for _ in procs)
    seconds = time.perf_counter() - began
    for p in procs:
        p.join()
    assert total == items, f"{total} of {items} items processed"
    return items / seconds


def _fresh_pg(base: str) -> tuple[str, str]:
    import psycopg

    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{base}?options=-csearch_path%3D{schema}", schema


def _drop_pg(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run_peer(url: str, workers: int, items: int) -> float:
    from bench import queue_peer  # only here: bench.http_workers borrows this module's helpers

    queue_peer.fill(url, items)
    return timed_workers(queue_peer.worker, (url,), workers, items, timeout=600)


def measure(backend: str, workers: int, items: int, pg: str) -> float:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run_store(f"sqlite:///{tmp}/bench.db", workers, items)
    url, schema = _fresh_pg(pg)
    try:
        return (run_peer if backend == PEER else run_store)(url, workers, items)
    finally:
        _drop_pg(pg, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="which of them to run, comma-separated (the ratio needs the peer)")
    parser.add_argument("--tracing", action="store_true",
                        help="our workers trace every item, as they do by default")
    args = parser.parse_args()
    console = Console()
    if args.tracing:  # spans go to the store and a scratch file, not the project's output/
        os.environ["WORKITEMS_TRACES"] = str(Path(tempfile.mkdtemp()) / "traces.jsonl")
    else:
        os.environ["OTEL_SDK_DISABLED"] = "true"  # inherited by the worker processes

    load_before = os.getloadavg()[0]
    results: dict[str, float] = {}
    # Each round runs every backend once, so a burst of load elsewhere on the machine
    # falls on all of them alike instead of on one backend's repeats.
    rates: dict[str, list[float]] = {}
    backends = [b for b in BACKENDS if b in args.backends.split(",")]
    for _ in range(args.repeat):
        for backend in backends:
            for workers in WORKERS:
                rate = measure(backend, workers, args.items, args.pg)
                rates.setdefault(f"{backend}_{workers}w", []).append(rate)
                console.print(f"{backend:>14} {workers} worker(s): {rate:8.0f} items/s")
    results = {key: statistics.median(r) for key, r in rates.items()}
    ratios = {f"{b}_{w}w": results[f"{b}_{w}w"] / results[f"{PEER}_{w}w"]
              for b in backends if b != PEER and PEER in backends for w in WORKERS}

    table = Table("backend", "workers", "items/s", "runs", f"x {PEER}",
                  title=f"reserve -> complete{' (traced)' if args.tracing else ''}, "
                        f"{args.items} items, median of {args.repeat}, "
                        f"{os.cpu_count()} cores, load {load_before:.1f}-{os.getloadavg()[0]:.1f}")
    for key, rate in results.items():
        backend, workers = key.rsplit("_", 1)
        table.add_row(backend, workers.rstrip("w"), f"{rate:,.0f}",
                      ", ".join(f"{r:.0f}" for r in rates[key]),
                      f"{ratios[key]:.2f}" if key in ratios else "")
    console.print(table)
    print(json.dumps({"bench": "queue", "items": args.items, "repeat": args.repeat,
                      "tracing": args.tracing,
                      "cores": os.cpu_count(), "baseline": PEER,
                      "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                      "items_per_second": {k: round(v, 1) for k, v in results.items()},
                      f"ratio_to_{PEER}": {k: round(v, 3) for k, v in ratios.items()}}))


if __name__ == "__main__":
    main()
