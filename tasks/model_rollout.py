"""Trying a new field-scorer version on live invoices: shadow, canary, promotion, rollback.

    python -m tasks.model_rollout status
    python -m tasks.model_rollout shadow VERSION --by NAME       # reads beside production
    python -m tasks.model_rollout canary VERSION --share 0.1 --by NAME
    python -m tasks.model_rollout report [VERSION] [--json]
    python -m tasks.model_rollout promote VERSION --by NAME [--min-documents 30]
    python -m tasks.model_rollout rollback --by NAME [--reason TEXT]
    python -m tasks.model_rollout drift [--json]

A candidate is a version ``python -m skills.train --with-corrections`` registered. In
shadow, the consumer reads each invoice with production (used) and with the candidate
(only recorded in the store's model readings). In canary, the candidate's answer is
used for a fixed share of the items (a draw by the item's reference) and production
reads those beside it. The report compares the two, per field, with what clerks
confirmed when they approved an item, and on the frozen evaluation set of corrected
documents (:mod:`tasks.corrected_documents`), which neither version was fitted on.

Promotion rule (:func:`decide`), on paired per-field correctness (the same document,
the same field, each version right or wrong against the clerk's value):

- at least ``min_documents`` confirmed documents read by both versions, of which at
  least ``min_canary`` read by the canary for real;
- no worse on any field: per field, the candidate may lose at most one pair more than
  it wins (``only_production - only_candidate <= 1``: a single lost pair is within
  noise, two are not), and the one-sided exact sign test of "the candidate is worse" on
  that field's discordant pairs may not reject at ``alpha``;
- better overall: over all fields, the candidate wins more discordant pairs than it
  loses, and the one-sided exact sign test of "no better" rejects at ``alpha`` (0.05).

Every change of the rollout, every promotion, refusal and rollback is in the audit log
with the person who did it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import sys
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skills.extract import values_match
from skills.extract.candidates import FIELDS
from skills.extract.model import MODEL_NAME, MODELS_DIR, FieldScorer, ModelMissing, load_scorer
from skills.language import guess_language
from workitems import Store
from workitems.rollouts import Rollout, change, rollout

if TYPE_CHECKING:
    from skills.extract import Extraction
    from skills.layouts import LayoutMemory
    from skills.schema import Document

LOGGER = logging.getLogger(__name__)
ALPHA = 0.05
MIN_DOCUMENTS = 30
MIN_CANARY = 10


# -- reading an item with the versions the rollout names ---------------------------------


@cache
def _scorer(models_dir: Path, version: str | None) -> FieldScorer:
    return load_scorer(models_dir, version=version)


class RolloutReader:
    """Reads invoices with the version the store's rollout says, records every answer."""

    def __init__(self, store: Store, models_dir: Path = MODELS_DIR,
                 model: str = MODEL_NAME) -> None:
        self.store = store
        self.models_dir = models_dir
        self.model = model

    def read(self, doc: Document, reference: str, item_id: int | None,
             layouts: LayoutMemory | None = None) -> Extraction:
        from skills.extract import extract  # noqa: PLC0415 - heavy

        state = rollout(self.store, self.model)
        production = self._version(state.production)
        candidate = self._candidate(state.candidate)
        if candidate is None or state.mode == "off":
            used = extract(doc, production, layouts=layouts)
            self._record(used, doc, "production", True, item_id, reference)
            return used
        canary = state.in_canary(reference)
        first, second = (candidate, production) if canary else (production, candidate)
        used = extract(doc, first, layouts=layouts)
        try:
            beside = extract(doc, second, layouts=layouts)
        except Exception:  # noqa: BLE001 - the version beside is never worth a failed item
            LOGGER.exception("%s %s failed beside the version used", self.model,
                             second.version)
            beside = None
        cand_reading, prod_reading = (used, beside) if canary else (beside, used)
        for reading, role, is_used in ((prod_reading, "production", not canary),
                                       (cand_reading, "canary" if canary else "shadow", canary)):
            if reading is not None:
                self._record(reading, doc, role, is_used, item_id, reference)
        return used

    def _version(self, version: str | None) -> FieldScorer:
        try:
            return _scorer(self.models_dir, version)
        except ModelMissing:
            if version is None:
                raise
            # This machine's registry lacks the version the store names: read with the
            # registered one rather than not at all, and say so.
            LOGGER.warning("model %s %s is not in this machine's registry; reading with "
                           "the registered version", self.model, version)
            return _scorer(self.models_dir, None)

    def _candidate(self, version: str | None) -> FieldScorer | None:
        """The candidate, or None when there is none or this machine lacks it (its
        answers would be production's, recorded under the candidate's role)."""
        if version is None:
            return None
        try:
            return _scorer(self.models_dir, version)
        except ModelMissing:
            LOGGER.warning("candidate %s %s is not in this machine's registry; reading with "
                           "production only", self.model, version)
            return None

    def _record(self, extraction: Extraction, doc: Document, role: str, used: bool,
                item_id: int | None, reference: str) -> None:
        self.store.add_reading(self.model, extraction.model_version, role, used=used,
                               item_id=item_id, data=reading_data(extraction, doc, reference))


