"""The producer bot: one work item per invoice document found in the configured sources.

    python -m robocorp.tasks run tasks/producer.py -t produce

Each input item is a trigger (one per scheduled run). For it the bot reads every source
the environment configures (see :mod:`tasks.settings`): the watched folder ``AP_INBOX``,
the mailbox ``AP_IMAP_*`` when ``AP_IMAP_HOST`` is set, and the supplier portal
``AP_PORTAL_*`` when ``AP_PORTAL_URL`` is set. Every document becomes one output item with
the file attached and an :class:`~tasks.payloads.InvoicePayload` whose ``reference`` is the
file's sha256: the store folds a document it already knows into the existing item, so
sources are never moved or flagged and reading one twice is harmless.

A source that fails is logged and the others still produce; when every source failed the
trigger fails with ``SOURCE_UNAVAILABLE`` and the worker retries it.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import ApplicationException

from skills.errors import ErrorCode, application_error
from tasks.payloads import InvoicePayload
from tasks.settings import BotSettings
from tasks.sources import Collector, Incoming, SourceReport, configured_sources
from tasks.sources.folder import FolderMissing
from tasks.sources.imap import MailboxError

log = logging.getLogger(__name__)


@task
def produce() -> None:
    settings = BotSettings.from_env()
    try:
        for item in workitems.inputs:
            with item:
                produce_for_trigger(settings)
    except workitems.EmptyQueue:
        # robocorp.workitems reserves a first input before the loop and raises when there
        # is none: a run without a trigger has nothing to do, and that is not a crash.
        _say("no trigger item in the queue: nothing to do")


def produce_for_trigger(settings: BotSettings) -> None:
    reports = produce_outputs(configured_sources(settings))
    for report in reports:
        _say(report.line())
    failed = [r for r in reports if r.error]
    if failed and len(failed) == len(reports):
        causes = "; ".join(f"{r.kind} {r.name}: {r.error}" for r in failed)
        raise application_error(ErrorCode.SOURCE_UNAVAILABLE,
                                f"every invoice source failed: {causes}")


def produce_outputs(sources: list[Collector]) -> list[SourceReport]:
    """Create one output per document not yet seen in this run; one report per source."""
    seen: set[str] = set()
    reports = []
    with tempfile.TemporaryDirectory(prefix="ap-producer-") as scratch:
        for collector in sources:
            report = collector.new_report()
            reports.append(report)
            try:
                for document in collector.collect(report):
                    if document.sha256 in seen:
                        log.info("%s: same bytes as a document already taken in this run",
                                 document.filename)
                        continue
                    seen.add(document.sha256)
                    _create_output(document, Path(scratch) / str(len(seen)))
                    report.new += 1
            except Exception as exc:  # one broken source must not stop the others
                report.error = _describe(exc)
                expected = isinstance(exc, FolderMissing | MailboxError | ApplicationException)
                log.error("%s source %s failed: %s", collector.kind, collector.name,
                          report.error, exc_info=not expected)  # a traceback for surprises
    return reports


def _say(line: str) -> None:
    log.info("%s", line)
    print(line)  # also on the console, for whoever runs the bot by hand or reads a worker log


def _describe(exc: Exception) -> str:
    """One line for people: robocorp's exceptions carry a message and a code."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None)
    text = f"{message} [{code}]" if code else f"{type(exc).__name__}: {message}"
    return text.splitlines()[0]


def _create_output(document: Incoming, folder: Path) -> None:
    """One output item carrying the document (written from the bytes that were hashed)."""
    folder.mkdir()
    path = folder / document.filename
    path.write_bytes(document.data)
    payload = InvoicePayload(reference=document.sha256, source=document.source,
                             document=document.document_ref())
    workitems.outputs.create(payload=payload.model_dump(mode="json"), files=[path])
    path.unlink()  # saved in the store; the scratch folder stays small
