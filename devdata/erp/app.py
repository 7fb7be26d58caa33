"""The development ERP's web screens (FastAPI + Jinja2, rendered on the server).

Build it with :func:`create_app`; run it with :class:`devdata.erp.ErpServer` or
``python -m devdata.erp``. Screens: log on, main menu, vendor master (search in an
iframe), purchase orders, invoice entry with a confirmation dialog and a duplicate
warning, and invoice lookup.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from devdata.erp import entry
from devdata.erp.chaos import Chaos, ChaosMiddleware
from devdata.erp.db import ErpDatabase
from devdata.erp.ids import DEFAULT_RELEASE, ElementIds, random_release
from devdata.erp.sessions import Session, SessionStore

DEV_USERS = {"apbot": "apbot-dev", "clerk": "clerk-dev"}  # development only, never real
COOKIE = "ERPSESSIONID"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class ErpSettings(BaseModel):
    release: str = DEFAULT_RELEASE  # "random" draws new element ids at every start
    session_idle_seconds: float = Field(900.0, gt=0)
    page_delay_ms: int = Field(0, ge=0)  # every response waits this long: a slow system
    chaos: Chaos = Chaos()
    users: dict[str, str] = dict(DEV_USERS)

    @classmethod
    def from_env(cls) -> ErpSettings:
        values: dict[str, Any] = {"chaos": Chaos.from_env("ERP_CHAOS_")}
        for name, var in (("release", "ERP_RELEASE"),
                          ("session_idle_seconds", "ERP_SESSION_IDLE_SECONDS"),
                          ("page_delay_ms", "ERP_PAGE_DELAY_MS")):
            if var in os.environ:
                values[name] = os.environ[var]
        return cls.model_validate(values)


class ErpApp:
    """The screens, bound to one database, one session store and one release's ids."""

    def __init__(self, settings: ErpSettings, db: ErpDatabase) -> None:
        release = random_release() if settings.release == "random" else settings.release
        self.settings = settings
        self.db = db
        self.ids = ElementIds(release)
        self.sessions = SessionStore(settings.session_idle_seconds)
        self.templates = Jinja2Templates(directory=str(_TEMPLATES))
        self.templates.env.globals.update(id=self.ids, cls=self.ids.css, release=release)

    # -- helpers ---------------------------------------------------------------------------

    def render(self, request: Request, template: str, session: Session | None, **context: Any):
        context.setdefault("title", template.removesuffix(".html").replace("_", " ").title())
        return self.templates.TemplateResponse(
            request, template, {"user": session.user if session else None, **context}
        )

    def session(self, request: Request) -> Session | None:
        token = request.cookies.get(COOKIE)
        if request.scope.get("state", {}).get("chaos_expire"):
            self.sessions.drop(token)  # chaos: the session died just before this request
        return self.sessions.get(token)

    def to_login(self, request: Request) -> RedirectResponse:
        expired = "1" if request.cookies.get(COOKIE) else "0"
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?expired={expired}&next={target}", status_code=303)

    def query(self, request: Request, name: str) -> str:
        return request.query_params.get(self.ids(name), "").strip()


def create_app(settings: ErpSettings, db: ErpDatabase) -> Any:
    """The ASGI app: the ERP's screens behind the chaos/slowness middleware."""
    return build_app(settings, db)[0]