def reading_data(extraction: Extraction, doc: Document, reference: str) -> dict[str, Any]:
    """What a reading keeps: per field its value, confidence and whether it was accepted,
    and the traits drift is watched on, as categories."""
    accepted = extraction.accepted()
    fields = {name: {"value": f.value, "confidence": round(f.confidence, 4),
                     "method": f.method, "accepted": name in accepted}
              for name, f in extraction.fields.items()}
    methods = sorted({str(p.method) for p in doc.pages}) or ["none"]
    traits = {
        "pages": str(len(doc.pages)) if len(doc.pages) < 3 else "3+",
        "reading method": "+".join(methods),
        "language": guess_language(doc),
        "layout": "learned" if extraction.layout else "not learned",
        "label familiarity": _bin(extraction.familiarity, (0.5, 0.8, 0.999)),
    }
    if extraction.layout_distance is not None:
        traits["distance to training layouts"] = _bin(extraction.layout_distance,
                                                      (0.5, 0.8))
    for name, f in extraction.fields.items():
        traits[f"confidence {name}"] = _bin(f.confidence, (0.5, 0.9, 0.99))
        traits[f"accepted {name}"] = "yes" if name in accepted else "no"
    return {"reference": reference, "fields": fields, "traits": traits}


def _bin(value: float, edges: tuple[float, ...]) -> str:
    """The category of ``value`` between ``edges``: "<0.5", "0.5-0.9", ">=0.99"."""
    if value < edges[0]:
        return f"<{edges[0]:g}"
    for lo, hi in zip(edges, edges[1:], strict=False):
        if value < hi:
            return f"{lo:g}-{hi:g}"
    return f">={edges[-1]:g}"


def open_reader() -> RolloutReader | None:
    """A reader over the store when the bot runs on a worker of the store, else None
    (the desktop reads with the registered model and records nothing)."""
    from tasks.run_log import on_a_worker  # noqa: PLC0415

    if not on_a_worker() or os.environ.get("AP_MODEL_ROLLOUT", "on").lower() in (
            "off", "0", "false", "no"):
        return None
    from workitems import open_store  # noqa: PLC0415

    return RolloutReader(open_store())


