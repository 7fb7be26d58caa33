"""`workitems worker --via URL`: a worker with no database credentials runs the bot with
Robocorp's stock adapter against our Control Room; leases, heartbeats, retries and
exactly-once hold as on the direct path. Both backends."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.workitems.room.conftest import add_users, login
from tests.workitems.test_worker import STEP, P, wait_for, write_config
from workitems import ExceptionType, ItemState, Store, tracing
from workitems.processes import REPO_ROOT, load_config
from workitems.room import RoomSettings, runs
from workitems.room.background import BackgroundServer

# Were the worker or its bots to open a database, this one would fail at once.
NO_DATABASE = "sqlite:////nonexistent/never-opened.db"


@pytest.fixture
def server(store: Store) -> Iterator[BackgroundServer]:
    with BackgroundServer(store, RoomSettings(secret_key="test-secret")) as running:
        yield running


def register(store: Store, config: Path) -> Path:
    """The Control Room's side knows the step's lease and retries (a remote worker cannot
    change them)."""
    cfg = load_config(config)
    store.register_process(P, cfg.steps(P))
    return config


def via_command(url: str, config: Path, logs: Path, slots: int = 1,
                exit_when_empty: bool = True) -> list[str]:
    command = [sys.executable, "-m", "workitems", "worker", STEP, "--process", P, "--slots",
               str(slots), "--config", str(config), "--quiet", "--logs", str(logs),
               "--poll", "0.2", "--via", url]
    return command + (["--exit-when-empty"] if exit_when_empty else [])


def via_env(store: Store, name: str = "machine-2") -> dict[str, str]:
    _, token = runs.create_runner_token(store, name, P, STEP)
    return {**os.environ, "WORKITEMS_RUNNER_TOKEN": token, "WORKITEMS_DB": NO_DATABASE}


def run_via(store: Store, url: str, config: Path, logs: Path, slots: int = 1,
            timeout: float = 300) -> str:
    done = subprocess.run(via_command(url, config, logs, slots), cwd=REPO_ROOT, timeout=timeout,
                          capture_output=True, text=True, env=via_env(store))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_bot_runs_unchanged_over_http(store: Store, server: BackgroundServer,
                                        tmp_path: Path) -> None:
    config = register(store, write_config(tmp_path / "p.yaml", max_attempts=2))
    ok = store.create_item(P, STEP, {"output": {"doc": "5100000001"}, "report_env": True,
                                     "save": True}).id
    business = store.create_item(P, STEP, {"fail": "BUSINESS"}).id
    flaky = store.create_item(P, STEP, {"fail": "APPLICATION"}).id
    run_via(store, server.url, config, tmp_path / "logs")

    done = store.get_item(ok)
    assert done.state is ItemState.DONE
    # The bot held its run's token and Robocorp's settings, nothing more.
    assert "WORKITEMS_DB" not in done.payload["env"]
    assert "WORKITEMS_RUNNER_TOKEN" not in done.payload["env"]
    assert {"RC_API_WORKITEM_TOKEN", "RC_API_PROCESS_TOKEN", "RC_WORKITEM_ID",
            "RC_PROCESS_RUN_ID"} <= set(done.payload["env"])
    assert done.payload["saved_by"].endswith(":slot1")
    failed = store.get_item(business)
    assert (failed.state, failed.exception_type, failed.exception_code, failed.exception_message) \
        == (ItemState.FAILED, ExceptionType.BUSINESS, "TEST_BUSINESS", "the test asked for it")
    retried = store.get_item(flaky)
    assert (retried.state, retried.attempts, retried.exception_code) == (
        ItemState.FAILED, 2, "TEST_APP")
    assert [e.kind for e in store.events(flaky)].count("RETRY_SCHEDULED") == 1
    [output] = store.list_items(step="b")
    assert output.parent_id == ok and output.payload["doc"] == "5100000001"
    assert all(e.actor.endswith("via machine-2") for e in store.events(ok)
               if e.kind in ("RESERVED", "COMPLETED"))
    assert (tmp_path / "logs" / "a-slot1" / "log.html").exists()
    assert [r.status for r in store.runs()].count("RUNNING") == 0, "every run was finished"


def test_the_worker_renews_the_lease_of_a_long_item(store: Store, server: BackgroundServer,
                                                    tmp_path: Path) -> None:
    config = register(store, write_config(tmp_path / "p.yaml", lease="2s"))
    item = store.create_item(P, STEP, {"sleep": 5}).id
    run_via(store, server.url, config, tmp_path / "logs")
    finished = store.get_item(item)
    assert (finished.state, finished.attempts) == (ItemState.DONE, 1)
    assert "LEASE_EXPIRED" not in [e.kind for e in store.events(item)]


def test_a_worker_killed_mid_item_loses_nothing_and_does_nothing_twice(
        store: Store, server: BackgroundServer, tmp_path: Path) -> None:
    config = register(store, write_config(tmp_path / "p.yaml", lease="2s"))
    victim = store.create_item(P, STEP, {"sleep": 60, "output": {"half": "done"}}).id
    others = [store.create_item(P, STEP, {"n": n, "output": {"n": n}}).id for n in range(3)]
    worker = subprocess.Popen(via_command(server.url, config, tmp_path / "logs",
                                          exit_when_empty=False),
                              cwd=REPO_ROOT, env=via_env(store, "machine-2"))
    try:
        wait_for(lambda: store.get_item(victim).state is ItemState.IN_PROGRESS)
        time.sleep(0.5)
        bots = psutil.Process(worker.pid).children(recursive=True)
        worker.send_signal(signal.SIGKILL)  # the machine goes away: worker, then its bot
    finally:
        worker.wait(10)
    gone, alive = psutil.wait_procs(bots, timeout=5)
    assert not alive, "the bot died with its worker"
    with store.db.transaction() as cur:  # the second attempt is quick
        cur.execute("UPDATE items SET payload = :p WHERE id = :id",
                    {"p": store.db.json_param({"output": {"half": "done"}}), "id": victim})
    time.sleep(2.5)  # the dead worker's lease runs out; nobody renews it
    run_via(store, server.url, config, tmp_path / "logs2")

    item = store.get_item(victim)
    assert (item.state, item.attempts) == (ItemState.DONE, 2)
    events = store.events(limit=10_000)
    completed = collections.Counter(e.item_id for e in events if e.kind == "COMPLETED")
    assert completed == {i: 1 for i in [victim, *others]}, "every item completed exactly once"
    assert [e.kind for e in store.events(victim)].count("LEASE_EXPIRED") == 1
    assert len(store.list_items(step="b")) == 4, "one output per item, none per dead attempt"


def test_sigterm_drains_the_run(store: Store, server: BackgroundServer, tmp_path: Path) -> None:
    config = register(store, write_config(tmp_path / "p.yaml"))
    first = store.create_item(P, STEP, {"sleep": 2}).id
    second = store.create_item(P, STEP, {}).id
    worker = subprocess.Popen(via_command(server.url, config, tmp_path / "logs",
                                          exit_when_empty=False),
                              cwd=REPO_ROOT, env=via_env(store))
    wait_for(lambda: store.get_item(first).state is ItemState.IN_PROGRESS)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert store.get_item(first).state is ItemState.DONE
    assert store.get_item(second).state is ItemState.PENDING, "nothing new was started"


def test_a_settling_attempt_is_known_over_http(store: Store, server: BackgroundServer,
                                                tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    write_config(config, lease="1s", max_attempts=1)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "jitter: 0}", "jitter: 0, settling_attempt: true}"), encoding="utf-8")
    register(store, config)
    item = store.create_item(P, STEP, {"report_settling": True}).id
    reservation = store.reserve(P, STEP, "a worker that dies")  # and never comes back
    assert reservation is not None and reservation.item_id == item
    time.sleep(1.5)
    run_via(store, server.url, config, tmp_path / "logs")
    settled = store.get_item(item)
    assert (settled.state, settled.attempts, settled.payload["settling"]) == (
        ItemState.DONE, 2, True)


def test_a_bots_spans_join_the_items_trace_in_the_store(store: Store, server: BackgroundServer,
                                                        tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    write_config(config)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "tests/workitems/bots/echo.py::echo", "tests/workitems/bots/traced.py::traced"),
        encoding="utf-8")
    register(store, config)
    traced = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    continued = store.create_item(P, STEP, {"n": 1}, traceparent=traced).id
    started = store.create_item(P, STEP, {"fail": True}).id
    run_via(store, server.url, config, tmp_path / "logs")

    spans = store.spans(tracing.trace_id_of(traced))
    assert {(s.name, s.item_id, s.service) for s in spans} == {
        ("t/traced", continued, "t/traced"), ("read", continued, "t/traced")}
    work, read = sorted(spans, key=lambda s: s.name != "t/traced")
    assert work.parent_span_id == "00f067aa0ba902b7", "the bot continued the item's trace"
    assert read.parent_span_id == work.span_id and read.attributes["pages"] == 2
    with store.db.transaction(write=False) as cur:
        [kept] = cur.execute("SELECT max(recorded_at) AS at FROM spans WHERE item_id = :id",
                             {"id": continued})
    [completed] = [e for e in store.events(continued) if e.kind == "COMPLETED"]
    assert kept["at"] <= completed.at, "the spans reached the store before the release"

    failed = store.get_item(started)
    assert failed.state is ItemState.FAILED and failed.traceparent is not None
    root, inner = sorted(store.spans(tracing.trace_id_of(failed.traceparent)),
                         key=lambda s: s.name != "t/traced")
    assert failed.traceparent.split("-")[2] == root.span_id, "the item took the bot's trace"
    assert (root.parent_span_id, root.status, inner.parent_span_id) == (None, "ERROR",
                                                                       root.span_id)

    with httpx.Client(base_url=server.url) as browser:
        add_users(store)
        page = login(browser, "clerk1").get(f"/items/{continued}")
    assert page.status_code == 200
    assert "Trace 4bf92f3577b34da6a3ce929d0e0e4736: 2 spans" in page.text
    assert ">t/traced</text>" in page.text and ">read</text>" in page.text
