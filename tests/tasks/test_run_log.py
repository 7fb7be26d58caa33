"""What a citizen developer reads after a desktop run: the failed invoice as failed, no
secrets, no library internals, and the tally last."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from robocorp import log

from devdata.erp.server import ErpServer
from tasks.run_log import RunTally, hide_secrets
from workitems.processes import REPO_ROOT


def test_the_tally_line_and_a_desktop_run_fails_when_an_item_failed(monkeypatch) -> None:  # noqa: ANN001
    from robocorp.workitems import BusinessException

    tally = RunTally("posted")
    with tally.item("a.pdf"):
        pass
    for name in ("b.pdf", "c.pdf", "d.pdf"):
        with pytest.raises(BusinessException), tally.item(name):
            raise BusinessException("unsure", code="UNKNOWN_VENDOR" if name != "b.pdf"
                                    else "LOW_CONFIDENCE")
    assert tally.line() == "posted 1, failed 3 (LOW_CONFIDENCE, 2 UNKNOWN_VENDOR)"
    monkeypatch.setenv("RC_WORKITEM_ADAPTER", "workitems.adapter.StoreAdapter")
    tally.finish()  # on a worker: the store has the failures, the run itself is fine
    monkeypatch.setenv("RC_WORKITEM_ADAPTER", "FileAdapter")
    with pytest.raises(Exception, match="posted 1, failed 3"):
        tally.finish()


def test_secrets_from_the_environment_and_urls_are_hidden(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("AP_IMAP_PASSWORD", "imap-s3cret")
    monkeypatch.setenv("WORKITEMS_DB", "postgresql://ap:db-s3cret@db.internal/ap")
    hide_secrets(["given-s3cret"])
    hidden = log.hide_strings_config().hide_strings
    assert {"imap-s3cret", "db-s3cret", "given-s3cret"} <= set(hidden)


@pytest.mark.slow
@pytest.mark.browser
def test_a_desktop_run_log_shows_the_failure_and_no_secrets(tmp_path: Path) -> None:
    # A copy: Robocorp's FileAdapter writes the items' saved payloads back to its input file.
    folder = shutil.copytree(REPO_ROOT / "devdata" / "work-items-in" / "consumer",
                             tmp_path / "in")
    inputs = folder / "work-items.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AP_", "WORKITEMS_"))}
    with ErpServer(tmp_path / "erp.db") as erp:
        env.update(RC_WORKITEM_ADAPTER="FileAdapter", RC_WORKITEM_INPUT_PATH=str(inputs),
                   RC_WORKITEM_OUTPUT_PATH=str(tmp_path / "out" / "work-items.json"),
                   AP_ERP_URL=erp.url, AP_OUTPUT=str(tmp_path),
                   AP_OUR_COMPANIES=str(REPO_ROOT / "devdata" / "our-companies.json"),
                   AP_PORTAL_PASSWORD="portal-s3cret", PYTHONPATH=str(REPO_ROOT))
        done = subprocess.run([sys.executable, "-m", "robocorp.tasks", "run",
                               "tasks/consumer.py", "-t", "consume", "-o", str(tmp_path / "log"),
                               "--console-colors", "plain"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    # devdata's scanned invoice waits for a person (an OCR-read invoice number)
    assert done.returncode == 1, out
    assert "posted 1, failed 1 (LOW_CONFIDENCE)" in out
    robolog = "".join(p.read_text(encoding="utf-8", errors="replace")
                      for p in (tmp_path / "log").glob("*.robolog"))
    assert "002-INV-20262.jpg: FAILED LOW_CONFIDENCE" in robolog
    assert "ItemsFailed: posted 1, failed 1 (LOW_CONFIDENCE)" in robolog, "the run failed"
    for secret in ("apbot-dev", "portal-s3cret"):
        assert secret not in robolog, f"{secret} in the log"
    assert "erp_password=<redacted>" in robolog
    for library in ("pydantic/", "PIL/", "onnxruntime/", "numpy/"):
        assert library not in robolog, f"{library} internals in the log"


def test_a_desktop_run_leaves_the_devdata_items_as_they_are(tmp_path: Path,
                                                           monkeypatch) -> None:  # noqa: ANN001
    import tasks.local as local

    items = tmp_path / "devdata" / "work-items-in" / "consumer"
    items.mkdir(parents=True)
    (items / "work-items.json").write_text("[]", encoding="utf-8")
    (items / "a.pdf").write_bytes(b"%PDF")
    monkeypatch.setattr(local, "REPO_ROOT", tmp_path)
    copy = local._working_copy(Path("devdata/work-items-in/consumer/work-items.json"),
                               "consumer")
    assert copy == tmp_path / "output" / "work-items-in" / "consumer" / "work-items.json"
    assert (copy.parent / "a.pdf").read_bytes() == b"%PDF", "the item's files come along"
    outputs = tmp_path / "output" / "work-items-out" / "consumer" / "work-items.json"
    assert local._working_copy(outputs, "reporter") == outputs, "outputs are read in place"


def test_a_run_over_http_is_unattended_but_has_no_store(monkeypatch) -> None:  # noqa: ANN001
    from tasks.run_log import has_a_store, on_a_worker

    monkeypatch.setenv("RC_WORKITEM_ADAPTER", "robocorp.workitems.RobocorpAdapter")
    monkeypatch.setenv("RC_WORKSPACE_ID", "workitems")
    monkeypatch.setenv("RC_PROCESS_RUN_ID", "7")
    assert on_a_worker() and not has_a_store()
    tally = RunTally("posted")
    tally.failed["LOW_CONFIDENCE"] += 1
    tally.finish()  # the Control Room has the failure; the run itself is fine
    monkeypatch.delenv("RC_PROCESS_RUN_ID")
    with pytest.raises(Exception, match="failed 1"):
        tally.finish()