# -- comparing two versions with what clerks confirmed ------------------------------------


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact sign test: P(at least ``wins`` of ``wins + losses`` fair coin flips
    come up heads). Small: the winner really is better on these pairs."""
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2 ** n


@dataclass
class FieldPairs:
    both_right: int = 0
    only_candidate: int = 0  # the candidate right, production wrong
    only_production: int = 0
    both_wrong: int = 0

    @property
    def documents(self) -> int:
        return self.both_right + self.only_candidate + self.only_production + self.both_wrong

    def p_worse(self) -> float:
        """Evidence the candidate is worse on this field (one-sided sign test)."""
        return sign_test(self.only_production, self.only_candidate)

    def worse(self, alpha: float = ALPHA) -> bool:
        """Worse on this field: it lost at least two pairs more than it won, or lost more
        than it won and the sign test says so (one lost pair alone is noise)."""
        net = self.only_production - self.only_candidate
        return net >= 2 or (net > 0 and self.p_worse() < alpha)


@dataclass
class Comparison:
    fields: dict[str, FieldPairs] = field(default_factory=lambda: {f: FieldPairs()
                                                                   for f in FIELDS})
    documents: int = 0
    canary_documents: int = 0  # of which the candidate's answer was used
    references: set[str] = field(default_factory=set)  # the documents compared

    def add(self, production: dict, candidate: dict, confirmed: dict, canary: bool,
            reference: str = "") -> None:
        self.documents += 1
        self.references.add(reference)
        self.canary_documents += canary
        for name, pairs in self.fields.items():
            p = values_match(name, production.get(name), confirmed.get(name))
            c = values_match(name, candidate.get(name), confirmed.get(name))
            key = ("both_right" if p else "only_candidate") if c else (
                "only_production" if p else "both_wrong")
            setattr(pairs, key, getattr(pairs, key) + 1)

    def merged(self, other: Comparison) -> Comparison:
        out = Comparison(documents=self.documents + other.documents,
                         canary_documents=self.canary_documents + other.canary_documents,
                         references=self.references | other.references)
        for name in out.fields:
            a, b = self.fields[name], other.fields[name]
            out.fields[name] = FieldPairs(*(x + y for x, y in zip(
                asdict(a).values(), asdict(b).values(), strict=True)))
        return out

    def accuracy(self, who: str) -> dict[str, float | None]:
        right = "only_candidate" if who == "candidate" else "only_production"
        return {name: ((p.both_right + getattr(p, right)) / p.documents) if p.documents
                else None for name, p in self.fields.items()}


@dataclass
class Decision:
    promote: bool
    reasons: list[str]
    wins: int
    losses: int
    p_better: float
    worse_fields: list[str]


def decide(comparison: Comparison, min_documents: int = MIN_DOCUMENTS,
           min_canary: int = MIN_CANARY, alpha: float = ALPHA) -> Decision:
    """The promotion rule of the module's docstring."""
    reasons = []
    if comparison.documents < min_documents:
        reasons.append(f"only {comparison.documents} confirmed documents read by both "
                       f"versions; {min_documents} needed")
    if comparison.canary_documents < min_canary:
        reasons.append(f"only {comparison.canary_documents} confirmed documents read by the "
                       f"canary; {min_canary} needed")
    worse = [name for name, p in comparison.fields.items() if p.worse(alpha)]
    for name in worse:
        p = comparison.fields[name]
        reasons.append(f"worse on {name}: right where production was wrong "
                       f"{p.only_candidate} times, wrong where production was right "
                       f"{p.only_production} times (sign test p={p.p_worse():.3f})")
    wins = sum(p.only_candidate for p in comparison.fields.values())
    losses = sum(p.only_production for p in comparison.fields.values())
    p_better = sign_test(wins, losses)
    if wins <= losses or p_better >= alpha:
        reasons.append(f"not better overall: {wins} fields won, {losses} lost "
                       f"(one-sided sign test p={p_better:.3f}, needs < {alpha})")
    return Decision(not reasons, reasons, wins, losses, p_better, worse)


def live_comparison(store: Store, candidate: str, model: str = MODEL_NAME) -> Comparison:
    """Items the candidate read (shadow or canary) that production read too and a clerk
    then approved: each version's values against the approved ones."""
    from tasks.approved_values import confirmed_values  # noqa: PLC0415
    from workitems.room.repository import corrections_for  # noqa: PLC0415

    by_item: dict[int, dict[str, Any]] = {}
    mine = [r for r in store.readings(model, candidate) if r.item_id is not None]
    for r in store.readings_of_items(model, [r.item_id for r in mine]):
        slot = by_item.setdefault(r.item_id, {})
        if r.version == candidate:
            slot["candidate"], slot["canary"] = r, r.used
        elif r.role == "production":
            slot["production"] = r
    comparison = Comparison()
    for item_id, slot in sorted(by_item.items()):
        if "candidate" not in slot or "production" not in slot:
            continue
        confirmed = corrections_for(store, item_id)
        if not confirmed:
            continue
        comparison.add(_values(slot["production"].data), _values(slot["candidate"].data),
                       confirmed_values(confirmed[-1].corrected), bool(slot["canary"]),
                       slot["candidate"].data.get("reference", ""))
    return comparison


def _values(data: dict) -> dict[str, str | None]:
    return {name: f.get("value") for name, f in data.get("fields", {}).items()}


