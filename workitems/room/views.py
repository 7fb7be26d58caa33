"""What the templates show, prepared in Python: formatting filters and the part of
the validation view every item has (state, reason, pages); the rest comes from the
item's view (:mod:`workitems.room.item_views`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from skills.errors import ErrorCode
from workitems import Item, ItemState, Store
from workitems.room import documents
from workitems.room.item_views import ItemView
from workitems.room.repository import User


def fmt_time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.1f} %"


def fmt_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys: {"fields": {"total": 1}} -> {"fields.total": 1}."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {}
    out: dict[str, Any] = {}
    for key, inner in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out.update(_flat(inner, name) if isinstance(inner, dict) and inner else {name: inner})
    return out


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                            default=str)


def fmt_changes(entry: Any) -> list[str]:
    """An audit entry as what it changed, one "field: old -> new" per value that differs
    (values only before or only after are shown as added or removed)."""
    before, after = _flat(entry.before or {}), _flat(entry.after or {})
    lines = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        if key not in after:
            lines.append(f"{key}: {_shown(old)} (removed)")
        elif key not in before:
            lines.append(f"{key}: {_shown(new)}")
        else:
            lines.append(f"{key}: {_shown(old)} -> {_shown(new)}")
    return lines


FILTERS = {"time": fmt_time, "age": fmt_age, "seconds": fmt_seconds, "percent": fmt_percent,
           "json": fmt_json, "changes": fmt_changes}


def explain(code: str | None) -> str:
    """The exception code in plain words (codes from elsewhere are shown as they are)."""
    if not code:
        return ""
    try:
        return ErrorCode(code).explanation
    except ValueError:
        return code


class PageView(BaseModel):
    number: int
    width: float
    height: float
    boxes: list[documents.BoxView]


def page_views(store: Store, item: Item, name: str | None,
               boxes: Callable[[int], list[documents.BoxView]] | None = None
               ) -> list[PageView]:
    """The pages of the item's file ``name``, each with the boxes ``boxes`` gives it."""
    if name is None:
        return []
    try:
        infos = documents.page_infos(store.get_file(item.id, name))
    except Exception:  # an unreadable file: the clerk still sees the fields and reason
        return []
    return [PageView(number=p.number, width=p.width, height=p.height,
                     boxes=boxes(p.number) if boxes else [])
            for p in infos[:20]]


class StateNote(BaseModel):
    """A line above the actions saying where the item stands: ``info`` for the normal
    course of things (approved, posted), ``warn`` when someone else holds it."""

    text: str
    tone: str = "info"


def blocked_reason(item: Item, user: User) -> str | None:
    """Why this user cannot act on the item now, or None."""
    if item.state is ItemState.IN_PROGRESS:
        return f"A worker ({item.lease_owner}) is processing this item right now."
    if item.state is not ItemState.FAILED:
        return f"This item is {item.state.value}."
    if item.assignee not in (None, user.username):
        return f"Claimed by {item.assignee}: only they can work on it until they release it."
    return None


def state_note(item: Item, user: User) -> StateNote | None:
    """Where the item stands, in words."""
    if item.state is ItemState.IN_PROGRESS:
        return StateNote(text=f"A worker ({item.lease_owner}) is processing this item now.")
    if item.state is ItemState.PENDING:
        return StateNote(text="Waiting in the queue for the bot.")
    if item.state is ItemState.DONE:
        return StateNote(text="Done.")
    if item.assignee not in (None, user.username):
        return StateNote(text=f"Claimed by {item.assignee}: only they can work on it until "
                              "they release it.", tone="warn")
    return None


def validation_context(store: Store, item: Item, user: User, view: ItemView, *,
                       typed: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None) -> dict[str, Any]:
    """What the validation page shows: what every item has, then what its view adds
    (the view may replace any of it: its own codes, notes, pages with boxes)."""
    context: dict[str, Any] = {
        "item": item, "view": view, "codes": [c for c in [item.exception_code] if c],
        "main_action": "approve", "pending": None, "fields": [], "findings": [],
        "reason": explain(item.exception_code), "blocked": blocked_reason(item, user),
        "note": state_note(item, user), "claimed_by_me": item.assignee == user.username}
    context.update(view.context(store, item, user, typed=typed, errors=errors))
    context.setdefault("document", view.document(item))
    if "pages" not in context:
        context["pages"] = page_views(store, item, context["document"])
    context["overridable"] = {c: view.overridable[c] for c in context["codes"]
                              if c in view.overridable}
    return context
