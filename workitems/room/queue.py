"""The exception queue: FAILED items waiting for a person, most urgent and oldest first.

Besides what every item has (its code, age, assignee, step), each process declares
the columns its items show, read from their payloads (``queue:`` in the process
configuration, :class:`~workitems.processes.QueueColumn`): the AP process shows the
vendor, the invoice number and the total, and filters on the vendor and the total.
Both databases can read JSON in SQL (SQLite's ``json_extract``, PostgreSQL's ``#>>``),
so filters run in the database over the failed items only (the ``items_failed``
partial index) and a page reads just the columns it shows, never whole payloads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

from workitems import Store
from workitems.processes import QueueColumn, declared_queue_columns

PAGE_SIZE = 50


# Text filters: printable, short (PostgreSQL refuses a NUL in text; nobody types 200).
_TEXT = Field(None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]


class QueueColumns:
    """The queue's payload columns: those every process declares, each name once (the
    first declaration's label and filter); an item fills those of its own process."""

    def __init__(self, by_process: Mapping[str, list[QueueColumn]]) -> None:
        self.by_process = dict(by_process)
        shown: dict[str, QueueColumn] = {}
        for columns in self.by_process.values():
            for column in columns:
                shown.setdefault(column.name, column)
        self.columns = list(shown.values())

    @classmethod
    def from_config(cls) -> QueueColumns:
        return cls(declared_queue_columns())

    def filtering(self, kind: str) -> list[QueueColumn]:
        return [c for c in self.columns if c.filter == kind]

    def value_sql(self, dialect: str, name: str, unit: bool = False) -> str:
        """SQL reading the column's value (or its unit) of an item's payload, by process."""
        whens = []
        for process, columns in self.by_process.items():
            column = next((c for c in columns if c.name == name), None)
            paths = column and (column.unit if unit else column.paths)
            if paths:
                quoted = process.replace("'", "''")
                whens.append(f"WHEN '{quoted}' THEN "
                             f"{_first_of([json_sql(dialect, *p.split('.')) for p in paths])}")
        return f"(CASE process {' '.join(whens)} END)" if whens else "NULL"


class QueueFilter(BaseModel):
    code: str | None = _TEXT
    text: dict[str, Text] = {}  # column -> a part of its value, any case
    ranges: dict[str, tuple[Number | None, Number | None]] = {}  # column -> from, to
    older_than_days: float | None = Field(None, ge=0, le=1e6, allow_inf_nan=False)
    assignee: str | None = _TEXT  # a user name, or "-" for nobody
    page: int = Field(1, ge=1, le=1_000_000)  # far past the last page, never an overflow

    @classmethod
    def from_params(cls, params: Mapping[str, str], columns: QueueColumns,
                    ) -> tuple[QueueFilter, str]:
        """The filter a URL's query asks for, and what to tell the person when some of it
        was not valid (then no filter applies)."""
        raw: dict[str, Any] = {k: params.get(k) or None
                               for k in ("code", "older_than_days", "assignee", "page")}
        raw["text"] = {c.name: params[c.name] for c in columns.filtering("text")
                       if params.get(c.name)}
        raw["ranges"] = {c.name: (params.get(f"min_{c.name}") or None,
                                  params.get(f"max_{c.name}") or None)
                         for c in columns.filtering("range")
                         if params.get(f"min_{c.name}") or params.get(f"max_{c.name}")}
        try:
            return cls.model_validate({k: v for k, v in raw.items() if v is not None}), ""
        except ValueError:
            return cls(), ("Some filters were not valid (a number out of range, or "
                           "characters a filter cannot hold) and were ignored.")

    def params(self) -> dict[str, str]:
        """The URL query parameters of this filter (the page aside)."""
        out = {k: str(v) for k, v in self.model_dump(include={
            "code", "older_than_days", "assignee"}).items() if v is not None}
        out.update(self.text)
        for name, (low, high) in self.ranges.items():
            out.update({k: f"{v:g}" for k, v in ((f"min_{name}", low), (f"max_{name}", high))
                        if v is not None})
        return out


class QueueRow(BaseModel):
    id: int
    process: str
    step: str
    priority: int
    attempts: int
    exception_type: str | None
    exception_code: str | None
    exception_message: str | None
    assignee: str | None
    version: int
    created_at: float
    updated_at: float
    values: dict[str, str | None] = {}  # the process's columns, by name
    units: dict[str, str | None] = {}  # their units, for columns that have one
    codes: list[str] = []  # every code the item stopped on, its exception code first
    first_approval_by: str | None = None  # a first approval waiting for a second person


class QueuePage(BaseModel):
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    counts_by_code: dict[str, int]


def json_sql(dialect: str, *path: str) -> str:
    """SQL reading the payload's value at ``path`` as text (JSON text for lists), or NULL."""
    if dialect == "sqlite":
        return f"json_extract(payload, '$.{'.'.join(path)}')"
    return f"(payload #>> '{{{','.join(path)}}}')"


