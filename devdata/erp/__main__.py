"""Run the development ERP for people: ``python -m devdata.erp --port 8070``.

Settings also come from the environment: ERP_RELEASE (``random`` for new element ids),
ERP_SESSION_IDLE_SECONDS, ERP_PAGE_DELAY_MS and ERP_CHAOS_LATENCY_MS / _ERROR_RATE /
_TIMEOUT_RATE / _HANG_SECONDS / _EXPIRY_RATE / _SEED.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from devdata.erp import DEV_PASSWORD, DEV_USER, ErpServer, ErpSettings
from devdata.erp.serve import wait_for_ctrl_c

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the development ERP.")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--db", type=Path, default=ROOT / "output" / "erp.db",
                        help="SQLite file (created and seeded when missing)")
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    with ErpServer(args.db, port=args.port, settings=ErpSettings.from_env()) as erp:
        print(f"ERP running at {erp.url} (release {erp.release}); "
              f"log on as {DEV_USER} / {DEV_PASSWORD}. Ctrl+C stops it.")
        wait_for_ctrl_c()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
