"""Who is asking, and may they: passwords, sessions, CSRF, roles and API tokens.

- Passwords are argon2id hashes (argon2-cffi's defaults).
- A browser session is a random 256-bit id in an HttpOnly, SameSite=Lax cookie;
  the server keeps only its SHA-256, with the user and the session's CSRF token,
  so logging out or deactivating a user ends the session at once.
- Every form carries the session's CSRF token and every POST checks it. The login
  form, which has no session yet, uses a signed double-submit cookie instead.
- Logins are rate-limited per user name and per client address.
- Workers and the CLI use bearer API tokens (stored hashed) on the JSON API only;
  the API never accepts the session cookie, so a page cannot be tricked into
  calling it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel
from starlette.datastructures import FormData

from workitems import Store
from workitems.room import repository as repo
from workitems.room import throttle
from workitems.room.repository import User

SESSION_COOKIE = "room_session"
LOGIN_CSRF_COOKIE = "room_login"
_hasher = PasswordHasher()
_dummy_hash: str | None = None


class RoomSettings(BaseModel):
    secret_key: str
    secure_cookies: bool = False  # set when served over HTTPS
    session_seconds: float = 8 * 3600
    login_window_seconds: float = 15 * 60
    login_max_failures: int = 5  # one account from one client: then locked for the window
    login_slow_after: int = 3  # one account from one client: then each try waits longer
    login_client_max: int = 50  # one client, any accounts: then locked for the window
    trusted_proxies: list[str] = []  # addresses / networks whose X-Forwarded-For is believed
    # Four eyes: approvals of totals above this need a second person (None: only the AP
    # rules' own cases, such as a changed bank account), who needs this role.
    four_eyes_amount: float | None = None
    approver_role: str = "supervisor"
    # Model drift (workitems.room.drift): readings in each version's reference window and
    # in its live window, and the PSI at which a trait counts as drifted.
    drift_reference: int = 200
    drift_live: int = 200
    drift_threshold: float = 0.25
    # The model registry the versions page reads (None: the project's models/registry.json).
    model_registry: Path | None = None


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiUnauthorized(Exception):
    """No valid bearer token on an API call."""


TooManyAttempts = throttle.TooManyAttempts


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the argon2 parameters (the tests use cheap ones; production keeps the defaults)."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    """Verifying against this when the user name is unknown takes as long as a real check,
    so response times don't tell which user names exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    return _dummy_hash


def check_password_strength(password: str) -> str | None:
    """A reason the password is refused, or None."""
    if len(password) < 10:
        return "a password needs at least 10 characters"
    return None


MAX_USERNAME_LENGTH = 64


def check_username(username: str) -> str | None:
    """A reason the user name is refused, or None: short, printable, one line, and no
    characters that reorder text (a name must read the same in every list)."""
    if not username.strip():
        return "a user name is required"
    if len(username) > MAX_USERNAME_LENGTH:
        return f"a user name has at most {MAX_USERNAME_LENGTH} characters"
    if any(not c.isprintable() for c in username):
        return "a user name cannot hold control or invisible formatting characters"
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(store: Store, settings: RoomSettings, username: str, password: str,
                 address: str) -> User | None:
    """The user if the password is right; raises TooManyAttempts when rate-limited."""
    throttle.check(store, settings, username, address)
    found = repo.password_hash_of(store, username)
    ok = _verify(found[1] if found else _dummy(), password) and bool(found)
    user = found[0] if found else None
    ok = ok and user is not None and user.active
    repo.record_login_attempt(store, username, address, ok)
    if ok and user is not None and found is not None and _hasher.check_needs_rehash(found[1]):
        repo.set_password_hash(store, user.id, hash_password(password))
    return user if ok else None


def start_session(store: Store, settings: RoomSettings, user: User) -> str:
    """A new session id for the cookie (the server stores only its hash)."""
    session_id = secrets.token_urlsafe(32)
    repo.create_session(store, session_id, user.id, secrets.token_urlsafe(32),
                        settings.session_seconds)
    return session_id


def set_session_cookie(response: Any, settings: RoomSettings, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=int(settings.session_seconds),
                        path="/")


# -- request dependencies ------------------------------------------------------------


def room(request: Request) -> Any:
    return request.app.state.room


def session_of(request: Request) -> repo.Session | None:
    cached = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    session = repo.load_session(room(request).store, session_id)
    request.state.session = session
    return session


def current_user(request: Request) -> User:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    return session.user


def require(role: str) -> Callable[..., User]:
    """A dependency that lets through users with at least this role."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.has_role(role):
            raise Forbidden(f"this page needs the {role} role; you are a {user.role}")
        return user

    return dependency


def csrf_token(request: Request) -> str:
    session = session_of(request)
    return session.csrf_token if session else ""


async def checked_form(request: Request,
                       user: Annotated[User, Depends(current_user)]) -> FormData:
    """The posted form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    session = session_of(request)
    if (session is None or not isinstance(sent, str)
            or not hmac.compare_digest(sent, session.csrf_token)):
        raise Forbidden("the form's security token is missing or out of date; "
                        "reload the page and try again")
    return form


def bearer_user(request: Request) -> User:
    """The user an API token belongs to; the JSON API accepts nothing else."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiUnauthorized()
    user = repo.user_for_token(room(request).store, token.strip())
    if user is None:
        raise ApiUnauthorized()
    return user


def require_api(role: str) -> Callable[..., User]:
    def dependency(user: Annotated[User, Depends(bearer_user)]) -> User:
        if not user.has_role(role):
            raise Forbidden(f"this needs the {role} role; the token's user is a {user.role}")
        return user

    return dependency


def session_or_token_user(request: Request) -> User:
    """For /metrics: a scraper uses a token, a person their session."""
    if request.headers.get("authorization"):
        return bearer_user(request)
    return current_user(request)


# -- the login form's CSRF (no session yet) -------------------------------------------


def _login_serializer(settings: RoomSettings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="room-login")


def new_login_token(settings: RoomSettings) -> tuple[str, str]:
    """(value for the form, signed value for the cookie)."""
    nonce = secrets.token_urlsafe(24)
    return nonce, _login_serializer(settings).dumps(nonce)


def login_token_ok(settings: RoomSettings, form_value: object, cookie_value: str | None) -> bool:
    if not isinstance(form_value, str) or not cookie_value:
        return False
    try:
        nonce = _login_serializer(settings).loads(cookie_value, max_age=3600)
    except BadSignature:
        return False
    return hmac.compare_digest(str(nonce), form_value)
