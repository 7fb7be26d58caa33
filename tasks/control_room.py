"""The Control Room with what finishes an approved invoice: the development ERP, a
consumer worker and a triage worker, on one database (``make room``).

    python -m tasks.control_room [--db URL] [--port 8080]

The database is the one every ``workitems`` command here opens (``--db``, else
``$WORKITEMS_DB``, else ``workitems.env``, which ``make demo`` writes, else
``output/workitems.db``). The development ERP runs on the ERP database beside it (the
demo's ``erp.db``, with the demo's postings), so duplicates are still caught. When the
store has no user yet, a first administrator is created at the prompt. Ctrl+C stops
the Control Room, lets the worker finish the item in hand, and stops the ERP.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from devdata.demo_inbox import OUR_COMPANIES
from devdata.erp.server import ErpServer
from workitems import open_store
from workitems.config import Settings
from workitems.processes import REPO_ROOT
from workitems.room import repository as repo
from workitems.store import redact_url


def database_folder(db_url: str) -> Path:
    """Where an SQLite store lies (its ERP database and logs go beside it); ``output/`` for
    a server database."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url.removeprefix("sqlite:///")).resolve().parent
    return REPO_ROOT / "output"


def _workitems(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "workitems", "--db", db_url, *args]


def ensure_a_user(db_url: str) -> None:
    """A store nobody can log in to gets its first administrator now, at the prompt."""
    with open_store(db_url) as store:
        if repo.list_users(store):
            return
    print("Nobody can log in to this Control Room yet: create its first administrator.")
    subprocess.run(_workitems(db_url, "room", "create-admin"), cwd=REPO_ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: as every workitems command)")
    parser.add_argument("--port", type=int, default=8080, help="the Control Room's port")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    args = parser.parse_args(argv)
    db_url = args.db or Settings.from_env().db_url
    folder = database_folder(db_url)
    folder.mkdir(parents=True, exist_ok=True)
    ensure_a_user(db_url)
    with ErpServer(folder / "erp.db") as erp:
        env = {**os.environ, "WORKITEMS_DB": db_url, "AP_ERP_URL": erp.url,
               "AP_OUTPUT": str(folder), "AP_OUR_COMPANIES": str(OUR_COMPANIES)}
        # The consumer posts what clerks approve; the triage step routes re-routed mails.
        workers = [subprocess.Popen(
            _workitems(db_url, "worker", step, "--quiet", "--poll", "1", "--logs",
                       str(folder / "logs")), cwd=REPO_ROOT, env=env)
            for step in ("consumer", "triage")]
        print(f"Development ERP at {erp.url} (user apbot / apbot-dev); a consumer worker "
              "posts every item a clerk approves, within seconds, and a triage worker routes "
              "every mail a clerk re-routes.\n"
              f"Database: {redact_url(db_url)}. Ctrl+C stops everything.", flush=True)
        try:
            subprocess.run(_workitems(db_url, "room", "serve", "--host", args.host, "--port",
                                      str(args.port)), cwd=REPO_ROOT, env=env, check=False)
        except KeyboardInterrupt:
            pass
        finally:
            for worker in workers:
                _stop(worker)
    print("Stopped. The report does not include the new postings until the reporter runs:\n"
          f"  .venv/bin/workitems --db {redact_url(db_url)} worker reporter --exit-when-empty")
    return 0


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()  # SIGTERM: the item in hand is finished first
    try:
        worker.wait(timeout=120)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


if __name__ == "__main__":
    raise SystemExit(main())
