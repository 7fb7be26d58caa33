"""Every version of a model in ``models/registry.json``, with its lineage and history.

The registry's ``models`` entry is the version in production and ``previous`` the ones
it replaced (newest first); both keep the shape ``skills.train`` writes. ``versions``
lists every version ever registered, each with

- ``status``: candidate | production | retired | rolled_back,
- ``lineage``: the data sets it was fitted on and their counts, the version it was
  trained to replace (``parent``), the code revision,
- ``history``: who promoted it, rolled it back or replaced it, when, and on what
  evidence.

A candidate is a complete entry (file, sha256, metrics and thresholds), so it can be
loaded and read with beside production before anyone promotes it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skills.extract.model import MODEL_NAME, MODELS_DIR, REGISTRY, read_registry

PRODUCTION, CANDIDATE, RETIRED, ROLLED_BACK = "production", "candidate", "retired", "rolled_back"
# Keys of a version entry that only the version list has: the production entry keeps
# the shape the extractor reads.
_LIST_ONLY = ("status", "lineage", "history")


class VersionError(ValueError):
    """A version that does not exist, or an action its status does not allow."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _save(models_dir: Path, registry: dict) -> None:
    path = models_dir / REGISTRY
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(registry, indent=2) + "\n")
    tmp.replace(path)


def lineage_of(entry: dict) -> dict[str, Any]:
    """What a version was trained on, read from its training record."""
    t = entry.get("training", {})
    sets = [{"name": f"generated {t.get('family', 'train')} family", "generator":
             t.get("generator"), "seed": t.get("seed"),
             "documents": t.get("documents", 0) - t.get("procedural", {}).get("documents", 0)}]
    if t.get("procedural"):
        sets.append({"name": "generated procedural family", "generator": t.get("generator"),
                     "seed": t.get("seed"), "documents": t["procedural"]["documents"]})
    sets += t.get("corrections", [])
    return {"datasets": sets, "documents": t.get("documents"),
            "candidates": t.get("candidates"), "code_revision": t.get("code_revision"),
            "parent": t.get("parent")}


def versions(registry: dict, name: str = MODEL_NAME) -> list[dict]:
    """The version list, filled from ``models`` and ``previous`` when a registry has none
    yet (their entries are left as they are)."""
    listed = registry.setdefault("versions", {}).setdefault(name, [])
    known = {v["version"] for v in listed}
    current = registry.get("models", {}).get(name)
    older = registry.get("previous", {}).get(name, [])
    for entry, status in [*((e, RETIRED) for e in reversed(older)),
                          *([(current, PRODUCTION)] if current else [])]:
        if entry["version"] not in known:
            listed.append({"version": entry["version"], "file": entry["file"],
                           "sha256": entry["sha256"], "created": entry.get("created"),
                           "status": status, "lineage": lineage_of(entry), "history": []})
            known.add(entry["version"])
    # A version trained straight into production (``skills.train`` without corrections)
    # replaces the one before it without a promotion: the list says so.
    for entry in listed:
        if entry["status"] == PRODUCTION and current and entry["version"] != current["version"]:
            entry["status"] = RETIRED
    return listed


def version_entry(registry: dict, version: str, name: str = MODEL_NAME) -> dict | None:
    """The loadable entry of ``version``: production, a previous one, or a candidate."""
    current = registry.get("models", {}).get(name)
    if current and current["version"] == version:
        return current
    for entry in registry.get("previous", {}).get(name, []):
        if entry["version"] == version:
            return entry
    for entry in registry.get("versions", {}).get(name, []):
        if entry["version"] == version and "metrics" in entry:
            return {k: v for k, v in entry.items() if k not in _LIST_ONLY}
    return None


def _listed(registry: dict, version: str, name: str) -> dict:
    for entry in versions(registry, name):
        if entry["version"] == version:
            return entry
    raise VersionError(f"no version {version} of {name} in the registry")


