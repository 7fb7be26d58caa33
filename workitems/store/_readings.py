"""What model versions read for work items, kept beside the items.

A reading is one model version's answer for one item, as a JSON document the
store does not interpret, with the version's role at the time (``production``,
``shadow``, ``canary``) and whether the bot used it. Several versions may read the
same item: the one used, and a candidate beside it whose answer is only recorded.
Readings are appended, never changed.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel

from workitems.errors import InvalidInput
from workitems.models import JSON
from workitems.store._db import Cursor, Database, Row

_MAX_NAME = 200
_MAX_ITEMS = 500  # items asked in one query


class Reading(BaseModel):
    id: int
    model: str
    version: str
    role: str
    used: bool
    item_id: int | None
    at: float
    data: JSON


def _reading(db: Database, row: Row) -> Reading:
    return Reading(id=row["id"], model=row["model"], version=row["version"], role=row["role"],
                   used=bool(row["used"]), item_id=row["item_id"], at=row["at"],
                   data=db.json_value(row["data"]))


def add(db: Database, cur: Cursor, model: str, version: str, role: str, used: bool,
        item_id: int | None, data: JSON) -> int:
    for name, value in (("model", model), ("version", version), ("role", role)):
        if not value or len(value) > _MAX_NAME:
            raise InvalidInput(f"a reading's {name} must be 1-{_MAX_NAME} characters")
    rows = cur.execute(
        "INSERT INTO model_readings (model, version, role, used, item_id, at, data) "
        "VALUES (:m, :v, :r, :u, :i, {now}, :d) RETURNING id",
        {"m": model, "v": version, "r": role, "u": int(used), "i": item_id,
         "d": db.json_param(data)})
    return int(rows[0]["id"])


def of_version(db: Database, cur: Cursor, model: str, version: str | None, *,
               first: int | None = None, last: int | None = None) -> list[Reading]:
    """Readings of ``model`` (of one ``version`` when given), oldest first: all of them,
    the ``first`` N, or the ``last`` N."""
    where = "model = :m" + (" AND version = :v" if version is not None else "")
    params: dict = {"m": model, "v": version}
    if last is not None:
        rows = cur.execute(f"SELECT * FROM model_readings WHERE {where} ORDER BY id DESC "
                           "LIMIT :l", {**params, "l": last})
        rows = list(reversed(rows))
    elif first is not None:
        rows = cur.execute(f"SELECT * FROM model_readings WHERE {where} ORDER BY id LIMIT :l",
                           {**params, "l": first})
    else:
        rows = cur.execute(f"SELECT * FROM model_readings WHERE {where} ORDER BY id", params)
    return [_reading(db, r) for r in rows]


def of_items(db: Database, cur: Cursor, model: str, item_ids: Collection[int]) -> list[Reading]:
    """Every reading of ``model`` for these items, oldest first."""
    wanted = sorted(set(item_ids))
    found: list[Reading] = []
    for start in range(0, len(wanted), _MAX_ITEMS):
        chunk = wanted[start:start + _MAX_ITEMS]
        names = {f"i{n}": i for n, i in enumerate(chunk)}
        marks = ", ".join(f":{n}" for n in names)
        rows = cur.execute(f"SELECT * FROM model_readings WHERE model = :m AND item_id IN "
                           f"({marks}) ORDER BY id", {"m": model, **names})
        found += [_reading(db, r) for r in rows]
    return sorted(found, key=lambda r: r.id)
