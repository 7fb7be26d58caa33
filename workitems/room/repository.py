"""The Control Room's own tables: users, sessions, API tokens, login attempts,
the audit log and the labelled corrections.

Every function takes the :class:`~workitems.Store` and runs its SQL through
``store.db.transaction()``, so it works the same on SQLite and PostgreSQL.
Secrets never reach the database in clear: session ids and API tokens are
stored as their SHA-256 (they are long random strings, so a fast hash is
enough), passwords as argon2 hashes (see :mod:`workitems.room.auth`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from workitems import Store

ROLES = ("clerk", "supervisor", "admin")


class User(BaseModel):
    id: int
    username: str
    role: str
    active: bool
    created_at: float

    def has_role(self, needed: str) -> bool:
        """Roles are ordered: an admin can do what a supervisor can, who can do a clerk's work."""
        return self.active and ROLES.index(self.role) >= ROLES.index(needed)


class Session(BaseModel):
    user: User
    csrf_token: str
    expires_at: float


class ApiToken(BaseModel):
    id: int
    username: str
    name: str
    created_at: float
    last_used_at: float | None = None
    revoked_at: float | None = None


class AuditEntry(BaseModel):
    id: int
    at: float
    actor: str
    action: str
    item_id: int | None = None
    before: Any = None
    after: Any = None
    details: dict[str, Any] = {}


class Correction(BaseModel):
    id: int
    item_id: int
    document_sha256: str
    predicted: dict[str, Any]
    corrected: dict[str, Any]
    changed: list[str]
    by_user: str
    at: float


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: dict[str, Any]) -> User:
    return User(id=row["id"], username=row["username"], role=row["role"],
                active=bool(row["active"]), created_at=row["created_at"])


_USER_COLUMNS = "u.id, u.username, u.role, u.active, u.created_at"

# -- users -----------------------------------------------------------------------------


def create_user(store: Store, username: str, password_hash: str, role: str) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    with store.db.transaction() as cur:
        rows = cur.execute(
            "INSERT INTO room_users (username, password_hash, role, active, created_at) "
            "VALUES (:u, :h, :r, 1, {now}) RETURNING id, username, role, active, created_at",
            {"u": username, "h": password_hash, "r": role})
    return _user(rows[0])


def user_exists(store: Store, username: str) -> bool:
    with store.db.transaction() as cur:
        return bool(cur.execute("SELECT 1 AS x FROM room_users WHERE username = :u",
                                {"u": username}))


def password_hash_of(store: Store, username: str) -> tuple[User, str] | None:
    with store.db.transaction() as cur:
        rows = cur.execute(f"SELECT {_USER_COLUMNS}, u.password_hash FROM room_users u "
                           "WHERE u.username = :u", {"u": username})
    return (_user(rows[0]), rows[0]["password_hash"]) if rows else None


def set_password_hash(store: Store, user_id: int, password_hash: str) -> None:
    with store.db.transaction() as cur:
        cur.execute("UPDATE room_users SET password_hash = :h WHERE id = :id",
                    {"h": password_hash, "id": user_id})


def list_users(store: Store) -> list[User]:
    with store.db.transaction() as cur:
        rows = cur.execute(f"SELECT {_USER_COLUMNS} FROM room_users u ORDER BY u.username")
    return [_user(r) for r in rows]


def get_user(store: Store, user_id: int) -> User | None:
    with store.db.transaction() as cur:
        rows = cur.execute(f"SELECT {_USER_COLUMNS} FROM room_users u WHERE u.id = :id",
                           {"id": user_id})
    return _user(rows[0]) if rows else None


def update_user(store: Store, user_id: int, *, role: str, active: bool) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    with store.db.transaction() as cur:
        cur.execute("UPDATE room_users SET role = :r, active = :a WHERE id = :id",
                    {"r": role, "a": int(active), "id": user_id})
        if not active:  # a deactivated user is logged out everywhere at once
            cur.execute("DELETE FROM room_sessions WHERE user_id = :id", {"id": user_id})


def count_admins(store: Store) -> int:
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT count(*) AS n FROM room_users WHERE role = 'admin' "
                           "AND active = 1")
    return int(rows[0]["n"])


# -- sessions --------------------------------------------------------------------------


def create_session(store: Store, session_id: str, user_id: int, csrf_token: str,
                   lifetime_seconds: float) -> None:
    with store.db.transaction() as cur:
        cur.execute("DELETE FROM room_sessions WHERE expires_at < {now}")
        cur.execute(
            "INSERT INTO room_sessions (id, user_id, csrf_token, created_at, expires_at) "
            "VALUES (:id, :u, :c, {now}, {now} + :life)",
            {"id": digest(session_id), "u": user_id, "c": csrf_token, "life": lifetime_seconds})


def load_session(store: Store, session_id: str) -> Session | None:
    with store.db.transaction() as cur:
        rows = cur.execute(
            f"SELECT {_USER_COLUMNS}, s.csrf_token, s.expires_at FROM room_sessions s "
            "JOIN room_users u ON u.id = s.user_id "
            "WHERE s.id = :id AND s.expires_at > {now} AND u.active = 1",
            {"id": digest(session_id)})
    if not rows:
        return None
    row = rows[0]
    return Session(user=_user(row), csrf_token=row["csrf_token"], expires_at=row["expires_at"])


def delete_session(store: Store, session_id: str) -> None:
    with store.db.transaction() as cur:
        cur.execute("DELETE FROM room_sessions WHERE id = :id", {"id": digest(session_id)})


