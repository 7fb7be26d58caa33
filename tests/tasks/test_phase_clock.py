"""Where a bot run's time goes: phases, timed calls, nesting, and the file benchmarks read."""

from __future__ import annotations

import json
import time

import pytest

from tasks.phase_clock import OUTPUT_ENV, PhaseClock


class _Session:
    def __init__(self) -> None:
        self.name = "erp"

    def search(self, seconds: float) -> str:
        time.sleep(seconds)
        return "found"

    def busy(self, seconds: float) -> int:
        end, n = time.thread_time() + seconds, 0
        while time.thread_time() < end:
            n += 1
        return n


def test_a_timed_object_counts_its_calls_wall_and_cpu() -> None:
    clock = PhaseClock()
    session = clock.timed(_Session(), "erp")
    assert session.search(0.05) == "found" and session.name == "erp"
    session.busy(0.05)
    summary = clock.summary()["erp"]
    assert summary["calls"] == 2
    assert summary["wall"] >= 0.1
    # sleeping is wall time only; the busy loop is CPU time of this thread
    assert 0.04 <= summary["cpu"] < summary["wall"]


def test_an_inner_phase_is_not_counted_twice() -> None:
    clock = PhaseClock()
    session = clock.timed(_Session(), "erp")
    with clock.phase("reading"):
        time.sleep(0.05)
        session.search(0.1)
        with clock.phase("reading"):  # the same phase again adds nothing of its own
            time.sleep(0.02)
    times = clock.summary()
    assert 0.1 <= times["erp"]["wall"] < 0.15
    assert 0.07 <= times["reading"]["wall"] < 0.1
    assert times["reading"]["calls"] == 1


def test_an_exception_still_counts_its_time() -> None:
    clock = PhaseClock()
    with pytest.raises(ValueError), clock.phase("store"):
        time.sleep(0.02)
        raise ValueError("refused")
    assert clock.summary()["store"]["wall"] >= 0.02


def test_the_summary_is_written_only_where_asked(tmp_path, monkeypatch) -> None:
    clock = PhaseClock()
    with clock.phase("reading"):
        pass
    monkeypatch.delenv(OUTPUT_ENV, raising=False)
    assert clock.write() is None
    monkeypatch.setenv(OUTPUT_ENV, str(tmp_path / "phases"))
    path = clock.write()
    assert path is not None and path.parent == tmp_path / "phases"
    assert json.loads(path.read_text())["reading"]["calls"] == 1
