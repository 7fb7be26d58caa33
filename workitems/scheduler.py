"""Schedules: start a step's worker every N minutes or on a cron line.

Each start takes the schedule's lease in the store first, so a run that is still
going (on this machine or another) is never overlapped: the start is skipped
and logged. A started run is ``workitems worker STEP --exit-when-empty``; for a
step that needs a trigger (a producer polling an inbox), a trigger item is put
in its queue first, exactly like a Control Room process run.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from croniter import croniter

from workitems.processes import REPO_ROOT, Config, ScheduleConfig, parse_duration
from workitems.store import Store

LOGGER = logging.getLogger(__name__)
LEASE_SECONDS = 60.0


def next_due(schedule: ScheduleConfig, after: float) -> float:
    """The first start time strictly after ``after`` (epoch seconds, local time for cron)."""
    if schedule.every is not None:
        return after + parse_duration(schedule.every)
    return float(croniter(schedule.cron, datetime.fromtimestamp(after)).get_next(float))


@dataclass
class _Running:
    process: subprocess.Popen
    started: float


class Scheduler:
    def __init__(self, store: Store, config: Config, config_path: Path, db_url: str,
                 owner: str | None = None) -> None:
        self.store = store
        self.config = config
        self.config_path = config_path
        self.db_url = db_url
        self.owner = owner or f"scheduler@{socket.gethostname()}:{os.getpid()}"
        self._due: dict[str, float] = {}
        self._running: dict[str, _Running] = {}
        self.started: list[str] = []
        self.skipped: list[str] = []

    def run(self, stop: threading.Event, tick_seconds: float = 0.5) -> None:
        """Start what is due until ``stop`` is set; then wait for running runs to end."""
        self.tick(time.time())
        while not stop.wait(tick_seconds):
            self.tick(time.time())
        for name in list(self._running):
            self._running[name].process.wait()
            self._reap(name)

    def tick(self, now: float) -> None:
        for name in list(self._running):
            self._reap(name)
        for schedule in self.config.schedules:
            if schedule.name not in self._due:
                self._due[schedule.name] = next_due(schedule, now)
                LOGGER.info("schedule %s: first run at %s", schedule.name, datetime.fromtimestamp(
                    self._due[schedule.name]).isoformat(" ", "seconds"))
            elif now >= self._due[schedule.name]:
                self._due[schedule.name] = next_due(schedule, now)
                self._start(schedule)

    def _start(self, schedule: ScheduleConfig) -> None:
        if schedule.name in self._running or not self.store.acquire_schedule(
                schedule.name, self.owner, LEASE_SECONDS):
            LOGGER.warning("schedule %s: the previous run is still going; this start is skipped",
                           schedule.name)
            self.skipped.append(schedule.name)
            return
        step = self.config.step(schedule.process, schedule.step)
        self.store.register_process(schedule.process, self.config.steps(schedule.process),
                                    self.config.processes[schedule.process].description)
        if schedule.trigger:
            self.store.create_item(schedule.process, step.name,
                                   {**schedule.payload, "schedule": schedule.name},
                                   actor=self.owner)
        command = [sys.executable, "-m", "workitems", "--db", self.db_url, "worker",
                   schedule.step, "--process", schedule.process, "--slots", str(schedule.slots),
                   "--exit-when-empty", "--config", str(self.config_path), "--quiet"]
        LOGGER.info("schedule %s: starting %s/%s", schedule.name, schedule.process, schedule.step)
        self._running[schedule.name] = _Running(
            subprocess.Popen(command, cwd=REPO_ROOT, env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                            os.environ.get("PYTHONPATH")]))}),
            time.time())
        self.started.append(schedule.name)

    def _reap(self, name: str) -> None:
        running = self._running[name]
        code = running.process.poll()
        if code is None:
            self.store.renew_schedule(name, self.owner, LEASE_SECONDS)
            return
        del self._running[name]
        status = "OK" if code == 0 else f"EXIT {code}"
        self.store.finish_schedule(name, self.owner, status)
        LOGGER.info("schedule %s: run ended (%s) after %.1fs", name, status,
                    time.time() - running.started)