def add_candidate(entry: dict, lineage: dict, models_dir: Path = MODELS_DIR) -> dict:
    """Register a newly trained version as a candidate; production is left as it is."""
    registry = read_registry(models_dir)
    listed = versions(registry, entry["name"])
    if any(v["version"] == entry["version"] for v in listed):
        raise VersionError(f"version {entry['version']} of {entry['name']} exists already")
    listed.append({**entry, "status": CANDIDATE, "lineage": lineage,
                   "history": [{"action": "trained", "at": entry["created"]}]})
    _save(models_dir, registry)
    return listed[-1]


def promote(version: str, by: str, evidence: dict | None = None,
            models_dir: Path = MODELS_DIR, name: str = MODEL_NAME) -> dict:
    """Make a candidate the production version. The one it replaces moves to
    ``previous`` (its file kept as NAME-VERSION.onnx, as ``skills.train`` keeps it), so
    :func:`rollback` can bring it back."""
    registry = read_registry(models_dir)
    versions(registry, name)  # every version listed before production changes
    listed = _listed(registry, version, name)
    if listed["status"] != CANDIDATE:
        raise VersionError(f"{name} {version} is {listed['status']}, not a candidate")
    old = registry["models"][name]
    old = _keep_file(models_dir, old)
    when = _now()
    registry.setdefault("previous", {}).setdefault(name, []).insert(0, old)
    registry["models"][name] = {k: v for k, v in listed.items() if k not in _LIST_ONLY}
    listed["status"] = PRODUCTION
    listed["history"].append({"action": "promoted", "by": by, "at": when,
                              "replaced": old["version"], "evidence": evidence or {}})
    replaced = _listed(registry, old["version"], name)
    replaced.update(status=RETIRED, file=old["file"])
    replaced["history"].append({"action": "replaced", "by": by, "at": when,
                                "replaced_by": version})
    _save(models_dir, registry)
    return listed


def rollback(by: str, reason: str = "", models_dir: Path = MODELS_DIR,
             name: str = MODEL_NAME) -> tuple[str, str]:
    """Put the version production replaced last back into production; returns
    (rolled back, restored)."""
    registry = read_registry(models_dir)
    versions(registry, name)  # every version listed before production changes
    older = registry.get("previous", {}).get(name, [])
    if not older:
        raise VersionError(f"{name} has no earlier version to roll back to")
    current = registry["models"][name]
    restored = older.pop(0)
    registry["models"][name] = restored
    when = _now()
    listed = _listed(registry, current["version"], name)
    listed["status"] = ROLLED_BACK
    listed["history"].append({"action": "rolled back", "by": by, "at": when,
                              "restored": restored["version"], "reason": reason})
    back = _listed(registry, restored["version"], name)
    back["status"] = PRODUCTION
    back["history"].append({"action": "restored", "by": by, "at": when,
                            "rolled_back": current["version"]})
    _save(models_dir, registry)
    return current["version"], restored["version"]


def _keep_file(models_dir: Path, entry: dict) -> dict:
    """The production entry with its file under a name of its own: a later training run
    writes NAME.onnx again, which must not overwrite a version kept for rollback."""
    own = f"{entry['name']}-{entry['version']}.onnx"
    if entry["file"] == own or not (models_dir / entry["file"]).exists():
        return entry
    (models_dir / entry["file"]).replace(models_dir / own)
    return {**entry, "file": own}


def main(argv: list[str] | None = None) -> int:
    """``python -m skills.extract.versions [list | lineage]``: every version of the field
    scorer, one JSON object a line (version, status, lineage, history); ``lineage``
    writes the version list into the registry where it has none yet (the production and
    previous entries are left as they are)."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m skills.extract.versions",
                                     description=main.__doc__)
    parser.add_argument("action", choices=("list", "lineage"), nargs="?", default="list")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    registry = read_registry(args.models_dir)
    listed = versions(registry)
    if args.action == "lineage":
        _save(args.models_dir, registry)
    for entry in listed:
        print(json.dumps({k: entry.get(k) for k in ("version", "status", "created", "lineage",
                                                    "history")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
