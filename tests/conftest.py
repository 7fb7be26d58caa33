"""Fixtures shared by the whole suite: work-item stores on both backends."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from workitems import Store, open_store

PG_URL = os.environ.get("WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "no server here"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@pytest.fixture(scope="session", autouse=True)
def traces_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite's spans (its bots' and Control Rooms') go to a scratch file, not to the
    project's output/ folder."""
    path = tmp_path_factory.mktemp("traces") / "traces.jsonl"
    os.environ.setdefault("WORKITEMS_TRACES", str(path))
    return Path(os.environ["WORKITEMS_TRACES"])


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL, or a skip (a failure under CI, where it must exist)."""
    problem = _pg_reachable()
    if problem:
        message = (f"PostgreSQL is not reachable at {PG_URL} ({problem}); start it or set "
                   "WORKITEMS_TEST_PG_URL")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL to an empty schema of its own, dropped afterwards."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test, once on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workitems.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as s:
        yield s
