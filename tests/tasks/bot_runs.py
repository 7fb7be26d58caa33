"""Run an AP bot the way production does: through ``workitems worker`` on a store.

    config = write_ap_config(tmp_path, producer_attempts=1)
    result = run_step(store_url, config, "producer", tmp_path / "logs", env={"AP_INBOX": ...})
    result.console  # the bot's console output (its summary lines)
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from devdata.approved_invoices import approved_invoices
from workitems import Store
from workitems.processes import REPO_ROOT, load_config

PROCESS = "ap"
__all__ = ["PROCESS", "StepRun", "approved_invoices", "register", "run_step", "write_ap_config"]


def write_ap_config(folder: Path, producer_attempts: int = 2,
                    consumer_attempts: int | None = None, triage: bool = False) -> Path:
    """The ap process of tasks/processes.yaml with retries that do not wait; without the
    triage step unless ``triage`` (the producer's outputs then go straight to the consumer)."""
    path = folder / "processes.yaml"
    retry = "{max_attempts: %d, initial_seconds: 0, jitter: 0}"
    consumer_retry = f"\n        retry: {retry % consumer_attempts}" if consumer_attempts else ""
    triage_step = f"""
      - name: triage
        task: tasks/triage_step.py::route
        next: consumer
        lease: 2m
        retry: {retry % 1}""" if triage else ""
    path.write_text(f"""
processes:
  ap:
    steps:
      - name: producer
        task: tasks/producer.py::produce
        next: {"triage" if triage else "consumer"}
        lease: 2m
        retry: {retry % producer_attempts}{triage_step}
      - name: consumer
        task: tasks/consumer.py::consume
        next: reporter{consumer_retry}
      - name: reporter
        task: tasks/reporter.py::report
        lease: 2m
        retry: {retry % 1}
""", encoding="utf-8")
    return path


def register(store: Store, config: Path) -> None:
    """Make the process known, so items can be queued before a worker starts."""
    cfg = load_config(config)
    store.register_process(PROCESS, cfg.steps(PROCESS))


@dataclass
class StepRun:
    stdout: str
    console: str  # what the bot printed and logged, from the slot's console.log


def run_step(store_url: str, config: Path, step: str, logs: Path,
             env: dict[str, str] | None = None, timeout: float = 180) -> StepRun:
    """Run one worker slot on ``step`` until its queue is empty."""
    command = [sys.executable, "-m", "workitems", "--db", store_url, "worker", step,
               "--process", PROCESS, "--exit-when-empty", "--config", str(config), "--quiet",
               "--logs", str(logs), "--poll", "0.2"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AP_")}
    done = subprocess.run(command, cwd=REPO_ROOT, env={**clean, **(env or {})},
                          timeout=timeout, capture_output=True, text=True)
    console_log = logs / f"{step}-slot1" / "console.log"
    console = console_log.read_text(errors="replace") if console_log.exists() else ""
    assert done.returncode == 0, done.stdout + done.stderr + console
    return StepRun(done.stdout, console)

