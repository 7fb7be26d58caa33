"""The two database backends behind one tiny interface.

Queries are written once, with ``:name`` parameters and a ``{now}`` token for
the database's own clock (leases compare against one clock, whatever the
workers' machines think the time is). Each backend translates them.
"""

from __future__ import annotations

import functools
import json
import random
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workitems.errors import StoreUnavailable

Row = dict[str, Any]


class Cursor(ABC):
    """What a transaction hands to the store: run a statement, get dict rows."""

    @abstractmethod
    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    @property
    @abstractmethod
    def rowcount(self) -> int: ...


class Database(ABC):
    dialect: str
    skip_locked: str  # "FOR UPDATE SKIP LOCKED" where the backend has row locks

    @abstractmethod
    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Cursor]:
        """One transaction. ``write=False``: a reader that never waits for writers.
        ``durable=False``: the commit may be lost if the database server itself crashes
        (never corrupted); only for changes that are safe to lose, like taking a lease."""

    def statement(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """One statement as a transaction of its own, durable; its rows. Where the database
        is a server, this is one round trip (a transaction block costs two more)."""
        with self.transaction() as cur:
            return cur.execute(sql, params)

    @abstractmethod
    def json_param(self, value: Any) -> Any: ...

    @abstractmethod
    def json_value(self, value: Any) -> Any: ...

    # One connection per thread, opened on first use: a worker slot has its main thread
    # and a heartbeat, a web server its request threads.

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    @abstractmethod
    def _open(self) -> Any:
        """A new connection, or StoreUnavailable saying why there is none."""

    def _is_usable(self, conn: Any) -> bool:
        return True

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or not self._is_usable(conn):
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


# -- SQLite -----------------------------------------------------------------

_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


class _SqliteCursor(Cursor):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._rowcount = 0

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        cur = self._conn.execute(sql.replace("{now}", _SQLITE_NOW), params or {})
        rows = cur.fetchall()
        self._rowcount = cur.rowcount
        if not rows:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in rows]

    @property
    def rowcount(self) -> int:
        return self._rowcount


class SqliteDatabase(Database):
    """One file, WAL journal, one connection per thread.

    Write transactions start with BEGIN IMMEDIATE so that two processes never
    both read "item 7 is pending" before one of them writes: SQLite's single
    writer is the lock that makes reserving safe. Waiting for that lock is ours,
    in sub-millisecond steps: SQLite's own busy handler sleeps up to 100 ms at a
    time, which starves a queue shared by several worker processes.
    """

    lock_timeout = 60.0

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=0")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Cursor]:
        conn = self._connection()
        if write:
            self._begin_immediate(conn)
        else:
            conn.execute("BEGIN")  # WAL readers see a snapshot and never wait
        try:
            yield _SqliteCursor(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreUnavailable(f"SQLite database {self.path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"SQLite database {self.path} stayed locked for {self.lock_timeout:.0f}s;"
                        " is another program holding a write transaction open?") from exc
                time.sleep(random.uniform(0.0002, 0.002))

    def json_param(self, value: Any) -> Any:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))

    def json_value(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

# -- PostgreSQL ---------------------------------------------------------------

_PG_NOW = "extract(epoch from clock_timestamp())"
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=512)
def _to_pyformat(sql: str) -> str:
    return _PARAM.sub(r"%(\1)s", sql.replace("{now}", _PG_NOW))


class _PgCursor(Cursor):
    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self._cur.execute(_to_pyformat(sql), params or {})
        return self._cur.fetchall() if self._cur.description else []

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class PostgresDatabase(Database):
    """psycopg 3, one connection per thread (like SQLite); rows leased with SKIP LOCKED.

    A worker slot is one process with one or two threads, so a pool would only add
    a hand-off per transaction; a broken connection is dropped and reopened on the
    next transaction. Connections are in autocommit: :meth:`transaction` opens its block
    itself, and :meth:`statement` costs one round trip. psycopg prepares a statement
    on the server once it has run a few times (``prepare_threshold``), so the queue's
    hot statements are parsed and planned once per connection.
    """

    dialect = "postgres"
    skip_locked = "FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        import psycopg

        super().__init__()
        self._psycopg = psycopg
        self.url = url
        self._connection()  # fail now, with a clear message, if the server is not there

    def _open(self) -> Any:
        try:
            return self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except self._psycopg.Error as exc:
            raise StoreUnavailable(
                f"cannot reach PostgreSQL at {redact_url(self.url)}: {exc}".strip()) from exc

    def _is_usable(self, conn: Any) -> bool:
        return not conn.closed

    @contextmanager
    def _using(self) -> Iterator[Any]:
        """This thread's connection; one that fails is dropped, and reopened next time."""
        conn = self._connection()
        try:
            yield conn
        except self._psycopg.OperationalError as exc:
            self._local.conn = None
            conn.close()
            raise StoreUnavailable(f"PostgreSQL at {redact_url(self.url)} failed: {exc}") from exc

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Cursor]:
        from psycopg.rows import dict_row

        with self._using() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            if not durable:  # no wait for the WAL flush: ~0.2 ms instead of ~5 ms here
                cur.execute("SET LOCAL synchronous_commit TO off")
            yield _PgCursor(cur)

    def statement(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        from psycopg.rows import dict_row

        with self._using() as conn, conn.cursor(row_factory=dict_row) as cur:
            return _PgCursor(cur).execute(sql, params)  # autocommit: its own transaction

    def json_param(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb

        json.dumps(value, allow_nan=False)  # same strictness as SQLite: no NaN, no sets
        return Jsonb(value)

    def json_value(self, value: Any) -> Any:
        return value

def redact_url(url: str) -> str:
    """A database URL fit to print: its password replaced by ***."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def connect(url: str) -> Database:
    """Open the database a URL names: sqlite:///relative/path, sqlite:////abs, postgresql://..."""
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    raise StoreUnavailable(
        f"unsupported database URL {redact_url(url)!r}: use sqlite:///path/to/file.db "
        "or postgresql://user@host:5432/dbname"
    )
