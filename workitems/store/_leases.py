"""The queue's hot path on PostgreSQL: taking a lease and completing an item, each in
one statement, so one round trip, with its event written in the same statement.

A worker over a network pays a round trip per statement, and BEGIN and COMMIT are
statements too: the general path (a transaction of several statements) took ten round
trips per item. Here a data-modifying CTE changes the item and appends its event at
once, and the statement is its own transaction (the connection is in autocommit).

Only the common case takes this path; the store falls back to its general transaction
when these statements decline (they return no row) or cannot apply:
- taking: the step has a circuit breaker (the gate and the probe need their own reads);
- completing: the item has draft outputs to publish, a breaker of its step must close,
  or the lease is not (or no longer) this worker's; the general path then says which.

SQLite runs in the worker's own process, where a statement costs microseconds and no
round trip: it always takes the general path.
"""

from __future__ import annotations

from collections.abc import Sequence

from workitems.models import EventKind, ItemState
from workitems.store import _spans
from workitems.store._db import Database, Row
from workitems.store._spans import Span

# Taking a lease is not durable (``set_config(..., true)`` lowers this transaction's
# synchronous_commit from inside the statement): if the server crashes and loses it,
# the item is simply PENDING again and this worker's completion is refused.
_TAKE = f"""
WITH picked AS (
    SELECT id FROM items WHERE process = :p AND step = :s AND state = 'PENDING'
    AND draft = 0 AND available_at <= {{now}} ORDER BY priority DESC, id LIMIT 1
    FOR UPDATE SKIP LOCKED),
taken AS (
    UPDATE items SET state = 'IN_PROGRESS', lease_owner = :owner, lease_token = :token,
    lease_expires_at = {{now}} + :lease, attempts = attempts + 1, run_id = :run,
    version = version + 1, updated_at = {{now}}
    FROM picked WHERE items.id = picked.id
    RETURNING items.id, items.attempts, items.lease_expires_at, items.traceparent),
logged AS (
    INSERT INTO events (item_id, at, actor, kind, from_state, to_state, details)
    SELECT id, {{now}}, :owner, '{EventKind.RESERVED.value}', '{ItemState.PENDING.value}',
    '{ItemState.IN_PROGRESS.value}', CASE WHEN attempts = :settling_at
    THEN jsonb_build_object('attempt', attempts, 'settling', true)
    ELSE jsonb_build_object('attempt', attempts) END FROM taken)
SELECT id, attempts, lease_expires_at, traceparent,
    set_config('synchronous_commit', 'off', true) AS unflushed FROM taken
"""

# Completing is durable: the bot's work is done and must never be handed out again. The
# attempt's spans are kept in the same statement, and the item's trace if it had none.
_FINISH = f"""
WITH done AS (
    UPDATE items SET state = 'DONE', lease_owner = NULL, lease_token = NULL,
    lease_expires_at = NULL, exception_type = NULL, exception_code = NULL,
    exception_message = NULL, version = version + 1, updated_at = {{now}},
    traceparent = COALESCE(items.traceparent, :trace)
    WHERE id = :id AND lease_token = :token AND state = 'IN_PROGRESS'
    AND NOT EXISTS (SELECT 1 FROM items d WHERE d.parent_id = :id AND d.draft = 1)
    AND NOT EXISTS (SELECT 1 FROM breakers b WHERE b.process = items.process
                    AND b.step = items.step AND (b.state <> 'CLOSED' OR b.failures > 0))
    RETURNING id),
logged AS (
    INSERT INTO events (item_id, at, actor, kind, from_state, to_state, details)
    SELECT id, {{now}}, :actor, '{EventKind.COMPLETED.value}',
    '{ItemState.IN_PROGRESS.value}', '{ItemState.DONE.value}', '{{}}'::jsonb FROM done),
kept AS ({_spans.PG_INSERT_FROM_JSON}
    WHERE EXISTS (SELECT 1 FROM done))
SELECT id FROM done
"""


def take(db: Database, process: str, step: str, owner: str, token: str, lease: float,
         run_id: int | None, settling_at: int) -> Row | None:
    """Lease the step's most urgent pending item: its id, attempts and lease expiry, or
    None when none is due. ``settling_at``: the attempt number that is a settling one
    (0 when the step has none), recorded in the RESERVED event as the general path does."""
    rows = db.statement(_TAKE, {"p": process, "s": step, "owner": owner, "token": token,
                                "lease": lease, "run": run_id, "settling_at": settling_at})
    return rows[0] if rows else None


def finish(db: Database, item_id: int, token: str, actor: str, spans: Sequence[Span],
           traceparent: str | None) -> bool:
    """Mark the item DONE if it is the plain case; False: the caller takes the general path."""
    return bool(db.statement(_FINISH, {
        "id": item_id, "token": token, "actor": actor, "spans": _spans.as_json(spans),
        "trace": traceparent and _spans.checked_traceparent(traceparent)}))
