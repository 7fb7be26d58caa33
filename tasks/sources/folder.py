"""The watched folder: every file directly in it (not in sub-folders), left where it is.
A saved mail (``.eml``) is a message and is classified like one from the mailbox."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tasks.payloads import Source
from tasks.sources.documents import (
    MAX_FILE_BYTES,
    Incoming,
    SourceReport,
    accept_document,
    too_large,
)
from tasks.sources.mail import IncomingMail, Triager, route_message

MESSAGE_SUFFIX = ".eml"  # a mail saved from a mail program
# A file modified this recently may still be being copied in; the next run takes it.
SETTLE_SECONDS = 1.0


class FolderMissing(RuntimeError):
    """The watched folder does not exist or is not a folder."""


def collect(inbox: Path, report: SourceReport,
            triager: Triager | None = None) -> Iterator[Incoming | IncomingMail]:
    if not inbox.is_dir():
        raise FolderMissing(f"the watched folder {inbox} does not exist or is not a folder "
                            "(set AP_INBOX)")
    for path in sorted(inbox.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue  # sub-folders and hidden files (editors' and sync tools' temp files)
        try:
            stat = path.stat()
            problem = _not_ready(stat.st_mtime, stat.st_size)
            data = b"" if problem else path.read_bytes()
            if not problem and _changed(stat, path.stat()):
                problem = "changed while it was read; the next run takes it"
        except OSError as exc:  # removed or locked since listing: next run sees it again
            problem = f"could not be read ({exc.strerror or exc})"
        if problem:
            report.found += 1
            report.skip(repr(path.name), problem)
            continue
        received = datetime.fromtimestamp(stat.st_mtime, UTC)
        source = Source(kind="folder", name=str(path), received_at=received)
        if triager is not None and path.suffix.lower() == MESSAGE_SUFFIX:
            yield from route_message(data, source, report, triager)
            continue
        if (document := accept_document(path.name, data, source, report)) is not None:
            yield document


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)


def _not_ready(modified: float, size: int) -> str | None:
    """Why a file is not read now, or None."""
    if (age := time.time() - modified) < SETTLE_SECONDS:
        return f"still being written (changed {age:.1f}s ago); the next run takes it"
    if size > MAX_FILE_BYTES:  # not even read into memory
        return too_large(size)
    return None
