"""The `workitems` command refuses what it must, with one clear line and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workitems import ExceptionType, ItemState, Store
from workitems.processes import REPO_ROOT
from workitems.room import repository as room_repo


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workitems", "--db", url, *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)


def test_seed_attaches_only_files_inside_the_work_items_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("salaries")
    folder = tmp_path / "in" / "evil"
    folder.mkdir(parents=True)
    (folder / "work-items.json").write_text(json.dumps(
        [{"payload": {}, "files": {"invoice.pdf": "../../secret.txt"}}]))

    done = _run(f"sqlite:///{tmp_path / 'w.db'}", "seed", str(tmp_path / "in"))

    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2, output
    assert "outside" in output and "Traceback" not in output
    store_url = f"sqlite:///{tmp_path / 'w.db'}"
    assert "0 new items" not in _run(store_url, "counts").stdout  # nothing was stored


def test_list_limit_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(f"sqlite:///{tmp_path / 'w.db'}", "list", "--limit", "99999999999999999999")

    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "limit" in (done.stdout + done.stderr).lower()


def test_done_respects_a_room_claim_and_is_audited(store: Store, store_url: str) -> None:
    item_id = store.create_item("ap", "consumer", {"n": 1}).id
    reservation = store.reserve("ap", "consumer", "w")
    assert reservation is not None
    store.fail(item_id, reservation.token, "w", ExceptionType.BUSINESS, "PO_MISMATCH", "x")
    store.claim(item_id, "clerk1")

    refused = _run(store_url, "done", str(item_id))
    assert refused.returncode == 2 and "claimed by clerk1" in refused.stdout
    assert store.get_item(item_id).state is ItemState.FAILED

    forced = _run(store_url, "done", str(item_id), "--force", "--reason", "paid by hand")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert store.get_item(item_id).state is ItemState.DONE
    (entry,) = room_repo.audit_entries(store, item_id=item_id)
    assert entry.action == "done" and entry.actor.startswith("cli:")
    assert entry.before["assignee"] == "clerk1"
