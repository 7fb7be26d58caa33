"""Every version of every model, for administrators: what it was trained on, its
code revision and metrics, its state, who promoted it and when, and the audit log's
entries of promotions and rollbacks.

Read from the model registry (``models/registry.json``): ``models`` holds each model's
production entry, ``previous`` the ones it replaced, and ``versions`` (where a model has
one) every version with its ``status``, ``lineage`` and ``history``. A model without a
version list is shown from its production and previous entries. The Control Room only
reads this file; the live rollout (candidate, shadow or canary) comes from the store
(:mod:`workitems.rollouts`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from workitems import Store
from workitems.processes import REPO_ROOT
from workitems.rollouts import Rollout, rollouts
from workitems.room import repository as repo

DEFAULT_REGISTRY = REPO_ROOT / "models" / "registry.json"
MODEL_ACTIONS = "model_"  # audit actions of rollouts: model_promote, model_rollback, ...
HEADLINE_METRICS = 6  # scalar metrics shown per version; the rest are in the registry


class DataSet(BaseModel):
    name: str
    count: int | None = None


class Event(BaseModel):
    action: str
    by: str | None = None
    at: str | None = None
    note: str = ""


class VersionRow(BaseModel):
    version: str
    created: str | None = None
    state: str  # production, candidate, retired, rolled_back
    rollout: str = ""  # the live rollout's word on it: "canary 10 %", "shadow"
    datasets: list[DataSet] = []
    documents: int | None = None
    code_revision: str | None = None
    parent: str | None = None
    metrics: dict[str, float] = {}
    promoted_by: str | None = None
    promoted_at: str | None = None
    history: list[Event] = []


class ModelVersions(BaseModel):
    name: str
    production: str | None
    versions: list[VersionRow]  # newest first


class RegistryUnreadable(ValueError):
    """The registry file is missing or not the JSON a registry holds."""


def read_registry(path: Path) -> dict[str, Any]:
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryUnreadable(f"the model registry {path.name} cannot be read: {exc}"
                                 ) from exc
    if not isinstance(registry, dict) or not isinstance(registry.get("models", {}), dict):
        raise RegistryUnreadable(f"{path.name} is not a model registry")
    return registry


def model_versions(registry: dict[str, Any], live: list[Rollout] | None = None
                   ) -> list[ModelVersions]:
    """Each model's versions, newest first."""
    current = registry.get("models") or {}
    listed = registry.get("versions") or {}
    by_model = {r.model: r for r in live or []}
    out = []
    for name in sorted({*current, *listed}):
        entries = _entries(registry, name)
        loadable = {e.get("version"): e for e in [*(registry.get("previous") or {}).get(
            name, []), *([current[name]] if name in current else [])] if isinstance(e, dict)}
        rows = [_row(e, loadable.get(e.get("version"), {}), by_model.get(name))
                for e in entries if isinstance(e, dict) and e.get("version")]
        rows.sort(key=lambda r: (r.created or "", r.version), reverse=True)
        production = (current.get(name) or {}).get("version")
        out.append(ModelVersions(name=name, production=production, versions=rows))
    return out


def _entries(registry: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The version list, or the production and previous entries where there is none."""
    listed = (registry.get("versions") or {}).get(name)
    if isinstance(listed, list) and listed:
        return listed
    current = (registry.get("models") or {}).get(name)
    older = (registry.get("previous") or {}).get(name) or []
    return ([{**current, "status": "production"}] if current else []) + [
        {**e, "status": "retired"} for e in older if isinstance(e, dict)]


def _row(entry: dict[str, Any], loadable: dict[str, Any], live: Rollout | None) -> VersionRow:
    lineage = entry.get("lineage") or {}
    training = entry.get("training") or loadable.get("training") or {}
    history = [_event(h) for h in entry.get("history") or [] if isinstance(h, dict)]
    promoted = [h for h in history if h.action in ("promoted", "restored")]
    return VersionRow(
        version=str(entry["version"]), created=entry.get("created"),
        state=str(entry.get("status") or "unknown"), rollout=_rollout_word(entry, live),
        datasets=[DataSet(name=str(d.get("name", "?")), count=_count(d))
                  for d in lineage.get("datasets") or [] if isinstance(d, dict)]
        or _training_set(training),
        documents=lineage.get("documents", _count(training)),
        code_revision=lineage.get("code_revision") or training.get("code_revision"),
        parent=lineage.get("parent"),
        metrics=_headline(entry.get("metrics") or loadable.get("metrics") or {}),
        promoted_by=promoted[-1].by if promoted else None,
        promoted_at=promoted[-1].at if promoted else None, history=history)


def _training_set(training: dict[str, Any]) -> list[DataSet]:
    """A version without lineage: the one data set its training record names."""
    name = " ".join(str(training[k]) for k in ("generator", "family") if training.get(k))
    return [DataSet(name=name, count=_count(training))] if name else []


def _count(dataset: dict[str, Any]) -> int | None:
    for key in ("documents", "count", "items", "examples", "messages"):
        if isinstance(dataset.get(key), int):
            return dataset[key]
    return None


def _event(entry: dict[str, Any]) -> Event:
    notes = [f"{k.replace('_', ' ')} {v}" for k, v in entry.items()
             if k not in ("action", "by", "at", "evidence") and v not in (None, "", {})]
    return Event(action=str(entry.get("action", "?")), by=entry.get("by"), at=entry.get("at"),
                 note="; ".join(notes))


def _headline(metrics: dict[str, Any]) -> dict[str, float]:
    """The metrics that are one number; where there are none at the top, those one level
    down ("held out accuracy"). Per-field breakdowns stay in the registry."""
    def numbers(values: dict[str, Any], prefix: str = "") -> list[tuple[str, float]]:
        return [(prefix + k, float(v)) for k, v in values.items()
                if isinstance(v, int | float) and not isinstance(v, bool)]

    found = numbers(metrics) or [pair for group, values in metrics.items()
                                 if isinstance(values, dict)
                                 for pair in numbers(values, f"{group} ")]
    return dict(found[:HEADLINE_METRICS])


def _rollout_word(entry: dict[str, Any], live: Rollout | None) -> str:
    if live is None:
        return ""
    version = entry.get("version")
    if live.candidate == version and live.mode != "off":
        return f"{live.mode} {live.share * 100:.0f} %" if live.mode == "canary" else live.mode
    if live.production == version:
        return "production on every worker"
    return ""


def rollout_audit(store: Store, limit: int = 200) -> list[repo.AuditEntry]:
    """The audit log's entries of model rollouts: candidates tried, promotions (and
    refusals), rollbacks; newest first."""
    return repo.audit_entries(store, action_prefix=MODEL_ACTIONS, limit=limit)


def versions_page(store: Store, path: Path | None) -> dict[str, Any]:
    """What the page shows; an unreadable registry is said on the page, the audit log is
    still shown."""
    path = path or DEFAULT_REGISTRY
    try:
        models = model_versions(read_registry(path), rollouts(store))
        problem = ""
    except RegistryUnreadable as exc:
        models, problem = [], str(exc)
    return {"models": models, "problem": problem, "audit": rollout_audit(store)}
