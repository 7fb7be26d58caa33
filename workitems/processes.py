"""Process definitions, read from ``tasks/processes.yaml``: steps, their robocorp
tasks, where outputs go, retry policies and schedules. Data, not code, so an
operator can change a retry policy without touching a bot.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from workitems.models import Step
from workitems.retry import RetryPolicy

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO_ROOT / "tasks" / "processes.yaml"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(text: str | float) -> float:
    """'30s', '5m', '2h', '1d' or a number of seconds."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2)]


class StepConfig(BaseModel):
    name: str
    task: str | None = Field(None, description="path/to/file.py::task_name")
    next: str | None = None
    lease: str | float = "60s"
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    def to_step(self, process: str, position: int) -> Step:
        return Step(process=process, name=self.name, position=position, next_step=self.next,
                    task=self.task, lease_seconds=parse_duration(self.lease), retry=self.retry)


_PAYLOAD_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")


class QueueColumn(BaseModel):
    """A column of the Control Room's exception queue, read from each item's payload."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$", description="its key, and its "
                      "filter's URL parameter (text: NAME; range: min_NAME and max_NAME)")
    label: str = Field(min_length=1, max_length=40)
    paths: list[str] = Field(min_length=1, description="dotted payload paths, the first "
                             "one with a value wins")
    unit: list[str] = Field(default_factory=list, description="paths of a unit shown after "
                            "the value (a currency)")
    filter: Literal["text", "range"] | None = Field(
        None, description="text: items whose value holds the words typed, any case; range: "
        "from/to numbers (a value that is not a plain number matches no range)")

    @field_validator("paths", "unit")
    @classmethod
    def _plain_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not _PAYLOAD_PATH.match(path):
                raise ValueError(f"{path!r} is not a dotted payload path (letters, digits, _)")
        return paths


class ProcessConfig(BaseModel):
    description: str = ""
    steps: list[StepConfig]
    measure_at: str | None = Field(
        None, description="the step whose items are the process's units of work (AP: the "
        "consumer, one item per invoice); straight-through and human-intervention rates are "
        "measured there (see workitems.rates)")
    columns: dict[str, list[str]] = Field(
        default_factory=dict, description="payload values `workitems list` and `show` print: "
        "header -> dotted payload paths, the first one with a value wins")
    views: list[str] = Field(
        default_factory=list, description="how the Control Room shows and decides the "
        "process's items: ItemView objects as module:attribute, the first that accepts an "
        "item's payload shows it (see workitems.room.item_views)")
    queue: list[QueueColumn] = Field(
        default_factory=list, description="the columns of the process's items in the "
        "Control Room's exception queue (see workitems.room.queue)")

    def column_values(self, payload: dict) -> dict[str, str]:
        """This process's columns for one payload ('' where no path has a value)."""
        return {header: next((v for v in (payload_value(payload, p) for p in paths) if v), "")
                for header, paths in self.columns.items()}


class ScheduleConfig(BaseModel):
    name: str
    process: str
    step: str
    every: str | float | None = None
    cron: str | None = None
    slots: int = Field(1, ge=1)
    trigger: bool = Field(True, description="put a trigger item in the step's queue first")
    payload: dict = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleConfig:
        if (self.every is None) == (self.cron is None):
            raise ValueError(f"schedule {self.name!r} needs exactly one of 'every' or 'cron'")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ValueError(f"schedule {self.name!r}: {self.cron!r} is not a cron line")
        return self


class Config(BaseModel):
    processes: dict[str, ProcessConfig]
    schedules: list[ScheduleConfig] = Field(default_factory=list)

    def steps(self, process: str) -> list[Step]:
        if process not in self.processes:
            known = ", ".join(sorted(self.processes)) or "none"
            raise KeyError(f"no process {process!r} in the configuration (known: {known})")
        return [s.to_step(process, i) for i, s in enumerate(self.processes[process].steps)]

    def step(self, process: str, name: str) -> Step:
        for step in self.steps(process):
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.steps(process))
        raise KeyError(f"process {process!r} has no step {name!r} (steps: {known})")


def payload_value(payload: object, path: str) -> str:
    """The value at a dotted path ('extracted.fields.total.value') as text; '' if none."""
    value = payload
    for key in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    return "" if value is None or isinstance(value, dict | list) else str(value)


def measured_steps(path: Path | str | None = None) -> dict[str, str]:
    """Each process's ``measure_at`` step; none when the configuration cannot be read
    (a Control Room served away from the project's files)."""
    try:
        config = load_config(path)
    except (OSError, ValueError) as exc:
        log.warning("no process configuration (%s): rates are measured at the busiest step",
                    exc)
        return {}
    return {name: p.measure_at for name, p in config.processes.items() if p.measure_at}


def declared_views(path: Path | str | None = None) -> dict[str, list[str]]:
    """Each process's Control Room views (``module:attribute``); none when the
    configuration cannot be read (the Control Room then shows plain items)."""
    try:
        config = load_config(path)
    except (OSError, ValueError) as exc:
        log.warning("no process configuration (%s): items are shown without their "
                    "process's views", exc)
        return {}
    return {name: p.views for name, p in config.processes.items() if p.views}


def declared_queue_columns(path: Path | str | None = None) -> dict[str, list[QueueColumn]]:
    """Each process's exception-queue columns; none when the configuration cannot be read
    (the queue then shows the columns every item has)."""
    try:
        config = load_config(path)
    except (OSError, ValueError) as exc:
        log.warning("no process configuration (%s): the queue shows no payload columns", exc)
        return {}
    return {name: p.queue for name, p in config.processes.items() if p.queue}


def load_config(path: Path | str | None = None) -> Config:
    path = Path(path) if path else DEFAULT_CONFIG
    with open(path, encoding="utf-8") as fh:
        return Config.model_validate(yaml.safe_load(fh) or {})
