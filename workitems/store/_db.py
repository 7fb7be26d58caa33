"""The two database backends behind one tiny interface.

Queries are written once, with ``:name`` parameters and a ``{now}`` token for
the database's own clock (leases compare against one clock, whatever the
workers' machines think the time is). Each backend translates them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
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
    def transaction(self) -> Iterator[Cursor]: ...

    @abstractmethod
    def json_param(self, value: Any) -> Any: ...

    @abstractmethod
    def json_value(self, value: Any) -> Any: ...

    @abstractmethod
    def close(self) -> None: ...


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
    writer is the lock that makes reserving safe.
    """

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                       check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=60000")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"SQLite database {self.path} is busy or locked: {exc}") from exc
        try:
            yield _SqliteCursor(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def json_param(self, value: Any) -> Any:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))

    def json_value(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


# -- PostgreSQL ---------------------------------------------------------------

_PG_NOW = "extract(epoch from clock_timestamp())"
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


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
    """psycopg 3 with a small connection pool; rows are leased with SKIP LOCKED."""

    dialect = "postgres"
    skip_locked = "FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, pool_size: int = 4) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        self.url = url
        try:
            self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                        timeout=30, kwargs={"autocommit": False})
            self._pool.wait(timeout=10)
        except Exception as exc:  # psycopg_pool raises PoolTimeout with the cause inside
            raise StoreUnavailable(f"cannot reach PostgreSQL at {_redact(url)}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        from psycopg.rows import dict_row
        from psycopg_pool import PoolTimeout

        try:
            with (
                self._pool.connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=dict_row) as cur,
            ):
                yield _PgCursor(cur)
        except (self._psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(f"PostgreSQL at {_redact(self.url)} failed: {exc}") from exc

    def json_param(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb

        json.dumps(value, allow_nan=False)  # same strictness as SQLite: no NaN, no sets
        return Jsonb(value)

    def json_value(self, value: Any) -> Any:
        return value

    def close(self) -> None:
        self._pool.close()


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def connect(url: str) -> Database:
    """Open the database a URL names: sqlite:///relative/path, sqlite:////abs, postgresql://..."""
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    raise StoreUnavailable(
        f"unsupported database URL {_redact(url)!r}: use sqlite:///path/to/file.db "
        "or postgresql://user@host:5432/dbname"
    )