def frozen_comparison(store: Store, candidate: str, production: str | None = None,
                      models_dir: Path = MODELS_DIR, skip: set[str] | None = None
                      ) -> Comparison:
    """Both versions on the frozen evaluation set of corrected documents, less those in
    ``skip`` (documents the live comparison counts already)."""
    from skills.extract import extract  # noqa: PLC0415
    from skills.train import read_bytes_cached  # noqa: PLC0415
    from tasks.corrected_documents import corrected_documents  # noqa: PLC0415

    prod, cand = _scorer(models_dir, production), _scorer(models_dir, candidate)
    comparison = Comparison()
    for d in corrected_documents(store).evaluation:
        reference = hashlib.sha256(d.data).hexdigest()
        if reference in (skip or set()):
            continue
        doc = read_bytes_cached(d.data, d.name)
        comparison.add(extract(doc, prod).values(), extract(doc, cand).values(), d.fields,
                       canary=False, reference=reference)
    return comparison


@dataclass
class Report:
    candidate: str
    production: str
    live: Comparison
    frozen: Comparison
    decision: Decision

    def as_json(self) -> dict[str, Any]:
        def part(c: Comparison) -> dict[str, Any]:
            return {"documents": c.documents, "canary_documents": c.canary_documents,
                    "references": sorted(c.references),
                    "fields": {n: {**asdict(p), "p_worse": p.p_worse()}
                               for n, p in c.fields.items()},
                    "accuracy": {"production": c.accuracy("production"),
                                 "candidate": c.accuracy("candidate")}}

        return {"candidate": self.candidate, "production": self.production,
                "live": part(self.live), "frozen_evaluation": part(self.frozen),
                "decision": asdict(self.decision)}


def report(store: Store, candidate: str, models_dir: Path = MODELS_DIR,
           min_documents: int = MIN_DOCUMENTS, min_canary: int = MIN_CANARY) -> Report:
    state = rollout(store, MODEL_NAME)
    production = _scorer(models_dir, state.production).version
    live = live_comparison(store, candidate)
    frozen = frozen_comparison(store, candidate, state.production, models_dir,
                               skip=live.references)
    decision = decide(live.merged(frozen), min_documents, min_canary)
    return Report(candidate, production, live, frozen, decision)


def print_report(r: Report) -> None:
    both = r.live.merged(r.frozen)
    prod, cand = both.accuracy("production"), both.accuracy("candidate")
    print(f"candidate {r.candidate} against production {r.production}: "
          f"{r.live.documents} live confirmed documents ({r.live.canary_documents} canary), "
          f"{r.frozen.documents} in the frozen evaluation set")
    print(f"{'field':<16}{'production':>11}{'candidate':>10}{'won':>5}{'lost':>5}"
          f"{'p worse':>9}")
    for name, p in both.fields.items():
        print(f"{name:<16}{_pct(prod[name]):>11}{_pct(cand[name]):>10}"
              f"{p.only_candidate:>5}{p.only_production:>5}{p.p_worse():>9.3f}")
    d = r.decision
    print(f"overall: {d.wins} won, {d.losses} lost, sign test p={d.p_better:.4f}")
    print("promotion: " + ("allowed" if d.promote else "refused: " + "; ".join(d.reasons)))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


# -- the actions ----------------------------------------------------------------------------


class RolloutRefused(Exception):
    """An action the rollout's state or the evidence does not allow; nothing changed."""


def start(store: Store, by: str, version: str, mode: str, share: float = 0.0,
          models_dir: Path = MODELS_DIR) -> Rollout:
    """Put a candidate in shadow or canary."""
    try:
        scorer = _scorer(models_dir, version)
    except ModelMissing as exc:
        raise RolloutRefused(str(exc)) from exc
    state = rollout(store, MODEL_NAME)
    if scorer.version == _scorer(models_dir, state.production).version:
        raise RolloutRefused(f"{version} is the production version already")
    return change(store, by, f"model_{mode}", MODEL_NAME, candidate=version, mode=mode,
                  share=share if mode == "canary" else 0.0)


