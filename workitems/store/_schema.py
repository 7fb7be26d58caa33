"""Versioned schema migrations.

Each migration is a list of statements per dialect, applied in order inside one
transaction, and recorded in ``schema_version``. Opening a database applies what
it lacks, so an old database is upgraded by simply starting a newer worker.
Never edit a released migration: append a new one.
"""

from __future__ import annotations

from workitems.store._db import Database

_TYPES = {
    "sqlite": {
        "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "bigint": "INTEGER",
        "real": "REAL",
        "json": "TEXT",
        "blob": "BLOB",
    },
    "postgres": {
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "bigint": "BIGINT",
        "real": "DOUBLE PRECISION",
        "json": "JSONB",
        "blob": "BYTEA",
    },
}

_V1 = [
    """CREATE TABLE processes (
        name TEXT PRIMARY KEY,
        description TEXT NOT NULL DEFAULT '',
        created_at {real} NOT NULL)""",
    """CREATE TABLE steps (
        process TEXT NOT NULL REFERENCES processes(name),
        name TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        next_step TEXT,
        task TEXT,
        lease_seconds {real} NOT NULL,
        retry {json} NOT NULL,
        PRIMARY KEY (process, name))""",
    """CREATE TABLE runs (
        id {id},
        process TEXT NOT NULL,
        step TEXT NOT NULL,
        worker TEXT NOT NULL,
        started_at {real} NOT NULL,
        ended_at {real},
        status TEXT NOT NULL,
        items_done INTEGER NOT NULL DEFAULT 0,
        items_failed INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE items (
        id {id},
        process TEXT NOT NULL,
        step TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('PENDING', 'IN_PROGRESS', 'DONE', 'FAILED')),
        draft INTEGER NOT NULL DEFAULT 0,
        payload {json} NOT NULL,
        parent_id {bigint} REFERENCES items(id),
        reference TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        exception_type TEXT CHECK (exception_type IN ('BUSINESS', 'APPLICATION')),
        exception_code TEXT,
        exception_message TEXT,
        lease_owner TEXT,
        lease_token TEXT,
        lease_expires_at {real},
        available_at {real} NOT NULL,
        run_id {bigint},
        assignee TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at {real} NOT NULL,
        updated_at {real} NOT NULL)""",
    # One item per reference and step; drafts (outputs of an unfinished attempt) don't count.
    """CREATE UNIQUE INDEX items_reference ON items (process, step, reference)
        WHERE reference IS NOT NULL AND draft = 0""",
    # The queue: small because it holds only pending items.
    """CREATE INDEX items_queue ON items (process, step, priority DESC, id)
        WHERE state = 'PENDING' AND draft = 0""",
    "CREATE INDEX items_leases ON items (lease_expires_at) WHERE state = 'IN_PROGRESS'",
    "CREATE INDEX items_state ON items (process, step, state)",
    "CREATE INDEX items_parent ON items (parent_id)",
    """CREATE TABLE item_files (
        item_id {bigint} NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        content {blob} NOT NULL,
        size {bigint} NOT NULL,
        sha256 TEXT NOT NULL,
        created_at {real} NOT NULL,
        PRIMARY KEY (item_id, name))""",
    """CREATE TABLE events (
        id {id},
        item_id {bigint} NOT NULL,
        at {real} NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        details {json})""",
    "CREATE INDEX events_item ON events (item_id, id)",
    """CREATE TABLE schedules (
        name TEXT PRIMARY KEY,
        owner TEXT,
        lease_expires_at {real},
        last_started_at {real},
        last_finished_at {real},
        last_status TEXT)""",
]

