"""The supplier portal's screens: sign in, a paginated invoice table, PDF downloads.

It serves the PDFs of one folder (described by its index.json) and reuses the ERP's
session store, chaos middleware and server runner.
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from devdata.erp.chaos import Chaos, ChaosMiddleware
from devdata.erp.sessions import SessionStore
from devdata.portal.records import PortalInvoice

DEV_USERS = {"acme-ap": "portal-dev"}  # development only, never real
COOKIE = "portal_session"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class PortalSettings(BaseModel):
    page_size: int = Field(10, ge=1)
    session_idle_seconds: float = Field(900.0, gt=0)
    chaos: Chaos = Chaos()
    users: dict[str, str] = dict(DEV_USERS)

    @classmethod
    def from_env(cls) -> PortalSettings:
        values: dict[str, Any] = {"chaos": Chaos.from_env("PORTAL_CHAOS_")}
        for name, var in (("page_size", "PORTAL_PAGE_SIZE"),
                          ("session_idle_seconds", "PORTAL_SESSION_IDLE_SECONDS")):
            if var in os.environ:
                values[name] = os.environ[var]
        return cls.model_validate(values)


def create_app(settings: PortalSettings, folder: Path, invoices: list[PortalInvoice]) -> Any:
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    sessions = SessionStore(settings.session_idle_seconds)
    by_key = {invoice.key: invoice for invoice in invoices}
    app = FastAPI(title="Supplier portal (development)", docs_url=None, redoc_url=None,
                  openapi_url=None)

    def user_of(request: Request) -> str | None:
        token = request.cookies.get(COOKIE)
        if request.scope.get("state", {}).get("chaos_expire"):
            sessions.drop(token)
        session = sessions.get(token)
        return session.user if session else None

    def to_login(request: Request) -> RedirectResponse:
        expired = "1" if request.cookies.get(COOKIE) else "0"
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?expired={expired}&next={target}", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, expired: str = "0", next: str = "/invoices"):
        return templates.TemplateResponse(request, "login.html", {
            "title": "Sign in", "user": None, "expired": expired == "1", "next": next})

    @app.post("/login")
    async def login(request: Request):
        form = await request.form()
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        target = str(form.get("next") or "/invoices")
        if not target.startswith("/") or target.startswith("//"):
            target = "/invoices"
        expected = settings.users.get(user)
        if expected is None or not secrets.compare_digest(expected, password):
            return templates.TemplateResponse(request, "login.html", {
                "title": "Sign in", "user": None, "next": target,
                "error": "Unknown user or wrong password."})
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, sessions.create(user), httponly=True, samesite="lax")
        return response

    @app.get("/logout")
    def logout(request: Request):
        sessions.drop(request.cookies.get(COOKIE))
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home():
        return RedirectResponse("/invoices", status_code=303)

    @app.get("/invoices", response_class=HTMLResponse)
    def invoice_list(request: Request, page: int = 1):
        if not (user := user_of(request)):
            return to_login(request)
        pages = max(1, math.ceil(len(invoices) / settings.page_size))
        page = min(max(page, 1), pages)
        shown = invoices[(page - 1) * settings.page_size: page * settings.page_size]
        return templates.TemplateResponse(request, "invoices.html", {
            "title": "Invoices", "user": user, "invoices": shown, "page": page, "pages": pages})

    @app.get("/download/{key}")
    def download(request: Request, key: str):
        if not user_of(request):
            return to_login(request)
        invoice = by_key.get(key)
        if invoice is None:
            return HTMLResponse("<h1>404 No such document</h1>", status_code=404)
        return FileResponse(folder / invoice.filename, media_type="application/pdf",
                            filename=invoice.filename)

    return ChaosMiddleware(app, settings.chaos)
