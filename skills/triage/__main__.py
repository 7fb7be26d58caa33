"""Classify mails: ``python -m skills.triage PATH...`` (``.eml`` files, text files, or
folders of them) prints one JSON line per message: file, intent, confidence,
needs_person, entities. A file that cannot be read gets a line with its error code and
message; the exit status is 1 when any did."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from robocorp.workitems import BusinessException

from skills.errors import ErrorCode
from skills.triage.classify import triage
from skills.triage.message import read_message
from skills.triage.vendors import master_vendors

SUFFIXES = {".eml", ".txt", ".text"}


def _files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        else:
            found.append(path)
    return found


def _line(path: Path, vendors) -> tuple[dict, bool]:
    try:
        result = triage(read_message(path), vendors)
    except BusinessException as exc:
        return {"file": str(path), "error": {"code": exc.code, "message": exc.message}}, False
    except OSError as exc:
        return {"file": str(path), "error": {"code": ErrorCode.UNREADABLE_DOCUMENT.value,
                                             "message": f"cannot read the file: {exc}"}}, False
    return {"file": str(path), **result.model_dump(mode="json")}, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.triage", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--vendors", type=Path, default=None,
                        help="folder with vendors.xlsx (default: the development master)")
    args = parser.parse_args(argv)
    vendors = master_vendors(args.vendors)
    ok = True
    for path in _files(args.paths):
        line, fine = _line(path, vendors)
        ok &= fine
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
