"""The work-item store: queues of items per process step, leases, and the event log.

Guarantees, whichever backend:
- an item is leased to one worker at a time (SKIP LOCKED on PostgreSQL, the single
  writer on SQLite), and only the holder of the lease token can release it;
- every write by a worker (payload, files, outputs) carries its lease token and is
  refused with LeaseLost once the lease is gone: a paused or cut-off worker cannot
  overwrite an item another worker has since finished;
- a worker that dies stops renewing its lease; when the lease expires the item goes
  back to the queue (and counts an attempt, so a poison item cannot loop forever);
- outputs created during an attempt stay drafts, invisible to the next step, until
  that attempt completes: a crashed or failed attempt leaves no half-made outputs;
- every change of state is one transaction that also appends to the event log.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from workitems.config import Settings
from workitems.errors import (
    Conflict,
    DuplicateReference,
    InvalidInput,
    ItemNotFound,
    LeaseLost,
    ParentReleased,
)
from workitems.models import (
    JSON,
    Created,
    Duplicates,
    Event,
    EventKind,
    ExceptionType,
    Item,
    ItemState,
    Reservation,
    Run,
    Step,
)
from workitems.retry import RetryPolicy
from workitems.store import _breakers, _leases, _readings, _records, _spans
from workitems.store._db import Cursor, Database, Row, connect
from workitems.store._names import (
    check_file_length,
    check_file_name,
    check_file_size,
    check_payload,
)
from workitems.store._readings import Reading
from workitems.store._records import Record
from workitems.store._schema import migrate
from workitems.store._spans import Span

_ITEM_COLUMNS = (
    "id, process, step, state, payload, parent_id, reference, priority, attempts, "
    "exception_type, exception_code, exception_message, lease_owner, lease_expires_at, "
    "available_at, assignee, version, created_at, updated_at, traceparent"
)
_RECLAIM_EVERY_SECONDS = 2.0


class Store:
    """One interface over SQLite and PostgreSQL; open it with :func:`open_store`."""

    def __init__(self, db: Database, settings: Settings | None = None) -> None:
        self.db = db
        self.settings = settings or Settings()
        self.schema_version = migrate(db)
        self._steps: dict[tuple[str, str], Step] = {}
        self._last_reclaim = 0.0
        self._rng = random.Random()

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- processes and steps ---------------------------------------------------------

    def register_process(self, name: str, steps: list[Step], description: str = "") -> None:
        """Create or update a process and its steps (workers call this at start)."""
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO processes (name, description, created_at) VALUES (:n, :d, {now}) "
                "ON CONFLICT (name) DO UPDATE SET description = excluded.description",
                {"n": name, "d": description},
            )
            for position, step in enumerate(steps):
                cur.execute(
                    "INSERT INTO steps (process, name, position, next_step, task, lease_seconds,"
                    " retry) VALUES (:p, :n, :pos, :next, :task, :lease, :retry) "
                    "ON CONFLICT (process, name) DO UPDATE SET position = excluded.position, "
                    "next_step = excluded.next_step, task = excluded.task, "
                    "lease_seconds = excluded.lease_seconds, retry = excluded.retry",
                    {"p": name, "n": step.name, "pos": position, "next": step.next_step,
                     "task": step.task, "lease": step.lease_seconds,
                     "retry": self.db.json_param(step.retry.model_dump())},
                )
                self._steps[(name, step.name)] = step.model_copy(
                    update={"process": name, "position": position})

    def step(self, process: str, name: str) -> Step:
        """The step's settings; a step nobody registered gets the defaults."""
        if (process, name) in self._steps:
            return self._steps[(process, name)]
        with self.db.transaction(write=False) as cur:
            return self._step_in(cur, process, name)

    def _step_in(self, cur: Cursor, process: str, name: str) -> Step:
        """As :meth:`step`, inside a transaction already open."""
        key = (process, name)
        if key not in self._steps:
            rows = cur.execute("SELECT * FROM steps WHERE process = :p AND name = :n",
                               {"p": process, "n": name})
            if not rows:
                return Step(process=process, name=name)
            row = rows[0]
            self._steps[key] = Step(
                process=process, name=name, position=row["position"],
                next_step=row["next_step"], task=row["task"], lease_seconds=row["lease_seconds"],
                retry=RetryPolicy(**self.db.json_value(row["retry"])))
        return self._steps[key]

    def steps(self, process: str) -> list[Step]:
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT name FROM steps WHERE process = :p ORDER BY position",
                               {"p": process})
        return [self.step(process, r["name"]) for r in rows]

    def processes(self) -> list[str]:
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT name FROM processes ORDER BY name")
        return [r["name"] for r in rows]

    # -- creating items ----------------------------------------------------------------

    def create_item(
        self,
        process: str,
        step: str,
        payload: Any = None,
        files: Mapping[str, bytes] | None = None,
        *,
        reference: str | None = None,
        priority: int = 0,
        duplicates: Duplicates = Duplicates.REFUSE,
        actor: str = "system",
        traceparent: str | None = None,
    ) -> Created:
        """Put a new item in a step's queue, with its files, in one transaction;
        ``traceparent``: the trace its work continues (none: its first attempt starts one)."""
        payload = check_payload(payload)
        files = self._checked_files(files or {})
        with self.db.transaction() as cur:
            item_id = self._insert_item(cur, process, step, payload, reference=reference,
                                        priority=priority, parent_id=None, draft=False,
                                        traceparent=traceparent)
            if item_id is None:
                existing = self._by_reference(cur, process, step, reference)
                if duplicates is Duplicates.REFUSE:
                    raise DuplicateReference(reference or "", existing)
                self._event(cur, existing, actor, EventKind.MERGED,
                            details={"reference": reference})
                return Created(id=existing, created=False)
            for name, content in files.items():
                self._insert_file(cur, item_id, name, content)
            self._event(cur, item_id, actor, EventKind.CREATED, to_state=ItemState.PENDING,
                        details={"reference": reference, "files": sorted(files)})
        return Created(id=item_id, created=True)

    def create_output(self, parent_id: int, payload: Any = None, actor: str = "system", *,
                      token: str | None = None, traceparent: str | None = None) -> int:
        """A draft output of the parent's current attempt, for the parent's next step.

        It joins the next step's queue when the parent completes; a top-level string
        ``reference`` in the payload is its unique reference there. With ``token`` (a
        worker's write) it is refused unless the parent is still leased under it. It
        continues ``traceparent``'s trace, by default the parent's.
        """
        payload = check_payload(payload)
        parent = self.get_item(parent_id)
        next_step = self.step(parent.process, parent.step).next_step or f"{parent.step}.output"
        reference = payload.get("reference") if isinstance(payload, dict) else None
        with self.db.transaction() as cur:
            # A holder whose lease is gone learns that first (LEASE_LOST); a released
            # input refuses outputs whoever asks (Robocorp's adapters do so too).
            self._fence(cur, parent_id, token)
            self._require_unreleased(cur, parent_id)
            item_id = self._insert_item(
                cur, parent.process, next_step, payload, parent_id=parent_id, draft=True,
                reference=reference if isinstance(reference, str) else None,
                priority=parent.priority, traceparent=traceparent)
        assert item_id is not None  # drafts never clash on reference
        return item_id

    def _require_unreleased(self, cur: Cursor, parent_id: int) -> None:
        """An output needs its input still in progress: once released (done or failed),
        a draft would never be published, so it is refused as Robocorp's adapters do."""
        lock = " FOR UPDATE" if self.dialect == "postgres" else ""
        rows = cur.execute(f"SELECT state FROM items WHERE id = :id{lock}", {"id": parent_id})
        if rows and rows[0]["state"] != ItemState.IN_PROGRESS:
            raise ParentReleased(f"Work item parent ({parent_id}) already released "
                                 f"(it is {rows[0]['state']}); create outputs before "
                                 "releasing the input")

    def _insert_item(self, cur: Cursor, process: str, step: str, payload: Any, *,
                     reference: str | None, priority: int, parent_id: int | None,
                     draft: bool, traceparent: str | None = None) -> int | None:
        """The new item's id; None when its reference is taken. Without a ``traceparent``
        it inherits its parent's: an output joins its input's trace."""
        rows = cur.execute(
            "INSERT INTO items (process, step, state, draft, payload, parent_id, reference, "
            "priority, available_at, created_at, updated_at, traceparent) VALUES (:process, "
            ":step, 'PENDING', :draft, :payload, :parent, :reference, :priority, {now}, {now}, "
            "{now}, COALESCE(:trace, (SELECT p.traceparent FROM items p WHERE p.id = :parent))) "
            "ON CONFLICT (process, step, reference) WHERE reference IS NOT NULL AND draft = 0 "
            "DO NOTHING RETURNING id",
            {"process": process, "step": step, "draft": int(draft),
             "payload": self.db.json_param(payload), "parent": parent_id,
             "reference": reference, "priority": priority,
             "trace": traceparent and _spans.checked_traceparent(traceparent)},
        )
        return int(rows[0]["id"]) if rows else None

    def _by_reference(self, cur: Cursor, process: str, step: str, reference: str | None) -> int:
        rows = cur.execute(
            "SELECT id FROM items WHERE process = :p AND step = :s AND reference = :r "
            "AND draft = 0", {"p": process, "s": step, "r": reference})
        return int(rows[0]["id"])

    # -- leasing -------------------------------------------------------------------------

    def reserve(self, process: str, step: str, owner: str, *,
                lease_seconds: float | None = None, run_id: int | None = None
                ) -> Reservation | None:
        """Lease the most urgent pending item of a step, or None if there is none."""
        self._maybe_reclaim()
        settings = self.step(process, step)
        lease = lease_seconds or settings.lease_seconds
        breaker = settings.retry.breaker
        token = secrets.token_hex(16)
        if breaker is None and self.dialect == "postgres":
            taken = _leases.take(self.db, process, step, owner, token, lease, run_id,
                                 settings.retry.settling_number)
            if taken is None:
                return None
            return Reservation(item_id=taken["id"], token=token, attempt=taken["attempts"],
                               lease_expires_at=taken["lease_expires_at"],
                               settling=settings.retry.is_settling(taken["attempts"]),
                               traceparent=taken["traceparent"])
        # Not durable: if the server crashed and lost this lease, the item is simply
        # PENDING again and this worker's completion is refused (unknown token).
        with self.db.transaction(durable=False) as cur:
            allowed, probe = _breakers.gate(self.db, cur, process, step, breaker)
            if not allowed:
                return None  # the step's target system is taken for down: items wait
            rows = cur.execute(
                "UPDATE items SET state = 'IN_PROGRESS', lease_owner = :owner, "
                "lease_token = :token, lease_expires_at = {now} + :lease, "
                "attempts = attempts + 1, run_id = :run, version = version + 1, "
                "updated_at = {now} WHERE id = (SELECT id FROM items WHERE process = :p "
                "AND step = :s AND state = 'PENDING' AND draft = 0 AND available_at <= {now} "
                f"ORDER BY priority DESC, id LIMIT 1 {self.db.skip_locked}) "
                "RETURNING id, attempts, lease_expires_at, traceparent",
                {"owner": owner, "token": token, "lease": lease, "run": run_id,
                 "p": process, "s": step},
            )
            if not rows:
                return None
            row = rows[0]
            settling = settings.retry.is_settling(row["attempts"])
            details: JSON = {"attempt": row["attempts"]}
            if settling:
                details["settling"] = True
            if probe:
                assert breaker is not None
                _breakers.probe_taken(cur, process, step, breaker, row["id"])
                details["breaker_probe"] = breaker.target
            self._event(cur, row["id"], owner, EventKind.RESERVED, ItemState.PENDING,
                        ItemState.IN_PROGRESS, details)
        return Reservation(item_id=row["id"], token=token, attempt=row["attempts"],
                           lease_expires_at=row["lease_expires_at"], settling=settling,
                           traceparent=row["traceparent"])

    def renew(self, item_id: int, token: str, lease_seconds: float) -> float:
        """Extend a lease (the worker's heartbeat); raises LeaseLost if it is gone."""
        with self.db.transaction(durable=False) as cur:
            rows = cur.execute(
                "UPDATE items SET lease_expires_at = {now} + :lease WHERE id = :id "
                "AND lease_token = :token AND state = 'IN_PROGRESS' RETURNING lease_expires_at",
                {"lease": lease_seconds, "id": item_id, "token": token})
        if not rows:
            raise LeaseLost(f"item {item_id}: the lease expired and the item went back to the "
                            "queue; this worker must not finish it")
        return float(rows[0]["lease_expires_at"])

    def complete(self, item_id: int, token: str, actor: str, *, spans: Sequence[Span] = (),
                 traceparent: str | None = None) -> None:
        """Mark a leased item DONE and release its outputs to the next step; keep the
        attempt's ``spans``, and ``traceparent`` as the item's trace if it has none."""
        if self.dialect == "postgres" and _leases.finish(self.db, item_id, token, actor,
                                                         spans, traceparent):
            return  # the plain case, in one statement; anything else below
        with self.db.transaction() as cur:
            # The lease check is the UPDATE's own condition: one round trip on the hot path.
            done = cur.execute(
                "UPDATE items SET state = 'DONE', lease_owner = NULL, lease_token = NULL, "
                "lease_expires_at = NULL, exception_type = NULL, exception_code = NULL, "
                "exception_message = NULL, version = version + 1, updated_at = {now} "
                "WHERE id = :id AND lease_token = :token AND state = 'IN_PROGRESS' "
                "RETURNING process, step", {"id": item_id, "token": token})
            if not done:
                self._check_lease(cur, item_id, token)  # raises: says what happened
            process, step = done[0]["process"], done[0]["step"]
            closed = _breakers.on_success(cur, process, step,
                                         self._step_in(cur, process, step).retry.breaker)
            self._event(cur, item_id, actor, EventKind.COMPLETED, ItemState.IN_PROGRESS,
                        ItemState.DONE, {"breaker_closed": True} if closed else None)
            self._publish_outputs(cur, item_id, actor)
            _spans.keep(self.db, cur, spans, item_id, traceparent)

    def fail(self, item_id: int, token: str, actor: str, exception_type: ExceptionType,
             code: str | None = None, message: str | None = None, *,
             spans: Sequence[Span] = (), traceparent: str | None = None) -> ItemState:
        """Release a leased item as failed. APPLICATION failures come back after a backoff
        while attempts remain; returns the state the item ended in. ``spans`` and
        ``traceparent`` as for :meth:`complete`."""
        exception_type = ExceptionType(exception_type)
        with self.db.transaction() as cur:
            row = self._check_lease(cur, item_id, token)
            self._discard_outputs(cur, item_id, actor)
            policy = self._step_in(cur, row["process"], row["step"]).retry
            breaker = _breakers.on_failure(
                self.db, cur, row["process"], row["step"], policy.breaker,
                code if exception_type is ExceptionType.APPLICATION else None)
            # The target is down: not this item's fault. It keeps its attempt and waits in
            # the queue; the breaker decides when items flow again.
            refund = breaker is _breakers.BreakerState.OPEN
            retry = refund or (exception_type is ExceptionType.APPLICATION
                               and not policy.gives_up_after(row["attempts"]))
            state = ItemState.PENDING if retry else ItemState.FAILED
            delay = policy.delay(row["attempts"], self._rng) if retry and not refund else 0.0
            cur.execute(
                "UPDATE items SET state = :state, lease_owner = NULL, lease_token = NULL, "
                "lease_expires_at = NULL, exception_type = :etype, exception_code = :code, "
                "exception_message = :msg, available_at = {now} + :delay, "
                "attempts = attempts - :refund, version = version + 1, updated_at = {now} "
                "WHERE id = :id",
                {"state": state.value, "etype": exception_type.value, "code": code,
                 "msg": message, "delay": delay, "refund": int(refund), "id": item_id})
            kind = EventKind.RETRY_SCHEDULED if retry else EventKind.FAILED
            details: JSON = {"type": exception_type.value, "code": code, "message": message,
                             "attempt": row["attempts"], "retry_in_seconds": round(delay, 3)}
            if refund:
                details.update(breaker_open=policy.breaker.target, attempt_refunded=True)
            self._event(cur, item_id, actor, kind, ItemState.IN_PROGRESS, state, details)
            _spans.keep(self.db, cur, spans, item_id, traceparent)
        return state

    def _fence(self, cur: Cursor, item_id: int, token: str | None) -> None:
        """A worker's write must come from the lease holder: the item itself, or for a
        draft output its parent, is still IN_PROGRESS under ``token``; else LeaseLost.
        ``token=None`` is a person's or the system's write, checked by other means."""
        if token is None:
            return
        rows = cur.execute("SELECT draft, parent_id FROM items WHERE id = :id", {"id": item_id})
        if not rows:
            raise ItemNotFound(item_id)
        row = rows[0]
        leased = row["parent_id"] if row["draft"] and row["parent_id"] is not None else item_id
        self._check_lease(cur, leased, token)

    def _check_lease(self, cur: Cursor, item_id: int, token: str) -> Row:
        lock = " FOR UPDATE" if self.dialect == "postgres" else ""
        rows = cur.execute(
            f"SELECT process, step, state, attempts, lease_token FROM items WHERE id = :id{lock}",
            {"id": item_id})
        if not rows:
            raise ItemNotFound(item_id)
        row = rows[0]
        if row["state"] != ItemState.IN_PROGRESS or row["lease_token"] != token:
            raise LeaseLost(f"item {item_id} is no longer leased to this worker (state "
                            f"{row['state']}): its lease expired and it went back to the queue "
                            "or to another worker; this worker's change was refused")
        return row

    def _publish_outputs(self, cur: Cursor, parent_id: int, actor: str) -> None:
        drafts = cur.execute(
            "SELECT id, process, step, reference FROM items WHERE parent_id = :p AND draft = 1 "
            "ORDER BY id", {"p": parent_id})
        for d in drafts:
            if d["reference"] is not None:
                existing = cur.execute(
                    "SELECT id FROM items WHERE process = :p AND step = :s AND reference = :r "
                    "AND draft = 0", {"p": d["process"], "s": d["step"], "r": d["reference"]})
                if existing:
                    self._delete_draft(cur, d["id"])
                    self._event(cur, existing[0]["id"], actor, EventKind.MERGED,
                                details={"reference": d["reference"], "parent_id": parent_id})
                    continue
            cur.execute("UPDATE items SET draft = 0, available_at = {now}, updated_at = {now} "
                        "WHERE id = :id", {"id": d["id"]})
            self._event(cur, d["id"], actor, EventKind.CREATED, None, ItemState.PENDING,
                        {"parent_id": parent_id, "reference": d["reference"]})

    def _add_outputs(self, cur: Cursor, parent_id: int, payloads: list[JSON], actor: str
                     ) -> None:
        """Outputs of an item closed outside an attempt: drafts, published at once."""
        self._discard_outputs(cur, parent_id, actor)  # a dead attempt's drafts never count
        rows = cur.execute("SELECT process, step, priority FROM items WHERE id = :id",
                           {"id": parent_id})
        parent = rows[0]
        next_step = self._step_in(cur, parent["process"], parent["step"]).next_step or \
            f"{parent['step']}.output"
        for payload in payloads:
            reference = payload.get("reference")
            self._insert_item(cur, parent["process"], next_step, payload, parent_id=parent_id,
                              draft=True, priority=parent["priority"],
                              reference=reference if isinstance(reference, str) else None)
        self._publish_outputs(cur, parent_id, actor)

    def _discard_outputs(self, cur: Cursor, parent_id: int, actor: str) -> None:
        drafts = cur.execute("SELECT id FROM items WHERE parent_id = :p AND draft = 1",
                             {"p": parent_id})
        for d in drafts:
            self._delete_draft(cur, d["id"])
            self._event(cur, parent_id, actor, EventKind.OUTPUT_DISCARDED,
                        details={"output_id": d["id"]})

    def _delete_draft(self, cur: Cursor, item_id: int) -> None:
        cur.execute("DELETE FROM item_files WHERE item_id = :id", {"id": item_id})
        cur.execute("DELETE FROM items WHERE id = :id AND draft = 1", {"id": item_id})

    def _maybe_reclaim(self) -> None:
        now = time.monotonic()
        if now - self._last_reclaim >= _RECLAIM_EVERY_SECONDS:
            self._last_reclaim = now
            self.reclaim_expired()

    def reclaim_expired(self, actor: str = "lease-reaper") -> int:
        """Return items whose lease expired to their queue (or fail them when out of
        attempts); returns how many were reclaimed."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT id, process, step, attempts, lease_owner FROM items WHERE state = "
                f"'IN_PROGRESS' AND lease_expires_at < {{now}} {self.db.skip_locked}")
            for row in rows:
                self._discard_outputs(cur, row["id"], actor)
                policy = self._step_in(cur, row["process"], row["step"]).retry
                # The last attempt stopped without a word: its work may be half done
                # outside (a posting submitted). A step that asks for it gets one settling
                # attempt, recorded as such, before the item is failed.
                settle = policy.settles_after(row["attempts"])
                give_up = policy.gives_up_after(row["attempts"])
                state = ItemState.FAILED if give_up and not settle else ItemState.PENDING
                cur.execute(
                    "UPDATE items SET state = :state, lease_owner = NULL, lease_token = NULL, "
                    "lease_expires_at = NULL, available_at = {now}, version = version + 1, "
                    "exception_type = :etype, exception_code = :code, exception_message = :msg, "
                    "updated_at = {now} WHERE id = :id",
                    {"state": state.value, "id": row["id"],
                     "etype": ExceptionType.APPLICATION.value if give_up else None,
                     "code": "LEASE_EXPIRED" if give_up else None,
                     "msg": self._lease_expired_message(cur, row["id"], row["attempts"])
                     if give_up else None})
                details: JSON = {"owner": row["lease_owner"], "attempt": row["attempts"]}
                if settle:
                    details["settling_attempt_next"] = True
                self._event(cur, row["id"], actor, EventKind.LEASE_EXPIRED,
                            ItemState.IN_PROGRESS, state, details)
        return len(rows)

    def _lease_expired_message(self, cur: Cursor, item_id: int, attempts: int) -> str:
        """Say how many attempts really ended in a lease expiry (this one included), from
        the history since a person last retried the item; the others failed otherwise."""
        rows = cur.execute(
            "SELECT count(*) AS n FROM events WHERE item_id = :id AND kind = :kind AND id > "
            "(SELECT coalesce(max(id), 0) FROM events WHERE item_id = :id AND kind = :retried)",
            {"id": item_id, "kind": EventKind.LEASE_EXPIRED.value,
             "retried": EventKind.RETRIED.value})
        expiries = int(rows[0]["n"]) + 1
        times = "once" if expiries == 1 else f"{expiries} times"
        others = attempts - expiries
        rest = f"; the other {others} ended in retryable errors" if others > 0 else ""
        return (f"the worker holding this item stopped {times} without finishing it "
                f"({attempts} attempts in all{rest}); check the worker logs, then retry")

    # -- people's actions ----------------------------------------------------------------

    def retry(self, item_id: int, actor: str, *, payload: Any = None,
              expected_version: int | None = None) -> None:
        """Send a FAILED item back to its queue (optionally with a corrected payload),
        with a fresh set of attempts."""
        self._send_back(item_id, actor, EventKind.RETRIED, payload, expected_version)

    def approve(self, item_id: int, actor: str, *, payload: Any = None,
                expected_version: int | None = None) -> None:
        """Like :meth:`retry`, recorded as a person's approval: the item goes on with the
        data they validated (in ``payload``), and its history says APPROVED."""
        self._send_back(item_id, actor, EventKind.APPROVED, payload, expected_version)

    def _send_back(self, item_id: int, actor: str, kind: EventKind, payload: Any,
                   expected_version: int | None) -> None:
        new_payload = check_payload(payload) if payload is not None else None
        with self.db.transaction() as cur:
            row = self._row_for_change(cur, item_id, expected_version, {ItemState.FAILED})
            sets = "payload = :payload, " if new_payload is not None else ""
            cur.execute(
                f"UPDATE items SET {sets}state = 'PENDING', attempts = 0, available_at = {{now}},"
                " exception_type = NULL, exception_code = NULL, exception_message = NULL, "
                "assignee = NULL, version = version + 1, updated_at = {now} WHERE id = :id",
                {"id": item_id, "payload": self.db.json_param(new_payload)})
            self._event(cur, item_id, actor, kind, row["state"], ItemState.PENDING,
                        {"payload_changed": new_payload is not None,
                         "previous_code": row["exception_code"]})

    def mark_done(self, item_id: int, actor: str, *, reason: str = "",
                  expected_version: int | None = None, payload: Any = None,
                  outputs: list[Any] = (), respect_claim: bool = True) -> None:
        """Close a FAILED or PENDING item by hand (handled outside the bots); an item
        someone else has claimed is refused unless ``respect_claim`` is False.

        A reconciliation that found the item's work already done elsewhere passes the
        item's final ``payload`` and the ``outputs`` the bot would have made; they join
        the next step's queue in the same transaction (merged by reference, as a bot's).
        """
        new_payload = check_payload(payload) if payload is not None else None
        made = [check_payload(o) for o in outputs]
        with self.db.transaction() as cur:
            row = self._row_for_change(cur, item_id, expected_version,
                                       {ItemState.FAILED, ItemState.PENDING},
                                       actor=actor if respect_claim else None)
            sets = "payload = :payload, " if new_payload is not None else ""
            cur.execute(
                f"UPDATE items SET {sets}state = 'DONE', assignee = NULL, version = version + 1, "
                "updated_at = {now} WHERE id = :id",
                {"id": item_id, "payload": self.db.json_param(new_payload)})
            self._event(cur, item_id, actor, EventKind.MARKED_DONE, row["state"], ItemState.DONE,
                        {"reason": reason, "payload_changed": new_payload is not None,
                         "previous_code": row["exception_code"], "outputs": len(made)})
            if made:
                self._add_outputs(cur, item_id, made, actor)

    def claim(self, item_id: int, actor: str, *, expected_version: int | None = None) -> None:
        """A person takes a FAILED item; nobody else can act on it until released."""
        with self.db.transaction() as cur:
            row = self._row_for_change(cur, item_id, expected_version, {ItemState.FAILED},
                                       actor=actor)
            cur.execute("UPDATE items SET assignee = :a, version = version + 1, "
                        "updated_at = {now} WHERE id = :id", {"a": actor, "id": item_id})
            self._event(cur, item_id, actor, EventKind.CLAIMED, row["state"], row["state"])

    def unclaim(self, item_id: int, actor: str) -> None:
        with self.db.transaction() as cur:
            row = self._row_for_change(cur, item_id, None, {ItemState.FAILED}, actor=actor)
            cur.execute("UPDATE items SET assignee = NULL, version = version + 1, "
                        "updated_at = {now} WHERE id = :id", {"id": item_id})
            self._event(cur, item_id, actor, EventKind.UNCLAIMED, row["state"], row["state"])

    def _row_for_change(self, cur: Cursor, item_id: int, expected_version: int | None,
                        allowed: set[ItemState], actor: str | None = None) -> Row:
        lock = " FOR UPDATE" if self.dialect == "postgres" else ""
        rows = cur.execute(f"SELECT state, version, assignee, exception_code FROM items "
                           f"WHERE id = :id AND draft = 0{lock}", {"id": item_id})
        if not rows:
            raise ItemNotFound(item_id)
        row = rows[0]
        if expected_version is not None and row["version"] != expected_version:
            raise Conflict(f"item {item_id} changed since you opened it (version "
                           f"{row['version']}, you had {expected_version}); reload it")
        if row["state"] not in allowed:
            raise Conflict(f"item {item_id} is {row['state']}; this needs it to be "
                           + " or ".join(sorted(allowed)))
        if actor is not None and row["assignee"] not in (None, actor):
            raise Conflict(f"item {item_id} is claimed by {row['assignee']}")
        return row

    # -- payloads and files --------------------------------------------------------------

    def load_payload(self, item_id: int) -> Any:
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT payload FROM items WHERE id = :id", {"id": item_id})
        if not rows:
            raise ItemNotFound(item_id)
        return self.db.json_value(rows[0]["payload"])

    def save_payload(self, item_id: int, payload: Any, actor: str,
                     expected_version: int | None = None, *, token: str | None = None) -> None:
        """Replace an item's payload. A person passes ``expected_version``, a worker its
        lease ``token`` (see :meth:`_fence`)."""
        payload = check_payload(payload)
        with self.db.transaction() as cur:
            self._fence(cur, item_id, token)
            rows = cur.execute("SELECT version, state FROM items WHERE id = :id", {"id": item_id})
            if not rows:
                raise ItemNotFound(item_id)
            if expected_version is not None and rows[0]["version"] != expected_version:
                raise Conflict(f"item {item_id} changed since you opened it; reload it")
            cur.execute("UPDATE items SET payload = :payload, version = version + 1, "
                        "updated_at = {now} WHERE id = :id",
                        {"payload": self.db.json_param(payload), "id": item_id})
            self._event(cur, item_id, actor, EventKind.PAYLOAD_UPDATED)

    def check_new_file(self, name: str, size: int) -> None:
        """Refuse a file by its name and size before its bytes arrive (an announced upload)."""
        check_file_name(name)
        check_file_length(name, size, self.settings.max_file_bytes)

    def _checked_files(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        checked: dict[str, bytes] = {}
        for name, content in files.items():
            check_file_name(name)
            check_file_size(name, content, self.settings.max_file_bytes)
            checked[name] = bytes(content)
        return checked

    def _insert_file(self, cur: Cursor, item_id: int, name: str, content: bytes) -> None:
        cur.execute(
            "INSERT INTO item_files (item_id, name, content, size, sha256, created_at) VALUES "
            "(:id, :name, :content, :size, :sha, {now}) ON CONFLICT (item_id, name) DO UPDATE "
            "SET content = excluded.content, size = excluded.size, sha256 = excluded.sha256",
            {"id": item_id, "name": name, "content": content, "size": len(content),
             "sha": hashlib.sha256(content).hexdigest()})

    def add_file(self, item_id: int, name: str, content: bytes, actor: str, *,
                 token: str | None = None) -> None:
        content = self._checked_files({name: content})[name]
        with self.db.transaction() as cur:
            self._fence(cur, item_id, token)
            if not cur.execute("SELECT 1 AS x FROM items WHERE id = :id", {"id": item_id}):
                raise ItemNotFound(item_id)
            self._insert_file(cur, item_id, name, content)
            self._event(cur, item_id, actor, EventKind.FILE_ADDED,
                        details={"name": name, "size": len(content)})

    def get_file(self, item_id: int, name: str) -> bytes:
        check_file_name(name)
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT content FROM item_files WHERE item_id = :id AND "
                               "name = :name", {"id": item_id, "name": name})
            if not rows:
                self._require_item(cur, item_id)
                raise InvalidInput(f"item {item_id} has no file named {name!r}")
        return bytes(rows[0]["content"])

    def list_files(self, item_id: int) -> list[str]:
        with self.db.transaction(write=False) as cur:
            self._require_item(cur, item_id)
            rows = cur.execute("SELECT name FROM item_files WHERE item_id = :id ORDER BY name",
                               {"id": item_id})
        return [r["name"] for r in rows]

    def remove_file(self, item_id: int, name: str, actor: str, *,
                    token: str | None = None) -> None:
        check_file_name(name)
        with self.db.transaction() as cur:
            self._fence(cur, item_id, token)
            cur.execute("DELETE FROM item_files WHERE item_id = :id AND name = :name",
                        {"id": item_id, "name": name})
            if cur.rowcount == 0:
                self._require_item(cur, item_id)
                raise InvalidInput(f"item {item_id} has no file named {name!r}")
            self._event(cur, item_id, actor, EventKind.FILE_REMOVED, details={"name": name})

    def _require_item(self, cur: Cursor, item_id: int) -> None:
        if not cur.execute("SELECT 1 AS x FROM items WHERE id = :id", {"id": item_id}):
            raise ItemNotFound(item_id)

    # -- reading -------------------------------------------------------------------------

    def get_item(self, item_id: int) -> Item:
        with self.db.transaction(write=False) as cur:
            rows = cur.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = :id",
                               {"id": item_id})
            if not rows:
                raise ItemNotFound(item_id)
            files = cur.execute("SELECT name FROM item_files WHERE item_id = :id ORDER BY name",
                                {"id": item_id})
        return self._item(rows[0], [f["name"] for f in files])

    def list_items(self, *, process: str | None = None, step: str | None = None,
                   state: ItemState | None = None, exception_code: str | None = None,
                   parent_id: int | None = None, limit: int = 100, offset: int = 0,
                   oldest_first: bool = False) -> list[Item]:
        where = ["draft = 0"]
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        for column, value in (("process", process), ("step", step),
                              ("state", ItemState(state).value if state else None),
                              ("exception_code", exception_code), ("parent_id", parent_id)):
            if value is not None:
                where.append(f"{column} = :{column}")
                params[column] = value
        order = "id" if oldest_first else "id DESC"
        with self.db.transaction(write=False) as cur:
            rows = cur.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE {' AND '.join(where)} "
                               f"ORDER BY {order} LIMIT :limit OFFSET :offset", params)
        return [self._item(r) for r in rows]

    def item_with_reference(self, process: str, step: str, reference: str) -> int | None:
        """The id of the step's item with this unique reference, or None."""
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT id FROM items WHERE process = :p AND step = :s AND "
                               "reference = :r AND draft = 0",
                               {"p": process, "s": step, "r": reference})
        return int(rows[0]["id"]) if rows else None

    def counts(self, process: str | None = None) -> dict[tuple[str, str], dict[str, int]]:
        """Items per (process, step) and state."""
        where, params = ("WHERE draft = 0 AND process = :p", {"p": process}) if process else (
            "WHERE draft = 0", {})
        with self.db.transaction(write=False) as cur:
            rows = cur.execute(f"SELECT process, step, state, count(*) AS n FROM items {where} "
                               "GROUP BY process, step, state", params)
        out: dict[tuple[str, str], dict[str, int]] = {}
        for r in rows:
            out.setdefault((r["process"], r["step"]), {})[r["state"]] = int(r["n"])
        return out

    def available(self, process: str, step: str) -> int:
        """How many items a worker could take from the step's queue right now (at most
        the one probe while the step's circuit breaker is not closed)."""
        breaker = self.step(process, step).retry.breaker
        with self.db.transaction(write=False) as cur:
            allowed, probe = _breakers.gate(self.db, cur, process, step, breaker, lock=False)
            if not allowed:
                return 0
            rows = cur.execute(
                "SELECT count(*) AS n FROM items WHERE process = :p AND step = :s AND "
                "state = 'PENDING' AND draft = 0 AND available_at <= {now}",
                {"p": process, "s": step})
        return min(int(rows[0]["n"]), 1) if probe else int(rows[0]["n"])

    def breakers(self) -> list[_breakers.Breaker]:
        """Every circuit breaker that has counted a failure, and its state."""
        with self.db.transaction(write=False) as cur:
            return _breakers.all_breakers(cur)

    # -- keyed records (versioned documents other parts of the product keep here) -----------

    def records(self, kind: str | None, groups: Collection[str] | None = None) -> list[Record]:
        """Records of ``kind`` (every kind when None); only those in ``groups`` when given."""
        with self.db.transaction(write=False) as cur:
            return _records.records(self.db, cur, kind, groups)

    def put_record(self, kind: str, key: str, group: str, data: JSON, *,
                   expected_version: int, actor: str = "system") -> Record:
        """Write a record read at ``expected_version`` (0 for a new one); Conflict if it
        changed (or, for a new one, exists) meanwhile."""
        with self.db.transaction() as cur:
            return _records.put(self.db, cur, kind, key, group, data, expected_version, actor)

    def delete_record(self, kind: str, key: str) -> bool:
        with self.db.transaction() as cur:
            return _records.delete(cur, kind, key)

    # -- traces (finished spans of the items' work, see workitems.tracing) ----------------

    def add_spans(self, spans: list[Span], *, item_id: int | None = None,
                  traceparent: str | None = None) -> None:
        """Append finished spans; with ``item_id``, the item takes ``traceparent`` as its
        trace unless it has one (an item's first attempt started its trace). Not durable:
        a lost span costs a line of a timeline, never an item."""
        with self.db.transaction(durable=False) as cur:
            if item_id is None:
                _spans.add(self.db, cur, spans)
            else:
                _spans.keep(self.db, cur, spans, item_id, traceparent)

    def spans(self, trace_id: str, limit: int = _spans.MAX_READ) -> list[Span]:
        """The trace's spans, earliest first."""
        with self.db.transaction(write=False) as cur:
            return _spans.of_trace(self.db, cur, trace_id, limit)

    # -- model readings (what model versions answered for items) -------------------------

    def add_reading(self, model: str, version: str, role: str, *, used: bool,
                    item_id: int | None, data: JSON) -> int:
        """Append what ``version`` of ``model`` read for an item, in the ``role`` it had."""
        with self.db.transaction() as cur:
            return _readings.add(self.db, cur, model, version, role, used, item_id, data)

    def readings(self, model: str, version: str | None = None, *, first: int | None = None,
                 last: int | None = None) -> list[Reading]:
        """Readings of a model (one version's when given), oldest first; only the
        ``first`` or ``last`` N when given."""
        with self.db.transaction(write=False) as cur:
            return _readings.of_version(self.db, cur, model, version, first=first, last=last)

    def readings_of_items(self, model: str, item_ids: Collection[int]) -> list[Reading]:
        with self.db.transaction(write=False) as cur:
            return _readings.of_items(self.db, cur, model, item_ids)

    def pending_waits(self, process: str, step: str, limit: int = 10) -> list[tuple[Item, float]]:
        """The step's PENDING items, soonest due first, each with the seconds until a
        worker may take it (0 when it may now; a retry's backoff otherwise)."""
        with self.db.transaction(write=False) as cur:
            rows = cur.execute(
                f"SELECT {_ITEM_COLUMNS}, {{now}} AS db_now FROM items WHERE process = :p AND "
                "step = :s AND state = 'PENDING' AND draft = 0 ORDER BY available_at, id "
                "LIMIT :limit", {"p": process, "s": step, "limit": limit})
        return [(self._item(r), max(0.0, float(r["available_at"]) - float(r["db_now"])))
                for r in rows]

    def events(self, item_id: int | None = None, *, after_id: int = 0,
               limit: int = 1000) -> list[Event]:
        where = "id > :after" + (" AND item_id = :item" if item_id is not None else "")
        with self.db.transaction(write=False) as cur:
            rows = cur.execute(f"SELECT * FROM events WHERE {where} ORDER BY id LIMIT :limit",
                               {"after": after_id, "item": item_id, "limit": limit})
        return [Event(**{**r, "details": self.db.json_value(r["details"]) or {}}) for r in rows]

    def _item(self, row: Row, files: list[str] | None = None) -> Item:
        return Item(**{**row, "payload": self.db.json_value(row["payload"]), "files": files or []})

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, process: str, step: str, worker: str) -> int:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "INSERT INTO runs (process, step, worker, started_at, status) VALUES "
                "(:p, :s, :w, {now}, 'RUNNING') RETURNING id",
                {"p": process, "s": step, "w": worker})
        return int(rows[0]["id"])

    def finish_run(self, run_id: int, status: str, done: int, failed: int) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE runs SET ended_at = {now}, status = :st, items_done = :d, "
                        "items_failed = :f WHERE id = :id",
                        {"st": status, "d": done, "f": failed, "id": run_id})

    def runs(self, limit: int = 50) -> list[Run]:
        with self.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT * FROM runs ORDER BY id DESC LIMIT :l", {"l": limit})
        return [Run(**r) for r in rows]

    # -- schedules -----------------------------------------------------------------------

    def acquire_schedule(self, name: str, owner: str, lease_seconds: float) -> bool:
        """Take the right to start a schedule's run. False while another run of it still
        holds the lease, so a slow run is never overlapped, whichever machine started it."""
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO schedules (name) VALUES (:n) ON CONFLICT (name) DO NOTHING",
                        {"n": name})
            rows = cur.execute(
                "UPDATE schedules SET owner = :o, lease_expires_at = {now} + :lease, "
                "last_started_at = {now}, last_status = 'RUNNING' WHERE name = :n AND "
                "(owner IS NULL OR lease_expires_at < {now}) RETURNING name",
                {"o": owner, "lease": lease_seconds, "n": name})
        return bool(rows)

    def renew_schedule(self, name: str, owner: str, lease_seconds: float) -> bool:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "UPDATE schedules SET lease_expires_at = {now} + :lease WHERE name = :n "
                "AND owner = :o RETURNING name", {"lease": lease_seconds, "n": name, "o": owner})
        return bool(rows)

    def finish_schedule(self, name: str, owner: str, status: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE schedules SET owner = NULL, lease_expires_at = NULL, "
                "last_finished_at = {now}, last_status = :st WHERE name = :n AND owner = :o",
                {"st": status, "n": name, "o": owner})

    def schedules(self) -> list[Row]:
        with self.db.transaction(write=False) as cur:
            return cur.execute("SELECT * FROM schedules ORDER BY name")

    # -- the event log -------------------------------------------------------------------

    def _event(self, cur: Cursor, item_id: int, actor: str, kind: EventKind,
               from_state: ItemState | None = None, to_state: ItemState | None = None,
               details: JSON | None = None) -> None:
        cur.execute(
            "INSERT INTO events (item_id, at, actor, kind, from_state, to_state, details) "
            "VALUES (:item, {now}, :actor, :kind, :from_state, :to_state, :details)",
            {"item": item_id, "actor": actor, "kind": kind.value,
             "from_state": ItemState(from_state).value if from_state else None,
             "to_state": ItemState(to_state).value if to_state else None,
             "details": self.db.json_param(details or {})})


def open_store(url: str | None = None, settings: Settings | None = None) -> Store:
    """Open (and migrate) the store a database URL names; default from WORKITEMS_DB."""
    settings = settings or Settings.from_env()
    if url is not None:
        settings = settings.model_copy(update={"db_url": url})
    return Store(connect(settings.db_url), settings)
