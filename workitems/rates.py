"""Straight-through and human intervention: one definition, used wherever a rate is shown.

Both are measured per item of one step (for AP: per invoice, at the consumer step),
over the items that step has dealt with: finished by its bot (COMPLETED), sent to a
person (FAILED), or closed by a person (MARKED_DONE).

- straight-through: finished by the bot with no person involved, ever (never FAILED,
  never sent back (RETRIED, APPROVED) or closed (MARKED_DONE) by a person);
- human intervention: every other item dealt with (a person had to act).

So the two rates add up to 100 %. Automatic retries of technical failures
(RETRY_SCHEDULED) are not a person's work and keep an item straight-through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel

from workitems.store import Store

DEFINITION = ("per item of the measured step: straight-through = finished by the bot with no "
              "person involved, of all items it finished or sent to a person; human "
              "intervention = the rest (a person fixed, sent back or closed them)")
FINISHING = frozenset({"COMPLETED", "FAILED", "MARKED_DONE"})
BY_PERSON = frozenset({"FAILED", "RETRIED", "APPROVED", "MARKED_DONE"})  # a person touched it


class Rates(BaseModel):
    dealt_with: int = 0  # items finished by the bot, sent to a person, or closed by one
    straight_through: int = 0

    @property
    def with_person(self) -> int:
        return self.dealt_with - self.straight_through

    @property
    def straight_through_rate(self) -> float | None:
        return self.straight_through / self.dealt_with if self.dealt_with else None

    @property
    def human_intervention_rate(self) -> float | None:
        return self.with_person / self.dealt_with if self.dealt_with else None

    def __add__(self, other: Rates) -> Rates:
        return Rates(dealt_with=self.dealt_with + other.dealt_with,
                     straight_through=self.straight_through + other.straight_through)


def is_straight_through(kinds: set[str]) -> bool:
    """An item with these event kinds was finished with no person involved."""
    return "COMPLETED" in kinds and not kinds & BY_PERSON


def rates_of(kinds_by_item: dict[int, set[str]]) -> Rates:
    """The rates of items given the kinds of their events (only the kinds above count)."""
    rates = Rates()
    for kinds in kinds_by_item.values():
        if not kinds & FINISHING:
            continue
        rates.dealt_with += 1
        rates.straight_through += int(is_straight_through(kinds))
    return rates


def item_kinds(store: Store, process: str, step: str) -> dict[int, set[str]]:
    """For each item of the step, the kinds of its events that the rates look at."""
    kinds = ", ".join(f"'{k}'" for k in sorted(FINISHING | BY_PERSON))
    with store.db.transaction(write=False) as cur:
        rows = cur.execute(
            "SELECT e.item_id, e.kind FROM events e JOIN items i ON i.id = e.item_id "
            f"WHERE i.process = :p AND i.step = :s AND e.kind IN ({kinds})",
            {"p": process, "s": step})
    return group_kinds((r["item_id"], r["kind"]) for r in rows)


def step_rates(store: Store, process: str, step: str) -> Rates:
    """The step's rates over its whole history."""
    return rates_of(item_kinds(store, process, step))


def group_kinds(pairs: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for item_id, kind in pairs:
        out[item_id].add(kind)
    return out
