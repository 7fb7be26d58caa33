"""What every collector does with a file from outside: check its type, clean its name."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from skills.documents import ReadOptions, sniff
from skills.errors import UnreadableDocument
from tasks.payloads import DocumentRef, Source

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120  # well under every file system's limit, readable in a list
# The document reader refuses bigger files, so they would only ever fail downstream.
MAX_FILE_BYTES = ReadOptions().max_file_bytes
# The usual extension of each document type, and the ones also accepted as-is.
_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "application/xml": (".xml",),
}
_UNSAFE = re.compile(r'[<>:"|?*\\/]')  # reserved on Windows or a path separator


@dataclass(frozen=True)
class Incoming:
    """One document a source offered, ready to become a work item."""

    filename: str  # safe: a plain base name with the extension its bytes call for
    data: bytes
    media_type: str
    source: Source
    # Set when a mail brought it: the mail's intent by inbox triage, its confidence and the
    # message's sha256.
    intent: str | None = None
    confidence: float | None = None
    mail_reference: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def document_ref(self) -> DocumentRef:
        return DocumentRef(filename=self.filename, sha256=self.sha256,
                           media_type=self.media_type, size=len(self.data))


@dataclass
class SourceReport:
    """What one source yielded in one run; the producer logs it as one summary line."""

    kind: str
    name: str
    found: int = 0  # files or attachments looked at
    documents: int = 0  # accepted documents
    new: int = 0  # documents that became a new output (not a repeat within this run)
    skipped: list[str] = field(default_factory=list)  # "name: why", one per skipped file
    error: str | None = None  # set when the source failed

    def skip(self, name: str, why: str) -> None:
        self.skipped.append(f"{name}: {why}")
        log.warning("%s %s: skipped %s: %s", self.kind, self.name, name, why)

    def line(self) -> str:
        status = f"FAILED ({self.error})" if self.error else "ok"
        return (f"{self.kind} {self.name}: {status}; found {self.found}, documents "
                f"{self.documents}, new in this run {self.new}, skipped {len(self.skipped)}")


def safe_name(raw: str | None, media_type: str, fallback: str = "document") -> str:
    """A plain base name for a file from outside: no path, no control characters, no '..',
    and an extension that matches the bytes (``invoice`` + PDF bytes -> ``invoice.pdf``)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = PurePosixPath(name.replace("\\", "/")).name  # drop any directory part
    name = "".join(c for c in name if c.isprintable())  # NUL, newlines, escapes, bidi marks
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")  # no '..', no hidden or trailing dots
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    wanted = _EXTENSIONS.get(media_type, ("",))
    if f".{suffix.lower()}" not in wanted:
        stem, suffix = name, wanted[0].lstrip(".")
    stem = stem[: MAX_NAME_LENGTH - len(suffix) - 1].strip(" .") or fallback
    return f"{stem}.{suffix}" if suffix else stem


def too_large(size: int) -> str:
    return (f"too large ({size / 1e6:.1f} MB; invoices up to {MAX_FILE_BYTES / 1e6:.0f} MB "
            "are read)")


def accept_document(raw_name: str | None, data: bytes, source: Source,
                    report: SourceReport) -> Incoming | None:
    """The document if its bytes are a PDF, PNG, JPEG, TIFF or XML; else None, and the
    report says why it was skipped. The type comes from the bytes, never the name."""
    report.found += 1
    shown = repr(raw_name) if raw_name else "(no name)"
    if not data:
        report.skip(shown, "empty file")
        return None
    if len(data) > MAX_FILE_BYTES:
        report.skip(shown, too_large(len(data)))
        return None
    try:
        media_type = sniff(data)
    except UnreadableDocument:
        report.skip(shown, f"not a document (first bytes {data[:8]!r} are no PDF, PNG, JPEG, "
                           "TIFF or XML)")
        return None
    report.documents += 1
    return Incoming(safe_name(raw_name, media_type), data, media_type, source)
