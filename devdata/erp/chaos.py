"""Make a development web app behave like a struggling legacy system.

``Chaos`` says how often requests fail; :class:`ChaosMiddleware` applies it in front of
any ASGI app: added latency, HTTP 500s, hangs that end in a 504 (a gateway giving up),
and sessions dropped at random. Draws come from one seeded random generator, so a run
with the same seed and the same request sequence fails the same way.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from typing import Any

from pydantic import BaseModel, Field, field_validator

_ERROR_PAGE = (
    "<!doctype html><html><head><title>{status} {reason}</title></head>"
    "<body><h1>{status} {reason}</h1><p>{detail}</p></body></html>"
)


class Chaos(BaseModel):
    latency_ms: int = Field(0, ge=0)  # each request waits a random 0..latency_ms first
    error_rate: float = Field(0.0, ge=0, le=1)  # share of requests answered with HTTP 500
    timeout_rate: float = Field(0.0, ge=0, le=1)  # share that hang, then answer 504
    hang_seconds: float = Field(10.0, ge=0)  # how long a timed-out request hangs
    expiry_rate: float = Field(0.0, ge=0, le=1)  # share whose session is dropped first
    # Screens that are down: requests whose path starts with one of these answer 503
    # (one part of the ERP broken while the rest works). Env: comma-separated.
    down_paths: tuple[str, ...] = ()
    seed: int = 0

    @field_validator("down_paths", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return tuple(p for p in value.split(",") if p) if isinstance(value, str) else value

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.error_rate or self.timeout_rate or self.expiry_rate
                    or self.down_paths)

    @classmethod
    def from_env(cls, prefix: str) -> Chaos:
        """Read ``{prefix}LATENCY_MS``, ``{prefix}ERROR_RATE`` ... (unset ones keep defaults)."""
        values = {
            name: os.environ[f"{prefix}{name.upper()}"]
            for name in cls.model_fields
            if f"{prefix}{name.upper()}" in os.environ
        }
        return cls.model_validate(values)


class ChaosMiddleware:
    """ASGI middleware; sets ``scope["state"]["chaos_expire"]`` when a session must drop."""

    def __init__(self, app: Any, chaos: Chaos, page_delay_ms: int = 0) -> None:
        self.app = app
        self.chaos = chaos
        self.page_delay_ms = page_delay_ms
        self._rng = random.Random(chaos.seed)
        self._lock = threading.Lock()

    def _draw(self) -> tuple[float, float, float, float]:
        with self._lock:  # one draw of four numbers per request keeps runs reproducible
            return tuple(self._rng.random() for _ in range(4))  # type: ignore[return-value]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        latency, error, timeout, expire = self._draw()
        if any(scope["path"].startswith(p) for p in self.chaos.down_paths):
            await _error(send, 503, "Service Unavailable", "This screen is not available.")
            return
        delay = self.page_delay_ms / 1000 + latency * self.chaos.latency_ms / 1000
        if delay:
            await asyncio.sleep(delay)
        if timeout < self.chaos.timeout_rate:
            await asyncio.sleep(self.chaos.hang_seconds)
            await _error(send, 504, "Gateway Timeout", "The application server did not answer.")
            return
        if error < self.chaos.error_rate:
            await _error(send, 500, "Internal Server Error", "An unexpected error occurred.")
            return
        if expire < self.chaos.expiry_rate:
            scope.setdefault("state", {})["chaos_expire"] = True
        await self.app(scope, receive, send)


async def _error(send: Any, status: int, reason: str, detail: str) -> None:
    body = _ERROR_PAGE.format(status=status, reason=reason, detail=detail).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
