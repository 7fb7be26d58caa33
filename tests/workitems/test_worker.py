"""Unattended workers running a real robocorp bot through our adapter, on both backends."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from workitems import ExceptionType, ItemState, Store
from workitems.processes import REPO_ROOT, load_config
from workitems.scheduler import Scheduler

P, STEP = "t", "a"


def write_config(path: Path, lease: str = "30s", max_attempts: int = 3,
                 schedules: str = "") -> Path:
    path.write_text(f"""
processes:
  t:
    steps:
      - name: a
        task: tests/workitems/bots/echo.py::echo
        next: b
        lease: {lease}
        retry: {{max_attempts: {max_attempts}, initial_seconds: 0, jitter: 0}}
      - name: b
{schedules}
""", encoding="utf-8")
    return path


def worker_command(url: str, config: Path, logs: Path, slots: int = 1,
                   exit_when_empty: bool = True) -> list[str]:
    command = [sys.executable, "-m", "workitems", "--db", url, "worker", STEP, "--process", P,
               "--slots", str(slots), "--config", str(config), "--quiet", "--logs", str(logs),
               "--poll", "0.2"]
    return command + (["--exit-when-empty"] if exit_when_empty else [])


def run_worker(url: str, config: Path, logs: Path, slots: int = 1, timeout: float = 300) -> str:
    done = subprocess.run(worker_command(url, config, logs, slots), cwd=REPO_ROOT, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for(condition, timeout: float = 30.0, every: float = 0.1):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


def test_a_robocorp_bot_runs_unchanged_on_the_store(store: Store, store_url: str,
                                                    tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml", max_attempts=2)
    ok = store.create_item(P, STEP, {"output": {"doc": "5100000001"}}, {"a.pdf": b"%PDF"}).id
    business = store.create_item(P, STEP, {"fail": "BUSINESS"}).id
    flaky = store.create_item(P, STEP, {"fail": "APPLICATION"}).id
    out = run_worker(store_url, config, tmp_path / "logs")
    assert "2 done" not in out  # two items failed
    assert store.get_item(ok).state is ItemState.DONE
    failed = store.get_item(business)
    assert (failed.state, failed.exception_type, failed.exception_code, failed.exception_message) \
        == (ItemState.FAILED, ExceptionType.BUSINESS, "TEST_BUSINESS", "the test asked for it")
    retried = store.get_item(flaky)
    assert retried.state is ItemState.FAILED and retried.attempts == 2
    assert [e.kind for e in store.events(flaky)].count("RETRY_SCHEDULED") == 1
    [output] = store.list_items(step="b")
    assert output.parent_id == ok and output.payload["doc"] == "5100000001"
    assert (tmp_path / "logs" / "a-slot1" / "log.html").exists()


@pytest.mark.slow
def test_eight_workers_process_5000_items_exactly_once(store: Store, store_url: str,
                                                       tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml")
    with store.db.transaction() as cur:  # bulk insert: seeding is not what this test measures
        for start in range(0, 5000, 500):
            values = ", ".join(
                f"('{P}', '{STEP}', 'PENDING', 0, "
                f"'{{\"n\": {n}}}', {{now}}, {{now}}, {{now}})" for n in range(start, start + 500))
            cur.execute("INSERT INTO items (process, step, state, draft, payload, available_at, "
                        f"created_at, updated_at) VALUES {values}")
    run_worker(store_url, config, tmp_path / "logs", slots=8, timeout=900)

    events = store.events(limit=100_000)
    completed = collections.Counter(e.item_id for e in events if e.kind == "COMPLETED")
    reserved = collections.Counter(e.item_id for e in events if e.kind == "RESERVED")
    assert len(completed) == 5000, "every item completed"
    assert set(completed.values()) == {1}, "no item completed twice"
    assert set(reserved.values()) == {1}, "no item leased twice"
    workers = {e.actor for e in events if e.kind == "COMPLETED"}
    assert len(workers) == 8, f"all eight slots worked: {sorted(workers)}"
    assert store.counts(P)[(P, STEP)] == {"DONE": 5000}


def test_a_worker_killed_mid_item_loses_nothing(store: Store, store_url: str,
                                                tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml", lease="2s")
    victim = store.create_item(P, STEP, {"sleep": 60, "output": {"half": "done"}}).id
    worker = subprocess.Popen(worker_command(store_url, config, tmp_path / "logs",
                                             exit_when_empty=False), cwd=REPO_ROOT)
    try:
        wait_for(lambda: store.get_item(victim).state is ItemState.IN_PROGRESS)
        time.sleep(0.5)  # inside the bot's work, with an output draft perhaps made
        for child in psutil.Process(worker.pid).children(recursive=True):
            child.send_signal(signal.SIGKILL)  # the bot process dies mid-item
        worker.send_signal(signal.SIGKILL)  # and so does the worker that supervised it
    finally:
        worker.wait(10)
    # Make the second attempt quick, then start a fresh worker as a scheduler would.
    with store.db.transaction() as cur:
        cur.execute("UPDATE items SET payload = :p WHERE id = :id",
                    {"p": store.db.json_param({"sleep": 0, "output": {"half": "done"}}),
                     "id": victim})
    time.sleep(2.5)  # the next scheduled run comes after the dead worker's lease ran out
    run_worker(store_url, config, tmp_path / "logs2")
    item = store.get_item(victim)
    assert item.state is ItemState.DONE and item.attempts == 2
    kinds = [e.kind for e in store.events(victim)]
    assert kinds.count("LEASE_EXPIRED") == 1 and kinds.count("COMPLETED") == 1
    assert len(store.list_items(step="b")) == 1, "one output, not one per attempt"


def test_a_bot_dies_with_its_worker(store: Store, store_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml", lease="2s")
    victim = store.create_item(P, STEP, {"sleep": 60}).id
    spare = store.create_item(P, STEP, {}).id
    worker = subprocess.Popen(worker_command(store_url, config, tmp_path / "logs",
                                             exit_when_empty=False), cwd=REPO_ROOT)
    try:
        wait_for(lambda: store.get_item(victim).state is ItemState.IN_PROGRESS)
        bots = psutil.Process(worker.pid).children(recursive=True)
        assert bots, "the worker started a bot"
        worker.send_signal(signal.SIGKILL)  # only the worker: it can forward nothing
    finally:
        worker.wait(10)
    gone, alive = psutil.wait_procs(bots, timeout=5)
    assert not alive, f"bots outlived their worker: {[p.pid for p in alive]}"
    time.sleep(2.5)
    store.reclaim_expired()
    assert store.get_item(victim).state is ItemState.PENDING, "the item returned to the queue"
    assert store.get_item(spare).state is ItemState.PENDING, "no orphan bot took more work"


def test_a_paused_bot_cannot_overwrite_what_another_worker_finished(
        store: Store, store_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml", lease="2s")
    item_id = store.create_item(P, STEP, {"sleep": 3, "save": True}).id
    first = subprocess.Popen(worker_command(store_url, config, tmp_path / "logs1"),
                             cwd=REPO_ROOT)
    try:
        wait_for(lambda: store.get_item(item_id).state is ItemState.IN_PROGRESS)
        [bot] = psutil.Process(first.pid).children()
        bot.suspend()  # SIGSTOP: its heartbeat stops too, the lease runs out
        time.sleep(2.5)
        run_worker(store_url, config, tmp_path / "logs2")  # another worker finishes the item
        finished = store.get_item(item_id)
        assert finished.state is ItemState.DONE
        bot.resume()  # the paused bot wakes up and saves its payload
        first.wait(60)
    finally:
        if first.poll() is None:
            first.kill()
    after = store.get_item(item_id)
    assert after == finished, "the DONE item is unchanged"
    assert after.payload["saved_by"].endswith("slot1") and after.payload["saved_by"] \
        != store.events(item_id)[1].actor, "the payload is the second worker's"
    events = store.events(item_id)
    completed = next(e.id for e in events if e.kind == "COMPLETED")
    assert not [e for e in events if e.id > completed], "nothing was written after DONE"
    log = (tmp_path / "logs1" / "a-slot1" / "console.log").read_text(encoding="utf-8")
    assert "LEASE_LOST" in log or "LeaseLost" in log


def test_sigterm_finishes_the_item_in_hand(store: Store, store_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml")
    first = store.create_item(P, STEP, {"sleep": 2}).id
    second = store.create_item(P, STEP, {}).id
    worker = subprocess.Popen(worker_command(store_url, config, tmp_path / "logs",
                                             exit_when_empty=False), cwd=REPO_ROOT)
    wait_for(lambda: store.get_item(first).state is ItemState.IN_PROGRESS)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert store.get_item(first).state is ItemState.DONE
    assert store.get_item(second).state is ItemState.PENDING, "nothing new was started"


@pytest.mark.slow
def test_ctrl_c_at_the_terminal_finishes_the_item_in_hand(store: Store, store_url: str,
                                                         tmp_path: Path) -> None:
    """Each bot runs in a session of its own: the terminal's SIGINT reaches the worker only,
    which stops its bots gently (SIGTERM) instead of interrupting them mid-item."""
    config = write_config(tmp_path / "p.yaml")
    first = store.create_item(P, STEP, {"sleep": 2}).id
    second = store.create_item(P, STEP, {}).id
    worker = subprocess.Popen(worker_command(store_url, config, tmp_path / "logs",
                                             exit_when_empty=False), cwd=REPO_ROOT,
                              start_new_session=True)  # the terminal's process group
    try:
        wait_for(lambda: store.get_item(first).state is ItemState.IN_PROGRESS)
        [bot] = psutil.Process(worker.pid).children()
        assert os.getsid(bot.pid) == bot.pid != os.getsid(worker.pid)
        os.killpg(worker.pid, signal.SIGINT)  # Ctrl+C
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert store.get_item(first).state is ItemState.DONE
    assert store.get_item(first).attempts == 1, "the bot was not interrupted"
    assert store.get_item(second).state is ItemState.PENDING, "nothing new was started"


def test_a_schedule_never_overlaps_its_own_run(store: Store, store_url: str,
                                               tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "p.yaml", schedules="""
