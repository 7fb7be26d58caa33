"""A bot dies with its worker.

A worker killed with ``kill -9`` cannot forward anything to its bots. A bot left
running would keep taking and finishing items under the dead worker's name, and
no replacement worker's SIGTERM would ever reach it; "the item comes back when
its lease expires" would be false. Two guards, so that one is enough:

- on Linux the worker starts each bot with a parent-death signal
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, set in the child before it runs the bot):
  the kernel kills the bot the moment the worker dies;
- elsewhere, or if that call fails, the bot watches its parent itself
  (:func:`watch_parent`, started by the adapter): once the worker is gone it ends
  at once, without finishing or releasing the item in hand.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading

LOGGER = logging.getLogger(__name__)
PARENT_ENV = "WORKITEMS_PARENT_PID"  # the worker's pid, set in every bot's environment
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHANED_EXIT_CODE = 70
# Loaded in the parent: between fork and exec the child must not load libraries.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux only).

    Meant for ``subprocess.Popen(preexec_fn=...)``: it runs in the child between
    fork and exec, and the setting survives exec. If the parent already died
    before the call, the child ends itself rather than run unwatched.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)  # if refused: watch_parent
    if os.getppid() != parent_pid:
        os._exit(ORPHANED_EXIT_CODE)


def watch_parent(interval: float = 0.5) -> threading.Thread | None:
    """In a bot: end the process as soon as the worker that started it is gone.

    Does nothing when the process was not started by a worker (no WORKITEMS_PARENT_PID),
    e.g. a citizen developer running a bot from the desktop.
    """
    try:
        parent = int(os.environ.get(PARENT_ENV, ""))
    except ValueError:
        return None

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(interval)
        # os._exit, not sys.exit: no item is released or finished for a dead worker; the
        # lease expires and the item returns to the queue.
        LOGGER.error("the worker (pid %s) that started this bot is gone; stopping now", parent)
        os._exit(ORPHANED_EXIT_CODE)

    thread = threading.Thread(target=watch, daemon=True, name="workitems-parent-watch")
    thread.start()
    return thread
