"""The Control Room web app: build it with :func:`create_app` around an open Store.

    from workitems import open_store
    from workitems.room import create_app, RoomSettings
    app = create_app(open_store("sqlite:///output/workitems.db"),
                     RoomSettings(secret_key="..."))

Pages live in :mod:`workitems.room.web`, the JSON API in
:mod:`workitems.room.api`, Robocorp's work-item protocol for workers on other machines in
:mod:`workitems.room.robocorp_protocol` (and their bots' spans in
:mod:`workitems.room.otlp_receiver`); this module wires them up with the error pages and
the security headers every response carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from skills import sandbox
from workitems import ItemNotFound, Store, tracing
from workitems.room.auth import ApiUnauthorized, Forbidden, LoginRequired, RoomSettings
from workitems.room.documents import RenderCache, WordCache
from workitems.room.item_views import ViewRegistry, default_registry
from workitems.room.metrics import EventHistograms
from workitems.room.queue import QueueColumns

HERE = Path(__file__).resolve().parent
# No inline scripts or styles, nothing from another origin: the page can only run
# the app's own static files.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@dataclass
class Room:
    """What every request handler shares."""

    store: Store
    settings: RoomSettings
    templates: Jinja2Templates
    views: ViewRegistry
    pages: RenderCache = field(default_factory=RenderCache)
    words: WordCache = field(default_factory=WordCache)
    histograms: EventHistograms = field(default_factory=EventHistograms)
    columns: QueueColumns = field(default_factory=QueueColumns.from_config)


def _templates(views: ViewRegistry) -> Jinja2Templates:
    # A view's own templates first, so a process can show its items its own way.
    templates = Jinja2Templates(directory=[*map(str, views.template_dirs()),
                                           str(HERE / "templates")])
    # Jinja2Templates autoescapes .html already; make it explicit and global.
    templates.env.autoescape = True
    from workitems.room import views

    templates.env.filters.update(views.FILTERS)
    return templates


def create_app(store: Store, settings: RoomSettings,
               views: ViewRegistry | None = None,
               columns: QueueColumns | None = None) -> FastAPI:
    """``views``: how each process's items are shown and decided; ``columns``: what the
    exception queue shows of them; by default those the process configuration declares."""
    from workitems.room import api, otlp_receiver, robocorp_protocol, web

    views = default_registry() if views is None else views
    tracing.setup("control-room")
    app = FastAPI(title="Control Room", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.room = Room(store=store, settings=settings, templates=_templates(views),
                          views=views, histograms=EventHistograms(fields=views.field_names()),
                          columns=QueueColumns.from_config() if columns is None else columns)
    sandbox.POOL.warm(2)  # document views render in these; started now, not at a first view
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(web.router)
    app.include_router(api.router)
    app.include_router(robocorp_protocol.router)
    app.include_router(otlp_receiver.router)
    _add_error_pages(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"error": "a bearer token is required"}, status_code=401)
        if request.method == "GET":
            return RedirectResponse("/login?next=" + _safe_next(request), status_code=303)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(ApiUnauthorized)
    async def api_unauthorized(request: Request, exc: ApiUnauthorized) -> Response:
        return JSONResponse({"error": "a valid bearer token is required"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"error": exc.message}, status_code=403)
        return _error_page(request, 403, "Not allowed", exc.message)

    @app.exception_handler(ItemNotFound)
    async def not_found(request: Request, exc: ItemNotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"error": exc.message}, status_code=404)
        return _error_page(request, 404, "Not found", exc.message)


def _safe_next(request: Request) -> str:
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return quote(target, safe="")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    room: Room = request.app.state.room
    from workitems.room.auth import csrf_token, session_of

    session = session_of(request)
    return room.templates.TemplateResponse(
        request, "error.html", {"title": title, "message": message,
                                "user": session.user if session else None,
                                "csrf_token": csrf_token(request)}, status_code=status)
