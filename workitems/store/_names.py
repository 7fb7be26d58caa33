"""Validation of what callers hand the store: file names and payloads."""

from __future__ import annotations

import json
from typing import Any

from workitems.errors import FileTooLarge, InvalidFileName, InvalidPayload

MAX_NAME_LENGTH = 255


def check_file_name(name: object) -> str:
    """A file name is one plain name: never a path, never a way out of a folder."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidFileName("a file name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidFileName(f"file name is {len(name)} characters long; the limit is 255")
    if any(c in name for c in ("/", "\\", "\x00")):
        raise InvalidFileName(
            f"file name {name!r} contains '/', '\\\\' or a NUL byte: give a plain name, not a path")
    if name.strip(".") == "":
        raise InvalidFileName(f"file name {name!r} is not allowed: it names a folder")
    if ".." in name:
        raise InvalidFileName(f"file name {name!r} contains '..', which could lead out of a folder")
    if any(ord(c) < 32 for c in name):
        raise InvalidFileName(f"file name {name!r} contains control characters")
    return name


def check_file_size(name: str, content: bytes, limit: int) -> None:
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InvalidPayload(f"content of file {name!r} must be bytes")
    if len(content) > limit:
        raise FileTooLarge(
            f"file {name!r} is {len(content) / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB "
            "(set WORKITEMS_MAX_FILE_MB to change it)")


def check_payload(payload: Any) -> dict[str, Any]:
    """Payloads are JSON objects: anything else is refused before it is stored."""
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidPayload(f"payload is not valid JSON: {exc}") from exc
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise InvalidPayload(f"payload must be a JSON object, not {type(payload).__name__}")
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidPayload(f"payload cannot be stored as JSON: {exc}") from exc
    return payload
