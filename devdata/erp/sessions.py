"""Server-side login sessions with an idle timeout, as legacy web apps keep them."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    user: str
    last_seen: float
    data: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, user: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[token] = Session(user=user, last_seen=time.monotonic())
        return token

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token``, touched; None if unknown or idle too long."""
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[token]
                return None
            session.last_seen = now
            return session

    def drop(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def drop_all(self) -> None:
        with self._lock:
            self._sessions.clear()
