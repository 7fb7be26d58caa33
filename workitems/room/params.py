"""Bounds on the numbers in URLs, so an absurd id is a 422, never a database error.

SQLite and PostgreSQL store ids as signed 64-bit integers; a larger number in a URL
would overflow in the driver (a 500) instead of simply matching nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**63 - 1

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="a work item's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="a user's id")]
PageNumber = Annotated[int, Path(ge=1, le=100_000, description="a 1-based page number")]
