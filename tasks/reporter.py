"""The reporter bot: an Excel report and a JSON summary of the AP process.

    python -m robocorp.tasks run tasks/reporter.py -t report

It works its input items (the consumer's outputs, one per posted invoice), then writes
``ap-report.xlsx`` and ``summary.json`` to the output folder (``AP_OUTPUT``, else
``ROBOT_ARTIFACTS``, else ``output/``). Run by a worker (``workitems.adapter.StoreAdapter``)
the report covers the whole process in the store named by ``WORKITEMS_DB``: every posting,
every open exception, straight-through rate and cycle times. Run from the desktop with
Robocorp's FileAdapter there is no store, so it reports just its inputs and says so.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError
from robocorp import workitems
from robocorp.tasks import task

from skills.errors import ErrorCode, business_error
from tasks.payloads import InvoicePayload
from tasks.report_data import (
    Report,
    Truth,
    load_truth,
    parse_payload,
    report_from_inputs,
    report_from_store,
)
from tasks.report_workbook import write_workbook
from tasks.run_log import has_a_store
from tasks.settings import BotSettings

log = logging.getLogger(__name__)
WORKBOOK = "ap-report.xlsx"
SUMMARY = "summary.json"


@task
def report() -> None:
    settings = BotSettings.from_env()
    inputs = list(_work_inputs())
    result = _build(inputs, load_truth(settings.truth))
    workbook, summary = write_report(result, settings.output)
    f = result.figures
    rate = "n/a" if f.straight_through_rate is None else f"{f.straight_through_rate:.0%}"
    wrong = "" if f.wrong_postings is None else (
        f", {f.wrong_postings} of {f.postings_checked} checked postings wrong")
    line = (f"report ({f.scope}): {f.posted} posted, straight-through {rate} "
            f"({f.straight_through} of {f.invoices} invoices), cycle time p50 "
            f"{f.cycle_times.p50} / p95 {f.cycle_times.p95}, {f.exceptions} "
            f"open exceptions{wrong}; {len(inputs)} inputs taken. Wrote {workbook} and "
            f"{summary}")
    log.info("%s", line)
    print(line)


def _work_inputs() -> list[InvoicePayload]:
    """Take every input item; a malformed one fails alone with INVALID_PAYLOAD."""
    taken: list[InvoicePayload] = []
    try:
        for item in workitems.inputs:
            with item:
                if _is_trigger(item.payload):
                    continue  # a schedule's trigger: the report itself is the work
                taken.append(_invoice(item.payload))
    except workitems.EmptyQueue:
        # robocorp.workitems reserves a first input before the loop starts and raises when
        # there is none; the scheduled morning report runs without a trigger, so an empty
        # queue is normal here: the report then covers the store alone.
        log.info("no input items: the report covers what the store holds")
    return taken


def _is_trigger(payload: object) -> bool:
    return isinstance(payload, dict) and "schedule" in payload and "reference" not in payload


def _invoice(payload: object) -> InvoicePayload:
    try:
        return parse_payload(payload)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "payload"
        raise business_error(ErrorCode.INVALID_PAYLOAD,
                             f"not a posted invoice: {where}: {problem['msg']}") from None


def _build(inputs: list[InvoicePayload], truth: Truth | None) -> Report:
    process = os.environ.get("WORKITEMS_PROCESS", "ap")
    if not has_a_store():
        return report_from_inputs(inputs, process, truth=truth)
    from workitems import open_store  # only a worker's run has a store to read

    with open_store() as store:
        return report_from_store(store, process, os.environ.get("WORKITEMS_STEP", "reporter"),
                                 truth=truth)


def write_report(result: Report, folder: Path) -> tuple[Path, Path]:
    """The workbook and the JSON summary, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(result, folder / WORKBOOK)
    summary = folder / SUMMARY
    text = json.dumps(result.figures.model_dump(mode="json"), indent=2, ensure_ascii=False)
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".json", delete=False,
                                     encoding="utf-8") as tmp:
        tmp.write(text + "\n")
    os.replace(tmp.name, summary)
    return workbook, summary