def number_sql(dialect: str, value: str) -> str:
    """The SQL text ``value`` as a number; text that is not a plain decimal reads as NULL."""
    if dialect == "sqlite":
        return (f"(CASE WHEN {value} <> '' AND NOT ({value} GLOB '*[^0-9.-]*') "
                f"THEN CAST({value} AS REAL) END)")
    return (f"(CASE WHEN {value} ~ '^-?[0-9]+(\\.[0-9]+)?$' "
            f"THEN CAST({value} AS DOUBLE PRECISION) END)")


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(store: Store, f: QueueFilter, columns: QueueColumns) -> tuple[str, dict[str, Any]]:
    dialect = store.dialect
    where = ["state = 'FAILED'", "draft = 0"]
    params: dict[str, Any] = {}
    if f.code:  # the exception code, or any code among the findings
        if dialect == "sqlite":
            among = ("EXISTS (SELECT 1 FROM json_each(payload, '$.findings') "
                     "WHERE json_extract(value, '$.code') = :code)")
        else:
            among = ("(payload -> 'findings') @> "
                     "jsonb_build_array(jsonb_build_object('code', CAST(:code AS TEXT)))")
        where.append(f"(exception_code = :code OR {among})")
        params["code"] = f.code
    for n, column in enumerate(columns.filtering("text")):
        if f.text.get(column.name):
            where.append(f"lower({columns.value_sql(dialect, column.name)}) LIKE :text{n} "
                         "ESCAPE '\\'")
            params[f"text{n}"] = _like_pattern(f.text[column.name])
    for n, column in enumerate(columns.filtering("range")):
        number = number_sql(dialect, columns.value_sql(dialect, column.name))
        for bound, op, value in zip(("low", "high"), (">=", "<="),
                                    f.ranges.get(column.name, (None, None)), strict=True):
            if value is not None:
                where.append(f"{number} {op} :{bound}{n}")
                params[f"{bound}{n}"] = value
    if f.older_than_days is not None:
        where.append("created_at <= {now} - :age")
        params["age"] = f.older_than_days * 86400
    if f.assignee == "-":
        where.append("assignee IS NULL")
    elif f.assignee:
        where.append("assignee = :assignee")
        params["assignee"] = f.assignee
    return " AND ".join(where), params


_ORDER = "priority DESC, created_at, id"


def queue_page(store: Store, f: QueueFilter, page_size: int = PAGE_SIZE,
               columns: QueueColumns | None = None) -> QueuePage:
    """One page of the queue; ``columns``: the processes' columns (by default those the
    process configuration declares)."""
    columns = QueueColumns.from_config() if columns is None else columns
    where, params = _where(store, f, columns)
    d = store.dialect
    shown = ", ".join([
        *(f"{columns.value_sql(d, c.name)} AS v_{c.name}" for c in columns.columns),
        *(f"{columns.value_sql(d, c.name, unit=True)} AS u_{c.name}"
          for c in columns.columns if c.unit),
        f"{json_sql(d, 'findings')} AS findings",
        f"{json_sql(d, 'pending_approval', 'by')} AS first_approval_by"])
    with store.db.transaction() as cur:
        total = int(cur.execute(f"SELECT count(*) AS n FROM items WHERE {where}",
                                params)[0]["n"])
        rows = cur.execute(
            "SELECT id, process, step, priority, attempts, exception_type, exception_code, "
            f"exception_message, assignee, version, created_at, updated_at, {shown} "
            f"FROM items WHERE {where} ORDER BY {_ORDER} LIMIT :limit OFFSET :offset",
            {**params, "limit": page_size, "offset": (f.page - 1) * page_size})
        by_code = cur.execute(
            "SELECT exception_code AS code, count(*) AS n FROM items WHERE state = 'FAILED' "
            "AND draft = 0 GROUP BY exception_code ORDER BY count(*) DESC")
    return QueuePage(
        rows=[_row(r) for r in rows],
        total=total, page=f.page, pages=max(1, -(-total // page_size)),
        counts_by_code={(r["code"] or "(none)"): int(r["n"]) for r in by_code})


def _first_of(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"COALESCE({', '.join(values)})"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _row(r: dict[str, Any]) -> QueueRow:
    plain = {k: v for k, v in r.items() if k != "findings" and not k.startswith(("v_", "u_"))}
    return QueueRow(**plain, codes=_codes(r["exception_code"], r.get("findings")),
                    values={k[2:]: _text(v) for k, v in r.items() if k.startswith("v_")},
                    units={k[2:]: _text(v) for k, v in r.items() if k.startswith("u_")})


def _codes(first: str | None, findings: Any) -> list[str]:
    """The exception code, then every other code among the findings, each once."""
    if isinstance(findings, str):
        try:
            findings = json.loads(findings)
        except ValueError:
            findings = []
    found = [f.get("code") for f in findings or [] if isinstance(f, dict)]
    return list(dict.fromkeys(c for c in [first, *found] if c))


def neighbours(store: Store, item_id: int) -> tuple[int | None, int | None]:
    """The previous and next failed items in queue order, for j/k in the validation view."""
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT priority, created_at FROM items WHERE id = :id",
                           {"id": item_id})
        if not rows:
            return None, None
        p, c = rows[0]["priority"], rows[0]["created_at"]
        after = ("(priority < :p OR (priority = :p AND (created_at > :c OR "
                 "(created_at = :c AND id > :id))))")
        before = ("(priority > :p OR (priority = :p AND (created_at < :c OR "
                  "(created_at = :c AND id < :id))))")
        base = "SELECT id FROM items WHERE state = 'FAILED' AND draft = 0 AND "
        params = {"p": p, "c": c, "id": item_id}
        nxt = cur.execute(f"{base}{after} ORDER BY {_ORDER} LIMIT 1", params)
        prev = cur.execute(f"{base}{before} ORDER BY priority, created_at DESC, id DESC "
                           "LIMIT 1", params)
    return (prev[0]["id"] if prev else None), (nxt[0]["id"] if nxt else None)
