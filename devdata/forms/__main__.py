"""Run the shuffling test form for people: ``python -m devdata.forms --port 8072``."""

from __future__ import annotations

import argparse

from devdata.erp.serve import wait_for_ctrl_c
from devdata.forms import FormServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the shuffling test form.")
    parser.add_argument("--port", type=int, default=8072)
    args = parser.parse_args(argv)
    with FormServer(port=args.port) as form:
        print(f"Form running at {form.url}, the data-entry challenge at {form.challenge_url}. "
              "Ctrl+C stops it.")
        wait_for_ctrl_c()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
