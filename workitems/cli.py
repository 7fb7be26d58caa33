"""The ``workitems`` command: for people at a terminal and for schedulers.

    workitems seed devdata/work-items-in      put Robocorp-style test items in a queue
    workitems counts                          items per step and state
    workitems list --state FAILED             a table of items
    workitems show 42                         one item: payload, files, history
    workitems retry 42 / workitems done 42    a person's decisions
    workitems worker consumer --slots 4       an unattended worker
    workitems scheduler                       start workers on their schedules
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workitems.config import Settings
from workitems.errors import WorkItemsError
from workitems.models import Duplicates, ItemState
from workitems.processes import DEFAULT_CONFIG, load_config
from workitems.store import Store, open_store

app = typer.Typer(help="Work items: queues, workers and schedules.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()
_state: dict[str, str | None] = {"db": None}

ConfigOption = Annotated[Path, typer.Option(help="process definitions")]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _store() -> Store:
    return open_store(_state["db"])


def _db_url() -> str:
    return _state["db"] or Settings.from_env().db_url


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S") if epoch else ""


@app.callback()
def main_options(
    db: Annotated[str | None, typer.Option(
        help="database URL (default: $WORKITEMS_DB or sqlite:///output/workitems.db)")] = None,
) -> None:
    _state["db"] = db
    if db:  # sub-commands (the Control Room) and the bots a worker starts read it from here
        os.environ["WORKITEMS_DB"] = db


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    with _store() as store:
        console.print(f"schema version {store.schema_version} ({store.dialect})")


@app.command()
def seed(
    folder: Annotated[Path, typer.Argument(help="Robocorp work-items-in folder")] = Path(
        "devdata/work-items-in"),
    process: str = "ap",
    step: str = "consumer",
) -> None:
    """Put the items of a Robocorp-style devdata folder (*/work-items.json) in a queue."""
    files = sorted(folder.glob("*/work-items.json")) or sorted(folder.glob("work-items.json"))
    if not files:
        raise typer.BadParameter(f"no */work-items.json under {folder}")
    new = merged = 0
    with _store() as store:
        entries = [(f, e) for f in files for e in json.loads(f.read_text(encoding="utf-8"))]
        for path, entry in _progress(entries, "seeding"):
            attached = {name: _seed_file(folder, path, rel)
                        for name, rel in (entry.get("files") or {}).items()}
            payload = entry.get("payload") or {}
            created = store.create_item(process, step, payload, attached, actor=_actor(),
                                        reference=payload.get("reference"),
                                        duplicates=Duplicates.MERGE)
            new, merged = (new + 1, merged) if created.created else (new, merged + 1)
    console.print(f"{new} new items in {process}/{step}; {merged} already there (merged)")


def _seed_file(folder: Path, listing: Path, relative: str) -> bytes:
    """A file a work-items.json names, which must lie inside the work-items folder: a
    listing must not attach ``../../secret.txt`` for every clerk to download."""
    root = folder.resolve()
    path = (listing.parent / relative).resolve()
    if not path.is_relative_to(root):
        raise typer.BadParameter(f"{listing} names {relative!r}, which is outside {folder}; "
                                 "only files inside the work-items folder can be attached")
    if not path.is_file():
        raise typer.BadParameter(f"{listing} names {relative!r}, which does not exist")
    return path.read_bytes()


@app.command()
def counts(process: Annotated[str | None, typer.Option()] = None) -> None:
    """Items per process step and state."""
    with _store() as store:
        data = store.counts(process)
    table = Table("process", "step", *[s.value for s in ItemState], title="work items")
    for (proc, step), by_state in sorted(data.items()):
        table.add_row(proc, step, *[str(by_state.get(s.value, 0)) for s in ItemState])
    console.print(table)


@app.command("list")
def list_items(
    state: Annotated[ItemState | None, typer.Option(case_sensitive=False)] = None,
    step: Annotated[str | None, typer.Option()] = None,
    process: Annotated[str | None, typer.Option()] = None,
    code: Annotated[str | None, typer.Option(help="exception code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
) -> None:
    """A table of items, newest first."""
    with _store() as store:
        items = store.list_items(process=process, step=step, state=state, exception_code=code,
                                 limit=limit)
    table = Table("id", "step", "state", "attempts", "code", "message", "updated")
    for item in items:
        table.add_row(str(item.id), f"{item.process}/{item.step}", item.state.value,
                      str(item.attempts), item.exception_code or "",
                      (item.exception_message or "")[:60], _when(item.updated_at))
    console.print(table)


@app.command()
def show(item_id: int) -> None:
    """One item: state, payload, files and its whole history."""
    with _store() as store:
        item = store.get_item(item_id)
        events = store.events(item_id)
    console.print(f"[bold]item {item.id}[/] {item.process}/{item.step} [bold]{item.state}[/] "
                  f"attempts {item.attempts} version {item.version}")
    if item.exception_code:
        console.print(f"{item.exception_type} {item.exception_code}: {item.exception_message}")
    console.print_json(data=item.payload)
    console.print(f"files: {', '.join(item.files) or 'none'}")
    table = Table("when", "who", "what", "from", "to", "details", title="history")
    for e in events:
        table.add_row(_when(e.at), e.actor, e.kind, e.from_state or "", e.to_state or "",
                      json.dumps(e.details) if e.details else "")
    console.print(table)


@app.command()
def retry(item_id: int) -> None:
    """Send a failed item back to its queue."""
    with _store() as store:
        store.retry(item_id, _actor())
    console.print(f"item {item_id} is back in its queue")


@app.command()
def done(item_id: int, reason: Annotated[str, typer.Option()] = "",
         force: Annotated[bool, typer.Option(
             help="close it even if a clerk has claimed it in the Control Room")] = False,
         ) -> None:
    """Close an item by hand (handled outside the bots); audited like the room's decisions."""
    from workitems.room import repository as room_repo  # noqa: PLC0415

    actor = _actor()
    with _store() as store:
        item = store.get_item(item_id)
        store.mark_done(item_id, actor, reason=reason, respect_claim=not force)
        room_repo.audit(store, actor, "done", item_id=item_id,
                        before={"state": item.state.value, "code": item.exception_code,
                                "assignee": item.assignee},
                        after={"state": ItemState.DONE.value, "reason": reason,
                               "via": "command line"})
    console.print(f"item {item_id} marked done")