# The Control Room: its people, their sessions and tokens, what they did, the
# corrections they made (labelled examples for retraining), and the indexes its
# exception queue, overview and metrics read through.
_V2 = [
    """CREATE TABLE room_users (
        id {id},
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
        active INTEGER NOT NULL DEFAULT 1,
        created_at {real} NOT NULL)""",
    """CREATE TABLE room_sessions (
        id TEXT PRIMARY KEY,
        user_id {bigint} NOT NULL REFERENCES room_users(id),
        csrf_token TEXT NOT NULL,
        created_at {real} NOT NULL,
        expires_at {real} NOT NULL)""",
    "CREATE INDEX room_sessions_user ON room_sessions (user_id)",
    """CREATE TABLE room_api_tokens (
        id {id},
        user_id {bigint} NOT NULL REFERENCES room_users(id),
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at {real} NOT NULL,
        last_used_at {real},
        revoked_at {real})""",
    """CREATE TABLE room_login_attempts (
        id {id},
        username TEXT NOT NULL,
        address TEXT NOT NULL,
        at {real} NOT NULL,
        ok INTEGER NOT NULL)""",
    "CREATE INDEX room_login_attempts_user ON room_login_attempts (username, at)",
    "CREATE INDEX room_login_attempts_address ON room_login_attempts (address, at)",
    """CREATE TABLE room_audit (
        id {id},
        at {real} NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        item_id {bigint},
        before {json},
        after {json},
        details {json})""",
    "CREATE INDEX room_audit_item ON room_audit (item_id, id)",
    """CREATE TABLE room_corrections (
        id {id},
        item_id {bigint} NOT NULL,
        document_sha256 TEXT NOT NULL,
        predicted {json} NOT NULL,
        corrected {json} NOT NULL,
        changed {json} NOT NULL,
        by_user TEXT NOT NULL,
        at {real} NOT NULL)""",
    "CREATE INDEX room_corrections_item ON room_corrections (item_id)",
    # The exception queue reads only failed items, most urgent and oldest first.
    """CREATE INDEX items_failed ON items (priority DESC, created_at, id)
        WHERE state = 'FAILED' AND draft = 0""",
    # Items by step and state (the overview, /metrics) from the index alone.
    "CREATE INDEX items_state_live ON items (process, step, state) WHERE draft = 0",
    # Throughput and step latency read one kind of event over a time window.
    "CREATE INDEX events_kind_at ON events (kind, at)",
]

# Circuit breakers: one per step and the system its bots depend on (see
# workitems.retry.BreakerPolicy and workitems.store._breakers).
_V3 = [
    """CREATE TABLE breakers (
        process TEXT NOT NULL,
        step TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('CLOSED', 'OPEN', 'HALF_OPEN')),
        failures INTEGER NOT NULL DEFAULT 0,
        last_code TEXT,
        open_seconds {real},
        open_until {real},
        probe_item_id {bigint},
        times_opened INTEGER NOT NULL DEFAULT 0,
        changed_at {real} NOT NULL,
        PRIMARY KEY (process, step, target))""",
]

# Keyed, versioned records kept for other parts of the product (workitems.store._records):
# learned layouts, looked up by their group (a vendor).
_V4 = [
    """CREATE TABLE records (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        grp TEXT NOT NULL,
        version INTEGER NOT NULL,
        data {json} NOT NULL,
        updated_at {real} NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (kind, key))""",
    "CREATE INDEX records_group ON records (kind, grp)",
]

# Workers on other machines over HTTP (workitems.room.runs): a runner token may only start
# runs of one process step; each run gets its own token, which reaches only the items the
# run holds. Tokens are stored as their SHA-256; the run remembers the item in hand and
# its lease token, so the lease stays fenced whichever server process answers.
_V5 = [
    """CREATE TABLE room_runner_tokens (
        id {id},
        name TEXT NOT NULL,
        process TEXT NOT NULL,
        step TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at {real} NOT NULL,
        last_used_at {real},
        revoked_at {real})""",
    """CREATE TABLE room_runs (
        run_id {bigint} PRIMARY KEY,
        runner_token_id {bigint} NOT NULL REFERENCES room_runner_tokens(id),
        process TEXT NOT NULL,
        step TEXT NOT NULL,
        worker TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        item_id {bigint},
        lease_token TEXT,
        holding INTEGER NOT NULL DEFAULT 0,
        reserving INTEGER NOT NULL DEFAULT 0,
        settling INTEGER NOT NULL DEFAULT 0,
        items_taken INTEGER NOT NULL DEFAULT 0,
        max_items INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        draining INTEGER NOT NULL DEFAULT 0,
        lease_seconds {real} NOT NULL,
        expires_at {real} NOT NULL,
        ended_at {real})""",
]

