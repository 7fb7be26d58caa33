"""Where invoices come from: a watched folder, an IMAP mailbox, the supplier portal.

Each collector is a generator of :class:`Incoming` documents (bytes already checked:
a real document type, a safe file name) and records what it found and skipped in a
:class:`SourceReport`. The producer asks :func:`configured_sources` which collectors the
settings switch on and runs each one on its own, so one broken source never stops the
others.

Nothing is moved, deleted or flagged at the source: the work-item store merges a
document that arrives again (same sha256), so re-reading a source is harmless and a
crash between "collected" and "committed" loses nothing.
"""

from tasks.sources.documents import Incoming, SourceReport, accept_document, safe_name
from tasks.sources.registry import Collector, configured_sources

__all__ = [
    "Collector",
    "Incoming",
    "SourceReport",
    "accept_document",
    "configured_sources",
    "safe_name",
]
