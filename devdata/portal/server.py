"""``PortalServer``: the supplier portal on a free local port, serving one folder of PDFs."""

from __future__ import annotations

from pathlib import Path

from devdata.erp.chaos import Chaos
from devdata.erp.serve import BackgroundServer
from devdata.portal.app import PortalSettings, create_app
from devdata.portal.records import PortalInvoice, load_index


class PortalServer:
    """Run the portal in a background thread::

        with PortalServer(pdf_folder, chaos=Chaos(error_rate=0.1, seed=2)) as portal:
            page.goto(portal.url)

    The folder's ``index.json`` lists the invoices (number, vendor, dates, amount, file);
    without one, every PDF in the folder is listed under its file name.
    """

    def __init__(
        self,
        folder: Path | str,
        chaos: Chaos | None = None,
        *,
        page_size: int | None = None,
        session_idle_seconds: float | None = None,
        port: int = 0,
        settings: PortalSettings | None = None,
    ) -> None:
        self.folder = Path(folder)
        base = settings or PortalSettings()
        overrides = {"chaos": chaos, "page_size": page_size,
                     "session_idle_seconds": session_idle_seconds}
        self.settings = base.model_copy(
            update={k: v for k, v in overrides.items() if v is not None}
        )
        self.invoices: list[PortalInvoice] = load_index(self.folder)
        self._server = BackgroundServer(create_app(self.settings, self.folder, self.invoices),
                                        port)
        self.url = ""

    def __enter__(self) -> PortalServer:
        self.url = self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