# What each version of a model read for an item (workitems.store._readings): the answer
# that was used, and those a candidate version gave beside it (shadow, canary), kept to
# compare versions with what people later confirmed and to watch for drift.
_V6 = [
    """CREATE TABLE model_readings (
        id {id},
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        role TEXT NOT NULL,
        used INTEGER NOT NULL,
        item_id {bigint},
        at {real} NOT NULL,
        data {json} NOT NULL)""",
    "CREATE INDEX model_readings_version ON model_readings (model, version, id)",
    "CREATE INDEX model_readings_item ON model_readings (item_id)",
]

# Fewer index writes per change of state: every reserve and completion moved the item in
# items_state, which items_state_live (v2) repeats for every item a query reads (no
# query counts drafts by state).
_V7 = [
    "DROP INDEX items_state",
]

# Traces (workitems.tracing): each item carries the W3C trace context its work continues,
# inherited by its outputs, so one trace follows a document through every step; finished
# spans are kept beside the items, read by trace, for the Control Room's item page.
_V8 = [
    "ALTER TABLE items ADD COLUMN traceparent TEXT",
    """CREATE TABLE spans (
        id {id},
        trace_id TEXT NOT NULL,
        span_id TEXT NOT NULL,
        parent_span_id TEXT,
        item_id {bigint},
        name TEXT NOT NULL,
        service TEXT NOT NULL,
        started_at {real} NOT NULL,
        ended_at {real} NOT NULL,
        status TEXT NOT NULL,
        attributes {json} NOT NULL,
        recorded_at {real} NOT NULL)""",
    "CREATE INDEX spans_trace ON spans (trace_id, started_at)",
]

# The event log is append-only: the database itself refuses to rewrite history.
_APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
        """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
           BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    ],
    "postgres": [
        """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$""",
        """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
           FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    ],
}


def _migrations(dialect: str) -> list[list[str]]:
    types = _TYPES[dialect]
    v1 = [s.format(**types) for s in _V1] + _APPEND_ONLY[dialect]
    v2 = [s.format(**types) for s in _V2]
    v3 = [s.format(**types) for s in _V3]
    v4 = [s.format(**types) for s in _V4]
    v5 = [s.format(**types) for s in _V5]
    v6 = [s.format(**types) for s in _V6]
    v8 = [s.format(**types) for s in _V8]
    return [v1, v2, v3, v4, v5, v6, list(_V7), v8]


LATEST = len(_migrations("sqlite"))


def current_version(db: Database) -> int:
    with db.transaction() as cur:
        if db.dialect == "sqlite":
            exists = cur.execute(
                "SELECT 1 AS x FROM sqlite_master WHERE type='table' AND name='schema_version'")
        else:
            exists = cur.execute("SELECT 1 AS x FROM pg_tables WHERE tablename='schema_version'"
                                 " AND schemaname = current_schema()")
        if not exists:
            return 0
        rows = cur.execute("SELECT max(version) AS v FROM schema_version")
        return int(rows[0]["v"] or 0)


def migrate(db: Database) -> int:
    """Bring the schema up to date; returns the version now in force."""
    with db.transaction() as cur:
        if db.dialect == "postgres":
            # Two workers starting at once must not both create the tables.
            cur.execute("SELECT pg_advisory_xact_lock(7231001)")
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                    f"version INTEGER PRIMARY KEY, applied_at {_TYPES[db.dialect]['real']})")
        rows = cur.execute("SELECT max(version) AS v FROM schema_version")
        have = int(rows[0]["v"] or 0)
        for number, statements in enumerate(_migrations(db.dialect), start=1):
            if number <= have:
                continue
            for statement in statements:
                cur.execute(statement)
            cur.execute("INSERT INTO schema_version (version, applied_at) VALUES (:v, {now})",
                        {"v": number})
            have = number
    return have