schedules:
  - name: slow-every-half-second
    process: t
    step: a
    every: 0.5s
    payload: {sleep: 1}
""")
    config = load_config(config_path)
    # Two schedulers, as on two machines, ticking side by side: one run at a time.
    schedulers = [Scheduler(store, config, config_path, store_url, owner=f"machine-{n}")
                  for n in (1, 2)]
    for s in schedulers:
        s.tick(time.time())

    def two_runs_done() -> bool:
        for s in schedulers:
            s.tick(time.time())
        return store.counts(P).get((P, STEP), {}).get("DONE", 0) >= 2

    wait_for(two_runs_done, timeout=180, every=0.2)
    for s in schedulers:
        for running in s._running.values():
            running.process.wait(60)
    events = store.events(limit=10_000)
    spans = sorted((min(e.at for e in events if e.item_id == i and e.kind == "RESERVED"),
                    max(e.at for e in events if e.item_id == i and e.kind == "COMPLETED"))
                   for i in {e.item_id for e in events if e.kind == "COMPLETED"})
    assert len(spans) >= 2
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end, "a run started while the previous one was still going"
    assert sum(len(s.skipped) for s in schedulers) > 0, "overlapping starts were skipped"
    assert [r["last_status"] for r in store.schedules()] in (["OK"], ["RUNNING"])


def test_an_empty_queue_ends_the_worker_at_once(store: Store, store_url: str,
                                                tmp_path: Path) -> None:
    config = write_config(tmp_path / "p.yaml")
    started = time.monotonic()
    out = run_worker(store_url, config, tmp_path / "logs", slots=2)
    assert time.monotonic() - started < 60 and "0 done, 0 failed" in out
    assert not (tmp_path / "logs" / "a-slot1" / "log.html").exists(), "no bot run was started"


def _retry_config(path: Path) -> Path:
    text = write_config(path).read_text(encoding="utf-8").replace(
        "retry: {max_attempts: 3, initial_seconds: 0, jitter: 0}",
        "retry: {max_attempts: 2, initial_seconds: 3, jitter: 0}")
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_when_empty_waits_for_a_retry_due_within_the_window(store: Store, store_url: str,
                                                                 tmp_path: Path) -> None:
    config = _retry_config(tmp_path / "p.yaml")
    item = store.create_item(P, STEP, {"fail": "APPLICATION"}).id
    out = run_worker(store_url, config, tmp_path / "logs")
    assert store.get_item(item).attempts == 2, "the retry due in 3 s was waited for"
    assert store.get_item(item).state is ItemState.FAILED
    assert "0 pending." in out


def test_a_worker_says_why_items_are_still_pending(store: Store, store_url: str,
                                                   tmp_path: Path) -> None:
    config = _retry_config(tmp_path / "p.yaml")
    item = store.create_item(P, STEP, {"fail": "APPLICATION"}).id
    done = subprocess.run([*worker_command(store_url, config, tmp_path / "logs"),
                           "--retry-window", "1s"], cwd=REPO_ROOT, timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert store.get_item(item).attempts == 1, "a retry beyond the window is left for later"
    assert "1 pending:" in out
    assert re.search(rf"item {item}: next retry in [0-3]s after TEST_APP: flaky on purpose "
                     r"\(1 attempt\(s\) so far\)", out), out
