"""Which sources the settings switch on, each as a :class:`Collector`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from tasks.settings import BotSettings
from tasks.sources import folder, imap
from tasks.sources.documents import Incoming, SourceReport
from tasks.sources.mail import IncomingMail, default_triager


@dataclass(frozen=True)
class Collector:
    kind: str  # "folder", "imap" or "portal", as in the payload's Source.kind
    name: str  # where, for people: the folder, mailbox or portal address (no password)
    collect: Callable[[SourceReport], Iterator[Incoming | IncomingMail]]

    def new_report(self) -> SourceReport:
        return SourceReport(self.kind, self.name)


def configured_sources(settings: BotSettings) -> list[Collector]:
    """The watched folder always; the mailbox when AP_IMAP_HOST is set; the portal when
    AP_PORTAL_URL is set. Messages from the mailbox and the folder are classified by inbox
    triage (``AP_TRIAGE=off``: no triage, every attachment is taken as a document)."""
    triager = default_triager(settings.vendor_master) if settings.triage else None
    sources = [Collector("folder", str(settings.inbox),
                         partial(folder.collect, settings.inbox, triager=triager))]
    if settings.imap_host:
        mailbox = imap.Mailbox.from_settings(settings)
        sources.append(Collector("imap", mailbox.label,
                                 partial(mailbox.collect, triager=triager)))
    if settings.portal_url:
        from tasks.sources import portal  # Playwright loads only when a portal is configured

        sources.append(Collector("portal", settings.portal_url,
                                 partial(portal.collect, settings)))
    return sources
