"""The Control Room's pages. Every route names the role it needs; every POST
checks the form's CSRF token (:func:`auth.checked_form`)."""

from __future__ import annotations

import json
import logging
import secrets
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.datastructures import FormData

from skills.errors import UnreadableDocument
from workitems import InvalidInput, Store
from workitems.rollouts import rollouts
from workitems.room import auth, charts, metrics, model_versions, review, throttle, views
from workitems.room import overview as ov
from workitems.room import queue as q
from workitems.room import repository as repo
from workitems.room.auth import checked_form, require
from workitems.room.documents import file_sha256
from workitems.room.drift import room_reports
from workitems.room.item_views import ActionRequest, ItemView
from workitems.room.locale import from_accept_language
from workitems.room.params import ItemId, PageNumber, UserId
from workitems.room.repository import ROLES, User
from workitems.room.timeline import item_timeline

log = logging.getLogger(__name__)
router = APIRouter()
Clerk = Annotated[User, Depends(require("clerk"))]
Supervisor = Annotated[User, Depends(require("supervisor"))]
Admin = Annotated[User, Depends(require("admin"))]
Form = Annotated[FormData, Depends(checked_form)]


def _room(request: Request) -> Any:
    return request.app.state.room


def _store(request: Request) -> Store:
    return _room(request).store


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    session = auth.session_of(request)
    return _room(request).templates.TemplateResponse(
        request, name, {"user": session.user if session else None,
                        "csrf_token": auth.csrf_token(request), **context},
        status_code=status)


def _back(path: str, notice: str = "") -> RedirectResponse:
    return RedirectResponse(path + (f"?notice={quote(notice)}" if notice else ""),
                            status_code=303)


def _client(request: Request) -> str:
    return throttle.client_address(request.client.host if request.client else None,
                                   request.headers.get("x-forwarded-for"),
                                   _room(request).settings.trusted_proxies)


# -- login -----------------------------------------------------------------------------


