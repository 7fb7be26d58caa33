"""Security and behaviour of the web app over HTTP (no browser), on both backends."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import ItemState, Store
from workitems.room.web import router as web_router

from .conftest import PASSWORD, csrf_of

OPEN = {"/login", "/health"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def routes(method: str) -> list[str]:
    return sorted(concrete(r.path) for r in web_router.routes
                  if isinstance(r, APIRoute) and method in r.methods)


def test_without_a_session_only_the_login_page_and_health_answer(make_client) -> None:
    anonymous = make_client()
    assert anonymous.get("/health").text == "ok\n"
    assert "Log in" in anonymous.get("/login").text
    for path in routes("GET"):
        if path in OPEN:
            continue
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    for path in routes("POST"):
        if path in OPEN:
            continue
        response = anonymous.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
    # following the redirect shows the login page and nothing else
    assert "<h1>Log in</h1>" in anonymous.get("/metrics").text
    assert anonymous.get("/api/v1/queue").status_code == 401
    # the static files hold no data; they load without a session
    assert anonymous.get("/static/room.css").status_code == 200


def test_every_form_post_without_its_csrf_token_is_refused(make_client,
                                                          room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    admin = make_client("admin")
    version = room_store.get_item(item_id).version
    for path in routes("POST"):
        if path == "/login":
            continue
        path = path.replace("/items/1/", f"/items/{item_id}/")
        for token in (None, "forged"):
            data = {"version": str(version), "reason": "x", "username": "zed",
                    "password": "long enough pw", "role": "admin"}
            if token:
                data["csrf_token"] = token
            response = admin.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, token)
    assert room_store.get_item(item_id).version == version  # nothing changed
    assert "admin" in admin.get("/admin/users").text  # and the session still works


def test_the_login_form_needs_its_own_token(make_client) -> None:
    client = make_client()
    response = client.post("/login", data={"username": "clerk1", "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "room_session" not in client.cookies


def test_session_cookie_is_httponly_and_samesite(make_client) -> None:
    client = make_client()
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"login_token": token, "username": "clerk1",
                                           "password": PASSWORD}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "room_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.headers["location"] == "/queue"
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(("username", "path"), [
    ("clerk1", "/admin/users"), ("clerk1", "/overview"), ("clerk1", "/metrics"),
    ("clerk1", "/corrections.jsonl"), ("clerk1", "/items/1/detail"),
    ("sup", "/admin/users"),
])
def test_roles_are_enforced(make_client, username: str, path: str) -> None:
    response = make_client(username).get(path)
    assert response.status_code == 403
    assert "needs the" in response.text


def test_a_clerk_cannot_create_users(make_client) -> None:
    clerk = make_client("clerk1")
    csrf = csrf_of(clerk.get("/queue").text)
    response = clerk.post("/admin/users", data={"csrf_token": csrf, "username": "evil",
                                                "password": "0123456789a", "role": "admin"})
    assert response.status_code == 403


def test_user_input_is_escaped(make_client, room_store: Store) -> None:
    evil = '<script>alert("x")</script>'
    item_id = seed_failed_invoice(room_store, DemoInvoice(vendor_name=evil,
                                                          invoice_number="<i>1</i>"))
    clerk = make_client("clerk1")
    for path in ("/queue", f"/items/{item_id}"):
        html = clerk.get(path).text
        assert evil not in html and "<i>1</i>" not in html
        assert "&lt;script&gt;" in html
    assert evil not in make_client("sup").get(f"/items/{item_id}/detail").text


def test_files_only_of_the_item_itself(make_client, room_store: Store) -> None:
    first = seed_failed_invoice(room_store, DemoInvoice(invoice_number="F-1"))
    room_store.add_file(first, "secret.txt", b"only on item one", "test")
    second = seed_failed_invoice(room_store, DemoInvoice(invoice_number="F-2"))
    clerk = make_client("clerk1")
    own = clerk.get(f"/items/{first}/files/secret.txt")
    assert own.content == b"only on item one"
    assert own.headers["content-disposition"].startswith("attachment")
    assert clerk.get(f"/items/{second}/files/secret.txt").status_code == 404
    for name in ("..%2Fsecret.txt", "%2E%2E", "invoice.pdf%00"):
        assert clerk.get(f"/items/{second}/files/{name}").status_code == 404
    page = clerk.get(f"/items/{second}/pages/1.png")
    assert page.headers["content-type"] == "image/png" and page.content[:4] == b"\x89PNG"
    assert clerk.get(f"/items/{second}/pages/2.png").status_code == 404


def test_approve_over_http_and_invalid_values_beside_the_field(make_client,
                                                               room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store, DemoInvoice(printed_total="3O3.57"))
    clerk = make_client("clerk1")
    page = clerk.get(f"/items/{item_id}").text
    form = dict(re.findall(r'name="(field_\w+)" value="([^"]*)"', page))
    form.update(csrf_token=csrf_of(page), version=str(room_store.get_item(item_id).version))
    assert form["field_vendor_iban"] == "DE89 3704 0044 0532 0130 00"  # shown in fours
    bad = clerk.post(f"/items/{item_id}/approve", data={**form, "field_total": "3O3,57"})
    assert bad.status_code == 422
    assert re.search(r'id="error_total">[^<]*not an amount; write it like 1,234.56', bad.text)
    assert room_store.get_item(item_id).state is ItemState.FAILED
    # a German clerk types the total and the date as the invoice prints them
    good = clerk.post(f"/items/{item_id}/approve", data={
        **form, "field_total": "303,57", "field_due_date": "18.10.2026"},
        headers={"Accept-Language": "de-DE,de;q=0.9"}, follow_redirects=False)
    assert good.status_code == 303
    item = room_store.get_item(item_id)
    assert item.state is ItemState.PENDING
    assert item.payload["review"]["fields"]["total"] == "303.57"
    assert item.payload["review"]["fields"]["due_date"] == "2026-10-18"
    assert item.payload["review"]["fields"]["vendor_iban"] == "DE89370400440532013000"
    export = make_client("sup").get("/corrections.jsonl")
    assert '"total": "303.57"' in export.text and export.text.count("\n") == 1


def test_api_tokens(make_client, room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    admin = make_client("admin")
    csrf = csrf_of(admin.get("/admin/users").text)
    created = admin.post("/admin/tokens", data={"csrf_token": csrf, "username": "clerk1",
                                                "name": "worker-1"})
    token = re.search(r'id="new-token">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    api = make_client()
    auth = {"Authorization": f"Bearer {token}"}
    queue = api.get("/api/v1/queue", headers=auth).json()
    assert [r["id"] for r in queue["rows"]] == [item_id]
    assert api.get("/api/v1/overview", headers=auth).status_code == 403  # a clerk's token
    version = queue["rows"][0]["version"]
    stale = api.post(f"/api/v1/items/{item_id}/retry", headers=auth,
                     json={"version": version - 1})
    assert stale.status_code == 409 and "changed since" in stale.json()["error"]
    assert api.post(f"/api/v1/items/{item_id}/retry", headers=auth,
                    json={"version": version}).json() == {"ok": True}
    assert room_store.get_item(item_id).state is ItemState.PENDING
    # a browser session is not enough for the API, and stored tokens are hashes
    assert make_client("admin").get("/api/v1/queue").status_code == 401
    with room_store.db.transaction() as cur:
        stored = cur.execute("SELECT token_hash FROM room_api_tokens")[0]["token_hash"]
    assert stored != token and len(stored) == 64
    csrf = csrf_of(admin.get("/admin/users").text)
    admin.post("/admin/tokens/1/revoke", data={"csrf_token": csrf})
    assert api.get("/api/v1/queue", headers=auth).status_code == 401


def test_metrics_for_a_scraper_token_and_the_audit_log(make_client, room_store: Store) -> None:
    seed_failed_invoice(room_store)
    admin = make_client("admin")
    csrf = csrf_of(admin.get("/admin/users").text)
    created = admin.post("/admin/tokens", data={"csrf_token": csrf, "username": "sup",
                                                "name": "prometheus"})
    token = re.search(r'id="new-token">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    scraped = make_client().get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    assert "# TYPE workitems_step_duration_seconds histogram" in scraped.text
    assert 'workitems_exception_queue{code="LOW_CONFIDENCE"} 1' in scraped.text
    audit = admin.get("/admin/users").text
    for action in ("login", "create_token"):
        assert f"<td>{action}</td>" in audit


def test_the_last_admin_cannot_be_demoted(make_client, room_store: Store) -> None:
    admin = make_client("admin")
    csrf = csrf_of(admin.get("/admin/users").text)
    admin_id = next(u for u in re.findall(r'action="/admin/users/(\d+)"',
                                          admin.get("/admin/users").text))
    from workitems.room import repository as repo

    admins = [u for u in repo.list_users(room_store) if u.role == "admin"]
    assert len(admins) == 1
    response = admin.post(f"/admin/users/{admins[0].id}",
                          data={"csrf_token": csrf, "role": "clerk", "active": "1"})
    assert "last administrator" in response.text
    assert admin_id  # the page lists users with their forms
    assert repo.get_user(room_store, admins[0].id).role == "admin"  # type: ignore[union-attr]
