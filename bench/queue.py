"""Items per second through reserve -> complete, on SQLite and PostgreSQL, at 1, 4 and 8
workers, beside robocorp's own FileAdapter (the baseline) in the same run.

Each worker is a separate process holding a ``StoreAdapter`` (what a bot uses) and
looping ``reserve_input`` / ``release_input(DONE)`` until the queue is empty. The
FileAdapter keeps its queue in one JSON file and serves one process, so it runs
with 1 worker only.

    python -m bench.queue [--items 3000] [--repeat 3] [--pg postgresql://...]

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


def run_file_adapter(items: int) -> float:
    from robocorp.workitems import EmptyQueue, FileAdapter, State

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.json"
        src.write_text(json.dumps([{"payload": {"n": n}, "files": {}} for n in range(items)]))
        os.environ["RC_WORKITEM_INPUT_PATH"] = str(src)
        os.environ["RC_WORKITEM_OUTPUT_PATH"] = str(Path(tmp) / "out.json")
        adapter = FileAdapter()
        began = time.perf_counter()
        done = 0
        try:
            while True:
                adapter.release_input(adapter.reserve_input(), State.DONE)
                done += 1
        except EmptyQueue:
            pass
        seconds = time.perf_counter() - began
    assert done == items
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


def measure(backend: str, workers: int, items: int, pg: str) -> float:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run_store(f"sqlite:///{tmp}/bench.db", workers, items)
    url, schema = _fresh_pg(pg)
    try:
        return run_store(url, workers, items)
    finally:
        _drop_pg(pg, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    console = Console()

    results: dict[str, float] = {}
    runs = [("file-adapter", 1)] + [(b, w) for b in ("sqlite", "postgres") for w in (1, 4, 8)]
    for backend, workers in runs:
        rates = []
        for _ in range(args.repeat):
            if backend == "file-adapter":
                rates.append(run_file_adapter(args.items))
            else:
                rates.append(measure(backend, workers, args.items, args.pg))
        results[f"{backend}_{workers}w"] = statistics.median(rates)
        console.print(f"{backend:>12} {workers} worker(s): {results[f'{backend}_{workers}w']:8.0f}"
                      f" items/s  (runs: {', '.join(f'{r:.0f}' for r in rates)})")

    baseline = results["file-adapter_1w"]
    table = Table("backend", "workers", "items/s", "x FileAdapter",
                  title=f"reserve -> complete, {args.items} items, median of {args.repeat}, "
                        f"{os.cpu_count()} cores")
    for key, rate in results.items():
        backend, workers = key.rsplit("_", 1)
        table.add_row(backend, workers.rstrip("w"), f"{rate:,.0f}", f"{rate / baseline:.2f}")
    console.print(table)
    print(json.dumps({"bench": "queue", "items": args.items, "repeat": args.repeat,
                      "cores": os.cpu_count(),
                      "items_per_second": {k: round(v, 1) for k, v in results.items()},
                      "ratio_to_file_adapter": {k: round(v / baseline, 3)
                                                for k, v in results.items()}}))


if __name__ == "__main__":
    main()