def _local_path(target: str | None) -> str:
    """Only same-site paths after login: no open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def _login_page(request: Request, status: int = 200, error: str = "",
                next_path: str = "/queue") -> Response:
    settings = _room(request).settings
    form_value, cookie_value = auth.new_login_token(settings)
    response = page(request, "login.html", status, login_token=form_value, error=error,
                    next_path=_local_path(next_path))
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, cookie_value, httponly=True, samesite="strict",
                        secure=settings.secure_cookies, max_age=3600, path="/login")
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/queue") -> Response:  # noqa: A002
    return _login_page(request, next_path=next)


@router.post("/login")
async def login(request: Request) -> Response:
    room = _room(request)
    form = await request.form()
    next_path = _local_path(str(form.get("next") or ""))
    if not auth.login_token_ok(room.settings, form.get("login_token"),
                               request.cookies.get(auth.LOGIN_CSRF_COOKIE)):
        return _login_page(request, 403, "The login form expired; please try again.", next_path)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    try:
        user = auth.authenticate(room.store, room.settings, username, password, _client(request))
    except auth.TooManyAttempts as exc:
        repo.audit(room.store, username or "?", "login_throttled",
                   details={"address": _client(request), "locked": exc.locked})
        return _login_page(request, 429, exc.message, next_path)
    if user is None:
        repo.audit(room.store, username or "?", "login_failed",
                   details={"address": _client(request)})
        return _login_page(request, 401, "Wrong user name or password.", next_path)
    session_id = auth.start_session(room.store, room.settings, user)
    repo.audit(room.store, user.username, "login", details={"address": _client(request)})
    response = RedirectResponse(next_path, status_code=303)
    auth.set_session_cookie(response, room.settings, session_id)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: Clerk, form: Form) -> Response:
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    if session_id:
        repo.delete_session(_store(request), session_id)
    repo.audit(_store(request), user.username, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/health")
def health(request: Request) -> Response:
    """Open to all (load balancers): says only whether the database answers."""
    try:
        with _store(request).db.transaction() as cur:
            cur.execute("SELECT 1 AS ok")
    except Exception:
        return PlainTextResponse("database unavailable\n", status_code=503)
    return PlainTextResponse("ok\n")


@router.get("/")
def home(user: Clerk) -> Response:
    return RedirectResponse("/overview" if user.has_role("supervisor") else "/queue",
                            status_code=303)


# -- the exception queue ---------------------------------------------------------------


@router.get("/queue")
def queue(request: Request, user: Clerk, notice: str = "") -> Response:
    columns = _room(request).columns
    flt, problem = q.QueueFilter.from_params(request.query_params, columns)
    result = q.queue_page(_store(request), flt, columns=columns)
    query = "&".join(f"{k}={quote(v)}" for k, v in flt.params().items())
    return page(request, "queue.html", result=result, flt=flt, notice=notice or problem,
                query=query, columns=columns.columns, now=ov.db_now(_store(request)))


# -- the validation view and the clerk's actions ----------------------------------------


def _validation(request: Request, user: User, item_id: int, status: int = 200, *,
                notice: str = "", error: str = "", typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> Response:
    store = _store(request)
    item = store.get_item(item_id)
    context = views.validation_context(store, item, user, _view(request, item), typed=typed,
                                       errors=errors)
    previous, following = q.neighbours(store, item_id)
    return page(request, "item.html", status, notice=notice, error=error, previous=previous,
                following=following, timeline=item_timeline(store, item), **context)


def _view(request: Request, item: Any) -> ItemView:
    return _room(request).views.view_for(item)


def _rules(request: Request) -> review.ApprovalRules:
    settings = _room(request).settings
    return review.ApprovalRules(four_eyes_amount=settings.four_eyes_amount,
                                approver_role=settings.approver_role)


@router.get("/items/{item_id}")
def item_view(request: Request, item_id: ItemId, user: Clerk, notice: str = "") -> Response:
    return _validation(request, user, item_id, notice=notice)


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version")))
    except ValueError:
        return -1


def _act(request: Request, user: User, item_id: int, action: Any, done: str, *,
         then_next: bool = False, decision: str | None = None) -> Response:
    """Run a clerk's action (a ``decision`` is a span of the item's trace); a refusal
    re-shows the item with the reason (409). After a decision the clerk moves on to the
    next item in the queue."""
    try:
        with (review.traced(_store(request), user, item_id, decision) if decision
              else nullcontext()):
            action()
    except review.ActionRefused as exc:
        return _validation(request, user, item_id, 409, error=exc.message)
    if then_next:
        return _next_or_queue(request, item_id, done)
    return _back(f"/items/{item_id}", done)


@router.post("/items/{item_id}/claim")
def claim(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    return _act(request, user, item_id,
                lambda: review.claim(_store(request), user, item_id, _version(form)),
                "You are working on this item; nobody else can change it until you release it.")


@router.post("/items/{item_id}/release")
def release(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    return _act(request, user, item_id, lambda: review.release(_store(request), user, item_id),
                "Released.")


@router.post("/items/{item_id}/approve")
def approve(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    view = _view(request, _store(request).get_item(item_id))
    typed = {f.name: str(form.get(f"field_{f.name}") or "") for f in view.fields}
    overrides = {code: str(form.get(f"override_reason_{code}") or "")
                 for code in view.overridable if form.get(f"override_{code}")}
    rules = _rules(request)
    try:
        with review.traced(_store(request), user, item_id, "approve"):
            done = view.approve(_store(request), user, item_id, _version(form), typed,
                                locale=from_accept_language(
                                    request.headers.get("accept-language")),
                                overrides=overrides, rules=rules)
    except review.ActionRefused as exc:
        return _validation(request, user, item_id, 409, error=exc.message, typed=typed)
    if done.errors:
        return _validation(request, user, item_id, 422, typed=typed, errors=done.errors,
                           error="Some fields are not valid; nothing was saved.")
    if done.waiting:
        return _next_or_queue(request, item_id, f"Your approval is recorded; {done.waiting}, "
                              "so a second person with the "
                              f"{rules.approver_role} role must approve it too.")
    return _next_or_queue(request, item_id, view.approved_notice)


def _next_or_queue(request: Request, item_id: int, notice: str) -> Response:
    _, following = q.neighbours(_store(request), item_id)
    return _back(f"/items/{following}" if following else "/queue", f"Item {item_id}: {notice}")


@router.post("/items/{item_id}/reject")
def reject(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    reason = str(form.get("reason") or "")
    return _act(request, user, item_id, lambda: review.reject(
        _store(request), user, item_id, _version(form), reason), "Rejected.", then_next=True,
        decision="reject")


@router.post("/items/{item_id}/retry")
def retry(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    return _act(request, user, item_id, lambda: review.retry(
        _store(request), user, item_id, _version(form)), "Sent back to the bot unchanged.",
        then_next=True, decision="retry")


@router.post("/items/{item_id}/done")
def mark_done(request: Request, item_id: ItemId, user: Clerk, form: Form) -> Response:
    reason = str(form.get("reason") or "")
    return _act(request, user, item_id, lambda: review.mark_done(
        _store(request), user, item_id, _version(form), reason), "Marked done.",
        then_next=True, decision="done")


@router.post("/items/{item_id}/{action}")
def view_action(request: Request, item_id: ItemId, action: str, user: Clerk,
                form: Form) -> Response:
    """An action of the item's own view (a mail's re-routing, say); declared after the
    actions every item has, so it never shadows them."""
    store = _store(request)
    item = store.get_item(item_id)
    run = _view(request, item).actions().get(action)
    if run is None:
        return PlainTextResponse(f"items like {item_id} have no action {action[:40]!r}",
                                 status_code=404)
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        with review.traced(store, user, item_id, action):
            notice = run(ActionRequest(store=store, user=user, item=item,
                                       version=_version(form), form=fields,
                                       rules=_rules(request)))
    except review.ActionRefused as exc:
        return _validation(request, user, item_id, 409, error=exc.message)
    return _next_or_queue(request, item_id, notice)


@router.get("/items/{item_id}/pages/{number}.png")
def page_image(request: Request, item_id: ItemId, number: PageNumber, user: Clerk) -> Response:
    store = _store(request)
    item = store.get_item(item_id)
    name = _view(request, item).document(item)
    sha = file_sha256(store, item_id, name) if name else None
    if name is None or sha is None:
        return PlainTextResponse("this item has no document", status_code=404)
    try:
        content, media_type = _room(request).pages.get(
            sha, number, lambda: store.get_file(item_id, name))
    except IndexError:
        return PlainTextResponse("no such page", status_code=404)
    except UnreadableDocument as exc:
        return PlainTextResponse(f"The document cannot be shown. {exc.message}",
                                 status_code=422)
    except Exception:
        log.exception("rendering page %s of item %s failed", number, item_id)
        return PlainTextResponse("the document cannot be rendered", status_code=422)
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "private, max-age=300"})


@router.get("/items/{item_id}/words.json")
def page_words(request: Request, item_id: int, user: Clerk) -> Response:
    """The words printed on the document's pages, with their boxes, for click-to-fill."""
    store = _store(request)
    item = store.get_item(item_id)
    name = _view(request, item).document(item)
    sha = file_sha256(store, item_id, name) if name else None
    if name is None or sha is None:
        return JSONResponse({"pages": {}}, status_code=404)
    try:
        words = _room(request).words.get(sha, name, lambda: store.get_file(item_id, name))
    except Exception:  # an unreadable file: the clerk still types the fields
        return JSONResponse({"pages": {}}, status_code=422)
    return JSONResponse({"pages": {str(n): [w.model_dump() for w in ws]
                                   for n, ws in words.items()}},
                        headers={"Cache-Control": "private, max-age=300"})