def build_app(settings: ErpSettings, db: ErpDatabase) -> tuple[Any, ErpApp]:
    """The ASGI app and the :class:`ErpApp` behind it (for its sessions and ids)."""
    erp = ErpApp(settings, db)
    app = FastAPI(title="AcmeERP (development)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.erp = erp
    _add_login_routes(app, erp)
    _add_master_routes(app, erp)
    _add_invoice_routes(app, erp)
    return ChaosMiddleware(app, settings.chaos, settings.page_delay_ms), erp


def _add_login_routes(app: FastAPI, erp: ErpApp) -> None:
    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, expired: str = "0", next: str = "/"):
        return erp.render(request, "login.html", None, title="Log on", expired=expired == "1",
                          next=next)

    @app.post("/login")
    async def login(request: Request):
        form = await request.form()
        user = str(form.get(erp.ids("user"), ""))
        password = str(form.get(erp.ids("password"), ""))
        target = str(form.get("next") or "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # only ever redirect inside the ERP
        expected = erp.settings.users.get(user)
        if expected is None or not secrets.compare_digest(expected, password):
            return erp.render(request, "login.html", None, title="Log on", next=target,
                              errors=["User or password is wrong."])
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, erp.sessions.create(user), httponly=True, samesite="lax")
        return response

    @app.get("/logout")
    def logout(request: Request):
        erp.sessions.drop(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    def menu(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        return erp.render(request, "menu.html", session, title="Main menu")


def _add_master_routes(app: FastAPI, erp: ErpApp) -> None:
    @app.get("/vendors", response_class=HTMLResponse)
    def vendors(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        return erp.render(request, "vendors.html", session, title="Vendor master")

    @app.get("/vendors/search", response_class=HTMLResponse)
    def vendor_search(request: Request, pick: str = ""):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        name, vat = erp.query(request, "vs_name"), erp.query(request, "vs_vat")
        searched = erp.ids("vs_name") in request.query_params
        found = erp.db.search_vendors(name, vat) if searched else []
        return erp.render(request, "vendor_search.html", session, name=name, vat=vat,
                          searched=searched, vendors=found, pick=bool(pick))

    @app.get("/vendors/lookup")
    def vendor_lookup(request: Request, id: str = ""):
        if not erp.session(request):
            return JSONResponse({"error": "session expired"}, status_code=401)
        vendor = erp.db.vendor(id.strip())
        if vendor is None:
            return JSONResponse({"error": "unknown vendor"}, status_code=404)
        return {"vendor_id": vendor.vendor_id, "name": vendor.name, "iban": vendor.iban,
                "currency": vendor.currency}

    @app.get("/po", response_class=HTMLResponse)
    def po_search(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        return erp.render(request, "po_search.html", session, title="Purchase orders", number="")

    @app.get("/po/view", response_class=HTMLResponse)
    def po_view(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        number = erp.query(request, "po_number")
        po = erp.db.purchase_order(number) if number else None
        if po is None:
            return erp.render(request, "po_search.html", session, title="Purchase orders",
                              number=number,
                              errors=[f"Purchase order {number} does not exist."])
        vendor = erp.db.vendor(po.vendor_id)
        return erp.render(request, "po_view.html", session, title=f"PO {po.po_number}",
                          po=po, vendor_name=vendor.name if vendor else "")


def _add_invoice_routes(app: FastAPI, erp: ErpApp) -> None:
    def entry_screen(request: Request, session: Session, values: dict, lines: list,
                     errors: list[str] | None = None, cancelled: bool = False) -> Response:
        vendor = erp.db.vendor(values.get("vendor", "")) if values.get("vendor") else None
        shown = {**values, "vendor_name": vendor.name if vendor else "",
                 "iban": (vendor.iban or "") if vendor else ""}
        return erp.render(request, "invoice_new.html", session, title="Enter invoice",
                          v=shown, lines=lines or [{}], grid=erp.ids("grid"),
                          currencies=entry.CURRENCIES, errors=errors, cancelled=cancelled)

    @app.get("/invoice/new", response_class=HTMLResponse)
    def invoice_new(request: Request, cancelled: str = ""):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        return entry_screen(request, session, {"currency": "EUR"}, [], cancelled=bool(cancelled))

    @app.post("/invoice/new")
    async def invoice_post(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)  # what was typed is lost, as in the real thing
        header, lines = entry.read_form(await request.form(), erp.ids)
        draft, errors = entry.check(header, lines, erp.db, session.user)
        if draft is None:
            return entry_screen(request, session, header, lines, errors)
        existing = erp.db.find_invoice(draft.vendor_id, draft.invoice_number)
        if existing is not None:
            key = secrets.token_urlsafe(8)
            session.data.setdefault("drafts", {})[key] = draft
            return RedirectResponse(f"/invoice/duplicate?draft={key}", status_code=303)
        posting = erp.db.post(draft)
        return RedirectResponse(f"/invoice/posted/{posting.document_number}", status_code=303)

    @app.get("/invoice/duplicate", response_class=HTMLResponse)
    def duplicate(request: Request, draft: str = ""):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        found = session.data.get("drafts", {}).get(draft)
        if found is None:
            return RedirectResponse("/invoice/new", status_code=303)
        existing = erp.db.find_invoice(found.vendor_id, found.invoice_number)
        return erp.render(request, "invoice_duplicate.html", session, title="Duplicate invoice",
                          draft=found, draft_key=draft, existing=existing)

    @app.post("/invoice/duplicate")
    async def duplicate_decision(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        form = await request.form()
        found = session.data.get("drafts", {}).pop(str(form.get("draft", "")), None)
        if found is None or form.get("action") != "post":
            return RedirectResponse("/invoice/new?cancelled=1", status_code=303)
        posting = erp.db.post(found)
        return RedirectResponse(f"/invoice/posted/{posting.document_number}", status_code=303)

    @app.get("/invoice/posted/{document_number}", response_class=HTMLResponse)
    def posted(request: Request, document_number: str):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        posting = erp.db.posting(document_number)
        if posting is None:
            return HTMLResponse("<h1>404 Document not found</h1>", status_code=404)
        return erp.render(request, "invoice_posted.html", session, title="Invoice posted",
                          p=posting)

    @app.get("/invoice/search", response_class=HTMLResponse)
    def invoice_search(request: Request):
        if not (session := erp.session(request)):
            return erp.to_login(request)
        vendor, number = erp.query(request, "find_vendor"), erp.query(request, "find_number")
        searched = bool(vendor or number)
        hit = erp.db.find_invoice(vendor, number) if vendor and number else None
        return erp.render(request, "invoice_search.html", session, title="Find invoice",
                          vendor=vendor, number=number, searched=searched,
                          found=[hit] if hit else [])
