"""Settings, read from the environment once, so every process of a fleet agrees.

- WORKITEMS_DB: database URL, ``sqlite:///path`` or ``postgresql://...``
  (default ``sqlite:///output/workitems.db``)
- WORKITEMS_MAX_FILE_MB: largest file an item may carry (default 50)
- WORKITEMS_PROCESS: the process a worker or adapter serves (default ``ap``)
- WORKITEMS_STEP: the step a worker or adapter serves (default ``consumer``)
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field

DEFAULT_DB_URL = "sqlite:///output/workitems.db"


class Settings(BaseModel):
    db_url: str = DEFAULT_DB_URL
    max_file_bytes: int = Field(50 * 1024 * 1024, gt=0)
    process: str = "ap"
    step: str = "consumer"

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            db_url=env.get("WORKITEMS_DB", DEFAULT_DB_URL),
            max_file_bytes=int(float(env.get("WORKITEMS_MAX_FILE_MB", "50")) * 1024 * 1024),
            process=env.get("WORKITEMS_PROCESS", "ap"),
            step=env.get("WORKITEMS_STEP", "consumer"),
        )
