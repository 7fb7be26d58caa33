"""Where a bot run's time goes: wall and CPU seconds per phase, for benchmarks.

    clock = PhaseClock()
    with clock.phase("reading"):
        ...
    erp = clock.timed(session, "erp")  # every call of the session counts as "erp"
    clock.write()                      # to $AP_PHASE_TIMES/<pid>.json, when it is set

CPU seconds are this thread's own (``time.thread_time``): what the bot's Python spent,
not what the browser or a server spent meanwhile; the wall seconds include those waits.
Phases do not nest: time inside an inner phase counts for the inner one only.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OUTPUT_ENV = "AP_PHASE_TIMES"  # a folder; unset: nothing is written


class PhaseClock:
    def __init__(self) -> None:
        self.wall: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._open: list[str] = []  # the phases running, innermost last

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self._open and self._open[-1] == name:  # a timed call inside its own phase
            yield
            return
        self._open.append(name)
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self._open.pop()
            spent_wall, spent_cpu = time.perf_counter() - wall, time.thread_time() - cpu
            self.wall[name] += spent_wall
            self.cpu[name] += spent_cpu
            self.calls[name] += 1
            if self._open:  # the outer phase did not spend this time itself
                self.wall[self._open[-1]] -= spent_wall
                self.cpu[self._open[-1]] -= spent_cpu

    def timed(self, target: Any, name: str) -> Any:
        """``target`` with every public method call counted as phase ``name``."""
        return _Timed(target, self, name)

    def summary(self) -> dict[str, dict[str, float]]:
        return {name: {"wall": round(self.wall[name], 4), "cpu": round(self.cpu[name], 4),
                       "calls": self.calls[name]} for name in self.wall}

    def write(self) -> Path | None:
        """Save the summary as ``$AP_PHASE_TIMES/<pid>.json``; None when it is not set."""
        folder = os.environ.get(OUTPUT_ENV)
        if not folder:
            return None
        path = Path(folder) / f"{os.getpid()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.summary()), encoding="utf-8")
        return path


class _Timed:
    """A proxy whose public methods run inside one phase of a clock."""

    def __init__(self, target: Any, clock: PhaseClock, name: str) -> None:
        self._target, self._clock, self._name = target, clock, name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._target, attribute)
        if attribute.startswith("_") or not callable(value):
            return value
        return self._wrap(value)

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._clock.phase(self._name):
                return method(*args, **kwargs)
        return call