@router.get("/items/{item_id}/files/{name}")
def download(request: Request, item_id: ItemId, name: str, user: Clerk) -> Response:
    """Only a file the item itself carries: the name is looked up among its own files."""
    store = _store(request)
    if name not in store.list_files(item_id):
        return PlainTextResponse("this item has no such file", status_code=404)
    try:
        content = store.get_file(item_id, name)
    except InvalidInput:
        return PlainTextResponse("this item has no such file", status_code=404)
    return Response(content, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


# -- supervisors -------------------------------------------------------------------------


@router.get("/items/{item_id}/detail")
def item_detail(request: Request, item_id: ItemId, user: Supervisor) -> Response:
    store = _store(request)
    item = store.get_item(item_id)
    parent = store.get_item(item.parent_id) if item.parent_id else None
    outputs = store.list_items(parent_id=item_id, limit=200, oldest_first=True)
    return page(request, "detail.html", item=item, parent=parent, outputs=outputs,
                events=store.events(item_id, limit=5000),
                audit=repo.audit_entries(store, item_id=item_id),
                corrections=repo.corrections_for(store, item_id))


@router.get("/overview")
def overview_page(request: Request, user: Supervisor, window: str = "24h") -> Response:
    figures = ov.overview(_store(request), window)
    step_rows = [(f"{s.process} / {s.step}", s.states) for s in figures.steps]
    bucket_label = "%H:%M" if figures.bucket_seconds < 86400 else "%m-%d"
    bars = [(datetime.fromtimestamp(t, UTC).strftime(bucket_label), float(n))
            for t, n in figures.throughput]
    latency = [(f"{s.step}", (s.p95 or 0.0)) for s in figures.steps if s.p95 is not None]
    return page(request, "overview.html", o=figures, windows=list(ov.WINDOWS),
                drift=room_reports(_room(request)), rollouts=rollouts(_store(request)),
                state_chart=charts.state_bars(step_rows),
                throughput_chart=charts.bar_chart(bars, title="items completed"),
                latency_chart=charts.bar_chart(latency, title="p95 per step",
                                               show=views.fmt_seconds))


@router.get("/corrections.jsonl")
def export_corrections(request: Request, user: Supervisor) -> Response:
    store = _store(request)
    repo.audit(store, user.username, "export_corrections")

    def lines() -> Any:
        for c in repo.iter_corrections(store):
            yield json.dumps(c.model_dump(), ensure_ascii=False) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson", headers={
        "Content-Disposition": "attachment; filename=corrections.jsonl"})