# -- API tokens ------------------------------------------------------------------------


def create_token(store: Store, user_id: int, name: str, token: str) -> int:
    with store.db.transaction() as cur:
        rows = cur.execute(
            "INSERT INTO room_api_tokens (user_id, name, token_hash, created_at) "
            "VALUES (:u, :n, :h, {now}) RETURNING id",
            {"u": user_id, "n": name, "h": digest(token)})
    return int(rows[0]["id"])


def user_for_token(store: Store, token: str) -> User | None:
    with store.db.transaction() as cur:
        rows = cur.execute(
            f"SELECT {_USER_COLUMNS}, t.id AS token_id FROM room_api_tokens t "
            "JOIN room_users u ON u.id = t.user_id "
            "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND u.active = 1",
            {"h": digest(token)})
        if not rows:
            return None
        cur.execute("UPDATE room_api_tokens SET last_used_at = {now} WHERE id = :id",
                    {"id": rows[0]["token_id"]})
    return _user(rows[0])


def list_tokens(store: Store) -> list[ApiToken]:
    with store.db.transaction() as cur:
        rows = cur.execute(
            "SELECT t.id, u.username, t.name, t.created_at, t.last_used_at, t.revoked_at "
            "FROM room_api_tokens t JOIN room_users u ON u.id = t.user_id ORDER BY t.id")
    return [ApiToken(**r) for r in rows]


def revoke_token(store: Store, token_id: int) -> bool:
    with store.db.transaction() as cur:
        cur.execute("UPDATE room_api_tokens SET revoked_at = {now} WHERE id = :id "
                    "AND revoked_at IS NULL", {"id": token_id})
        return cur.rowcount > 0


# -- login attempts --------------------------------------------------------------------


def record_login_attempt(store: Store, username: str, address: str, ok: bool) -> None:
    with store.db.transaction() as cur:
        cur.execute("INSERT INTO room_login_attempts (username, address, at, ok) "
                    "VALUES (:u, :a, {now}, :ok)", {"u": username, "a": address, "ok": int(ok)})


# -- audit log -------------------------------------------------------------------------


def audit(store: Store, actor: str, action: str, *, item_id: int | None = None,
          before: Any = None, after: Any = None, details: dict[str, Any] | None = None) -> None:
    """Append one entry: who did what, when, to which item, and the values before and after."""
    with store.db.transaction() as cur:
        cur.execute(
            "INSERT INTO room_audit (at, actor, action, item_id, before, after, details) "
            "VALUES ({now}, :actor, :action, :item, :before, :after, :details)",
            {"actor": actor, "action": action, "item": item_id,
             "before": store.db.json_param(before), "after": store.db.json_param(after),
             "details": store.db.json_param(details or {})})


def audit_entries(store: Store, *, item_id: int | None = None, action_prefix: str = "",
                  limit: int = 200) -> list[AuditEntry]:
    """Newest first; of one item, and/or of the actions starting with ``action_prefix``."""
    conditions = (["item_id = :item"] if item_id is not None else []) + (
        ["substr(action, 1, :n) = :prefix"] if action_prefix else [])
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    with store.db.transaction() as cur:
        rows = cur.execute(f"SELECT * FROM room_audit {where} ORDER BY id DESC LIMIT :l",
                           {"item": item_id, "l": limit, "n": len(action_prefix),
                            "prefix": action_prefix})
    return [AuditEntry(**{**r, "before": store.db.json_value(r["before"]),
                          "after": store.db.json_value(r["after"]),
                          "details": store.db.json_value(r["details"]) or {}}) for r in rows]


# -- corrections (labelled examples) ---------------------------------------------------


def save_correction(store: Store, item_id: int, document_sha256: str,
                    predicted: dict[str, Any], corrected: dict[str, Any], by_user: str) -> int:
    changed = sorted(k for k in corrected if corrected.get(k) != predicted.get(k))
    with store.db.transaction() as cur:
        rows = cur.execute(
            "INSERT INTO room_corrections (item_id, document_sha256, predicted, corrected, "
            "changed, by_user, at) VALUES (:item, :sha, :p, :c, :ch, :by, {now}) RETURNING id",
            {"item": item_id, "sha": document_sha256, "p": store.db.json_param(predicted),
             "c": store.db.json_param(corrected), "ch": store.db.json_param(changed),
             "by": by_user})
    return int(rows[0]["id"])


def iter_corrections(store: Store, batch: int = 500) -> Iterator[Correction]:
    """All corrections, oldest first, read in batches so an export never holds them all."""
    after = 0
    while True:
        with store.db.transaction() as cur:
            rows = cur.execute("SELECT * FROM room_corrections WHERE id > :a ORDER BY id "
                               "LIMIT :l", {"a": after, "l": batch})
        for r in rows:
            yield Correction(**{**r, **{k: store.db.json_value(r[k])
                                        for k in ("predicted", "corrected", "changed")}})
        if len(rows) < batch:
            return
        after = rows[-1]["id"]


def corrections_for(store: Store, item_id: int) -> list[Correction]:
    with store.db.transaction() as cur:
        rows = cur.execute("SELECT * FROM room_corrections WHERE item_id = :i ORDER BY id",
                           {"i": item_id})
    return [Correction(**{**r, **{k: store.db.json_value(r[k])
                                  for k in ("predicted", "corrected", "changed")}})
            for r in rows]
