"""The learned layouts (skills.layouts) kept in the work-item store, shared by workers.

Each layout is one record of kind ``layout`` in the store's record table, grouped by
its vendor key, saved at the version it was read at (the store refuses a save over a
newer one, and teaching reads it again). A bot run by a worker of the store uses it
(``open_layouts``); a bot run from the desktop with Robocorp's file adapter has no
store and reads without a memory. ``AP_LAYOUT_MEMORY=off`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from skills.layouts.memory import Layout, StaleLayout
from tasks.run_log import has_a_store
from workitems import Conflict, Store

KIND = "layout"


class StoreLayouts:
    """:class:`skills.layouts.LayoutMemory` over a work-item store."""

    def __init__(self, store: Store, actor: str = "consumer") -> None:
        self.store = store
        self.actor = actor

    def layouts_of(self, vendors: Collection[str]) -> list[Layout]:
        return [_layout(r.data, r.version) for r in self.store.records(KIND, vendors)]

    def save(self, layout: Layout) -> Layout:
        data = {**layout.model_dump(mode="json", exclude={"version"}),
                "summary": summary(layout)}
        try:
            record = self.store.put_record(KIND, layout.id, layout.vendor, data,
                                           expected_version=layout.version, actor=self.actor)
        except Conflict as exc:
            raise StaleLayout(str(exc)) from exc
        return _layout(record.data, record.version)

    def all(self) -> list[Layout]:
        return [_layout(r.data, r.version) for r in self.store.records(KIND)]

    def remove(self, layout_id: str) -> bool:
        return self.store.delete_record(KIND, layout_id)

    def close(self) -> None:
        self.store.close()


def _layout(data: object, version: int) -> Layout:
    return Layout.model_validate({**data, "version": version})  # type: ignore[dict-item]


def open_layouts() -> StoreLayouts | None:
    """The store's layouts when the bot runs on a worker of the store, else None."""
    if os.environ.get("AP_LAYOUT_MEMORY", "on").lower() in ("off", "0", "false", "no"):
        return None
    if not has_a_store():  # over HTTP, as on the desktop, the bot has no store
        return None
    from workitems import open_store  # noqa: PLC0415 - only a worker has a store

    return StoreLayouts(open_store())


def summary(layout: Layout) -> dict[str, str]:
    """What the Control Room shows an admin beside the layout's record."""
    seen = describe(layout)
    agreement = ", ".join(f"{name} {share}" for name, share in seen["agreement"].items())
    return {"vendor": str(seen["vendor"]), "documents seen": str(seen["documents"]),
            "last taught": str(seen["taught_at"]),
            "last correction": str(seen["last_correction"] or "none"),
            "fields read right / read at the learned place": agreement or "not read yet"}


def describe(layout: Layout) -> dict[str, Any]:
    """What an admin sees of a layout: vendor, documents seen, last correction, and per
    field how often its learned place was right (confirmed / read there)."""
    agreement = {name: f"{f.confirmed}/{f.confirmed + f.contradicted}"
                 for name, f in sorted(layout.fields.items()) if f.confirmed + f.contradicted}
    return {"id": layout.id, "vendor": layout.vendor_name or layout.vendor,
            "key": layout.vendor, "documents": layout.documents,
            "taught_at": _when(layout.taught_at), "last_correction": _when(layout.corrected_at),
            "agreement": agreement, "version": layout.version}


def _when(at: float | None) -> str | None:
    from datetime import UTC, datetime  # noqa: PLC0415

    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    """``python -m tasks.layout_memory [list | remove ID] [--db URL]``: the learned layouts
    in the store, one JSON object a line, or remove one (its vendor's next invoice is read
    by the model alone until a clerk's approval teaches it again)."""
    import argparse  # noqa: PLC0415
    import json  # noqa: PLC0415

    from workitems import open_store  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m tasks.layout_memory", description=main.__doc__)
    parser.add_argument("action", choices=("list", "remove"), nargs="?", default="list")
    parser.add_argument("layout_id", nargs="?")
    parser.add_argument("--db", help="work-item store URL (default: $WORKITEMS_DB)")
    args = parser.parse_args(argv)
    with open_store(args.db) as store:
        memory = StoreLayouts(store, actor="admin")
        if args.action == "remove":
            if not args.layout_id:
                parser.error("remove needs the id of a layout (see: list)")
            if not memory.remove(args.layout_id):
                print(f"no layout {args.layout_id}")
                return 1
            print(f"layout {args.layout_id} removed")
            return 0
        for layout in sorted(memory.all(), key=lambda x: -x.taught_at):
            print(json.dumps(describe(layout), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
