"""Replay a folder as a clerk would, to measure what layout memory learns.

    python -m skills.evaluate DIR --learn [--cached]

Documents are taken in order. Each is read, extracted with the layouts learned so far,
scored against its truth, and then its true values are taught, as a clerk approving
the invoice would. Every document is scored twice from the same reading: with the
memory and by the general model alone (the baseline). Results are grouped by how
many documents of the same layout (the set's own grouping: the generator's vendor
and layout, a third-party invoice's issuer) were taught before it: 0 (first seen),
1, 2, 3-4, 5 and more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from skills.errors import UnreadableDocument
from skills.evaluate import Case, Scored, read_case, score_extraction, unreadable
from skills.extract import document_candidates, extract
from skills.extract.model import FieldScorer
from skills.layouts.learn import teach
from skills.layouts.memory import InMemoryLayouts, LayoutMemory

BUCKETS = (("first seen", 0, 0), ("after 1", 1, 1), ("after 2", 2, 2),
           ("after 3-4", 3, 4), ("after 5+", 5, 10**9))


@dataclass
class Step:
    case: Case
    taught_before: int  # documents of its group taught before it
    with_memory: Scored
    alone: Scored
    recognised: bool  # the memory matched a learned layout
    layout_seconds: float = 0.0  # finding the layout and reading its places
    teach_seconds: float = 0.0
    seconds: float = 0.0  # the whole extraction, with the memory
    alone_seconds: float = 0.0  # the whole extraction, without it


@dataclass
class Replay:
    steps: list[Step] = field(default_factory=list)


def replay(cases: list[Case], scorer: FieldScorer, cached: bool = False,
           memory: LayoutMemory | None = None, progress=None) -> Replay:  # noqa: ANN001
    memory = memory if memory is not None else InMemoryLayouts()
    taught: dict[str, int] = {}
    out = Replay()
    for case in cases:
        before = taught.get(case.group, 0)
        try:
            doc = read_case(case, cached)
        except UnreadableDocument as exc:
            bad = unreadable(case, str(exc))
            out.steps.append(Step(case, before, bad, bad, False))
            continue
        # The second extraction of a document finds some work done (cached label lookups):
        # which one goes first alternates, so neither time is favoured.
        runs = {}
        for with_memory in ((True, False) if len(out.steps) % 2 else (False, True)):
            start = time.perf_counter()
            runs[with_memory] = (extract(doc, scorer, layouts=memory if with_memory else None),
                                 time.perf_counter() - start)
        (learned, seconds), (alone, alone_seconds) = runs[True], runs[False]
        step = Step(case, before, score_extraction(case, doc, learned, seconds),
                    score_extraction(case, doc, alone, alone_seconds),
                    learned.layout is not None, learned.layout_seconds, seconds=seconds,
                    alone_seconds=alone_seconds)
        start = time.perf_counter()
        # The clerk approves the true values: every field this set knows the truth of.
        teach(memory, doc, document_candidates(doc).all, case.truth, learned.values())
        step.teach_seconds = time.perf_counter() - start
        taught[case.group] = before + 1
        out.steps.append(step)
        if progress is not None:
            progress()
    return out


def _figures(steps: list[Step], pick: str) -> dict:
    scored = [getattr(s, pick) for s in steps]
    fields = [f for r in scored for f in r.fields.values()]
    right = np.array([f.right for f in fields], dtype=bool)
    accepted = np.array([f.accepted for f in fields], dtype=bool)
    return {
        "accuracy": float(right.mean()) if len(right) else None,
        "precision_accepted": float(right[accepted].mean()) if accepted.any() else None,
        "accepted_share": float(accepted.mean()) if len(accepted) else None,
        "accepted_fields": int(accepted.sum()),
        "wrong_accepted": int((accepted & ~right).sum()),
    }


def summarise_replay(result: Replay) -> dict:
    buckets = {}
    for name, low, high in BUCKETS:
        part = [s for s in result.steps if low <= s.taught_before <= high]
        buckets[name] = {
            "documents": len(part),
            "recognised": float(np.mean([s.recognised for s in part])) if part else None,
            "with_memory": _figures(part, "with_memory"),
            "model_alone": _figures(part, "alone"),
        }
    seen = [s for s in result.steps if s.taught_before > 0]
    layout_ms = [1000 * s.layout_seconds for s in result.steps]
    teach_ms = [1000 * s.teach_seconds for s in result.steps]
    groups = {s.case.group for s in result.steps}
    return {
        "documents": len(result.steps),
        "layouts": len(groups),
        "buckets": buckets,
        "overall": {"with_memory": _figures(result.steps, "with_memory"),
                    "model_alone": _figures(result.steps, "alone")},
        "seen_before": {"with_memory": _figures(seen, "with_memory"),
                        "model_alone": _figures(seen, "alone")},
        "recall_ms_mean": float(np.mean(layout_ms)) if layout_ms else None,
        "recall_ms_max": float(np.max(layout_ms)) if layout_ms else None,
        "teach_ms_mean": float(np.mean(teach_ms)) if teach_ms else None,
        "extract_ms_mean": float(np.mean([1000 * s.seconds for s in result.steps]))
        if result.steps else None,
        "extract_alone_ms_mean": float(np.mean([1000 * s.alone_seconds for s in result.steps]))
        if result.steps else None,
    }


def bucket_of(taught_before: int) -> str:
    return next(name for name, low, high in BUCKETS if low <= taught_before <= high)


def print_replay_misses(result: Replay) -> None:
    """Every field read wrongly with the memory (as accuracy counts it), with how many
    documents of its layout were taught before and what the model alone read."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="wrong fields with the layout memory")
    for column in ("document", "taught", "field", "expected", "read", "model alone",
                   "confidence", "accepted"):
        table.add_column(column, overflow="fold")
    for step in result.steps:
        for name, got in step.with_memory.fields.items():
            if not got.right:
                alone = step.alone.fields[name]
                table.add_row(step.case.name, bucket_of(step.taught_before), name,
                              str(got.expected), step.with_memory.error or str(got.got),
                              str(alone.got), f"{got.confidence:.3f}",
                              "yes" if got.accepted else "no")
    Console(width=200).print(table)


def print_replay(summary: dict, title: str) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    def f(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    table = Table(title=title)
    for column in ("layout taught", "documents", "recognised", "accuracy",
                   "accuracy, model alone", "precision of accepted",
                   "precision, model alone", "accepted share", "wrong accepted"):
        table.add_column(column, justify="right")
    rows = [*summary["buckets"].items(), ("all seen before", summary["seen_before"]),
            ("all", summary["overall"])]
    for name, part in rows:
        mem, alone = part["with_memory"], part["model_alone"]
        table.add_row(name, str(part.get("documents", "")), f(part.get("recognised")),
                      f(mem["accuracy"]), f(alone["accuracy"]), f(mem["precision_accepted"]),
                      f(alone["precision_accepted"]), f(mem["accepted_share"]),
                      str(mem["wrong_accepted"]))
    console = Console(width=140)
    console.print(table)
    console.print(f"{summary['documents']} documents, {summary['layouts']} layouts; finding "
                    f"the layout and reading its places: {summary['recall_ms_mean']:.2f} ms on "
                    f"average, at most {summary['recall_ms_max']:.2f} ms per document; "
                    f"teaching {summary['teach_ms_mean']:.2f} ms")
