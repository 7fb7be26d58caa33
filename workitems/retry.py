"""Retry policy as data: how often and how soon an APPLICATION failure is tried again.

BUSINESS failures are never retried: they need a person. APPLICATION failures
(the ERP timed out, a locator was not found) are retried with exponential
backoff and full jitter, so a fleet of workers that failed together does not
come back together.

A step whose bots depend on one system can add a circuit breaker
(:class:`BreakerPolicy`): when that system is down, the step's items wait in
the queue instead of spending their attempts on it.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, Field


class BreakerPolicy(BaseModel):
    """After ``after`` consecutive failures with one of ``codes``, the step's workers stop
    taking items (they stay PENDING, no attempt spent); after ``open_seconds`` one item
    probes the system; success closes the breaker, another failure reopens it for
    ``factor`` times longer (at most ``max_open_seconds``)."""

    target: str = Field(description="the system the step's bots depend on, e.g. 'erp'")
    codes: list[str] = Field(min_length=1, description="exception codes that mean the "
                             "target is down (not the item's fault)")
    after: int = Field(3, ge=1, description="consecutive such failures that open it")
    open_seconds: float = Field(30.0, gt=0, description="wait before the first probe")
    factor: float = Field(2.0, ge=1, description="each failed probe waits this much longer")
    max_open_seconds: float = Field(300.0, gt=0, description="no wait is longer than this")

    def reopen_seconds(self, previous: float | None) -> float:
        if previous is None:
            return min(self.open_seconds, self.max_open_seconds)
        return min(previous * self.factor, self.max_open_seconds)


class RetryPolicy(BaseModel):
    max_attempts: int = Field(3, ge=1, description="attempts in all, the first one included")
    initial_seconds: float = Field(5.0, ge=0, description="delay before the second attempt")
    factor: float = Field(2.0, ge=1, description="each further delay is this much longer")
    max_seconds: float = Field(300.0, ge=0, description="no delay is longer than this")
    jitter: float = Field(0.5, ge=0, le=1, description="share of the delay drawn at random")
    breaker: BreakerPolicy | None = Field(None, description="stop taking items while the "
                                          "system the step depends on is down")
    settling_attempt: bool = Field(
        False, description="when the last attempt ends in a lease expiry (the bot was killed), "
        "hand the item out once more as a settling attempt instead of failing it: the bot "
        "only asks the target system whether the work was done, and finishes or fails it")

    def settles_after(self, attempt: int) -> bool:
        """A lease expiry ending ``attempt`` earns the item its one settling attempt."""
        return self.settling_attempt and attempt == self.max_attempts

    @property
    def settling_number(self) -> int:
        """The settling attempt's number, past the configured maximum; 0 when it has none."""
        return self.max_attempts + 1 if self.settling_attempt else 0

    def is_settling(self, attempt: int) -> bool:
        """Attempt number ``attempt`` is the settling one."""
        return self.settling_attempt and attempt == self.settling_number

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_seconds, self.initial_seconds * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return base - spread + (rng or random).random() * spread

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
