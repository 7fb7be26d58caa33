"""An unattended worker: N slots, each a robocorp task process working one step's queue.

Each slot runs ``python -m robocorp.tasks run FILE -t TASK`` with our adapter, so
the bot is exactly what a citizen developer runs from the desktop. The worker
restarts a slot that ended (a crash, or its run reached WORKITEMS_MAX_ITEMS so
that logs stay small), forwards SIGTERM so each slot finishes the item in hand,
and in ``exit_when_empty`` mode ends when every slot found the queue empty (waiting
first for retries due within ``retry_window_seconds``). A bot never outlives its
worker (see :mod:`workitems.lifeline`).

With ``via`` (a Control Room's URL) the worker holds no database credentials: each slot
asks the Control Room for a run (which reserves the first item), starts the bot with
Robocorp's stock adapter and the run's own token (:mod:`workitems.remote`), renews the
lease of the item in hand from a heartbeat thread, drains the run to stop, and finishes
it when the bot ends.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from workitems.lifeline import PARENT_ENV, die_with_parent
from workitems.models import Step
from workitems.processes import REPO_ROOT
from workitems.remote import RUNNER_TOKEN_ENV, ControlRoom, ControlRoomError, RemoteRunHandle

if TYPE_CHECKING:
    from workitems.store import Store

LOGGER = logging.getLogger(__name__)
_RESTART_BACKOFF = (0.5, 1, 2, 5, 10, 30)


@dataclass
class Slot:
    number: int
    process: subprocess.Popen | None = None
    started: float = 0.0
    crashes: int = 0
    finished: bool = False  # ended with an empty queue in exit_when_empty mode
    restart_at: float = 0.0
    run: RemoteRunHandle | None = None  # the run over HTTP the bot works (with via)
    draining: bool = False


@dataclass
class WorkerOptions:
    db_url: str
    slots: int = 1
    exit_when_empty: bool = False
    poll_seconds: float = 1.0
    # In exit_when_empty mode, a retry due within this many seconds is waited for, so a
    # run does not end with an item that a short backoff would have finished.
    retry_window_seconds: float = 60.0
    max_items_per_run: int = 500
    output_dir: Path = field(default_factory=lambda: REPO_ROOT / "output" / "worker")
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    via: str | None = None  # a Control Room's URL: work over HTTP, not the database
    runner_token: str | None = None  # with via: may start runs of this step only


class Worker:
    def __init__(self, step: Step, options: WorkerOptions) -> None:
        if not step.task or "::" not in step.task:
            raise ValueError(f"step {step.process}/{step.name} names no task "
                             "('path/to/file.py::task_name') in its configuration")
        self.step = step
        self.options = options
        self.slots = [Slot(n) for n in range(1, options.slots + 1)]
        self._stopping = False
        self._store: Store | None = None  # opened on first need, for the worker's lifetime
        self._room: ControlRoom | None = None
        self._ended_event = threading.Event()
        if options.via:
            if not options.runner_token:
                raise ValueError(f"a worker via {options.via} needs a runner token "
                                 f"(${RUNNER_TOKEN_ENV})")
            self._room = ControlRoom(options.via, options.runner_token)

    def run(self, on_tick: Callable[[], None] | None = None) -> int:
        """Run until stopped (or, with exit_when_empty, until the queue is empty).
        Returns 0, or 1 if a slot kept crashing."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        if self._room is not None:
            threading.Thread(target=self._heartbeats, daemon=True,
                             name="workitems-run-heartbeat").start()
        try:
            while True:
                for slot in self.slots:
                    self._tend(slot)
                if on_tick:
                    on_tick()
                if all(s.process is None and (s.finished or self._stopping) for s in self.slots):
                    break
                time.sleep(0.1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._room is not None:
                self._ended_event.set()
                self._room.close()
        return 1 if any(s.crashes >= len(_RESTART_BACKOFF) for s in self.slots) else 0

    def stop(self) -> None:
        """Ask every slot to finish its item and stop (runs over HTTP are drained by the
        main loop: a signal handler must not talk to the Control Room mid-request)."""
        self._stopping = True
        if self._room is not None:
            return
        for slot in self.slots:
            if slot.process and slot.process.poll() is None:
                slot.process.send_signal(signal.SIGTERM)

    def _on_signal(self, signum: int, frame: object) -> None:
        LOGGER.warning("worker %s: signal %s, finishing the items in hand", self.options.name,
                       signum)
        self.stop()

    def _tend(self, slot: Slot) -> None:
        if slot.process is not None:
            code = slot.process.poll()
            if code is None:
                if self._stopping and slot.run is not None and not slot.draining:
                    self._drain(slot)
                return
            self._ended(slot, code)
        if self._stopping or slot.finished or time.monotonic() < slot.restart_at:
            return
        if self._room is not None:
            self._start_remote(slot)
            return
        if self.options.exit_when_empty:
            # A robocorp run reserves its first item before the bot's loop starts and
            # fails when there is none (Control Room never starts a run without one).
            wait = self._seconds_until_work()
            if wait is None or wait > self.options.retry_window_seconds:
                slot.finished = True
                return
            if wait > 0:  # a retry's backoff: look again when it is due
                slot.restart_at = time.monotonic() + min(wait, self.options.poll_seconds)
                return
        if self._gave_up(slot):
            return
        self._start(slot)

    def _ended(self, slot: Slot, code: int) -> None:
        slot.process = None
        if slot.run is not None:
            self._finish_run(slot)
        ran_for = time.monotonic() - slot.started
        if self._stopping:  # asked to stop: however the run ended, it is not restarted
            return
        if code == 0:
            # In exit mode runs have no item limit, so a clean end means the queue was empty
            # for now: _tend looks again (a retry may be due soon). Otherwise the run reached
            # its item limit and a fresh one starts.
            slot.crashes = 0
            return
        slot.crashes = slot.crashes + 1 if ran_for < 60 else 1
        delay = _RESTART_BACKOFF[min(slot.crashes, len(_RESTART_BACKOFF)) - 1]
        slot.restart_at = time.monotonic() + delay
        LOGGER.warning("slot %s ended with exit code %s; restarting in %ss (see %s)",
                       slot.number, code, delay, self._slot_dir(slot) / "console.log")

    def _seconds_until_work(self) -> float | None:
        """0 when an item may be taken now, the seconds until the next retry is due, or
        None when the queue holds nothing."""
        if self._store is None:
            from workitems.store import open_store

            self._store = open_store(self.options.db_url)
        self._store.reclaim_expired(actor=self.options.name)  # a dead worker's items count too
        waits = self._store.pending_waits(self.step.process, self.step.name, limit=1)
        return waits[0][1] if waits else None

    def _slot_dir(self, slot: Slot) -> Path:
        return self.options.output_dir / f"{self.step.name}-slot{slot.number}"

    def _gave_up(self, slot: Slot) -> bool:
        if slot.crashes < len(_RESTART_BACKOFF):
            return False
        slot.finished = True
        LOGGER.error("slot %s crashed %s times in a row; giving up on it", slot.number,
                     slot.crashes)
        return True

    def _max_items(self) -> int:
        return 0 if self.options.exit_when_empty else self.options.max_items_per_run

    def _start(self, slot: Slot) -> None:
        env = {
            **os.environ,
            "RC_WORKITEM_ADAPTER": "workitems.adapter.StoreAdapter",
            "WORKITEMS_DB": self.options.db_url,
            "WORKITEMS_PROCESS": self.step.process,
            "WORKITEMS_STEP": self.step.name,
            "WORKITEMS_EXIT_WHEN_EMPTY": "1" if self.options.exit_when_empty else "0",
            "WORKITEMS_POLL_SECONDS": str(self.options.poll_seconds),
            "WORKITEMS_MAX_ITEMS": str(self._max_items()),
        }
        self._launch(slot, env)

    def _start_remote(self, slot: Slot) -> None:
        """Ask the Control Room for a run; start the bot on it, or look again later."""
        assert self._room is not None
        if self._gave_up(slot):
            return
        try:
            run, wait = self._room.start_run(self.step.process, self._slot_name(slot),
                                             self._max_items())
        except ControlRoomError as exc:
            LOGGER.warning("slot %s: %s; asking again in %ss", slot.number, exc,
                           self.options.poll_seconds)
            slot.restart_at = time.monotonic() + self.options.poll_seconds
            return
        if run is None:
            if self.options.exit_when_empty and (
                    wait is None or wait > self.options.retry_window_seconds):
                slot.finished = True
                return
            slot.restart_at = time.monotonic() + min(wait or self.options.poll_seconds,
                                                     self.options.poll_seconds)
            return
        slot.run, slot.draining = run, False
        # No database credential and no runner token reach the bot: only its run's token.
        env = {name: value for name, value in os.environ.items()
               if name not in ("WORKITEMS_DB", RUNNER_TOKEN_ENV)}
        self._launch(slot, {**env, **run.environment()})

    def _drain(self, slot: Slot) -> None:
        assert self._room is not None and slot.run is not None and slot.process is not None
        slot.draining = True
        try:
            self._room.drain(slot.run)
        except ControlRoomError as exc:
            LOGGER.warning("slot %s: could not drain its run (%s); stopping the bot", slot.number,
                           exc)
            slot.process.send_signal(signal.SIGTERM)

    def _finish_run(self, slot: Slot) -> None:
        assert self._room is not None and slot.run is not None
        run, slot.run = slot.run, None
        try:
            self._room.finish(run)
        except ControlRoomError as exc:  # its token dies unused; an item in hand comes back
            LOGGER.warning("slot %s: could not finish run %s: %s", slot.number, run.run_id, exc)

    def _heartbeats(self) -> None:
        """Renew the leases of the items the slots' bots hold: the stock adapter cannot."""
        assert self._room is not None
        while True:
            runs = [s.run for s in self.slots if s.run is not None]
            interval = min((r.lease_seconds for r in runs), default=3.0) / 3
            if self._ended_event.wait(max(0.2, interval)):
                return
            for run in runs:
                try:
                    self._room.heartbeat(run)
                except ControlRoomError as exc:
                    if any(s.run is run for s in self.slots):  # not a run just finished
                        LOGGER.error("run %s: the heartbeat failed: %s", run.run_id, exc)

    def _slot_name(self, slot: Slot) -> str:
        return f"{self.options.name}:slot{slot.number}"

    def _launch(self, slot: Slot, env: dict[str, str]) -> None:
        file, task = self.step.task.split("::", 1)  # type: ignore[union-attr]
        out = self._slot_dir(slot)
        out.mkdir(parents=True, exist_ok=True)
        env = {
            **env,
            "WORKITEMS_WORKER": self._slot_name(slot),
            PARENT_ENV: str(os.getpid()),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                        os.environ.get("PYTHONPATH")])),
        }
        env.pop("RC_WORKITEM_INPUT_PATH", None)
        env.pop("RC_WORKITEM_OUTPUT_PATH", None)
        command = [sys.executable, "-m", "robocorp.tasks", "run", str(REPO_ROOT / file),
                   "-t", task, "-o", str(out), "--console-colors", "plain"]
        # Each bot in a session of its own: Linux's scheduler (autogroups) then shares a
        # busy machine between slots as between jobs, where one session's slots would
        # share one job's part; and Ctrl+C at the worker's terminal reaches the worker
        # only, which lets each bot finish the item in hand (SIGTERM), as documented.
        with open(out / "console.log", "ab") as log:
            slot.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            cwd=REPO_ROOT, start_new_session=True,
                                            preexec_fn=partial(die_with_parent, os.getpid()))
        slot.started = time.monotonic()
