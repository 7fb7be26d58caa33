"""The `workitems` command as a person uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workitems import ExceptionType, ItemState, Store
from workitems.cli import app
from workitems.processes import REPO_ROOT

runner = CliRunner()


def listed_ids(output: str) -> list[int]:
    """The item ids of a `workitems list` table."""
    return [int(line.split()[0]) for line in output.splitlines()
            if line.split() and line.split()[0].isdigit()]


def cli(store_url: str, *args: str) -> str:
    result = runner.invoke(app, ["--db", store_url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_count_list_show_retry_done(store: Store, store_url: str) -> None:
    out = cli(store_url, "seed", str(REPO_ROOT / "devdata" / "work-items-in" / "consumer"))
    assert "2 new items in ap/consumer" in out
    out = cli(store_url, "seed", str(REPO_ROOT / "devdata" / "work-items-in" / "consumer"))
    assert "0 new items" in out and "2 already there" in out, "the same documents merge"
    [second, first] = store.list_items(step="consumer")
    assert store.get_item(first.id).files == ["001-INV-20261.pdf"]
    assert first.reference == first.payload["reference"]

    res = store.reserve("ap", "consumer", "w")
    assert res is not None
    store.fail(res.item_id, res.token, "w", ExceptionType.BUSINESS, "PO_MISMATCH", "closed PO")
    out = cli(store_url, "list", "--state", "failed")
    assert "PO_MISMATCH" in out and str(res.item_id) in out
    assert "FAILED" in cli(store_url, "counts")
    out = cli(store_url, "show", str(res.item_id))
    assert "closed PO" in out and "RESERVED" in out and "FAILED" in out

    cli(store_url, "retry", str(res.item_id))
    assert store.get_item(res.item_id).state is ItemState.PENDING
    cli(store_url, "done", str(second.id), "--reason", "paid by hand")
    assert store.get_item(second.id).state is ItemState.DONE
    assert store.events(second.id)[-1].actor.startswith("cli:")


def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    for args, message in (
        (["show", "404"], "ITEM_NOT_FOUND: there is no work item with id 404"),
        (["retry", "404"], "ITEM_NOT_FOUND"),
        (["worker", "nosuchstep"], "process 'ap' has no step 'nosuchstep'"),
        (["--db", "mysql://x", "counts"], "unsupported database URL"),
    ):
        command = [sys.executable, "-m", "workitems"] + (
            args if args[0] == "--db" else ["--db", url, *args])
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, done.stdout + done.stderr
        assert message in " ".join((done.stdout + done.stderr).split()), done.stdout
        assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.pdf"])
def test_seed_refuses_path_file_names(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "in" / "bad"
    folder.mkdir(parents=True)
    (tmp_path / "in" / "bad" / "x.pdf").write_bytes(b"%PDF")
    entry = {"payload": {}, "files": {name: "x.pdf"}}
    (folder / "work-items.json").write_text(json.dumps([entry]))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    done = subprocess.run([sys.executable, "-m", "workitems", "--db", url, "seed",
                           str(tmp_path / "in")], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "INVALID_FILE_NAME" in done.stdout


def test_workitems_env_names_the_database_for_every_command(store: Store, store_url: str,
                                                            tmp_path: Path) -> None:
    """`make demo` writes workitems.env; commands run in that folder then open its database,
    and $WORKITEMS_DB still wins over the file."""
    from workitems.config import write_env_file

    item = store.create_item("ap", "consumer", {"n": 1}).id
    write_env_file({"WORKITEMS_DB": store_url}, "for the test", tmp_path / "workitems.env")
    env = {k: v for k, v in os.environ.items() if k != "WORKITEMS_DB"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    listed = subprocess.run([sys.executable, "-m", "workitems", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert listed_ids(listed.stdout) == [item], listed.stdout
    assert "workitems.env" in listed.stdout, "the table says which database it shows"
    env["WORKITEMS_DB"] = f"sqlite:///{tmp_path / 'other.db'}"
    other = subprocess.run([sys.executable, "-m", "workitems", "list"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0 and listed_ids(other.stdout) == [], other.stdout


def test_list_shows_the_configured_payload_columns_in_80_columns(store: Store, store_url: str,
                                                                 tmp_path: Path) -> None:
    from tasks.room_demo import DemoInvoice, seed_failed_invoice

    item = seed_failed_invoice(store, DemoInvoice(
        vendor_name="Kessler Logistik GmbH & Co. KG Spedition", invoice_number="RE-2024-0999"))
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO_ROOT)}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "workitems", "--db", store_url, *args],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    listed = run("list", "--state", "FAILED")
    assert max(len(line) for line in listed.splitlines()) <= 80, listed
    header, row = listed.splitlines()[:2]
    assert header.split()[:8] == ["id", "state", "code", "vendor", "invoice", "amount", "cur",
                                  "updated"], "AP's columns, from tasks/processes.yaml"
    assert row.split()[:3] == [str(item), "FAILED", "LOW_CONFIDENCE"]
    assert "RE-2024-0999" in row and "311.54" in row and "EUR" in row and "Kessler" in row

    shown = run("show", str(item))
    assert len(shown.splitlines()) < 30, "a summary, not the payload"
    assert "LOW_CONFIDENCE" in shown and "RE-2024-0999" in shown and "invoice.pdf" in shown
    assert f"workitems show {item} --json" in shown
    whole = json.loads(run("show", str(item), "--json"))
    assert whole["payload"]["extracted"]["fields"]["invoice_number"]["value"] == "RE-2024-0999"
    assert [e["kind"] for e in whole["events"]][-1] == "FAILED"
