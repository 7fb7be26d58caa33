"""Items per second through reserve -> complete over HTTP (Robocorp's stock
``RobocorpAdapter`` against ``workitems room serve``), beside the direct path (our
``StoreAdapter`` on the database, the baseline) in the same run, on the same database.

Each worker is a separate process looping ``reserve_input`` / ``release_input(DONE)``
until the queue is empty. Over HTTP each worker first starts a run with a runner token
(as ``workitems worker --via`` does) and then holds only the run's token; the Control
Room is one server process.

    python -m bench.http_workers [--items 1000] [--workers 1,4] [--repeat 1] [--pg URL]

Prints a table, then one JSON line of the figures (median of the repeats).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.queue import PROCESS, STEP, fill, timed_workers
from workitems import open_store

DEFAULT_PG = os.environ.get("WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]


def _loop(adapter: object) -> int:
    from robocorp.workitems import EmptyQueue, State

    done = 0
    try:
        while True:
            item_id = adapter.reserve_input()  # type: ignore[attr-defined]
            adapter.release_input(item_id, State.DONE)  # type: ignore[attr-defined]
            done += 1
    except EmptyQueue:
        return done


def _direct_worker(url: str, start: mp.Event, counts: mp.Queue) -> None:  # type: ignore[type-arg]
    os.environ.update(WORKITEMS_DB=url, WORKITEMS_PROCESS=PROCESS, WORKITEMS_STEP=STEP,
                      WORKITEMS_EXIT_WHEN_EMPTY="1")
    from workitems.adapter import StoreAdapter

    adapter = StoreAdapter()
    start.wait()
    try:
        counts.put(_loop(adapter))
    finally:
        adapter.close()


def _http_worker(room_url: str, token: str, start: mp.Event,  # type: ignore[type-arg]
                 counts: mp.Queue) -> None:  # type: ignore[type-arg]
    from robocorp.workitems import RobocorpAdapter

    from workitems.remote import ControlRoom

    room = ControlRoom(room_url, token)
    start.wait()
    run, _ = room.start_run(PROCESS, f"bench:{os.getpid()}")
    if run is None:
        counts.put(0)
        return
    os.environ.update(run.environment())
    try:
        counts.put(_loop(RobocorpAdapter()))
    finally:
        room.finish(run)
        room.close()


@contextmanager
def _control_room(db_url: str) -> Iterator[tuple[str, str]]:
    """`workitems room serve` on the database, and a runner token for the bench step."""
    from workitems.room import runs
    from workitems.room.background import free_port

    with open_store(db_url) as store:
        _, token = runs.create_runner_token(store, "bench", PROCESS, STEP)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "workitems", "room", "serve", "--db",
                               db_url, "--port", str(port)], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Control Room did not start")
            time.sleep(0.2)
        yield url, token
    finally:
        server.terminate()
        server.wait(15)


def run_once(db_url: str, path: str, workers: int, items: int) -> float:
    fill(db_url, items)
    if path == "direct":
        return timed_workers(_direct_worker, (db_url,), workers, items)
    with _control_room(db_url) as (url, token):
        return timed_workers(_http_worker, (url, token), workers, items)


@contextmanager
def _database(backend: str, pg: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    import psycopg

    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    console = Console()
    counts = [int(w) for w in args.workers.split(",")]

    results: dict[str, float] = {}
    for backend in args.backends.split(","):
        for workers in counts:
            for path in ("direct", "http"):
                rates = []
                for _ in range(args.repeat):
                    with _database(backend, args.pg) as url:
                        rates.append(run_once(url, path, workers, args.items))
                key = f"{backend}_{path}_{workers}w"
                results[key] = statistics.median(rates)
                console.print(f"{backend:>8} {path:>6} {workers} worker(s): "
                              f"{results[key]:8.0f} items/s")

    table = Table("database", "workers", "direct items/s", "HTTP items/s", "HTTP x direct",
                  title=f"reserve -> complete, {args.items} items, median of {args.repeat}, "
                        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    ratios: dict[str, float] = {}
    for backend in args.backends.split(","):
        for workers in counts:
            direct = results[f"{backend}_direct_{workers}w"]
            http = results[f"{backend}_http_{workers}w"]
            ratios[f"{backend}_{workers}w"] = http / direct
            table.add_row(backend, str(workers), f"{direct:,.0f}", f"{http:,.0f}",
                          f"{http / direct:.2f}")
    console.print(table)
    print(json.dumps({"bench": "http_workers", "items": args.items, "repeat": args.repeat,
                      "cores": os.cpu_count(), "baseline": "direct StoreAdapter",
                      "items_per_second": {k: round(v, 1) for k, v in results.items()},
                      "ratio_http_to_direct": {k: round(v, 3) for k, v in ratios.items()}}))


if __name__ == "__main__":
    main()
