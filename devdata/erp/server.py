"""``ErpServer``: the development ERP on a free local port, plus reads over its database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devdata.erp.app import ErpSettings, build_app
from devdata.erp.chaos import Chaos
from devdata.erp.db import ErpDatabase
from devdata.erp.records import Posting
from devdata.erp.serve import BackgroundServer
from devdata.master import Master, PurchaseOrder, Vendor, load_master


class ErpServer:
    """Run the ERP in a background thread::

        with ErpServer(tmp_path / "erp.db", chaos=Chaos(error_rate=0.2, seed=1)) as erp:
            page.goto(erp.url)
            ...
            assert erp.postings()[0].document_number == "5100001001"

    An empty database is seeded from ``master`` (default: ``devdata/master`` spreadsheets).
    """

    def __init__(
        self,
        db_path: Path | str,
        chaos: Chaos | None = None,
        *,
        release: str | None = None,
        session_idle_seconds: float | None = None,
        page_delay_ms: int | None = None,
        port: int = 0,
        master: Master | None = None,
        settings: ErpSettings | None = None,
    ) -> None:
        base = settings or ErpSettings()
        overrides: dict[str, Any] = {
            "chaos": chaos, "release": release, "session_idle_seconds": session_idle_seconds,
            "page_delay_ms": page_delay_ms,
        }
        self.settings = base.model_copy(
            update={k: v for k, v in overrides.items() if v is not None}
        )
        self.db = ErpDatabase(db_path)
        if self.db.is_empty():
            self.db.seed(master or load_master())
        app, self._erp = build_app(self.settings, self.db)
        self._server = BackgroundServer(app, port)
        self.url = ""

    def __enter__(self) -> ErpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        self.url = self._server.start()
        return self.url

    def stop(self) -> None:
        self._server.stop()

    @property
    def release(self) -> str:
        """The release whose element ids the screens use now."""
        return self._erp.ids.release

    def expire_sessions(self) -> None:
        """Log every user out at once, as an idle timeout or a restart would."""
        self._erp.sessions.drop_all()

    # -- reads over the database (the ground truth) ----------------------------------------

    def postings(self) -> list[Posting]:
        return self.db.postings()

    def vendor(self, vendor_id: str) -> Vendor | None:
        return self.db.vendor(vendor_id)

    def purchase_order(self, po_number: str) -> PurchaseOrder | None:
        return self.db.purchase_order(po_number)
