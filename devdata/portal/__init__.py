"""The development supplier portal the producer bot downloads invoices from.

    from devdata.portal import PortalServer, write_sample_invoices
    write_sample_invoices(folder, count=12)
    with PortalServer(folder, page_size=5) as portal:
        portal.url, portal.invoices
"""

from devdata.portal.app import DEV_USERS, PortalSettings
from devdata.portal.records import PortalIndexError, PortalInvoice, load_index, write_index
from devdata.portal.samples import write_sample_invoices
from devdata.portal.server import PortalServer

DEV_USER = "acme-ap"
DEV_PASSWORD = DEV_USERS[DEV_USER]

__all__ = [
    "DEV_PASSWORD",
    "DEV_USER",
    "PortalIndexError",
    "PortalInvoice",
    "PortalServer",
    "PortalSettings",
    "load_index",
    "write_index",
    "write_sample_invoices",
]