@app.command()
def reclaim() -> None:
    """Return items whose worker died (expired lease) to their queue now."""
    with _store() as store:
        console.print(f"{store.reclaim_expired(_actor())} items reclaimed")


@app.command()
def worker(
    step: Annotated[str, typer.Argument(help="the step whose queue to work")],
    process: str = "ap",
    slots: Annotated[int, typer.Option(min=1, help="concurrent bot processes")] = 1,
    exit_when_empty: Annotated[bool, typer.Option(help="stop when the queue is empty")] = False,
    poll: Annotated[float, typer.Option(help="seconds between looks at an empty queue")] = 1.0,
    config: ConfigOption = DEFAULT_CONFIG,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    logs: Annotated[Path | None, typer.Option(help="folder for each slot's log.html")] = None,
) -> None:
    """Run a step's bot unattended, in N slots, until stopped (SIGTERM finishes the items in
    hand) or, with --exit-when-empty, until its queue is empty."""
    from workitems.worker import Worker, WorkerOptions

    cfg = load_config(config)
    the_step = cfg.step(process, step)
    with _store() as store:
        store.register_process(process, cfg.steps(process), cfg.processes[process].description)
        before = store.counts(process).get((process, step), {})
        dialect = store.dialect
    options = WorkerOptions(db_url=_db_url(), slots=slots, exit_when_empty=exit_when_empty,
                            poll_seconds=poll)
    if logs is not None:
        options.output_dir = logs
    console.print(f"worker {options.name}: {process}/{step} with {slots} slot(s) on "
                  f"{dialect}; logs in {options.output_dir}")
    started = time.monotonic()
    code = _run_with_progress(Worker(the_step, options), process, step, quiet)
    with _store() as store:
        after = store.counts(process).get((process, step), {})
    _summary(before, after, time.monotonic() - started)
    raise typer.Exit(code)


def _run_with_progress(w, process: str, step: str, quiet: bool) -> int:  # noqa: ANN001
    if quiet:
        return w.run()
    store = _store()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as bar:
            task = bar.add_task(f"{process}/{step}", total=None)
            last = [0.0]

            def tick() -> None:
                if time.monotonic() - last[0] < 0.5:
                    return
                last[0] = time.monotonic()
                c = store.counts(process).get((process, step), {})
                finished = c.get("DONE", 0) + c.get("FAILED", 0)
                bar.update(task, completed=finished, total=finished + c.get("PENDING", 0)
                           + c.get("IN_PROGRESS", 0))

            return w.run(on_tick=tick)
    finally:
        store.close()


def _summary(before: dict[str, int], after: dict[str, int], seconds: float) -> None:
    done = after.get("DONE", 0) - before.get("DONE", 0)
    failed = after.get("FAILED", 0) - before.get("FAILED", 0)
    console.print(f"[bold]{done}[/] done, [bold]{failed}[/] failed in {seconds:.1f}s; "
                  f"{after.get('PENDING', 0)} pending. Failed items wait for a person: "
                  "`workitems list --state FAILED`, or the Control Room.")


@app.command()
def scheduler(
    config: ConfigOption = DEFAULT_CONFIG,
    run_for: Annotated[float | None, typer.Option(help="stop after N seconds")] = None,
) -> None:
    """Start each schedule's worker when it is due, never overlapping a run still going."""
    from workitems.scheduler import Scheduler

    cfg = load_config(config)
    stop = threading.Event()
    if run_for:
        threading.Timer(run_for, stop.set).start()
    with _store() as store:
        sched = Scheduler(store, cfg, config, _db_url())
        console.print(f"{sched.owner}: {len(cfg.schedules)} schedule(s); Ctrl+C stops")
        try:
            sched.run(stop)
        except KeyboardInterrupt:
            stop.set()
    console.print(f"started {len(sched.started)} run(s), skipped {len(sched.skipped)}")


def _progress(entries: list, label: str):  # noqa: ANN202
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        yield from bar.track(entries)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                "help_option_names": []})
def room(ctx: typer.Context) -> None:
    """The Control Room web app (serve, create-admin, ...): see `workitems room --help`."""
    # Imported here, not at the top: the web stack would slow down every worker's start.
    from workitems.room.cli import room_app

    room_app(ctx.args, prog_name="workitems room")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        app()
    except WorkItemsError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message}")
        raise SystemExit(2) from exc
    except KeyError as exc:  # an unknown process or step in the configuration
        console.print(f"[red]CONFIG[/]: {exc.args[0]}")
        raise SystemExit(2) from exc
