"""`workitems room create-admin` and `workitems room serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from workitems import open_store
from workitems.room import repository as repo
from workitems.room.background import free_port
from workitems.room.cli import room_app

REPO = Path(__file__).resolve().parents[3]


def test_create_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    runner = CliRunner()
    env = {"ADMIN_PW": "a long enough password"}
    result = runner.invoke(room_app, ["create-admin", "--db", url, "--username", "root",
                                      "--password-env", "ADMIN_PW"], env=env)
    assert result.exit_code == 0, result.output
    assert "Administrator root created" in result.output
    with open_store(url) as store:
        [user] = repo.list_users(store)
        assert (user.username, user.role) == ("root", "admin")
        assert repo.audit_entries(store)[0].action == "create_user"
    again = runner.invoke(room_app, ["create-admin", "--db", url, "--username", "root",
                                     "--password-env", "ADMIN_PW"], env=env)
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(room_app, ["create-admin", "--db", url, "--username", "x",
                                     "--password-env", "SHORT"], env={"SHORT": "short"})
    assert short.exit_code != 0 and "at least 10 characters" in short.output


@pytest.mark.slow  # starts a Python process with the whole app: a few seconds
def test_serve_prints_its_address_and_answers(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-c", "from workitems.room.cli import room_app; room_app()",
               "serve", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        assert response.text == "ok\n"
        queue = httpx.get(f"http://127.0.0.1:{port}/queue", follow_redirects=False)
        assert queue.status_code == 303 and queue.headers["location"].startswith("/login")
    finally:
        process.terminate()
        process.wait(timeout=10)
