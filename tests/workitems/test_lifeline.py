"""A bot ends with its worker, by either guard alone (real processes, SIGKILL)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import psutil

from workitems.processes import REPO_ROOT

# A "worker" that starts one "bot" and sleeps; GUARD picks how the bot is tied to it.
WORKER = textwrap.dedent("""
    import functools, os, subprocess, sys, time
    from workitems.lifeline import PARENT_ENV, die_with_parent
    bot = '''
    import time
    from workitems.lifeline import watch_parent
    if WATCH:
        watch_parent(0.1)
    time.sleep(60)
    '''.replace("WATCH", sys.argv[1])
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    pdeathsig = functools.partial(die_with_parent, os.getpid()) if sys.argv[2] == "1" else None
    child = subprocess.Popen([sys.executable, "-c", bot], env=env, preexec_fn=pdeathsig)
    print(child.pid, flush=True)
    time.sleep(60)
""")


def _bot_outlives_its_worker(watch: bool, pdeathsig: bool) -> bool:
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(int(watch)), str(int(pdeathsig))],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    bot = psutil.Process(int(worker.stdout.readline()))
    try:
        worker.send_signal(signal.SIGKILL)
        worker.wait(5)
        _, alive = psutil.wait_procs([bot], timeout=3)
        return bool(alive)
    finally:
        if bot.is_running():
            bot.kill()
        worker.stdout.close()


def test_the_parent_death_signal_alone_ends_the_bot() -> None:
    assert not _bot_outlives_its_worker(watch=False, pdeathsig=True)


def test_the_bots_own_watch_alone_ends_the_bot() -> None:
    assert not _bot_outlives_its_worker(watch=True, pdeathsig=False)


def test_without_either_guard_the_bot_would_outlive_its_worker() -> None:
    # The control: shows the two tests above can fail.
    assert _bot_outlives_its_worker(watch=False, pdeathsig=False)
