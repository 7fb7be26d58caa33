"""After the demo: the previous run is kept aside, the printed commands work as printed in
the project folder, and `make room` posts what a clerk approves while the room is open."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.demo import PipelineResult, keep_previous_run, point_commands_at, print_next_steps
from tests.workitems.test_cli import listed_ids
from workitems import ItemState, open_store
from workitems.processes import REPO_ROOT


def test_a_second_run_keeps_the_first_aside(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    assert keep_previous_run(workdir) is None, "nothing to keep on a first run"
    (workdir / "logs").mkdir(parents=True)
    (workdir / "workitems.db").write_bytes(b"the first run's items and users")
    kept = keep_previous_run(workdir)
    assert kept is not None and kept.name.startswith("demo-20") and not workdir.exists()
    assert (kept / "workitems.db").read_bytes() == b"the first run's items and users"
    workdir.mkdir()
    again = keep_previous_run(workdir)
    assert again is not None and again != kept and kept.exists(), "never overwrites a kept run"


def test_the_printed_commands_work_as_printed(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    db = tmp_path / "demo" / "workitems.db"
    with open_store(f"sqlite:///{db}") as store:
        failed = store.create_item("ap", "consumer", {"n": 1}).id
    env_file = point_commands_at(f"sqlite:///{db}", tmp_path)
    result = PipelineResult([], [], [], {}, f"sqlite:///{db}", db.parent)
    print_next_steps(result, env_file)
    printed = capsys.readouterr().out
    commands = [line.split("   ")[0].strip() for line in printed.splitlines()
                if line.strip().startswith(".venv/bin/workitems")]
    assert commands[0] == ".venv/bin/workitems list --state FAILED", printed
    assert "make room" in printed and "workitems.env" in printed
    env = {k: v for k, v in os.environ.items() if k != "WORKITEMS_DB"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    # The same command, run in the folder the demo wrote workitems.env to, sees the item.
    shown = subprocess.run([sys.executable, "-m", "workitems", "list", "--state", "PENDING"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert listed_ids(shown.stdout) == [failed], shown.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.browser
def test_make_room_posts_an_approval_while_the_room_is_open(tmp_path: Path) -> None:
    from tasks import invoice_view
    from tasks.room_demo import seed_failed_invoice
    from tests.workitems.room.conftest import PASSWORD
    from tests.workitems.room.test_approval_posts_to_erp import an_invoice_the_erp_expects
    from workitems.room import repository as repo
    from workitems.room import review
    from workitems.room.auth import hash_password

    url = f"sqlite:///{tmp_path / 'demo' / 'workitems.db'}"
    with open_store(url) as store:
        clerk = repo.create_user(store, "clerk1", hash_password(PASSWORD), "clerk")
        invoice = an_invoice_the_erp_expects()
        item_id = seed_failed_invoice(store, invoice)
    port = _free_port()
    room = subprocess.Popen([sys.executable, "-m", "tasks.control_room", "--db", url, "--port",
                             str(port)], cwd=REPO_ROOT, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the room answers
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("the Control Room did not start")
        with open_store(url) as store:  # the clerk fixes the smudged total and approves
            item = store.get_item(item_id)
            fields = invoice_view.predicted_fields(invoice_view.invoice_of(item))  # type: ignore[arg-type]
            approved = invoice_view.approve(store, clerk, item_id, item.version,
                                      {**fields, "total": str(invoice.total)})
            assert approved == review.Approved(), "sent to the bot, no second approval needed"
            deadline = time.monotonic() + 300
            while store.get_item(item_id).state is not ItemState.DONE:
                assert time.monotonic() < deadline, "the approval was not posted"
                assert store.get_item(item_id).state is not ItemState.FAILED, \
                    store.get_item(item_id).exception_message
                time.sleep(1)
            posting = store.get_item(item_id).payload["posting"]
        assert posting["document_number"] and posting["straight_through"] is False
    finally:
        os.killpg(room.pid, signal.SIGINT)  # Ctrl+C in the terminal of `make room`
        out, _ = room.communicate(timeout=150)
    assert "consumer worker" in out and "Stopped." in out, out
    assert "1 done, 0 failed" in out, "an approved item leaving FAILED is no negative failure"
    assert "restarting" not in out, "a worker asked to stop does not restart its slot"
