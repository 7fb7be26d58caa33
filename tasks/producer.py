"""The producer bot: one work item per invoice document found in the configured sources.

    python -m robocorp.tasks run tasks/producer.py -t produce

Each input item is a trigger (one per scheduled run). For it the bot reads every source
the environment configures (see :mod:`tasks.settings`): the watched folder ``AP_INBOX``,
the mailbox ``AP_IMAP_*`` when ``AP_IMAP_HOST`` is set, and the supplier portal
``AP_PORTAL_*`` when ``AP_PORTAL_URL`` is set. Every document becomes one output item with
the file attached and an :class:`~tasks.payloads.InvoicePayload` whose ``reference`` is the
file's sha256: the store folds a document it already knows into the existing item, so
sources are never moved or flagged and reading one twice is harmless.

Mails (from the mailbox, and ``.eml`` files in the folder) are classified by inbox triage
first (:mod:`tasks.sources.mail`): a mail the model is sure brings an invoice or a credit
note gives its documents, as above; any other mail becomes one item of its own (the
message and its documents attached, a :class:`~tasks.payloads.MailPayload`) that the
triage step routes. A mail asking to change a known vendor's bank details puts that vendor
on hold here, at once (:mod:`tasks.vendor_holds`), so no invoice of that vendor read in
the same run can be posted before a person has called the vendor back.

A source that fails is logged and the others still produce; when every source failed the
trigger fails with ``SOURCE_UNAVAILABLE`` and the worker retries it.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
from tasks.sources.mail import IncomingMail
from tasks.vendor_holds import open_holds, place_hold
from workitems import tracing

log = logging.getLogger(__name__)


@task
def produce() -> None:
    tracing.setup("ap/producer")  # under a worker its adapter did; from the desktop, here
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
    """Create one output per document or mail not yet seen in this run; one report per
    source."""
    seen: set[str] = set()
    reports = []
    holds = open_holds()
    with holds or _no_store(), tempfile.TemporaryDirectory(prefix="ap-producer-") as scratch:
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
                    # Each document's trace starts here; its item carries it on.
                    with tracing.span("intake", {"ap.source": collector.kind,
                                                 "ap.sha256": document.sha256},
                                      new_trace=True):
                        if isinstance(document, IncomingMail):
                            _hold_vendor(holds, document)
                            _create_mail_output(document, Path(scratch) / str(len(seen)))
                        else:
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
    payload = InvoicePayload(reference=document.sha256, source=document.source,
                             document=document.document_ref(), mail_intent=document.intent,
                             mail_confidence=document.confidence,
                             mail_reference=document.mail_reference)
    _output(payload.model_dump(mode="json"), {document.filename: document.data}, folder)


def _create_mail_output(mail: IncomingMail, folder: Path) -> None:
    _output(mail.payload.model_dump(mode="json"), mail.files, folder)
    triaged = mail.payload.triage
    _say(f"mail {mail.payload.subject[:60]!r}: {triaged.intent} ({triaged.confidence:.2f}"
         f"{', a person decides' if triaged.needs_person else ''})")


def _output(payload: dict, files: dict[str, bytes], folder: Path) -> None:
    folder.mkdir()
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    workitems.outputs.create(payload=payload, files=paths)
    for path in paths:
        path.unlink()  # saved in the store; the scratch folder stays small


def _hold_vendor(holds, mail: IncomingMail) -> None:  # noqa: ANN001 - a Store or None
    """Stop automatic posting for the vendor a bank-change mail names, before anything else
    of this run reaches the consumer."""
    request = mail.hold_request()
    if request is None:
        return
    vendor_id, name, iban = request
    if holds is None:
        log.warning("vendor %s asks to change its bank details, but this run has no work-item "
                    "store to keep a hold in (run from the desktop)", vendor_id)
        return
    if _known(holds, mail.sha256):
        return  # read before: its hold was placed then (and may have been verified since)
    place_hold(holds, vendor_id, name, mail.sha256, iban, actor="producer")
    mail.payload.hold = vendor_id
    _say(f"vendor {vendor_id} ({name}) on hold: a mail asks to change its bank details; "
         "nothing of this vendor is posted automatically until a person verifies it")


def _known(store, reference: str) -> bool:  # noqa: ANN001 - a Store
    """Whether this run's next step already holds an item for this reference (the source
    is read again at every poll: nothing there is moved or flagged)."""
    process, step = os.environ.get("WORKITEMS_PROCESS"), os.environ.get("WORKITEMS_STEP")
    if not process or not step:
        return False
    following = store.step(process, step).next_step
    return bool(following) and store.item_with_reference(process, following, reference) \
        is not None


@contextlib.contextmanager
def _no_store():  # noqa: ANN202
    yield None
