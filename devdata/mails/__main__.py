"""Write generated AP mails as .eml files with a labels.jsonl beside them."""

from __future__ import annotations

import argparse
from pathlib import Path

from devdata.mails import FAMILIES, generate_mails, write_mails


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devdata.mails", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--family", choices=FAMILIES, default="heldout")
    args = parser.parse_args(argv)
    write_mails(generate_mails(args.count, args.seed, args.family), args.out)
    print(f"{args.count} mails in {args.out}")


if __name__ == "__main__":
    main()
