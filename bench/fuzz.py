"""Fuzzing: mutated and generated hostile files through reading and extraction.

    python -m bench.fuzz [--count 300] [--seed 1] [--time-limit 20] [--keep DIR]

Files come from two sources, half each:

- mutations of ordinary documents (a born-digital invoice PDF, a Factur-X PDF with its
  XML attached, small PNG / JPEG / TIFF scans, CII and UBL XML): bytes flipped, runs
  overwritten with hostile tokens (huge numbers, deep nesting, entity declarations),
  cuts, repeats and splices;
- generated hostile files: PDF decompression bombs in attachments and content streams,
  pages with hundreds of thousands of characters, operations or slow paths, image
  pixel bombs, XML entity bombs and 100,000-deep nesting.

Each file is read with ``read_document`` (the product's limits, ``--time-limit`` per
document) and, when it reads, its fields are extracted. Any outcome other than a
result or ``UnreadableDocument`` is a crash (target 0). Reported: crashes, the outcome
of each kind, the worst time, and the peak resident memory of the reading process and
of the sandbox children (``resource.getrusage``; each child's own VmHWM). ``--keep DIR``
saves crashing files.

Prints a table and, last, one JSON line of its figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: the repository root, not bench/, comes first

import argparse  # noqa: E402
import collections  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import zlib  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from PIL import Image  # noqa: E402

from devdata import hostile  # noqa: E402
from skills import einvoice, sandbox  # noqa: E402
from skills.documents import ReadOptions, read_document  # noqa: E402
from skills.errors import UnreadableDocument  # noqa: E402

_FIELDS = {"vendor_name": "ACME Supplies GmbH", "vendor_vat": "DE123456789",
           "invoice_number": "INV-2024-001", "invoice_date": "2024-03-05",
           "currency": "EUR", "net_amount": "100.00", "tax_amount": "19.00",
           "tax_rate": "19", "total": "119.00", "vendor_iban": "DE89370400440532013000"}

# Tokens written over a run of a file: what breaks parsers that trust their input.
_TOKENS = [b"99999999999999999999", b"-1", b"0", b"NaN", b"1e308", b"/Length 999999999",
           b"<<" * 50, b"[" * 200, b"<a>" * 500, b"<!DOCTYPE a [<!ENTITY x 'y'>]>",
           b"\x00" * 64, b"\xff" * 64, b"obj", b"endobj", b"stream\n", b"R", b"%%EOF",
           b"/Filter /FlateDecode", b"/Type /Page", b"\xef\xbb\xbf", b"&x;", b"]]>"]


@dataclass
class Tally:
    files: int = 0
    read: int = 0
    unreadable: int = 0
    crashes: list[str] = field(default_factory=list)
    worst_seconds: float = 0.0
    worst_file: str = ""
    rss_growth: dict[str, float] = field(default_factory=lambda: collections.defaultdict(float))
    by_kind: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter))


def main() -> None:
    args = _arguments()
    logging.disable(logging.CRITICAL)  # the product logs each refusal; the table says it
    rng = random.Random(args.seed)
    seeds = _seed_files()
    generators = _generators()
    options = ReadOptions(time_limit=args.time_limit)
    from skills.extract import extract  # noqa: PLC0415 - loads the field scorer

    tally = Tally()
    started = time.monotonic()
    for index in range(args.count):
        if index % 2 == 0:
            kind, base = rng.choice(seeds)
            kind, data = f"mutated {kind}", _mutate(base, rng)
        else:
            kind, make = rng.choice(generators)
            data = make(rng)
        _one(tally, kind, data, options, extract, args.keep, index)
    sandbox.POOL.close()
    _report(tally, time.monotonic() - started, options)


def _one(tally: Tally, kind: str, data: bytes, options: ReadOptions,
         extract: Callable, keep: Path | None, index: int) -> None:
    tally.files += 1
    rss_before = _rss_mb()
    start = time.monotonic()
    try:
        extract(read_document(data, "fuzz", options))
        outcome = "read"
        tally.read += 1
    except UnreadableDocument:
        outcome = "unreadable"
        tally.unreadable += 1
    except Exception as exc:  # noqa: BLE001 - a crash is what this benchmark counts
        outcome = "crash"
        tally.crashes.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
        traceback.print_exc(file=sys.stderr)
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"crash-{index}.bin").write_bytes(data)
    seconds = time.monotonic() - start
    tally.rss_growth[kind] += _rss_mb() - rss_before  # which kinds raised the peak
    tally.by_kind[kind][outcome] += 1
    if seconds > tally.worst_seconds:
        tally.worst_seconds, tally.worst_file = seconds, kind


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- what is fuzzed ------------------------------------------------------------------------


def _seed_files() -> list[tuple[str, bytes]]:
    from tests.skills.fixtures.read.pages import image_bytes, invoice_pdf  # noqa: PLC0415

    born = invoice_pdf(seed=5)
    cii, name = einvoice.build_einvoice(_FIELDS, "facturx-en16931")
    ubl, _ = einvoice.build_einvoice(_FIELDS, "xrechnung-ubl")
    scan = Image.new("RGB", (320, 120), "white")
    from PIL import ImageDraw  # noqa: PLC0415

    ImageDraw.Draw(scan).text((10, 40), "Invoice INV-2024-001 Total 119.00 EUR", fill="black")
    return [("pdf", born), ("factur-x pdf", einvoice.embed_in_pdf(born, cii, name)),
            ("png", image_bytes(scan, "PNG")), ("jpeg", image_bytes(scan, "JPEG")),
            ("tiff", image_bytes(scan, "TIFF")), ("cii xml", cii), ("ubl xml", ubl)]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits: flips, hostile tokens, cuts, repeats, splices."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(max(len(out), 1))
        edit = rng.randrange(5)
        if edit == 0:
            for _ in range(rng.randint(1, 16)):
                spot = rng.randrange(len(out))
                out[spot] ^= 1 << rng.randrange(8)
        elif edit == 1:
            token = rng.choice(_TOKENS)
            out[at:at + len(token)] = token
        elif edit == 2:
            del out[at:at + rng.randint(1, max(len(out) // 4, 1))]
        elif edit == 3:
            piece = bytes(out[at:at + rng.randint(1, 256)])
            out[at:at] = piece * rng.randint(2, 200)
        else:
            out = out[:at] if rng.random() < 0.5 else out[at:]
    return bytes(out) or b"\x00"


def _generators() -> list[tuple[str, Callable[[random.Random], bytes]]]:
    mib = hostile.MiB
    return [
        ("attachment bomb", lambda r: hostile.attachment_bomb(r.choice([40, 200, 1024]) * mib)),
        ("many attachments", lambda r: hostile.many_attachments(r.randint(20, 100),
                                                                r.randint(2, 9) * mib)),
        ("content bomb", lambda r: hostile.content_bomb(r.choice([40, 128, 512]) * mib)),
        ("many characters", lambda r: hostile.many_chars(r.choice([150_000, 2_000_000]),
                                                         per_show=r.choice([1, 5, 1000]))),
        ("many paths", lambda r: hostile.many_paths(r.choice([120_000, 1_000_000]))),
        ("slow page", lambda r: hostile.slow_render(r.randint(50, 400))),
        ("pixel bomb png", _pixel_bomb),
        ("xml entity bomb", lambda r: _xml_bomb()),
        ("deep xml", lambda r: b"<a>" * r.choice([10_000, 100_000]) + b"</a>"),
        ("huge page pdf", _huge_page),
    ]


def _huge_page(rng: random.Random) -> bytes:
    side = rng.choice([14_400, 99_999, 10**9])
    return hostile.plain_invoice().replace(b"0 0 595 842", b"0 0 %d %d" % (side, side))


def _pixel_bomb(rng: random.Random) -> bytes:
    """A small PNG whose header declares tens of thousands of pixels a side."""
    side = rng.choice([10_000, 30_000, 60_000])
    out = io.BytesIO()
    Image.new("1", (100, 10)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    data[16:24] = side.to_bytes(4, "big") * 2  # IHDR: width, height
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # its checksum
    return bytes(data)


def _xml_bomb() -> bytes:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e0 "lol">{entities}]>'
            f"<r>&e9;</r>").encode()


# -- reporting -----------------------------------------------------------------------------


def _report(tally: Tally, seconds: float, options: ReadOptions) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    own = sandbox.peak_rss_mb() or _rss_mb()  # its own peak (VmHWM), where /proc exists
    children = sandbox.peak_child_rss_mb()
    table = Table(title=f"{tally.files} fuzzed files through read_document and extract")
    for column in ("kind", "files", "read", "unreadable", "crash", "raised peak RSS (MB)"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, counts in sorted(tally.by_kind.items()):
        table.add_row(kind, str(sum(counts.values())), str(counts["read"]),
                      str(counts["unreadable"]), str(counts["crash"]),
                      f"{tally.rss_growth[kind]:.0f}")
    console = Console()
    console.print(table)
    for crash in tally.crashes[:20]:
        console.print(f"crash: {crash}", markup=False)
    console.print(
        f"crashes {len(tally.crashes)} (target 0); worst {tally.worst_seconds:.2f} s "
        f"({tally.worst_file}; limit {options.time_limit:g} s); peak RSS {own:.0f} MB in "
        f"the reading process, {children:.0f} MB in a sandbox child; {seconds:.0f} s in all",
        markup=False)
    print(json.dumps({
        "files": tally.files, "read": tally.read, "unreadable": tally.unreadable,
        "crashes": len(tally.crashes), "worst_seconds": round(tally.worst_seconds, 3),
        "worst_kind": tally.worst_file, "peak_rss_mb": round(own, 1),
        "peak_child_rss_mb": round(children, 1), "time_limit": options.time_limit,
        "seconds": round(seconds, 1)}))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="files to read")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0,
                        help="ReadOptions.time_limit per document, seconds")
    parser.add_argument("--keep", type=Path, help="save crashing files here")
    return parser.parse_args()


if __name__ == "__main__":
    main()
