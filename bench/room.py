"""How fast the Control Room's main pages answer on a large PostgreSQL store.

    python -m bench.room [--items 100000] [--requests 40] [--pg postgresql://...]

Fills a fresh PostgreSQL schema with ``--items`` work items (COPY; invoice
payloads with twelve extracted fields, boxes and confidences; an event history
per item: created, reserved, completed or failed, some retried by a person) and
the failed items' PDFs, serves the app under uvicorn on a local port, logs in
as a supervisor and times each page over ``--requests`` requests with httpx.

Baselines, measured in the same run:
- ``empty``: the same pages on an empty store (the fixed cost of a request);
- ``no_room_indexes``: the large store with the three indexes the Control Room's
  migration adds (``items_failed``, ``items_state_live``, ``events_kind_at``) dropped.

Target: the overview under 300 ms (p50 and p95). Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path, where bench/queue.py would
# shadow the standard library's queue module: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx  # noqa: E402
import psycopg  # noqa: E402

from tasks.payloads import HEADER_FIELDS  # noqa: E402
from tasks.room_demo import DemoInvoice, invoice_payload, make_pdf  # noqa: E402
from workitems import Store, open_store  # noqa: E402
from workitems.room import repository as repo  # noqa: E402
from workitems.room.auth import RoomSettings, hash_password  # noqa: E402
from workitems.room.background import BackgroundServer  # noqa: E402

PG_URL = os.environ.get("WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAY = 86400.0
CODES = ["LOW_CONFIDENCE"] * 5 + ["UNKNOWN_VENDOR", "PO_MISMATCH", "DUPLICATE_INVOICE",
                                  "BANK_ACCOUNT_CHANGED"]
VENDORS = ["Nordwind Bürobedarf GmbH", "Kowalski Druck sp. z o.o.", "ACME Tools Ltd",
           "Papeterie Dupont SARL", "Fjord Logistics AS", "Bianchi Forniture S.r.l.",
           "Van Dijk Kantoor BV", "Hernández Suministros SL"]
PASSWORD = secrets.token_urlsafe(16)
# The indexes the Control Room's migration adds; the "no_room_indexes" baseline drops them.
ROOM_INDEXES = ("items_failed", "items_state_live", "events_kind_at")


# -- filling the store -------------------------------------------------------------------


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def _payload(rng: random.Random, template: dict[str, Any], n: int, failed: bool
             ) -> dict[str, Any]:
    fields = {}
    for name in HEADER_FIELDS:
        field = dict(template["extracted"]["fields"][name])
        field["confidence"] = round(rng.uniform(0.35, 0.99) if failed else
                                    rng.uniform(0.9, 1.0), 3)
        fields[name] = field
    vendor = rng.choice(VENDORS)
    total = f"{rng.uniform(20, 20000):.2f}"
    fields["vendor_name"] = {**fields["vendor_name"], "value": vendor, "raw": vendor}
    fields["total"] = {**fields["total"], "value": total, "raw": total}
    fields["invoice_number"] = {**fields["invoice_number"], "value": f"INV-{n:07d}"}
    reference = f"{n:064x}"
    payload = {**template, "reference": reference,
               "document": {**template["document"], "sha256": reference},
               "extracted": {**template["extracted"], "fields": fields}}
    if not failed:
        payload = {**payload, "findings": [], "erp": None}
    return payload


def fill(url: str, items: int, seed: int = 7) -> dict[str, Any]:
    """COPY ``items`` items, their events and the failed items' files into a fresh schema."""
    rng = random.Random(seed)
    pdf, boxes = make_pdf(DemoInvoice())
    template = invoice_payload(DemoInvoice(), pdf, boxes).model_dump(mode="json")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        now = float(cur.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])
    item_rows, event_rows, failed_ids = [], [], []
    reporters = items // 10
    # Ids grow with creation time, as they do when producers add items one by one.
    created_times = sorted(now - rng.uniform(0, 30 * DAY) for _ in range(items))
    for n in range(1, items + 1):
        created = created_times[n - 1]
        is_reporter = n > items - reporters
        roll = rng.random()
        state = ("DONE" if roll < 0.86 else "FAILED" if roll < 0.92 else
                 "PENDING" if roll < 0.995 else "IN_PROGRESS")
        if is_reporter and state == "FAILED":
            state = "DONE"
        step = "reporter" if is_reporter else "consumer"
        parent = rng.randint(1, items - reporters) if is_reporter else None
        payload = ({"report": n} if is_reporter else
                   _payload(rng, template, n, state == "FAILED"))
        code = rng.choice(CODES) if state == "FAILED" else None
        retried_by_person = state == "DONE" and not is_reporter and rng.random() < 0.05
        events = _events(rng, n, created, state, code, retried_by_person)
        updated = events[-1][1]
        item_rows.append((
            "ap", step, state, 0, json.dumps(payload), parent,
            None if is_reporter else payload["reference"], 1 if rng.random() < 0.02 else 0,
            1, "BUSINESS" if code else None, code, f"{code} on item {n}" if code else None,
            "worker-1" if state == "IN_PROGRESS" else None,
            now + 60 if state == "IN_PROGRESS" else None, created, None, len(events),
            created, updated))
        event_rows += events
        if state == "FAILED":
            failed_ids.append(n)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY items (process, step, state, draft, payload, parent_id, reference, "
                      "priority, attempts, exception_type, exception_code, exception_message, "
                      "lease_owner, lease_expires_at, available_at, assignee, version, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for row in item_rows:
                copy.write_row(row)
        # The identity column numbered the rows in COPY order: check before relying on it.
        low, high, count = cur.execute("SELECT min(id), max(id), count(*) FROM items").fetchone()
        assert (low, high, count) == (1, items, items), (low, high, count)
        with cur.copy("COPY events (item_id, at, actor, kind, from_state, to_state, details) "
                      "FROM STDIN") as copy:
            for row in event_rows:
                copy.write_row(row)
        with cur.copy("COPY item_files (item_id, name, content, size, sha256, created_at) "
                      "FROM STDIN") as copy:
            for item_id in failed_ids:
                copy.write_row((item_id, "invoice.pdf", pdf, len(pdf), f"{item_id:064x}", now))
    # What autovacuum does soon after a bulk load: statistics and the visibility map
    # (index-only scans need it).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE items")
        conn.execute("VACUUM ANALYZE events")
    return {"items": items, "events": len(event_rows), "failed": len(failed_ids),
            "failed_ids": failed_ids}


def _events(rng: random.Random, n: int, created: float, state: str, code: str | None,
            retried_by_person: bool) -> list[tuple[Any, ...]]:
    def ev(at: float, actor: str, kind: str, a: str | None, b: str | None) -> tuple[Any, ...]:
        return (n, at, actor, kind, a, b, "{}")

    out = [ev(created, "producer", "CREATED", None, "PENDING")]
    if state == "PENDING":
        return out
    t = created + rng.expovariate(1 / 30)
    out.append(ev(t, "worker-1", "RESERVED", "PENDING", "IN_PROGRESS"))
    if state == "IN_PROGRESS":
        return out
    t += rng.lognormvariate(0.7, 0.6)
    if retried_by_person:
        out.append(ev(t, "worker-1", "FAILED", "IN_PROGRESS", "FAILED"))
        t += rng.expovariate(1 / 3600)
        out.append(ev(t, "clerk", "RETRIED", "FAILED", "PENDING"))
        t += rng.expovariate(1 / 30)
        out.append(ev(t, "worker-1", "RESERVED", "PENDING", "IN_PROGRESS"))
        t += rng.lognormvariate(0.7, 0.6)
    kind, to = ("FAILED", "FAILED") if state == "FAILED" else ("COMPLETED", "DONE")
    out.append(ev(t, "worker-1", kind, "IN_PROGRESS", to))
    return out


# -- timing the pages ----------------------------------------------------------------------


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, "no login form"
    response = client.post("/login", data={"login_token": token.group(1), "username": "bench",
                                           "password": PASSWORD})
    assert response.status_code == 303, response.status_code  # to /queue, logged in
    return client


def timed(client: httpx.Client, path: str, requests: int) -> list[float]:
    client.get(path)  # warm-up: connection, template compilation, caches of the database
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return samples


def pages(failed_id: int | None) -> dict[str, str]:
    """The pages timed; an empty store has no item to show."""
    out = {"overview": "/overview", "overview_7d": "/overview?window=7d", "queue": "/queue",
           "queue_vendor_filter": "/queue?vendor=kowalski&min_amount=1000"}
    if failed_id is not None:
        out |= {"validation_view": f"/items/{failed_id}",
                "item_detail": f"/items/{failed_id}/detail"}
    return out | {"metrics": "/metrics"}


def measure(store: Store, failed_id: int | None, requests: int) -> dict[str, dict[str, float]]:
    settings = RoomSettings(secret_key=secrets.token_hex(16))
    out: dict[str, dict[str, float]] = {}
    with BackgroundServer(store, settings) as server:
        client = logged_in(server.url)
        start = time.perf_counter()
        client.get("/metrics")  # the first scrape reads the whole event log once
        out["metrics_first_scrape"] = {"p50": (time.perf_counter() - start) * 1000,
                                       "p95": (time.perf_counter() - start) * 1000}
        for name, path in pages(failed_id).items():
            samples = sorted(timed(client, path, requests))
            out[name] = {"p50": statistics.median(samples),
                         "p95": samples[max(0, round(0.95 * len(samples)) - 1)]}
        client.close()
    return out


def add_bench_user(store: Store) -> None:
    repo.create_user(store, "bench", hash_password(PASSWORD), "supervisor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pg", default=PG_URL)
    args = parser.parse_args()
    tag = secrets.token_hex(4)
    big, empty = f"room_bench_{tag}", f"room_bench_empty_{tag}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {big}")
        conn.execute(f"CREATE SCHEMA {empty}")
    try:
        results = run(args, schema_url(args.pg, big), schema_url(args.pg, empty))
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {big} CASCADE")
            conn.execute(f"DROP SCHEMA {empty} CASCADE")
    report(results)


