"""Settings, read from the environment once, so every process of a fleet agrees.

- WORKITEMS_DB: database URL, ``sqlite:///path`` or ``postgresql://...``
  (default ``sqlite:///output/workitems.db``)
- WORKITEMS_MAX_FILE_MB: largest file an item may carry (default 50)
- WORKITEMS_PROCESS: the process a worker or adapter serves (default ``ap``)
- WORKITEMS_STEP: the step a worker or adapter serves (default ``consumer``)

A variable not set in the environment may come from ``workitems.env`` in the current
folder (``NAME=value`` lines, ``#`` comments), so a project can name its database once
for every command run there: ``make demo`` writes one naming the demo's database.
The environment always wins over the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field

DEFAULT_DB_URL = "sqlite:///output/workitems.db"
ENV_FILE = Path("workitems.env")


class Settings(BaseModel):
    db_url: str = DEFAULT_DB_URL
    max_file_bytes: int = Field(50 * 1024 * 1024, gt=0)
    process: str = "ap"
    step: str = "consumer"

    @classmethod
    def from_env(cls) -> Settings:
        env = {**read_env_file(), **os.environ}
        return cls(
            db_url=env.get("WORKITEMS_DB", DEFAULT_DB_URL),
            max_file_bytes=int(float(env.get("WORKITEMS_MAX_FILE_MB", "50")) * 1024 * 1024),
            process=env.get("WORKITEMS_PROCESS", "ap"),
            step=env.get("WORKITEMS_STEP", "consumer"),
        )


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """The ``WORKITEMS_*`` settings of an env file; nothing when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip().startswith("WORKITEMS_"):
            values[name.strip()] = value.strip().strip("'\"")
    return values


def write_env_file(values: Mapping[str, str], comment: str, path: Path = ENV_FILE) -> Path:
    """Write (replace) an env file of settings, with a comment that says who wrote it."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines += [f"{name}={value}" for name, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def db_source() -> str:
    """Where the database URL in force comes from, for messages to a person."""
    if "WORKITEMS_DB" in os.environ:
        return "$WORKITEMS_DB"
    if "WORKITEMS_DB" in read_env_file():
        return str(ENV_FILE)
    return "the default"
