"""Runs started over HTTP, and the tokens scoped to them.

A worker on another machine holds a *runner token* (an administrator makes it with
``workitems room runner-token``): it may only start runs of one process step. Each run
it starts gets a fresh *run token*, which is all the bot process holds: it reaches only
that run's endpoints and the items the run holds (the input in hand and its outputs), and
the timelines of the items it worked (their spans, sent just before or after the
release); it stops working when the run finishes or is not heard from for
``IDLE_SECONDS``.

The run remembers the item in hand and its lease token in the database, so every write
a bot makes is fenced by the store exactly as a direct worker's (LeaseLost once the
lease is gone), whichever server process answers.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from workitems import ExceptionType, InvalidInput, Item, ItemNotFound, LeaseLost, Store
from workitems.room.repository import digest

IDLE_SECONDS = 600.0  # a run token unused this long (no request, no heartbeat) is dead
_REFRESH_AFTER_SECONDS = 60.0  # a token's life is extended at most this often
MAX_WORKER_NAME = 200
RESERVE_WAIT_SECONDS = 30.0  # a retried reserve waits this long for the first one's answer
_COMPLETED = ("COMPLETED", "DONE")  # Robocorp's State.DONE is sent as "COMPLETED"


class RunRefused(Exception):
    """The caller may not do this: 401 (no valid token) or 403 (not this token's)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Runner:
    id: int
    name: str
    process: str
    step: str


@dataclass(frozen=True)
class RemoteRun:
    run_id: int
    process: str
    step: str
    worker: str
    item_id: int | None
    lease_token: str | None
    holding: bool
    settling: bool
    items_taken: int
    max_items: int
    done: int
    failed: int
    draining: bool
    lease_seconds: float


@dataclass(frozen=True)
class Started:
    """A run with its first item already reserved, as Control Room starts one."""

    run: RemoteRun
    token: str


# -- runner tokens ---------------------------------------------------------------------


def create_runner_token(store: Store, name: str, process: str, step: str) -> tuple[int, str]:
    """(id, token): the token is shown once; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    with store.db.transaction() as cur:
        rows = cur.execute(
            "INSERT INTO room_runner_tokens (name, process, step, token_hash, created_at) "
            "VALUES (:n, :p, :s, :h, {now}) RETURNING id",
            {"n": name, "p": process, "s": step, "h": digest(token)})
    return int(rows[0]["id"]), token


def revoke_runner_token(store: Store, token_id: int) -> bool:
    """Revoke a runner token and end the runs it started (their tokens stop working)."""
    with store.db.transaction() as cur:
        cur.execute("UPDATE room_runner_tokens SET revoked_at = {now} WHERE id = :id "
                    "AND revoked_at IS NULL", {"id": token_id})
        revoked = cur.rowcount > 0
        cur.execute("UPDATE room_runs SET ended_at = {now} WHERE runner_token_id = :id "
                    "AND ended_at IS NULL", {"id": token_id})
    return revoked


def runner_tokens(store: Store) -> list[dict[str, Any]]:
    with store.db.transaction(write=False) as cur:
        return cur.execute("SELECT id, name, process, step, created_at, last_used_at, "
                           "revoked_at FROM room_runner_tokens ORDER BY id")


def runner_for(store: Store, token: str) -> Runner:
    with store.db.transaction() as cur:
        rows = cur.execute(
            "UPDATE room_runner_tokens SET last_used_at = {now} WHERE token_hash = :h "
            "AND revoked_at IS NULL RETURNING id, name, process, step", {"h": digest(token)})
    if not rows:
        raise RunRefused(401, "a valid runner token is required to start a run")
    return Runner(**rows[0])


# -- runs ------------------------------------------------------------------------------

_RUN_COLUMNS = ("run_id, process, step, worker, item_id, lease_token, holding, settling, "
                "items_taken, max_items, done, failed, draining, lease_seconds")


def _run(row: dict[str, Any]) -> RemoteRun:
    return RemoteRun(**{**row, "holding": bool(row["holding"]), "settling": bool(row["settling"]),
                        "draining": bool(row["draining"])})


def seconds_until_work(store: Store, process: str, step: str) -> float | None:
    """0 when an item may be taken now, the seconds until the next retry is due, or None
    when the step's queue holds nothing."""
    store.reclaim_expired()  # a dead worker's items count too
    if store.available(process, step):
        return 0.0
    waits = store.pending_waits(process, step, limit=1)
    return waits[0][1] if waits else None


def start(store: Store, runner: Runner, worker: str, max_items: int = 0
          ) -> tuple[Started | None, float | None]:
    """Start a run of the runner's step with its first item reserved: (the run, 0). When
    no item can be taken now: (None, seconds until one is due, or None for an empty
    queue); no run is recorded then, so polling leaves no trace."""
    worker = f"{worker.strip()[:MAX_WORKER_NAME] or 'worker'} via {runner.name}"
    if not worker.isprintable():
        raise InvalidInput("a worker name is one line of printable characters")
    wait = seconds_until_work(store, runner.process, runner.step)
    if wait != 0:
        return None, wait
    lease = store.step(runner.process, runner.step).lease_seconds
    run_id = store.start_run(runner.process, runner.step, worker)
    reservation = store.reserve(runner.process, runner.step, worker, lease_seconds=lease,
                                run_id=run_id)
    if reservation is None:  # another worker was quicker
        store.finish_run(run_id, "FINISHED", 0, 0)
        return None, 0.0
    token = secrets.token_urlsafe(32)
    with store.db.transaction() as cur:
        rows = cur.execute(
            "INSERT INTO room_runs (run_id, runner_token_id, process, step, worker, token_hash, "
            "item_id, lease_token, holding, settling, items_taken, max_items, lease_seconds, "
            "expires_at) VALUES (:run, :runner, :p, :s, :w, :h, :item, :lease_token, 1, "
            ":settling, 1, :max, :lease, {now} + :idle) RETURNING " + _RUN_COLUMNS,
            {"run": run_id, "runner": runner.id, "p": runner.process, "s": runner.step,
             "w": worker, "h": digest(token), "item": reservation.item_id,
             "lease_token": reservation.token, "settling": int(reservation.settling),
             "max": max(0, max_items), "lease": lease, "idle": IDLE_SECONDS})
    return Started(run=_run(rows[0]), token=token), 0.0


def run_for(store: Store, token: str) -> RemoteRun:
    """The live run a run token belongs to (and it counts as heard from); 401 otherwise."""
    with store.db.transaction(write=False) as cur:
        rows = cur.execute(
            f"SELECT {_RUN_COLUMNS}, expires_at < {{now}} + :fresh AS stale FROM room_runs "
            "WHERE token_hash = :h AND ended_at IS NULL AND expires_at > {now}",
            {"h": digest(token), "fresh": IDLE_SECONDS - _REFRESH_AFTER_SECONDS})
    if not rows:
        raise RunRefused(401, "a valid run token is required (the run may have ended)")
    row = dict(rows[0])
    if row.pop("stale"):
        # Not durable, and only once a minute: losing it costs at most a minute of life.
        with store.db.transaction(durable=False) as cur:
            cur.execute("UPDATE room_runs SET expires_at = {now} + :idle WHERE run_id = :run",
                        {"idle": IDLE_SECONDS, "run": row["run_id"]})
    return _run(row)


def live_run(store: Store, run_id: int) -> RemoteRun:
    """A run by id, while it lives (for a signed transfer link, which carries no token)."""
    with store.db.transaction(write=False) as cur:
        rows = cur.execute(f"SELECT {_RUN_COLUMNS} FROM room_runs WHERE run_id = :run AND "
                           "ended_at IS NULL AND expires_at > {now}", {"run": run_id})
    if not rows:
        raise RunRefused(403, "the run this transfer link belongs to has ended")
    return _run(rows[0])


def _update(store: Store, run_id: int, sets: str, params: dict[str, Any] | None = None, *,
            durable: bool = True) -> None:
    with store.db.transaction(durable=durable) as cur:
        cur.execute(f"UPDATE room_runs SET {sets} WHERE run_id = :run",
                    {"run": run_id, **(params or {})})


def reserve_next(store: Store, run: RemoteRun) -> int | None:
    """The run's next input, or None when its loop should end (empty queue, the worker is
    draining, or the run took its share). Asked again while holding an item, or while
    another request of the run is reserving one (a client retrying after a lost or slow
    answer), the same item: one run never holds two."""
    if run.holding:
        return run.item_id
    if run.draining or (run.max_items and run.items_taken >= run.max_items):
        return None
    if not _claim_reservation(store, run.run_id):
        return _reserved_meanwhile(store, run.run_id)
    reservation = None
    try:
        reservation = store.reserve(run.process, run.step, run.worker,
                                    lease_seconds=run.lease_seconds, run_id=run.run_id)
    finally:
        if reservation is None:  # none found, or the store failed: the claim is given up
            _update(store, run.run_id, "reserving = 0", durable=False)
    if reservation is None:
        return None
    # Not durable, like the lease itself (Store.reserve): should the database server lose
    # it, the run holds nothing and the bot's writes are refused, never unfenced.
    _update(store, run.run_id, "item_id = :item, lease_token = :token, holding = 1, "
            "reserving = 0, settling = :settling, items_taken = items_taken + 1",
            {"item": reservation.item_id, "token": reservation.token,
             "settling": int(reservation.settling)}, durable=False)
    return reservation.item_id


def _claim_reservation(store: Store, run_id: int) -> bool:
    with store.db.transaction(durable=False) as cur:
        rows = cur.execute("UPDATE room_runs SET reserving = 1 WHERE run_id = :run AND "
                           "holding = 0 AND reserving = 0 RETURNING run_id", {"run": run_id})
    return bool(rows)


def _reserved_meanwhile(store: Store, run_id: int) -> int | None:
    """The item another request of this run reserved; None if it found none (or never
    finished: then the bot's loop ends and its worker starts a fresh run)."""
    deadline = time.monotonic() + RESERVE_WAIT_SECONDS
    while True:
        with store.db.transaction(write=False) as cur:
            row = cur.execute("SELECT item_id, holding, reserving FROM room_runs "
                              "WHERE run_id = :run", {"run": run_id})[0]
        if row["holding"]:
            return int(row["item_id"])
        if not row["reserving"] or time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def release(store: Store, run: RemoteRun, item_id: int, state: str,
            exception: dict[str, Any] | None) -> None:
    """Release the item in hand as COMPLETED (Robocorp's word for done) or FAILED (with
    the bot's exception type, code and message). Released twice (a client retrying after
    a lost answer) it is a no-op."""
    if run.item_id != item_id:
        raise LeaseLost(f"item {item_id} is not the item this run holds")
    if not run.holding:
        return
    assert run.lease_token is not None
    try:
        if state in _COMPLETED:
            store.complete(item_id, run.lease_token, run.worker)
        elif state == "FAILED":
            exception = exception or {}
            store.fail(item_id, run.lease_token, run.worker,
                       ExceptionType(exception.get("type") or ExceptionType.APPLICATION),
                       code=exception.get("code"), message=exception.get("message"))
        else:
            raise InvalidInput(f"a work item is released as COMPLETED or FAILED, not {state!r}")
    except LeaseLost:
        _update(store, run.run_id, "holding = 0, settling = 0")  # the item is not ours now
        raise
    counter = "done" if state in _COMPLETED else "failed"
    _update(store, run.run_id, f"holding = 0, settling = 0, {counter} = {counter} + 1")


def heartbeat(store: Store, run: RemoteRun) -> float | None:
    """Renew the lease of the item in hand; its new expiry, or None when holding none.
    LeaseLost when the lease is gone (the item went back to the queue)."""
    if not run.holding:
        return None
    assert run.item_id is not None and run.lease_token is not None
    try:
        return store.renew(run.item_id, run.lease_token, run.lease_seconds)
    except LeaseLost:
        if _still_holds(store, run):
            raise
        return None  # the bot released the item meanwhile: nothing to renew


def _still_holds(store: Store, run: RemoteRun) -> bool:
    with store.db.transaction(write=False) as cur:
        rows = cur.execute("SELECT 1 AS x FROM room_runs WHERE run_id = :run AND holding = 1 "
                           "AND lease_token = :token", {"run": run.run_id,
                                                        "token": run.lease_token})
    return bool(rows)


def drain(store: Store, run: RemoteRun) -> None:
    """Let the item in hand finish, then end the bot's loop (the next reserve gets none)."""
    _update(store, run.run_id, "draining = 1")


def finish(store: Store, run: RemoteRun) -> None:
    """End the run: its token stops working. An item still in hand is not released: its
    lease runs out and the store decides (retry, settling attempt), as for a dead worker."""
    _update(store, run.run_id, "ended_at = {now}")
    store.finish_run(run.run_id, "STOPPED" if run.holding else "FINISHED", run.done, run.failed)


def item_in_reach(store: Store, run: RemoteRun, item_id: int) -> None:
    """A run reaches the item it holds (or last held: a late write then gets the store's
    LeaseLost) and that item's outputs; any other item is refused, existing or not."""
    if run.item_id is not None and item_id == run.item_id:
        return
    item: Item | None
    try:
        item = store.get_item(item_id)
    except ItemNotFound:  # unknown and foreign items get the same answer
        item = None
    if item is None or run.item_id is None or item.parent_id != run.item_id:
        raise RunRefused(403, f"work item {item_id} is not reachable with this run's token")


def trace_of_worked_item(store: Store, run: RemoteRun, item_id: int) -> str | None:
    """The traceparent (None: none yet) of an item this run worked: its latest reservation
    was this run's, in hand or released since. Any other item is refused, existing or not.
    Unlike :func:`item_in_reach` it holds after the release, for what a bot sends about an
    item once it is done (its spans); a later run's reservation ends it."""
    with store.db.transaction(write=False) as cur:
        rows = cur.execute("SELECT traceparent FROM items WHERE id = :id AND run_id = :run",
                           {"id": item_id, "run": run.run_id})
    if not rows:
        raise RunRefused(403, f"work item {item_id} was not worked by this run")
    return rows[0]["traceparent"]
