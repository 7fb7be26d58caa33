"""What a bot run's log and terminal say: secrets hidden, every failed item shown as failed,
and one last line a person reads first ("posted 3, failed 1 (LOW_CONFIDENCE)").

    tally = RunTally("posted")
    for item in workitems.inputs:
        with item, tally.item(name):
            ...
    tally.finish()

Run by a worker (of the store, or over HTTP), the store records each failure and the run
itself succeeds (a failed invoice is the queue's business, not a crash). Run from the
desktop (Robocorp's FileAdapter), the run fails when an item failed, so ``log.html``
says "Run Failed" with the reason instead of a green "Run Passed".
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from robocorp import log
from robocorp.workitems import ApplicationException, BusinessException

LOGGER = logging.getLogger(__name__)
# Environment variables whose values never reach a log: AP_ERP_PASSWORD, AP_IMAP_PASSWORD,
# WORKITEMS_ROOM_SECRET, API tokens...
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|CREDENTIAL", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"://[^:/@\s]+:([^@\s]+)@")  # postgresql://user:PASSWORD@host


class ItemsFailed(Exception):
    """Some items of a desktop run failed: the run's own status says so."""


def hide_secrets(values: Iterable[str | None] = ()) -> None:
    """Keep secrets out of log.html: the given values, every environment variable with a
    secret's name, and passwords inside URLs. Variables and arguments named like secrets
    are hidden too."""
    for name in ("token", "secret", "credential", "api_key"):
        log.add_sensitive_variable_name(name)  # "password" and "passwd" are by default
    secrets = [v for v in values if v]
    secrets += [v for k, v in os.environ.items() if SECRET_NAME.search(k) and v]
    secrets += [m for v in os.environ.values() for m in _URL_PASSWORD.findall(v)]
    for secret in secrets:
        log.hide_from_output(secret)


def on_a_worker() -> bool:
    """Run unattended, not from the desktop: by a worker of the store, or in a Control
    Room's run over HTTP (Robocorp's adapter with the run's ``RC_*`` settings)."""
    env = os.environ
    return has_a_store() or bool(env.get("RC_WORKSPACE_ID") and env.get("RC_PROCESS_RUN_ID"))


def has_a_store() -> bool:
    """Run by a worker of the work-item store, so the store is this process's to open."""
    adapter = os.environ.get("RC_WORKITEM_ADAPTER") or os.environ.get("RPA_WORKITEMS_ADAPTER")
    return (adapter or "").endswith("StoreAdapter")


class RunTally:
    def __init__(self, verb: str) -> None:
        self.verb = verb  # what a successful item is: "posted"
        self.done = 0
        self.failed: Counter[str] = Counter()

    @contextmanager
    def item(self, name: str) -> Iterator[None]:
        """Count one item; a failure is logged as failed (red in log.html) and re-raised
        for ``with item:`` to release."""
        try:
            yield
        except (BusinessException, ApplicationException) as exc:
            code = str(exc.code or type(exc).__name__)
            self.failed[code] += 1
            log.critical(f"{name}: FAILED {code}: {exc.message}")
            raise
        except Exception as exc:
            self.failed[type(exc).__name__] += 1
            log.critical(f"{name}: FAILED {type(exc).__name__}: {exc}")
            raise
        self.done += 1

    def line(self) -> str:
        codes = ", ".join(f"{n} {code}" if n > 1 else code
                          for code, n in sorted(self.failed.items()))
        failed = sum(self.failed.values())
        return f"{self.verb} {self.done}, failed {failed}" + (f" ({codes})" if failed else "")

    def finish(self) -> None:
        """Say what the run did, last; from the desktop, fail the run if an item failed."""
        line = self.line()
        LOGGER.info("%s", line)
        print(line, flush=True)
        if self.failed and not on_a_worker():
            raise ItemsFailed(f"{line}: the failed items need a person (see their messages "
                              "above)")
