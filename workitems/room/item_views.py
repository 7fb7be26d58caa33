"""What a process tells the Control Room about its items: the registration API.

A process declares, per kind of item, an :class:`ItemView`: whether a payload is one
of its items, the fields a person reviews (each with its check), what the validation
page shows beside them, what approving writes, and any actions of its own. The process
configuration names its views (``views:`` in the process declaration, as
``module:attribute``); the Control Room imports them when it starts, so nothing here
knows a process, and a new process gets a queue and a validation view without a change
under ``workitems``.

:class:`ItemView` is itself a complete view for the simplest items: a payload that is
a JSON object with the bot's readings under ``fields`` (each a value, or an object with
``value`` and ``confidence``). Approving checks the typed values, writes them as the
payload's ``review`` and sends the item back to its step's queue. A process whose items
look like that only declares its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from workitems import Item, ItemState, Store
from workitems.room import repository as repo
from workitems.room.documents import confidence_level
from workitems.room.fields import text, validate_fields
from workitems.room.locale import ClerkLocale
from workitems.room.repository import User
from workitems.room.review import (
    ActionRefused,
    ApprovalRules,
    Approved,
    check_editable,
    refuse_conflicts,
)


@dataclass(frozen=True)
class ReviewField:
    """A field a person may correct: its label, whether it is required, and its check
    (the normalised value of what was typed, or :class:`~workitems.room.fields.FieldError`)."""

    name: str
    label: str
    required: bool = False
    check: Callable[[str, ClerkLocale], str] = text


class FieldView(BaseModel):
    """One row of the validation form."""

    name: str
    label: str
    value: str
    confidence: float | None = None
    level: str = "none"  # high, medium, low, none (not read)
    raw: str | None = None
    method: str | None = None
    page: int | None = None
    required: bool = False
    low: bool = False  # below the auto-accept threshold: the clerk should look
    stopped: bool = False  # named in the reason the bot stopped: the clerk must look
    error: str | None = None


@dataclass
class ActionRequest:
    """A POST of one of a view's own actions, with the form as the person sent it."""

    store: Store
    user: User
    item: Item
    version: int
    form: Mapping[str, str]
    rules: ApprovalRules


# An action's answer is the notice the person sees; it raises ActionRefused to refuse.
Action = Callable[[ActionRequest], str]


