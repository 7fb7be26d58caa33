"""Retry policy as data: how often and how soon an APPLICATION failure is tried again.

BUSINESS failures are never retried: they need a person. APPLICATION failures
(the ERP timed out, a locator was not found) are retried with exponential
backoff and full jitter, so a fleet of workers that failed together does not
come back together.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, Field


class RetryPolicy(BaseModel):
    max_attempts: int = Field(3, ge=1, description="attempts in all, the first one included")
    initial_seconds: float = Field(5.0, ge=0, description="delay before the second attempt")
    factor: float = Field(2.0, ge=1, description="each further delay is this much longer")
    max_seconds: float = Field(300.0, ge=0, description="no delay is longer than this")
    jitter: float = Field(0.5, ge=0, le=1, description="share of the delay drawn at random")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_seconds, self.initial_seconds * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return base - spread + (rng or random).random() * spread

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
