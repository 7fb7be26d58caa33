"""Circuit breakers, one per step and target system, kept in the ``breakers`` table.

States: CLOSED (items flow), OPEN (no item of the step is handed out until
``open_until``), HALF_OPEN (one item, the probe, is out; the others wait). The
store calls these functions inside its own transactions:

- :func:`gate` before a reservation: may an item be handed out, and is it the probe?
- :func:`on_failure` when an attempt fails: a failure with one of the policy's codes
  counts; reaching the threshold (or a failed probe) opens the breaker, and the
  store then gives the item its attempt back and leaves it PENDING;
- :func:`on_success` when an attempt completes: the target answers, close.

The breaker's decisions use the database's clock, like every time in the store.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from workitems.retry import BreakerPolicy
from workitems.store._db import Cursor, Database, Row


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class Breaker(BaseModel):
    """What the overview and /metrics show about one breaker."""

    process: str
    step: str
    target: str
    state: BreakerState
    failures: int  # consecutive failures with one of the policy's codes
    last_code: str | None = None
    open_seconds: float | None = None
    open_until: float | None = None
    probe_item_id: int | None = None
    times_opened: int = 0
    changed_at: float


_KEY = "process = :p AND step = :s AND target = :t"


def _row(db: Database, cur: Cursor, process: str, step: str, target: str,
         lock: bool) -> Row | None:
    lock_sql = " FOR UPDATE" if lock and db.dialect == "postgres" else ""
    rows = cur.execute(f"SELECT *, {{now}} AS now FROM breakers WHERE {_KEY}{lock_sql}",
                       {"p": process, "s": step, "t": target})
    return rows[0] if rows else None


def gate(db: Database, cur: Cursor, process: str, step: str,
         policy: BreakerPolicy | None, lock: bool = True) -> tuple[bool, bool]:
    """(may an item be handed out now, is it the probe). ``lock``: the caller will take
    the probe, so two workers asking at once must not both get one."""
    if policy is None:
        return True, False
    row = _row(db, cur, process, step, policy.target, lock=False)
    if row is None or row["state"] == BreakerState.CLOSED:
        return True, False  # the common case reads one row and locks nothing
    if lock:
        row = _row(db, cur, process, step, policy.target, lock=True)
        if row is None or row["state"] == BreakerState.CLOSED:
            return True, False
    if row["state"] == BreakerState.OPEN:
        return row["now"] >= row["open_until"], True
    probe_out = row["probe_item_id"] is not None and cur.execute(
        "SELECT 1 AS x FROM items WHERE id = :id AND state = 'IN_PROGRESS'",
        {"id": row["probe_item_id"]})
    return not probe_out, True


def probe_taken(cur: Cursor, process: str, step: str, policy: BreakerPolicy,
                item_id: int) -> None:
    cur.execute(f"UPDATE breakers SET state = 'HALF_OPEN', probe_item_id = :item, "
                f"changed_at = {{now}} WHERE {_KEY}",
                {"item": item_id, "p": process, "s": step, "t": policy.target})


def on_success(cur: Cursor, process: str, step: str, policy: BreakerPolicy | None) -> bool:
    """Close the breaker; True if it was not closed (the probe succeeded)."""
    if policy is None:
        return False
    rows = cur.execute(
        "UPDATE breakers SET state = 'CLOSED', failures = 0, open_until = NULL, "
        f"open_seconds = NULL, probe_item_id = NULL, changed_at = {{now}} WHERE {_KEY} "
        "AND (state <> 'CLOSED' OR failures > 0) RETURNING failures",
        {"p": process, "s": step, "t": policy.target})
    return bool(rows)


def on_failure(db: Database, cur: Cursor, process: str, step: str,
               policy: BreakerPolicy | None, code: str | None) -> BreakerState | None:
    """Count a failure; returns the breaker's state if the failure counted, else None.
    OPEN means the target is taken for down: the failed item keeps its attempt."""
    if policy is None or code not in policy.codes:
        return None
    cur.execute("INSERT INTO breakers (process, step, target, state, changed_at) VALUES "
                "(:p, :s, :t, 'CLOSED', {now}) ON CONFLICT (process, step, target) DO NOTHING",
                {"p": process, "s": step, "t": policy.target})
    row = _row(db, cur, process, step, policy.target, lock=True)
    assert row is not None
    failures = row["failures"] + 1
    state = BreakerState(row["state"])
    params = {"p": process, "s": step, "t": policy.target, "f": failures, "code": code}
    if state is BreakerState.OPEN:
        # An attempt that was already under way when the breaker opened: no new wait.
        cur.execute(f"UPDATE breakers SET failures = :f, last_code = :code WHERE {_KEY}", params)
        return BreakerState.OPEN
    if state is BreakerState.CLOSED and failures < policy.after:
        cur.execute(f"UPDATE breakers SET failures = :f, last_code = :code, "
                    f"changed_at = {{now}} WHERE {_KEY}", params)
        return BreakerState.CLOSED
    # The threshold is reached, or the probe failed: open (longer after a failed probe).
    wait = policy.reopen_seconds(row["open_seconds"] if state is BreakerState.HALF_OPEN
                                 else None)
    cur.execute(
        "UPDATE breakers SET state = 'OPEN', failures = :f, last_code = :code, "
        "open_seconds = :wait, open_until = {now} + :wait, probe_item_id = NULL, "
        f"times_opened = times_opened + 1, changed_at = {{now}} WHERE {_KEY}",
        {**params, "wait": wait})
    return BreakerState.OPEN


def all_breakers(cur: Cursor) -> list[Breaker]:
    rows = cur.execute("SELECT * FROM breakers ORDER BY process, step, target")
    return [Breaker(**r) for r in rows]
