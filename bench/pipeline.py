"""Invoices per second per worker through the consumer, ERP entry included, on PostgreSQL:
born-digital and scanned documents, and the scaling from 1 to 4 worker slots.

Each run seeds the consumer queue of a fresh PostgreSQL schema with problem-free
invoices for the development ERP's own vendors and orders, starts a fresh ERP,
and runs ``workitems worker consumer --slots N --exit-when-empty``. Two figures
per run: wall-clock invoices per second (browser start included), and per-item
seconds from the event log (RESERVED -> COMPLETED: reading, extraction, ERP
look-ups and entry). The baseline is the 1-slot run of the same documents;
scaling is reported as the ratio to it. "Cores busy" is the CPU time of the run's
processes (worker, bots, browsers, the ERP) over its wall time: when one slot
already keeps the machine's cores busy, more slots cannot add throughput; the ERP's
share (a single Python process, as one legacy server) shows when it is the limit.

    python -m bench.pipeline [--born 12] [--scanned 4] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from rich.console import Console
from rich.table import Table

from devdata.demo_inbox import InboxPlan, build_inbox
from devdata.erp.server import ErpServer
from workitems import open_store
from workitems.processes import REPO_ROOT

DEFAULT_PG = os.environ.get("WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
console = Console()


def _work_items(folder: Path) -> None:
    """Describe the folder's documents as Robocorp work items, as the producer would."""
    items = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".jpg")):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        items.append({"payload": {"reference": sha, "source": {"kind": "folder",
                                                               "name": path.name},
                                  "document": {"filename": path.name, "sha256": sha}},
                      "files": {path.name: path.name}})
    (folder / "work-items.json").write_text(json.dumps(items))


def _documents(tmp: Path, born: int, scanned: int, seed: int) -> Path:
    folder = tmp / f"docs-{born}-{scanned}-{seed}"
    build_inbox(folder, tmp / f"portal-{seed}", InboxPlan(
        clean_pdf=born, scanned=scanned, einvoice=0, without_po=0, portal=0, problems=False,
        seed=seed))
    _work_items(folder)
    return folder


def _cpu_seconds() -> float:
    """CPU time of this process (the ERP's server thread) and of every finished child
    process tree (worker, bots, their browsers); PostgreSQL's own is not included."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run(pg: str, docs: Path, slots: int, tmp: Path) -> dict[str, float]:
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{pg}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "WORKITEMS_DB": url, "PYTHONPATH": str(REPO_ROOT)}
    try:
        subprocess.run([sys.executable, "-m", "workitems", "seed", str(docs)], env=env,
                       cwd=REPO_ROOT, check=True, capture_output=True)
        with ErpServer(tmp / f"erp-{schema}.db") as erp:
            env["AP_ERP_URL"] = erp.url
            began, erp_before = time.perf_counter(), time.process_time()
            cpu_before = _cpu_seconds()
            subprocess.run([sys.executable, "-m", "workitems", "worker", "consumer", "--slots",
                            str(slots), "--exit-when-empty", "--quiet", "--logs",
                            str(tmp / f"logs-{schema}")], env=env, cwd=REPO_ROOT, check=True)
            wall = time.perf_counter() - began
            cpu = _cpu_seconds() - cpu_before
            erp_cpu = time.process_time() - erp_before  # this process is the ERP's server
            posted = len(erp.postings())
        with open_store(url) as store:
            events = store.events(limit=100_000)
            counts = store.counts("ap").get(("ap", "consumer"), {})
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    start = {e.item_id: e.at for e in events if e.kind == "RESERVED"}
    item_seconds = [e.at - start[e.item_id] for e in events if e.kind == "COMPLETED"]
    return {"items": sum(counts.values()), "posted": posted, "failed": counts.get("FAILED", 0),
            "wall_seconds": wall, "per_second_wall": posted / wall, "cores_busy": cpu / wall,
            "erp_cores_busy": erp_cpu / wall,
            "item_seconds_median": statistics.median(item_seconds) if item_seconds else 0.0,
            "per_second_per_worker": 1 / statistics.median(item_seconds) if item_seconds else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--born", type=int, default=12, help="born-digital invoices per run")
    parser.add_argument("--scanned", type=int, default=4, help="scanned invoices (1-slot run)")
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        born = _documents(tmp, args.born, 0, seed=21)
        scans = _documents(tmp, 0, args.scanned, seed=22)
        plan = [("born-digital", born, 1), ("scanned", scans, 1), ("born-digital", born, 2),
                ("born-digital", born, 4)]
        for kind, docs, slots in plan:
            console.print(f"running {kind} with {slots} slot(s)...")
            results[f"{kind}_{slots}w"] = run(args.pg, docs, slots, tmp)

    base = results["born-digital_1w"]["per_second_wall"]
    table = Table("documents", "slots", "posted/failed", "wall s", "invoices/s (wall)",
                  "s per invoice (median)", "invoices/s per worker", "x 1 slot", "cores busy (ERP)",
                  title=f"consumer on PostgreSQL, ERP entry included, {os.cpu_count()} cores")
    for key, r in results.items():
        kind, slots = key.rsplit("_", 1)
        table.add_row(kind, slots.rstrip("w"), f"{r['posted']:.0f}/{r['failed']:.0f}",
                      f"{r['wall_seconds']:.1f}", f"{r['per_second_wall']:.2f}",
                      f"{r['item_seconds_median']:.2f}", f"{r['per_second_per_worker']:.2f}",
                      f"{r['per_second_wall'] / base:.2f}" if kind == "born-digital" else "",
                      f"{r['cores_busy']:.2f} ({r['erp_cores_busy']:.2f})")
    console.print(table)
    print(json.dumps({"bench": "pipeline", "cores": os.cpu_count(),
                      "runs": {k: {m: round(v, 3) for m, v in r.items()}
                               for k, r in results.items()},
                      "scaling_4w_vs_1w": round(
                          results["born-digital_4w"]["per_second_wall"] / base, 3)}))


if __name__ == "__main__":
    main()
