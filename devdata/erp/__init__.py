"""The development legacy ERP the bots post invoices into.

    from devdata.erp import ErpServer, Chaos
    with ErpServer(db_path, chaos=Chaos(error_rate=0.1, seed=3)) as erp:
        erp.url, erp.postings(), erp.vendor("V10001"), erp.purchase_order("4500001001")
"""

from devdata.erp.app import DEV_USERS, ErpSettings, create_app
from devdata.erp.chaos import Chaos
from devdata.erp.ids import DEFAULT_RELEASE
from devdata.erp.records import InvoiceDraft, Posting, PostingLine
from devdata.erp.server import ErpServer

DEV_USER = "apbot"
DEV_PASSWORD = DEV_USERS[DEV_USER]

__all__ = [
    "DEFAULT_RELEASE",
    "DEV_PASSWORD",
    "DEV_USER",
    "Chaos",
    "ErpServer",
    "ErpSettings",
    "InvoiceDraft",
    "Posting",
    "PostingLine",
    "create_app",
]