@router.get("/metrics")
def prometheus(request: Request) -> Response:
    user = auth.session_or_token_user(request)
    if not user.has_role("supervisor"):
        raise auth.Forbidden(f"this page needs the supervisor role; you are a {user.role}")
    room = _room(request)
    return PlainTextResponse(metrics.render(room.store, room.histograms, room_reports(room)),
                             media_type="text/plain; version=0.0.4")


# -- administrators ----------------------------------------------------------------------


@router.get("/admin/users")
def users_page(request: Request, user: Admin, notice: str = "") -> Response:
    store = _store(request)
    return page(request, "admin.html", users=repo.list_users(store), roles=ROLES,
                tokens=repo.list_tokens(store), notice=notice, new_token="",
                audit=repo.audit_entries(store, limit=100))


@router.post("/admin/users")
def create_user(request: Request, user: Admin, form: Form) -> Response:
    store = _store(request)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    role = str(form.get("role") or "clerk")
    problem = (auth.check_username(username)
               or auth.check_password_strength(password)
               or ("that user name is taken" if repo.user_exists(store, username) else None)
               or (None if role in ROLES else "unknown role"))
    if problem:
        return _back("/admin/users", f"User not created: {problem}.")
    created = repo.create_user(store, username, auth.hash_password(password), role)
    repo.audit(store, user.username, "create_user", after={"username": username, "role": role},
               details={"user_id": created.id})
    return _back("/admin/users", f"User {username} created.")


@router.post("/admin/users/{user_id}")
def update_user(request: Request, user_id: UserId, user: Admin, form: Form) -> Response:
    store = _store(request)
    target = repo.get_user(store, user_id)
    if target is None:
        return _back("/admin/users", "No such user.")
    role = str(form.get("role") or target.role)
    if role not in ROLES:
        return PlainTextResponse(f"User not updated: {role[:40]!r} is not a role "
                                 f"({', '.join(ROLES)}).", status_code=400)
    active = form.get("active") == "1"
    demotes_admin = target.role == "admin" and (role != "admin" or not active)
    if demotes_admin and repo.count_admins(store) <= 1:
        return _back("/admin/users", "The last administrator cannot be demoted or disabled.")
    repo.update_user(store, user_id, role=role, active=active)
    repo.audit(store, user.username, "update_user",
               before={"username": target.username, "role": target.role,
                       "active": target.active},
               after={"username": target.username, "role": role, "active": active})
    return _back("/admin/users", f"User {target.username} updated.")


@router.get("/admin/records")
def records_page(request: Request, user: Admin, notice: str = "") -> Response:
    """What other parts of the product keep in the store (learned layouts...), each with
    the summary it carries for people, and a button to remove it."""
    return page(request, "records.html", records=_store(request).records(None), notice=notice)


@router.get("/admin/models")
def models_page(request: Request, user: Admin) -> Response:
    """Every version of every model: lineage, metrics, state, promotions and rollbacks."""
    room = _room(request)
    return page(request, "models.html",
                **model_versions.versions_page(room.store, room.settings.model_registry))


@router.post("/admin/records/remove")
def remove_record(request: Request, user: Admin, form: Form) -> Response:
    store = _store(request)
    kind, key = str(form.get("kind") or ""), str(form.get("key") or "")
    found = next((r for r in store.records(kind) if r.key == key), None) if kind else None
    if found is None or not store.delete_record(kind, key):
        return _back("/admin/records", "No such record (already removed?).")
    repo.audit(store, user.username, "remove_record",
               before={"kind": kind, "key": key, "group": found.group,
                       "version": found.version})
    return _back("/admin/records", f"{kind} {key} removed.")


@router.post("/admin/tokens")
def create_token(request: Request, user: Admin, form: Form) -> Response:
    store = _store(request)
    owner = str(form.get("username") or "")
    name = str(form.get("name") or "").strip() or "token"
    found = repo.password_hash_of(store, owner)
    if found is None:
        return _back("/admin/users", "No such user for the token.")
    token = secrets.token_urlsafe(32)
    token_id = repo.create_token(store, found[0].id, name, token)
    repo.audit(store, user.username, "create_token",
               after={"token_id": token_id, "user": owner, "name": name})
    # Shown once, on the page the admin lands on; only its hash is stored.
    response = page(request, "admin.html", users=repo.list_users(store), roles=ROLES,
                    tokens=repo.list_tokens(store), new_token=token,
                    notice=f"Token {name} for {owner} created. Copy it now: it is not "
                    "shown again.", audit=repo.audit_entries(store, limit=100))
    return response


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, user: Admin, form: Form) -> Response:
    store = _store(request)
    revoked = repo.revoke_token(store, token_id)
    repo.audit(store, user.username, "revoke_token", after={"token_id": token_id,
                                                          "revoked": revoked})
    return _back("/admin/users", "Token revoked." if revoked else "Token already revoked.")
