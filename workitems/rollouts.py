"""Which version of each model is live, kept in the store so every worker agrees.

One record of kind ``model-rollout`` per model: the production version, a candidate
version if one is being tried, how (``shadow``: it reads beside production and its
answers are only recorded; ``canary``: it reads a share of the items and its answers
are used for them) and that share. Every change names who made it and lands in the
audit log. The store knows models only by name and version; what a version reads is
its owner's business.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from workitems import Conflict, Store

KIND = "model-rollout"
Mode = Literal["off", "shadow", "canary"]


class Rollout(BaseModel):
    model: str
    production: str | None = None  # None: the version the model's own registry names
    candidate: str | None = None
    mode: Mode = "off"
    share: float = Field(0.0, ge=0.0, le=1.0)  # items the candidate reads for real (canary)
    version: int = 0  # the record's version in the store

    def in_canary(self, reference: str) -> bool:
        """Whether the candidate's answer is used for this item: a fixed draw by the
        item's reference, so a retried item is read by the same version."""
        if self.mode != "canary" or self.candidate is None:
            return False
        draw = int(hashlib.sha256(f"canary/{reference}".encode()).hexdigest()[:8], 16)
        return draw / 0xFFFFFFFF < self.share


def rollout(store: Store, model: str) -> Rollout:
    for record in store.records(KIND, [model]):
        if record.key == model:
            return Rollout.model_validate({**record.data, "version": record.version})
    return Rollout(model=model)


def rollouts(store: Store) -> list[Rollout]:
    return [Rollout.model_validate({**r.data, "version": r.version}) for r in store.records(KIND)]


def change(store: Store, actor: str, action: str, model: str, *, retries: int = 3,
           **changes: object) -> Rollout:
    """Apply ``changes`` to the model's rollout as it is now, record who did it in the
    audit log, and return the new state; a concurrent change is read again and redone."""
    from workitems.room.repository import audit  # noqa: PLC0415 - the room imports the store

    for _ in range(retries):
        before = rollout(store, model)
        after = before.model_copy(update=changes)
        Rollout.model_validate(after.model_dump())  # the changed values are checked too
        data = after.model_dump(mode="json", exclude={"version"})
        data["summary"] = {"production": after.production or "as registered",
                           "candidate": after.candidate or "none", "mode": after.mode,
                           "canary share": f"{after.share:.0%}"}
        try:
            record = store.put_record(KIND, model, model, data,
                                      expected_version=before.version, actor=actor)
        except Conflict:
            continue
        audit(store, actor, action, before=before.model_dump(exclude={"version"}),
              after=after.model_dump(exclude={"version"}), details={"model": model})
        return Rollout.model_validate({**record.data, "version": record.version})
    raise Conflict(f"the rollout of {model} kept changing; try again")
