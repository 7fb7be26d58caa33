"""A few files through bench.fuzz: it runs, counts no crash, and ends with its JSON line.

The benchmark itself (hundreds of files) is run by hand: ``python -m bench.fuzz``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fuzz_runs_a_handful_of_files_without_a_crash():
    done = subprocess.run([sys.executable, "-m", "bench.fuzz", "--count", "6", "--seed", "7",
                           "--time-limit", "10"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["files"] == 6
    assert figures["crashes"] == 0, done.stdout
    assert figures["read"] + figures["unreadable"] == 6
    assert figures["peak_child_rss_mb"] < 400
    assert figures["worst_seconds"] < 10 + 2  # no document outlives its time limit
