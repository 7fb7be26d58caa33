"""The robocorp.workitems adapter over our store.

A bot written against the standard API::

    from robocorp import workitems
    for item in workitems.inputs:
        with item:
            ...

runs unchanged against this store when ``RC_WORKITEM_ADAPTER=workitems.adapter.StoreAdapter``.
The adapter leases one item at a time, renews the lease from a heartbeat thread
while the bot works, and on SIGTERM lets the item in hand finish, then reports
an empty queue so the bot's loop ends cleanly.

Environment (set by ``workitems worker``; see :mod:`workitems.config` for the rest):

| variable                   | meaning                                               | default |
|----------------------------|-------------------------------------------------------|---------|
| WORKITEMS_WORKER           | who leases items (shows in the event log)             | host:pid |
| WORKITEMS_EXIT_WHEN_EMPTY  | 1: end the loop when the queue is empty; 0: wait      | 1       |
| WORKITEMS_POLL_SECONDS     | how often to look for work while waiting              | 1.0     |
| WORKITEMS_MAX_ITEMS        | end the loop after this many items (0 = no limit)     | 0       |
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
from typing import Any

from robocorp.workitems import BaseAdapter, EmptyQueue, State

from workitems import tracing
from workitems.config import Settings
from workitems.errors import LeaseLost, ParentReleased
from workitems.lifeline import watch_parent
from workitems.models import ExceptionType, ItemState, Reservation
from workitems.store import Store, open_store

LOGGER = logging.getLogger(__name__)
_settling = threading.Event()  # the item in hand is on its settling attempt


def settling_attempt() -> bool:
    """True while the bot holds an item on its settling attempt: the step's last attempt
    ended in a lease expiry, and the step's retry policy (``settling_attempt: true``)
    hands the item out once more. The bot must not redo the work; it only finds out from
    the target system whether the work was done, and finishes the item or fails it.

    A bot working a run over HTTP (Robocorp's stock adapter, started by ``workitems
    worker --via``) gets the answer from the Control Room."""
    if _settling.is_set():
        return True
    from workitems.remote import settling_over_http

    return bool(settling_over_http())


class StoreAdapter(BaseAdapter):
    def __init__(self, store: Store | None = None, settings: Settings | None = None) -> None:
        env = os.environ
        self.settings = settings or Settings.from_env()
        self.store = store or open_store(settings=self.settings)
        self.process = self.settings.process
        self.step = self.settings.step
        self.worker = env.get("WORKITEMS_WORKER") or f"{socket.gethostname()}:{os.getpid()}"
        self.exit_when_empty = env.get("WORKITEMS_EXIT_WHEN_EMPTY", "1") != "0"
        self.poll_seconds = float(env.get("WORKITEMS_POLL_SECONDS", "1.0"))
        self.max_items = int(env.get("WORKITEMS_MAX_ITEMS", "0"))
        self.lease_seconds = self.store.step(self.process, self.step).lease_seconds

        self._current: Reservation | None = None
        self._trace: tracing.ItemTrace | None = None  # the span of the attempt in hand
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._closed = threading.Event()
        self.done = self.failed = 0
        self.run_id = self.store.start_run(self.process, self.step, self.worker)
        self._heartbeat = threading.Thread(target=self._renew_leases, daemon=True,
                                           name="workitems-heartbeat")
        self._heartbeat.start()
        self._install_sigterm()
        tracing.setup(f"{self.process}/{self.step}")
        watch_parent()  # started by a worker: end with it (a kill -9 forwards nothing)
        atexit.register(self.close)

    # -- BaseAdapter -------------------------------------------------------------------

    def reserve_input(self) -> str:
        while True:
            if self._stopping.is_set() or (self.max_items and self.done + self.failed
                                           >= self.max_items):
                raise EmptyQueue("worker is stopping")
            reservation = self.store.reserve(self.process, self.step, self.worker,
                                             lease_seconds=self.lease_seconds,
                                             run_id=self.run_id)
            if reservation is not None:
                with self._lock:
                    self._current = reservation
                if reservation.settling:
                    _settling.set()
                else:
                    _settling.clear()
                self._trace = tracing.ItemTrace(
                    self.store, reservation.item_id, f"{self.process}/{self.step}",
                    reservation.traceparent, {"workitems.attempt": reservation.attempt,
                                              "workitems.worker": self.worker})
                return str(reservation.item_id)
            if self.exit_when_empty:
                raise EmptyQueue(f"no pending items in {self.process}/{self.step}")
            self._stopping.wait(self.poll_seconds)

    def release_input(self, item_id: str, state: State, exception: dict | None = None) -> None:
        reservation = self._take_current(item_id)
        trace = self._end_trace(state, exception)
        if State(state) is State.DONE:
            self.store.complete(reservation.item_id, reservation.token, self.worker,
                                spans=trace.spans, traceparent=trace.traceparent)
            self.done += 1
            return
        exception = exception or {}
        self.store.fail(
            reservation.item_id, reservation.token, self.worker,
            ExceptionType(exception.get("type") or ExceptionType.APPLICATION),
            code=exception.get("code"), message=exception.get("message"),
            spans=trace.spans, traceparent=trace.traceparent)
        self.failed += 1

    # Every write carries the lease token of the item in hand: once the lease is gone
    # (the bot was paused past it, another worker finished the item) the store refuses
    # the write with LeaseLost, exactly as it refuses the release.

    def create_output(self, parent_id: str, payload: Any = None) -> str:
        """An output of the item in hand; of an input this worker already released, a
        ParentReleased (a ValueError, as Robocorp's own adapters raise)."""
        with self._lock:
            holding = self._current is not None
        if not holding and self.store.get_item(int(parent_id)).state is not ItemState.IN_PROGRESS:
            raise ParentReleased(f"Work item parent ({parent_id}) already released; create "
                                 "outputs before releasing the input")
        return str(self.store.create_output(int(parent_id), payload, actor=self.worker,
                                            token=self._token(),
                                            traceparent=tracing.traceparent_of()))

    def load_payload(self, item_id: str) -> Any:
        return self.store.load_payload(int(item_id))

    def save_payload(self, item_id: str, payload: Any) -> None:
        self.store.save_payload(int(item_id), payload, actor=self.worker, token=self._token())

    def list_files(self, item_id: str) -> list[str]:
        return self.store.list_files(int(item_id))

    def get_file(self, item_id: str, name: str) -> bytes:
        return self.store.get_file(int(item_id), name)

    def add_file(self, item_id: str, name: str, content: bytes) -> None:
        self.store.add_file(int(item_id), name, content, actor=self.worker, token=self._token())

    def remove_file(self, item_id: str, name: str) -> None:
        self.store.remove_file(int(item_id), name, actor=self.worker, token=self._token())

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the item in hand, then report an empty queue."""
        self._stopping.set()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._stopping.set()
        self._heartbeat.join(timeout=5)
        status = "STOPPED" if self._current is not None else "FINISHED"
        try:
            self.store.finish_run(self.run_id, status, self.done, self.failed)
        finally:
            self.store.close()

    def _end_trace(self, state: State, exception: dict | None) -> tracing.Finished:
        """The attempt's spans, kept with the item's release (one transaction)."""
        attempt, self._trace = self._trace, None
        if attempt is None:
            return tracing.Finished([], None)
        exception = exception or {}
        failed = State(state) is not State.DONE
        code = exception.get("code") or exception.get("type") or "FAILED"
        try:
            return attempt.finish(
                error=f"{code}: {exception.get('message') or ''}" if failed else None,
                attributes={"workitems.state": "FAILED" if failed else "DONE",
                            "workitems.exception_code": exception.get("code"),
                            "workitems.exception_type": exception.get("type")})
        except Exception:  # a lost timeline is never worth a lost release
            LOGGER.exception("could not end the trace of item %s", attempt.item_id)
            return tracing.Finished([], None)

    def _token(self) -> str:
        """The lease token of the item in hand (an output is written under its parent's)."""
        with self._lock:
            current = self._current
        if current is None:
            raise LeaseLost("this worker holds no item: a write outside an item's attempt "
                            "is refused")
        return current.token

    def _take_current(self, item_id: str) -> Reservation:
        with self._lock:
            current, self._current = self._current, None
        _settling.clear()
        if current is None or str(current.item_id) != str(item_id):
            raise LeaseLost(f"item {item_id} is not the item this worker holds")
        return current

    def _renew_leases(self) -> None:
        interval = max(0.2, self.lease_seconds / 3)
        while not self._closed.wait(interval):
            with self._lock:
                current = self._current
            if current is None:
                continue
            try:
                self.store.renew(current.item_id, current.token, self.lease_seconds)
            except LeaseLost:
                LOGGER.error("lost the lease on item %s: another worker may take it; this "
                             "attempt's result will be refused", current.item_id)
            except Exception:  # a heartbeat must survive a database blip; the next one retries
                LOGGER.exception("could not renew the lease on item %s", current.item_id)

    def _install_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_sigterm(signum: int, frame: object) -> None:
            LOGGER.warning("SIGTERM: finishing the item in hand, then stopping")
            self.stop()

        signal.signal(signal.SIGTERM, on_sigterm)
