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
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workitems.config import Settings, db_source
from workitems.errors import WorkItemsError
from workitems.models import Duplicates, Event, Item, ItemState, Step
from workitems.processes import DEFAULT_CONFIG, load_config, parse_duration
from workitems.store import Store, open_store, redact_url

if TYPE_CHECKING:
    from workitems.worker import WorkerOptions

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


def _database_caption() -> str:
    source = "--db" if _state["db"] else db_source()
    return f"database {redact_url(_db_url())} ({source})"


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
def migrate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Create or upgrade the database schema, and register the processes of the config
    (their steps' leases and retry policies, which workers over HTTP work by)."""
    cfg = load_config(config)
    with _store() as store:
        for name, process in cfg.processes.items():
            store.register_process(name, cfg.steps(name), process.description)
        console.print(f"schema version {store.schema_version} ({store.dialect}); processes: "
                      f"{', '.join(cfg.processes) or 'none'}")


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
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """A table of items, newest first, with the payload columns the process configures
    (for AP: vendor, invoice number, amount)."""
    with _store() as store:
        items = store.list_items(process=process, step=step, state=state, exception_code=code,
                                 limit=limit)
    columns = _payload_columns(config, {i.process for i in items})
    steps = {(i.process, i.step) for i in items}
    show_step = len(steps) > 1  # a queue of one step needs no step column
    table = Table(box=None, pad_edge=False, caption=_database_caption(),
                  caption_justify="left", header_style="bold underline")
    # Fixed columns keep their width; the text ones give way (with …) to fit 80 columns.
    table.add_column("id", justify="right", no_wrap=True, min_width=3)
    if show_step:
        table.add_column("step", no_wrap=True, overflow="ellipsis", max_width=12)
    table.add_column("state", no_wrap=True, min_width=7)
    extra = max(0, console.width - 80) // 4  # wider terminals: wider text columns
    table.add_column("code", no_wrap=True, overflow="ellipsis", max_width=14 + extra)
    for n, header in enumerate(columns[None]):
        number = header in ("amount", "total")
        table.add_column(header, no_wrap=True, overflow="ellipsis",
                         max_width=None if number else (14 if n == 0 else 12) + extra,
                         min_width=len(header) if number else None,
                         justify="right" if number else "left")
    table.add_column("updated", no_wrap=True, min_width=5)
    for item in items:
        where = ([item.step if len({p for p, _ in steps}) == 1
                  else f"{item.process}/{item.step}"] if show_step else [])
        configured = columns.get(item.process)
        values = configured.column_values(item.payload) if configured else {}
        table.add_row(str(item.id), *where, _short_state(item.state),
                      item.exception_code or "", *(values.get(h, "") for h in columns[None]),
                      _short_when(item.updated_at))
    console.print(table)
    if not items:
        console.print("No items match.")


def _payload_columns(config: Path, processes: set[str]) -> dict[str | None, Any]:
    # Any: ProcessConfig per process, the list of headers under None
    """Each listed process's column definitions, and under ``None`` the union of their
    headers, in order; none when the configuration cannot be read."""
    try:
        cfg = load_config(config)
    except (OSError, ValueError):
        return {None: []}
    found: dict[str | None, Any] = {p: cfg.processes[p] for p in sorted(processes)
                                    if p in cfg.processes and cfg.processes[p].columns}
    headers = list(dict.fromkeys(h for p in found.values() for h in p.columns))
    return {None: headers, **found}


def _short_state(state: ItemState) -> str:
    return "WORKING" if state is ItemState.IN_PROGRESS else state.value


def _short_when(epoch: float, seconds: bool = False) -> str:
    """The time of day for today, with the date before otherwise."""
    moment = datetime.fromtimestamp(epoch)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return moment.strftime(clock if datetime.now().date() == moment.date() else f"%m-%d {clock}")


@app.command()
def show(
    item_id: int,
    as_json: Annotated[bool, typer.Option("--json", help="the whole item and its history "
                                          "as JSON")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """One item: what it is, why it stopped, its files and its recent history."""
    with _store() as store:
        item = store.get_item(item_id)
        events = store.events(item_id)
    if as_json:
        data = {**item.model_dump(mode="json"),
                "events": [e.model_dump(mode="json") for e in events]}
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]item {item.id}[/]  {item.process}/{item.step}  [bold]{item.state}[/]  "
                  f"attempts {item.attempts}  updated {_short_when(item.updated_at)}",
                  highlight=False)
    if item.exception_code:
        console.print(f"[red]{item.exception_code}[/] ({item.exception_type}): "
                      f"{item.exception_message}", highlight=False)
    columns = _payload_columns(config, {item.process}).get(item.process)
    for header, value in (columns.column_values(item.payload) if columns else {}).items():
        console.print(f"  {header:<10} {value or '-'}", highlight=False)
    console.print(f"payload: {_outline(item.payload)}", highlight=False)
    console.print(f"files: {', '.join(item.files) or 'none'}", highlight=False)
    recent = events[-10:]
    table = Table("when", "who", "what", "", box=None, pad_edge=False,
                  title=f"history (last {len(recent)} of {len(events)})", title_justify="left",
                  header_style="bold")
    for e in recent:
        table.add_row(_short_when(e.at, seconds=True), e.actor, e.kind, _event_note(e))
    console.print(table)
    console.print(f"The whole item: `workitems show {item.id} --json`", highlight=False)


def _outline(payload: dict) -> str:
    """The payload's top-level keys and how much each holds, not its 200 lines."""
    parts = []
    for key, value in payload.items():
        if isinstance(value, dict):
            parts.append(f"{key} ({len(value)} keys)")
        elif isinstance(value, list):
            parts.append(f"{key} ({len(value)})")
        elif value is not None:
            text = str(value)
            parts.append(f"{key}={text[:24]}{'...' if len(text) > 24 else ''}")
    return ", ".join(parts) or "empty"


def _event_note(e: Event) -> str:
    """Why it happened when the event says (a failure's code and message), else where the
    item went."""
    d = e.details or {}
    why = f"{d.get('code')}: {d.get('message') or ''}".strip() if d.get("code") else ""
    if e.kind == "RETRY_SCHEDULED" and d.get("retry_in_seconds") is not None:
        why = f"retry in {float(d['retry_in_seconds']):.0f}s after {why}"
    if why:
        return why[:70] + ("..." if len(why) > 70 else "")
    return f"-> {e.to_state}" if e.to_state and e.to_state != e.from_state else ""


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
    retry_window: Annotated[str, typer.Option(
        help="with --exit-when-empty: wait for retries due within this long (30s, 5m)")] = "60s",
    poll: Annotated[float, typer.Option(help="seconds between looks at an empty queue")] = 1.0,
    config: ConfigOption = DEFAULT_CONFIG,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    logs: Annotated[Path | None, typer.Option(help="folder for each slot's log.html")] = None,
    via: Annotated[str | None, typer.Option(
        help="a Control Room's URL: work over HTTP with a runner token "
             "($WORKITEMS_RUNNER_TOKEN) instead of the database")] = None,
) -> None:
    """Run a step's bot unattended, in N slots, until stopped (SIGTERM finishes the items in
    hand) or, with --exit-when-empty, until its queue is empty."""
    from workitems.worker import Worker, WorkerOptions

    cfg = load_config(config)
    the_step = cfg.step(process, step)
    if via:
        _remote_worker(the_step, via, WorkerOptions(
            db_url="", slots=slots, exit_when_empty=exit_when_empty, poll_seconds=poll,
            retry_window_seconds=_duration(retry_window), via=via.rstrip("/"),
            runner_token=_runner_token(), **({"output_dir": logs} if logs else {})))
    with _store() as store:
        store.register_process(process, cfg.steps(process), cfg.processes[process].description)
        before = store.counts(process).get((process, step), {})
        dialect = store.dialect
    options = WorkerOptions(db_url=_db_url(), slots=slots, exit_when_empty=exit_when_empty,
                            poll_seconds=poll, retry_window_seconds=_duration(retry_window))
    if logs is not None:
        options.output_dir = logs
    console.print(f"worker {options.name}: {process}/{step} with {slots} slot(s) on "
                  f"{dialect}; logs in {options.output_dir}")
    started, started_at = time.monotonic(), time.time()
    code = _run_with_progress(Worker(the_step, options), process, step, quiet)
    with _store() as store:
        after = store.counts(process).get((process, step), {})
        waiting = store.pending_waits(process, step, limit=5)
        codes = _failed_codes(store, process, step, started_at)
    _summary(before, after, time.monotonic() - started, waiting, codes)
    raise typer.Exit(code)


