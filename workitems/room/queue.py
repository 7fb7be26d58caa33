"""The exception queue: FAILED items waiting for a person, most urgent and oldest first.

Vendor and amount live in the payload's extracted fields. Both databases can
read JSON in SQL (SQLite's ``json_extract``, PostgreSQL's ``#>>``), so filters
run in the database over the failed items only (the ``items_failed`` partial
index) and a page reads just the columns it shows, never whole payloads.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from workitems import Store

PAGE_SIZE = 50


# Text filters: printable, short (PostgreSQL refuses a NUL in text; nobody types 200).
_TEXT = Field(None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


class QueueFilter(BaseModel):
    code: str | None = _TEXT
    vendor: str | None = _TEXT  # a part of the vendor name, any case
    min_amount: float | None = Field(None, allow_inf_nan=False, ge=-1e15, le=1e15)
    max_amount: float | None = Field(None, allow_inf_nan=False, ge=-1e15, le=1e15)
    older_than_days: float | None = Field(None, ge=0, le=1e6, allow_inf_nan=False)
    assignee: str | None = _TEXT  # a user name, or "-" for nobody
    page: int = Field(1, ge=1, le=1_000_000)  # far past the last page, never an overflow


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
    vendor: str | None = None
    invoice_number: str | None = None
    total: str | None = None
    currency: str | None = None
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


def field_sql(dialect: str, name: str) -> str:
    """SQL reading one extracted field's value out of the payload (text or NULL)."""
    return json_sql(dialect, "extracted", "fields", name, "value")


def amount_sql(dialect: str, name: str) -> str:
    """The field as a number; text that is not a plain decimal reads as NULL."""
    value = field_sql(dialect, name)
    if dialect == "sqlite":
        return (f"(CASE WHEN {value} <> '' AND NOT ({value} GLOB '*[^0-9.-]*') "
                f"THEN CAST({value} AS REAL) END)")
    return (f"(CASE WHEN {value} ~ '^-?[0-9]+(\\.[0-9]+)?$' "
            f"THEN CAST({value} AS DOUBLE PRECISION) END)")


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(store: Store, f: QueueFilter) -> tuple[str, dict[str, Any]]:
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
    if f.vendor:
        where.append(f"lower({field_sql(dialect, 'vendor_name')}) LIKE :vendor ESCAPE '\\'")
        params["vendor"] = _like_pattern(f.vendor)
    if f.min_amount is not None:
        where.append(f"{amount_sql(dialect, 'total')} >= :min_amount")
        params["min_amount"] = f.min_amount
    if f.max_amount is not None:
        where.append(f"{amount_sql(dialect, 'total')} <= :max_amount")
        params["max_amount"] = f.max_amount
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


def queue_page(store: Store, f: QueueFilter, page_size: int = PAGE_SIZE) -> QueuePage:
    where, params = _where(store, f)
    d = store.dialect
    # A mail (the triage step's items) has no extracted fields: its matched vendor or its
    # sender, and its subject, fill those columns.
    fallback = {"vendor": [json_sql(d, "triage", "entities", "vendor", "name"),
                           json_sql(d, "sender")],
                "invoice_number": [json_sql(d, "subject")]}
    shown = ", ".join([
        f"{_first_of([field_sql(d, field), *fallback.get(alias, [])])} AS {alias}"
        for alias, field in (("vendor", "vendor_name"), ("invoice_number", "invoice_number"),
                             ("total", "total"), ("currency", "currency"))] + [
        f"{json_sql(store.dialect, 'findings')} AS findings",
        f"{json_sql(store.dialect, 'pending_approval', 'by')} AS first_approval_by"])
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


def _row(r: dict[str, Any]) -> QueueRow:
    values = {k: (str(v) if k == "total" and v is not None else v) for k, v in r.items()
              if k != "findings"}
    return QueueRow(**values, codes=_codes(r["exception_code"], r.get("findings")))


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
