"""Run the supplier portal for people: ``python -m devdata.portal --folder PDFS --port 8071``.

Without ``--folder`` it serves a dozen sample invoices written into output/portal-samples.
Chaos comes from PORTAL_CHAOS_LATENCY_MS / _ERROR_RATE / _TIMEOUT_RATE / _HANG_SECONDS /
_EXPIRY_RATE / _SEED; PORTAL_PAGE_SIZE sets the rows per page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from devdata.erp.serve import wait_for_ctrl_c
from devdata.portal import (
    DEV_PASSWORD,
    DEV_USER,
    PortalServer,
    PortalSettings,
    write_sample_invoices,
)

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the development supplier portal.")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--folder", type=Path, help="folder of invoice PDFs (with index.json)")
    args = parser.parse_args(argv)
    folder = args.folder
    if folder is None:
        folder = ROOT / "output" / "portal-samples"
        write_sample_invoices(folder, count=12)
    with PortalServer(folder, port=args.port, settings=PortalSettings.from_env()) as portal:
        print(f"Portal running at {portal.url} with {len(portal.invoices)} invoices; "
              f"sign in as {DEV_USER} / {DEV_PASSWORD}. Ctrl+C stops it.")
        wait_for_ctrl_c()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
