"""A database made by the first schema version opens and upgrades to the Control Room's."""

from __future__ import annotations

from workitems import open_store
from workitems.store._db import connect
from workitems.store._schema import LATEST, _migrations, current_version


def test_a_version_1_database_upgrades_and_keeps_its_items(store_url: str) -> None:
    kept_payload = {"reference": "abc", "n": 1}
    db = connect(store_url)
    with db.transaction() as cur:  # exactly what version 1 of the store created
        cur.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "applied_at DOUBLE PRECISION)")
        for statement in _migrations(db.dialect)[0]:
            cur.execute(statement)
        cur.execute("INSERT INTO schema_version (version, applied_at) VALUES (1, {now})")
        cur.execute("INSERT INTO items (process, step, state, payload, available_at, created_at,"
                    " updated_at) VALUES ('ap', 'consumer', 'FAILED', :p, {now}, {now}, {now})",
                    {"p": db.json_param(kept_payload)})
    assert current_version(db) == 1
    db.close()
    with open_store(store_url) as store:  # the new code finds version 1 and upgrades it
        assert store.schema_version == LATEST >= 2
        assert current_version(store.db) == LATEST
        with store.db.transaction() as cur:
            cur.execute("INSERT INTO room_users (username, password_hash, role, created_at) "
                        "VALUES ('a', 'h', 'admin', {now})")
            assert cur.execute("SELECT count(*) AS n FROM room_users")[0]["n"] == 1
        assert [i.payload for i in store.list_items()] == [kept_payload]


def test_the_room_tables_refuse_an_unknown_role(store_url: str) -> None:
    with open_store(store_url) as store:
        try:
            with store.db.transaction() as cur:
                cur.execute("INSERT INTO room_users (username, password_hash, role, created_at) "
                            "VALUES ('a', 'h', 'root', {now})")
        except Exception as exc:  # sqlite3.IntegrityError or psycopg.errors.CheckViolation
            assert "check" in str(exc).lower() or "constraint" in str(exc).lower()
        else:
            raise AssertionError("role 'root' was accepted")