def run(args: argparse.Namespace, big_url: str, empty_url: str) -> dict[str, Any]:
    load_average = os.getloadavg()[0]
    with open_store(empty_url) as store:
        add_bench_user(store)
        baseline = measure(store, None, args.requests)
    with open_store(big_url) as store:
        add_bench_user(store)
        start = time.perf_counter()
        filled = fill(big_url, args.items)
        fill_seconds = time.perf_counter() - start
        failed_id = filled["failed_ids"][len(filled["failed_ids"]) // 2]
        large = measure(store, failed_id, args.requests)
        with store.db.transaction() as cur:
            for index in ROOM_INDEXES:
                cur.execute(f"DROP INDEX {index}")
            cur.execute("ANALYZE items")
            cur.execute("ANALYZE events")
        unindexed = measure(store, failed_id, args.requests)
    return {"items": filled["items"], "events": filled["events"], "failed": filled["failed"],
            "load_average": load_average,
            "fill_seconds": round(fill_seconds, 1), "requests": args.requests,
            "large": large, "empty": baseline, "no_room_indexes": unindexed}


def report(r: dict[str, Any]) -> None:
    print(f"store: {r['items']} items, {r['events']} events, {r['failed']} failed "
          f"(filled in {r['fill_seconds']} s); {r['requests']} requests per page; "
          f"load average at start {r['load_average']:.1f} on {os.cpu_count()} cores\n")
    head = (f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'empty p50':>11}{'ratio':>7}"
            f"{'no-idx p50':>12}{'ratio':>7}")
    print(head)
    print("-" * len(head))
    for name, large in r["large"].items():
        empty = r["empty"].get(name)
        slow = r["no_room_indexes"].get(name)
        print(f"{name:<22}{large['p50']:>9.1f}{large['p95']:>9.1f}"
              f"{(empty['p50'] if empty else float('nan')):>11.1f}"
              f"{(large['p50'] / empty['p50'] if empty else float('nan')):>7.2f}"
              f"{(slow['p50'] if slow else float('nan')):>12.1f}"
              f"{(slow['p50'] / large['p50'] if slow else float('nan')):>7.2f}")
    overview = r["large"]["overview"]
    print(f"\noverview target p95 < 300 ms: {'met' if overview['p95'] < 300 else 'MISSED'}"
          " (ratio columns: large/empty, and no-indexes/large)")
    figures = {
        "items": r["items"], "events": r["events"], "requests": r["requests"],
        "load_average": round(r["load_average"], 1),
        **{f"{name}_p50_ms": round(v["p50"], 1) for name, v in r["large"].items()},
        **{f"{name}_p95_ms": round(v["p95"], 1) for name, v in r["large"].items()},
        "baseline": "empty store",
        **{f"empty_{name}_p50_ms": round(v["p50"], 1) for name, v in r["empty"].items()},
        "overview_ratio_vs_empty": round(overview["p50"] / r["empty"]["overview"]["p50"], 2),
        "queue_ratio_vs_empty": round(r["large"]["queue"]["p50"]
                                      / r["empty"]["queue"]["p50"], 2),
        "overview_ratio_no_room_indexes": round(r["no_room_indexes"]["overview"]["p50"]
                                                / overview["p50"], 2),
        "queue_ratio_no_room_indexes": round(r["no_room_indexes"]["queue"]["p50"]
                                             / r["large"]["queue"]["p50"], 2),
        "overview_target_met": overview["p95"] < 300,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
