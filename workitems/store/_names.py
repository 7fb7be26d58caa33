"""Validation of what callers hand the store: file names and payloads."""

from __future__ import annotations

import json
from typing import Any

from workitems.errors import FileTooLarge, InvalidFileName, InvalidPayload

MAX_NAME_LENGTH = 255
MAX_PAYLOAD_BYTES = 5_000_000  # as JSON; documents belong in files, not in the payload
MAX_PAYLOAD_DEPTH = 64  # nesting of lists and objects; real payloads use fewer than 10
# Characters that reorder how text is shown: "invoice\u202Efdp.exe" looks like
# "invoiceexe.pdf" in a browser, so a clerk would not see what they download.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


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
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidFileName(f"file name {name!r} contains control characters")
    if any(c in _BIDI_CONTROLS for c in name):
        raise InvalidFileName(
            f"file name {name!r} contains characters that change the direction of text, "
            "which can disguise a file's type; rename the file")
    return name


def check_file_size(name: str, content: bytes, limit: int) -> None:
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InvalidPayload(f"content of file {name!r} must be bytes")
    check_file_length(name, len(content), limit)


def check_file_length(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise FileTooLarge(
            f"file {name!r} is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB "
            "(set WORKITEMS_MAX_FILE_MB to change it)")


def check_payload(payload: Any) -> Any:
    """Any JSON value, as Robocorp allows (an object, a list, a string, a number, a
    boolean or None), returned unchanged; a value JSON cannot hold, nesting deeper than
    MAX_PAYLOAD_DEPTH or more than MAX_PAYLOAD_BYTES is refused before it is stored."""
    _check_depth(payload)
    try:
        size = len(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidPayload(f"payload cannot be stored as JSON: {exc}") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(f"payload is {size / 1e6:.1f} MB as JSON; the limit is "
                             f"{MAX_PAYLOAD_BYTES / 1e6:.0f} MB (attach large data as a file)")
    return payload


def _check_depth(payload: Any) -> None:
    """Refuse nesting deeper than MAX_PAYLOAD_DEPTH, walking without recursion (a deep
    payload would otherwise exhaust Python's stack in the JSON encoder)."""
    stack = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list | tuple):
            if depth > MAX_PAYLOAD_DEPTH:
                raise InvalidPayload(f"payload is nested more than {MAX_PAYLOAD_DEPTH} levels "
                                     "deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
