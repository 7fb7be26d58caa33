"""Drift of what a model version reads: its live window against its reference window.

A model version's readings (``Store.readings``) carry ``traits``: categories its owner
chose to watch (per field confidence band and acceptance, pages, reading method,
language, layout familiarity...). To these the Control Room adds, per field, whether a
clerk corrected it, for items a clerk approved. The reference window is the version's
first ``reference`` readings (fixed once they exist); the live window its latest
``live`` readings after them. Each trait's two distributions are compared by the
population stability index

    PSI = sum over categories (live share - reference share) * ln(live / reference)

(shares smoothed by half a reading, so a category absent on one side is finite). A
trait drifts when its PSI reaches ``threshold`` (0.25, the usual "significant shift")
and a shift that large is unlikely by chance at these window sizes: PSI / (1/n_ref +
1/n_live) is close to chi-squared with (categories - 1) degrees of freedom when nothing
changed, and its p-value must be below ``chance``. Small windows thus do not raise
alerts from noise alone.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from workitems import Store
from workitems.store import Reading

REFERENCE = 200
LIVE = 200
MIN_WINDOW = 30  # fewer readings in either window: no verdict yet
THRESHOLD = 0.25
CHANCE = 0.001


@dataclass
class TraitDrift:
    trait: str
    psi: float
    p_chance: float
    reference: dict[str, float]
    live: dict[str, float]
    drifted: bool

    def describe(self) -> str:
        def top(shares: dict[str, float]) -> str:
            best = sorted(shares.items(), key=lambda kv: -kv[1])[:3]
            return ", ".join(f"{k} {v:.0%}" for k, v in best)

        return (f"{self.trait}: PSI {self.psi:.2f} (was {top(self.reference)}; now "
                f"{top(self.live)})")


@dataclass
class DriftReport:
    model: str
    version: str
    reference_count: int
    live_count: int
    threshold: float
    traits: list[TraitDrift] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return min(self.reference_count, self.live_count) >= MIN_WINDOW

    @property
    def alerts(self) -> list[TraitDrift]:
        return sorted((t for t in self.traits if t.drifted), key=lambda t: -t.psi)

    def describe(self) -> str:
        head = (f"{self.model} {self.version}: reference {self.reference_count} readings, "
                f"live {self.live_count}")
        if not self.ready:
            return f"{head}; too few readings to tell"
        if not self.alerts:
            return f"{head}; no drift"
        return f"{head}; DRIFT in " + "; ".join(t.describe() for t in self.alerts)

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "version": self.version,
                "reference_count": self.reference_count, "live_count": self.live_count,
                "ready": self.ready, "threshold": self.threshold,
                "alerts": [t.trait for t in self.alerts],
                "traits": {t.trait: {"psi": t.psi, "p_chance": t.p_chance,
                                     "drifted": t.drifted, "reference": t.reference,
                                     "live": t.live} for t in self.traits}}


def psi(reference: Counter[str], live: Counter[str]) -> tuple[float, int]:
    """The population stability index of two category counts, and the categories."""
    cats = sorted(set(reference) | set(live))
    n_ref, n_live = sum(reference.values()), sum(live.values())
    total = 0.0
    for c in cats:
        r = (reference[c] + 0.5) / (n_ref + 0.5 * len(cats))
        v = (live[c] + 0.5) / (n_live + 0.5 * len(cats))
        total += (v - r) * math.log(v / r)
    return total, len(cats)


def _chance(value: float, categories: int, n_ref: int, n_live: int) -> float:
    from scipy.stats import chi2  # noqa: PLC0415 - only when drift is computed

    if categories < 2 or not n_ref or not n_live:
        return 1.0
    return float(chi2.sf(value / (1 / n_ref + 1 / n_live), categories - 1))


def _traits(store: Store, readings: list[Reading]) -> list[dict[str, str]]:
    corrected = _corrected_fields(store, [r.item_id for r in readings if r.item_id is not None])
    out = []
    for r in readings:
        data = r.data if isinstance(r.data, dict) else {}
        traits = dict(data.get("traits", {}))
        changed = corrected.get(r.item_id) if r.item_id is not None else None
        if changed is not None:
            for name in data.get("fields", {}):
                traits[f"corrected {name}"] = "yes" if name in changed else "no"
        out.append(traits)
    return out


def _corrected_fields(store: Store, item_ids: list[int]) -> dict[int, set[str]]:
    """The fields a clerk changed on each item they approved (their latest approval)."""
    found: dict[int, set[str]] = {}
    ids = sorted(set(item_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        names = {f"i{n}": i for n, i in enumerate(chunk)}
        with store.db.transaction(write=False) as cur:
            rows = cur.execute("SELECT item_id, changed FROM room_corrections WHERE item_id IN "
                               f"({', '.join(':' + n for n in names)}) ORDER BY id", names)
        for row in rows:
            found[row["item_id"]] = set(store.db.json_value(row["changed"]) or [])
    return found


def compare(reference: list[dict[str, str]], live: list[dict[str, str]],
            threshold: float = THRESHOLD, chance: float = CHANCE) -> list[TraitDrift]:
    """Each trait's drift between two windows of trait dicts."""
    out = []
    for trait in sorted({k for t in reference + live for k in t}):
        ref = Counter(t[trait] for t in reference if trait in t)
        now = Counter(t[trait] for t in live if trait in t)
        if not ref or not now:
            continue
        value, cats = psi(ref, now)
        p = _chance(value, cats, sum(ref.values()), sum(now.values()))
        out.append(TraitDrift(trait, round(value, 4), p,
                              {k: round(v / sum(ref.values()), 4) for k, v in ref.items()},
                              {k: round(v / sum(now.values()), 4) for k, v in now.items()},
                              value >= threshold and p < chance))
    return out


def drift_report(store: Store, model: str, version: str, reference: int = REFERENCE,
                 live: int = LIVE, threshold: float = THRESHOLD,
                 chance: float = CHANCE) -> DriftReport:
    first = store.readings(model, version, first=reference)
    last_ref = first[-1].id if first else 0
    latest = [r for r in store.readings(model, version, last=live) if r.id > last_ref]
    report = DriftReport(model, version, len(first), len(latest), threshold)
    if report.ready:
        report.traits = compare(_traits(store, first), _traits(store, latest), threshold,
                                chance)
    return report


def drift_reports(store: Store, **options: Any) -> list[DriftReport]:
    """A report for every model version that has readings."""
    return [drift_report(store, model, version, **options)
            for model, version in _versions(store)]


def _versions(store: Store) -> list[tuple[str, str]]:
    with store.db.transaction(write=False) as cur:
        rows = cur.execute("SELECT model, version, max(id) AS last FROM model_readings "
                           "GROUP BY model, version ORDER BY max(id) DESC")
    return [(r["model"], r["version"]) for r in rows]


def room_reports(room: Any) -> list[DriftReport]:
    """The reports with the Control Room's settings (its windows and threshold)."""
    settings = room.settings
    return drift_reports(room.store, reference=settings.drift_reference,
                         live=settings.drift_live, threshold=settings.drift_threshold)
