"""Run one bot from the desktop, the way a citizen developer debugs it.

    python -m tasks.local consumer [--headed] [--slowmo 250]
    python -m tasks.local form_filler --headed

Loads ``devdata/env-<bot>.json`` (Robocorp's convention: the FileAdapter and
the ``devdata/work-items-in`` items), starts the development ERP (or, for the
form filler, the development form) when the bot needs one and none answers,
then runs the bot with robocorp-tasks. The log is ``output/log.html``; each
bot's outputs are in ``output/work-items-out/``, the form filler's results
workbook in ``output/``. The devdata items are run from a copy in
``output/work-items-in/`` (the FileAdapter writes saved payloads back to its input
file); devdata stays as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

from tasks.settings import REPO_ROOT

BOTS = {"producer": "produce", "consumer": "consume", "reporter": "report",
        "form_filler": "fill_form_from_spreadsheet"}
TALLY = re.compile(r"^\w+ \d+, failed \d+")  # tasks.run_log.RunTally's line


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local development URL
        return True
    except (urllib.error.URLError, OSError):
        return False


def _is_local(url: str) -> bool:
    return urlparse(url).hostname in ("127.0.0.1", "localhost")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bot", choices=sorted(BOTS))
    parser.add_argument("--headed", action="store_true", help="show the browser")
    parser.add_argument("--slowmo", type=int, default=0, help="milliseconds between actions")
    args = parser.parse_args(argv)

    env_file = REPO_ROOT / "devdata" / f"env-{args.bot}.json"
    env = {**os.environ, **json.loads(env_file.read_text(encoding="utf-8"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if args.headed:
        env["AP_HEADED"] = "1"
    if args.slowmo:
        env["AP_SLOWMO"] = str(args.slowmo)
    if "RC_WORKITEM_OUTPUT_PATH" in env:
        Path(REPO_ROOT / env["RC_WORKITEM_OUTPUT_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    if "RC_WORKITEM_INPUT_PATH" in env:
        env["RC_WORKITEM_INPUT_PATH"] = str(_working_copy(Path(env["RC_WORKITEM_INPUT_PATH"]),
                                                          args.bot))
    with ExitStack() as stack:
        erp_url = env.get("AP_ERP_URL")
        if erp_url and not _answers(erp_url):
            from devdata.erp.server import ErpServer

            port = urlparse(erp_url).port or 8070
            stack.enter_context(ErpServer(REPO_ROOT / "output" / "dev-erp.db", port=port))
            print(f"started the development ERP at {erp_url} (user apbot / apbot-dev)")
        form_url = env.get("FORM_URL")
        if form_url and _is_local(form_url) and not _answers(form_url):
            from devdata.forms import FormServer

            stack.enter_context(FormServer(port=urlparse(form_url).port or 8072))
            print(f"started the development form at {form_url}")
        command = [sys.executable, "-m", "robocorp.tasks", "run", f"tasks/{args.bot}.py",
                   "-t", BOTS[args.bot]]
        return _run_and_tell(command, env)


def _working_copy(inputs: Path, bot: str) -> Path:
    """Robocorp's FileAdapter writes the payloads a bot saves back into its input file: a
    devdata input is copied (with its files) to output/work-items-in/ first, so the
    project's sample items stay as they are, run after run."""
    source = inputs if inputs.is_absolute() else REPO_ROOT / inputs
    if not source.resolve().is_relative_to(REPO_ROOT / "devdata"):
        return source  # another bot's outputs, under output/ already
    target = REPO_ROOT / "output" / "work-items-in" / bot
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source.parent, target)
    return target / source.name


def _run_and_tell(command: list[str], env: dict[str, str]) -> int:
    """Run the bot with its output on this terminal, then repeat its own last word on
    what it did ("posted 1, failed 1 (LOW_CONFIDENCE)") below robocorp's closing lines."""
    said = None
    with subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as run:
        assert run.stdout is not None
        for line in run.stdout:
            print(line, end="", flush=True)
            if TALLY.match(line) and said is None:  # the bot's own line, not a traceback's
                said = line.strip()
    if said:
        print(said)
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