def promote(store: Store, by: str, version: str, models_dir: Path = MODELS_DIR,
            min_documents: int = MIN_DOCUMENTS, min_canary: int = MIN_CANARY) -> Report:
    """Promote the canary if the evidence allows; a refusal is audited and raised."""
    from skills.extract.versions import promote as promote_version  # noqa: PLC0415
    from workitems.room.repository import audit  # noqa: PLC0415

    state = rollout(store, MODEL_NAME)
    if state.candidate != version or state.mode != "canary":
        raise RolloutRefused(f"{version} is not the canary (the rollout has "
                             f"{state.candidate or 'no candidate'} in {state.mode})")
    found = report(store, version, models_dir, min_documents, min_canary)
    evidence = {"live_documents": found.live.documents,
                "canary_documents": found.live.canary_documents,
                "frozen_documents": found.frozen.documents, "fields_won": found.decision.wins,
                "fields_lost": found.decision.losses, "p_better": found.decision.p_better}
    if not found.decision.promote:
        audit(store, by, "model_promotion_refused", details={
            "model": MODEL_NAME, "candidate": version, **evidence,
            "reasons": found.decision.reasons})
        raise RolloutRefused("; ".join(found.decision.reasons))
    promote_version(version, by, evidence, models_dir)
    _scorer.cache_clear()
    change(store, by, "model_promote", MODEL_NAME, production=version, candidate=None,
           mode="off", share=0.0)
    return found


def roll_back(store: Store, by: str, reason: str = "",
              models_dir: Path = MODELS_DIR) -> tuple[str, str]:
    """Put the previous production version back, in the registry and for every worker."""
    from skills.extract.versions import VersionError  # noqa: PLC0415
    from skills.extract.versions import rollback as rollback_version  # noqa: PLC0415

    try:
        gone, restored = rollback_version(by, reason, models_dir)
    except VersionError as exc:
        raise RolloutRefused(str(exc)) from exc
    _scorer.cache_clear()
    change(store, by, "model_rollback", MODEL_NAME, production=restored, candidate=None,
           mode="off", share=0.0)
    return gone, restored


# -- the command ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.model_rollout",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("status", "shadow", "canary", "stop", "report",
                                           "promote", "rollback", "drift"))
    parser.add_argument("version", nargs="?")
    parser.add_argument("--by", default=os.environ.get("USER", ""),
                        help="who does it (recorded in the audit log)")
    parser.add_argument("--share", type=float, default=0.1, help="canary share of the items")
    parser.add_argument("--min-documents", type=int, default=MIN_DOCUMENTS)
    parser.add_argument("--min-canary", type=int, default=MIN_CANARY)
    parser.add_argument("--reason", default="")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--db", help="work-item store URL (default: $WORKITEMS_DB)")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    from workitems import open_store  # noqa: PLC0415

    with open_store(args.db) as store:
        try:
            return _run(args, store, parser)
        except RolloutRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1


def _run(args: argparse.Namespace, store: Store, parser: argparse.ArgumentParser) -> int:
    needs_version = args.action in ("shadow", "canary", "promote")
    if needs_version and not args.version:
        parser.error(f"{args.action} needs a version (see: python -m skills.extract.versions)")
    if args.action != "status" and args.action not in ("report", "drift") and not args.by:
        parser.error("say who does it: --by NAME")
    if args.action == "status":
        print(json.dumps(rollout(store, MODEL_NAME).model_dump()))
    elif args.action in ("shadow", "canary"):
        state = start(store, args.by, args.version, args.action, args.share, args.models_dir)
        print(json.dumps(state.model_dump()))
    elif args.action == "stop":
        change(store, args.by, "model_stop", MODEL_NAME, candidate=None, mode="off", share=0.0)
    elif args.action == "report":
        version = args.version or rollout(store, MODEL_NAME).candidate
        if not version:
            parser.error("no candidate in the rollout: name a version")
        found = report(store, version, args.models_dir, args.min_documents, args.min_canary)
        print(json.dumps(found.as_json())) if args.json else print_report(found)
    elif args.action == "promote":
        found = promote(store, args.by, args.version, args.models_dir, args.min_documents,
                        args.min_canary)
        print_report(found)
        print(f"{args.version} promoted by {args.by}")
    elif args.action == "rollback":
        gone, restored = roll_back(store, args.by, args.reason, args.models_dir)
        print(f"{gone} rolled back by {args.by}; {restored} is production again")
    else:
        from workitems.room.drift import drift_reports  # noqa: PLC0415

        found = drift_reports(store)
        print(json.dumps([d.as_json() for d in found]) if args.json else
              "\n".join(d.describe() for d in found) or "no model readings yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


