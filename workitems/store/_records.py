"""Keyed records other parts of the product keep in the store, versioned.

A record is a JSON document under (kind, key), in a group it is looked up by
(for example the learned layouts of one vendor). A record may carry, under
``summary``, a flat mapping of labels to short texts for people: the Control Room's
administrators see it beside the record, and may remove the record. Every write names the version it
read: a write over a record someone changed meanwhile is refused with Conflict, so
workers on many machines sharing the store never lose each other's changes. The
store knows nothing of what a record means.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel

from workitems.errors import Conflict, InvalidInput
from workitems.models import JSON
from workitems.store._db import Cursor, Database, Row

_MAX_KEY = 500
_MAX_GROUPS = 500  # groups asked in one query


class Record(BaseModel):
    kind: str
    key: str
    group: str
    version: int
    data: JSON
    updated_at: float
    updated_by: str = ""


def _record(db: Database, row: Row) -> Record:
    return Record(kind=row["kind"], key=row["key"], group=row["grp"], version=row["version"],
                  data=db.json_value(row["data"]), updated_at=row["updated_at"],
                  updated_by=row["updated_by"])


def records(db: Database, cur: Cursor, kind: str | None,
            groups: Collection[str] | None = None) -> list[Record]:
    """Records of ``kind`` (of every kind when None), only those in ``groups`` when
    given."""
    if kind is None:
        rows = cur.execute("SELECT * FROM records ORDER BY kind, updated_at DESC, key")
        return [_record(db, r) for r in rows]
    if groups is None:
        rows = cur.execute("SELECT * FROM records WHERE kind = :k ORDER BY key", {"k": kind})
        return [_record(db, r) for r in rows]
    wanted = sorted(set(groups))[:_MAX_GROUPS]
    if not wanted:
        return []
    names = {f"g{i}": g for i, g in enumerate(wanted)}
    marks = ", ".join(f":{n}" for n in names)
    rows = cur.execute(f"SELECT * FROM records WHERE kind = :k AND grp IN ({marks}) "
                       "ORDER BY key", {"k": kind, **names})
    return [_record(db, r) for r in rows]


def put(db: Database, cur: Cursor, kind: str, key: str, group: str, data: JSON,
        expected_version: int, actor: str) -> Record:
    """Write a record read at ``expected_version`` (0: a new one); returns it as saved."""
    if not key or len(key) > _MAX_KEY or len(group) > _MAX_KEY:
        raise InvalidInput(f"a record key and group must be 1-{_MAX_KEY} characters")
    params = {"k": kind, "key": key, "g": group, "d": db.json_param(data), "v": expected_version,
              "a": actor}
    if expected_version == 0:
        rows = cur.execute(
            "INSERT INTO records (kind, key, grp, version, data, updated_at, updated_by) "
            "VALUES (:k, :key, :g, 1, :d, {now}, :a) ON CONFLICT (kind, key) DO NOTHING "
            "RETURNING *", params)
    else:
        rows = cur.execute(
            "UPDATE records SET grp = :g, data = :d, version = version + 1, "
            "updated_at = {now}, updated_by = :a WHERE kind = :k AND key = :key "
            "AND version = :v RETURNING *", params)
    if not rows:
        raise Conflict(f"{kind} record {key!r} changed since version {expected_version} "
                       "was read; read it again")
    return _record(db, rows[0])


def delete(cur: Cursor, kind: str, key: str) -> bool:
    rows = cur.execute("DELETE FROM records WHERE kind = :k AND key = :key RETURNING key",
                       {"k": kind, "key": key})
    return bool(rows)
