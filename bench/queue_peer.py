"""The queue benchmark's peer: the same workload on procrastinate, a PostgreSQL job queue.

procrastinate keeps its jobs in PostgreSQL, takes them with ``FOR UPDATE SKIP LOCKED``,
commits every state change durably and records each in an event table, as our store
does; so "reserve -> complete" of our items and "fetch -> finish" of its jobs do the
same durable work. Each worker is one process running procrastinate's own worker with
one job at a time (``concurrency=1``, like one bot slot), until the queue is empty.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from typing import Any

import procrastinate

QUEUE = "bench"
_done = 0


def _app(url: str) -> procrastinate.App:
    # The pool stays small: one job at a time needs one connection (and the worker's
    # heartbeat a second now and then).
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=2)
    app = procrastinate.App(connector=connector)
    app.task(name="noop", queue=QUEUE)(_noop)
    return app


def _noop(n: int) -> None:
    global _done
    _done += 1


def fill(url: str, items: int) -> None:
    """procrastinate's schema in the database ``url`` names, and ``items`` jobs queued."""

    async def go() -> None:
        app = _app(url)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            task = app.tasks["noop"]
            for start in range(0, items, 1000):
                await task.batch_defer_async(*({"n": n} for n in
                                               range(start, min(items, start + 1000))))

    asyncio.run(go())


def worker(url: str, start: Any, counts: mp.Queue) -> None:  # type: ignore[type-arg]
    """One worker process: wait for the start signal, run jobs until none is left."""

    async def go() -> None:
        app = _app(url)
        async with app.open_async():
            await asyncio.to_thread(start.wait)
            await app.run_worker_async(queues=[QUEUE], concurrency=1, wait=False,
                                       listen_notify=False, delete_jobs="never",
                                       install_signal_handlers=False)

    asyncio.run(go())
    counts.put(_done)
