"""Requests that used to end in a server error get a clear 4xx answer instead."""

from __future__ import annotations

import re

from workitems import Store
from workitems.room import repository as repo

from .conftest import csrf_of


def test_absurd_numbers_and_characters_in_urls_are_4xx(make_client, room_store: Store) -> None:
    clerk = make_client("clerk1")
    for path in ("/items/99999999999999999999", "/items/0", "/items/-1",
                 "/items/99999999999999999999/pages/1.png", "/items/1/pages/99999999999.png",
                 "/api/items/99999999999999999999"):
        answer = clerk.get(path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
    for query in ("page=9223372036854775807", "page=99999999999999999999", "vendor=%00",
                  "code=%00", "assignee=%00", "min_amount=1e400", "older_than_days=nan"):
        answer = clerk.get(f"/queue?{query}")
        assert answer.status_code == 200, (query, answer.status_code)
        assert "were not valid" in answer.text, query


def test_an_unknown_role_is_refused(make_client, room_store: Store) -> None:
    admin = make_client("admin")
    clerk_id = next(u.id for u in repo.list_users(room_store) if u.username == "clerk2")
    token = csrf_of(admin.get("/admin/users").text)

    answer = admin.post(f"/admin/users/{clerk_id}", data={"csrf_token": token,
                                                         "role": "superuser", "active": "1"})

    assert answer.status_code == 400 and "not a role" in answer.text
    assert repo.get_user(room_store, clerk_id).role == "clerk"
    assert not re.search("superuser", str(repo.audit_entries(room_store)))


def test_user_names_are_short_and_printable(make_client, room_store: Store) -> None:
    admin = make_client("admin")
    for name, reason in (("x" * 100_000, "at most 64"), ("eve\u202egnp.exe", "formatting"),
                         ("  ", "required")):
        token = csrf_of(admin.get("/admin/users").text)
        answer = admin.post("/admin/users", data={"csrf_token": token, "username": name,
                                                  "password": "long enough pw", "role": "clerk"})
        assert reason in answer.text, name[:20]
        assert not repo.user_exists(room_store, name)