def _runner_token() -> str:
    from workitems.remote import RUNNER_TOKEN_ENV

    token = os.environ.get(RUNNER_TOKEN_ENV, "").strip()
    if not token:
        raise typer.BadParameter(f"--via needs a runner token in ${RUNNER_TOKEN_ENV} (an "
                                 "administrator makes one: workitems room runner-token)")
    return token


def _remote_worker(step: Step, via: str, options: WorkerOptions) -> NoReturn:
    """A worker over HTTP: no database here, so no queue counts either; the Control Room
    shows them."""
    from workitems.worker import Worker

    console.print(f"worker {options.name}: {step.process}/{step.name} with {options.slots} "
                  f"slot(s) via {via}; logs in {options.output_dir}")
    started = time.monotonic()
    code = Worker(step, options).run()
    console.print(f"worker stopped after {time.monotonic() - started:.0f}s")
    raise typer.Exit(code)


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def pending_reasons(waiting: list[tuple[Item, float]], pending: int) -> list[str]:
    """Why items are still pending when a worker stops: each one's next attempt and the
    failure that put it off (a retry's backoff), or that it was free to take."""
    lines = []
    for item, seconds in waiting:
        if item.exception_code:
            when = f"in {seconds:.0f}s" if seconds >= 0.5 else "now due"
            why = (f"next retry {when} after {item.exception_code}: "
                   f"{(item.exception_message or '').strip()[:120]} "
                   f"({item.attempts} attempt(s) so far)")
        else:
            why = "waiting for a worker"
        lines.append(f"  item {item.id}: {why}")
    if pending > len(waiting):
        lines.append(f"  ... and {pending - len(waiting)} more: `workitems list --state PENDING`")
    return lines


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


def _failed_codes(store: Store, process: str, step: str, since: float) -> Counter[str]:
    """The exception codes of the items that failed since ``since`` (epoch seconds)."""
    failed = store.list_items(process=process, step=step, state=ItemState.FAILED,
                              limit=10_000)
    return Counter(i.exception_code or "no code" for i in failed if i.updated_at >= since - 1)


def _summary(before: dict[str, int], after: dict[str, int], seconds: float,
             waiting: list[tuple[Item, float]], codes: Counter[str]) -> None:
    done = after.get("DONE", 0) - before.get("DONE", 0)
    failed = sum(codes.values())  # not a difference of counts: approved items leave FAILED
    pending = after.get("PENDING", 0)
    why = ", ".join(f"{n} {code}" for code, n in sorted(codes.items()))
    console.print(f"[bold]{done}[/] done, [bold]{failed}[/] failed{f' ({why})' if why else ''} "
                  f"in {seconds:.1f}s; "
                  f"{pending} pending{':' if pending else '.'}")
    for line in pending_reasons(waiting, pending):
        console.print(line, highlight=False)
    if failed:
        console.print("Failed items wait for a person: `workitems list --state FAILED`, or "
                      "the Control Room.")


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