class ItemView:
    """How the Control Room shows and decides one kind of a process's items.

    Subclass and override what differs; the class attributes name the view's templates
    (looked up in ``template_dir`` first, then in the Control Room's own)."""

    kind = "item"
    fields: Sequence[ReviewField] = ()
    overridable: Mapping[str, str] = {}  # checks a person may override, by code: what it means
    threshold = 0.9  # a reading's confidence from which the bot would have taken it
    template_dir: Path | None = None
    document_template = "document.html"  # the left column: the document viewer
    panel_template: str | None = None  # in the decide column, after the claim
    extra_template: str | None = None  # below the actions
    approved_notice = "Approved: the item goes back to the bot with your values."

    def accepts(self, payload: Any) -> bool:
        return isinstance(payload, dict) and isinstance(payload.get("fields"), dict)

    def document(self, item: Item) -> str | None:
        """The item's file the page shows: the first one."""
        return item.files[0] if item.files else None

    def read_values(self, payload: Any) -> dict[str, Any]:
        """The bot's readings by field: a value, or an object with value and confidence."""
        found = payload.get("fields") if isinstance(payload, dict) else None
        return found if isinstance(found, dict) else {}

    def field_views(self, item: Item, typed: Mapping[str, str] | None = None,
                    errors: Mapping[str, str] | None = None) -> list[FieldView]:
        read = self.read_values(item.payload)
        out = []
        for spec in self.fields:
            reading = read.get(spec.name)
            reading = reading if isinstance(reading, dict) else {"value": reading}
            value = (typed or {}).get(spec.name)
            if value is None:
                value = "" if reading.get("value") is None else str(reading["value"])
            confidence = reading.get("confidence")
            confidence = confidence if isinstance(confidence, int | float) else None
            low = ((confidence is not None and confidence < self.threshold)
                   or (spec.required and not value))
            out.append(FieldView(name=spec.name, label=spec.label, value=value,
                                 confidence=confidence, required=spec.required, low=low,
                                 level="none" if confidence is None else
                                 confidence_level(confidence, self.threshold),
                                 error=(errors or {}).get(spec.name)))
        return out

    def context(self, store: Store, item: Item, user: User, *,
                typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> dict[str, Any]:
        """What the page shows of the item, beyond what every item shows."""
        return {"fields": self.field_views(item, typed, errors),
                "document": self.document(item)}

    def approve(self, store: Store, user: User, item_id: int, version: int,
                typed: dict[str, str | None], *, locale: ClerkLocale | None = None,
                overrides: dict[str, str] | None = None,
                rules: ApprovalRules | None = None) -> Approved:
        """Check the typed values; if all pass, write them as the payload's ``review`` and
        send the item back to its step's queue."""
        item = store.get_item(item_id)
        check_editable(store, item, user, version)
        if not self.fields or not self.accepts(item.payload):
            raise ActionRefused(f"Item {item_id} has no fields to approve; use retry or "
                                "mark done.")
        values, errors = validate_fields(self.fields, typed, locale)
        if errors:
            return Approved(errors=errors)
        review = {"action": "approve", "fields": values, "by": user.username,
                  "at": datetime.now(UTC).isoformat(timespec="seconds")}
        refuse_conflicts(lambda: store.approve(item_id, user.username,
                                               payload={**item.payload, "review": review},
                                               expected_version=version))
        predicted = {name: value.get("value") if isinstance(value, dict) else value
                     for name, value in self.read_values(item.payload).items()
                     if name in values}
        repo.audit(store, user.username, "approve", item_id=item_id,
                   before={"state": item.state.value, "code": item.exception_code,
                           "fields": predicted},
                   after={"state": ItemState.PENDING.value, "fields": values})
        return Approved()

    def actions(self) -> Mapping[str, Action]:
        """The view's own POST actions by name (``/items/{id}/{name}``)."""
        return {}


@dataclass
class ViewRegistry:
    """The views of every process; an item is shown by the first view of its process
    that accepts its payload, else by a plain :class:`ItemView` (no form: retry, reject
    or mark done)."""

    by_process: dict[str, list[ItemView]] = field(default_factory=dict)
    fallback: ItemView = field(default_factory=lambda: _NoForm())

    def register(self, process: str, *views: ItemView) -> None:
        self.by_process.setdefault(process, []).extend(views)

    def view_for(self, item: Item) -> ItemView:
        for view in self.by_process.get(item.process, []):
            if view.accepts(item.payload):
                return view
        return self.fallback

    def all_views(self) -> list[ItemView]:
        return [v for views in self.by_process.values() for v in views]

    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for v in self.all_views() for f in v.fields)

    def template_dirs(self) -> list[Path]:
        return list(dict.fromkeys(v.template_dir for v in self.all_views() if v.template_dir))


class _NoForm(ItemView):
    kind = "other"

    def accepts(self, payload: Any) -> bool:
        return True


def load_view(target: str) -> ItemView:
    """``module:attribute`` naming an ItemView instance or class."""
    import importlib

    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{target!r} does not name a view as module:attribute")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"the view {target!r} cannot be loaded: {exc}") from exc
    view = found() if isinstance(found, type) else found
    if not isinstance(view, ItemView):
        raise ValueError(f"{target!r} is not an ItemView")
    return view


def registry_from_config(declared: Mapping[str, Sequence[str]]) -> ViewRegistry:
    """The views each process declares (process -> ``module:attribute`` names)."""
    registry = ViewRegistry()
    for process, targets in declared.items():
        try:
            registry.register(process, *(load_view(t) for t in targets))
        except ValueError as exc:
            raise ValueError(f"process {process!r}: {exc}") from exc
    return registry


def default_registry() -> ViewRegistry:
    """The views the process configuration declares."""
    from workitems.processes import declared_views

    return registry_from_config(declared_views())
