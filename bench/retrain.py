"""Benchmark: retraining on clerks' corrections, read in shadow beside production.

    python -m bench.retrain [--vendors 6] [--corrected 6] [--shadow 4] [--count 300]
                            [--procedural 300] [--iterations 150]

Recurring vendors whose layouts no model saw (procedural-heldout, born-digital): the
consumer reads ``--corrected`` invoices of each with the production model and clerks
approve the true values in the Control Room (a work-item store on SQLite in a
temporary folder). Two versions are then trained on the same, smaller generated set
(``--count`` fixed-layout and ``--procedural`` grammar documents, no scans), one with
the corrections (``python -m skills.train --with-corrections``) and one without (the
baseline that isolates what the corrections add). The candidate with corrections reads
``--shadow`` new invoices of each vendor in shadow beside production, which clerks
confirm; the report compares the versions per field on those (paired) and on the
frozen evaluation set of corrected documents. Production is the committed model,
copied: nothing under ``models/`` changes.

Prints the tables, then one JSON line: training seconds, per-version field accuracy on
the shadow invoices, the promotion decision, and the ratio of fields wrong (candidate /
production, and candidate / the same training without corrections).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from devdata.clerk_corrections import cheap_passwords, invoices, read_and_confirm
from skills.documents import read_document
from skills.extract import extract, values_match
from skills.extract.candidates import FIELDS
from skills.extract.model import MODELS_DIR, load_scorer, read_registry
from skills.train import CorrectionSet, train
from tasks.corrected_documents import corrected_documents, lineage
from tasks.model_rollout import RolloutReader, print_report, report, start
from workitems import open_store


def _copy_production(models: Path) -> None:
    models.mkdir(parents=True)
    registry = read_registry(MODELS_DIR)
    entry = registry["models"]["invoice-fields"]
    shutil.copy(MODELS_DIR / entry["file"], models / entry["file"])
    (models / "registry.json").write_text(json.dumps({"models": {"invoice-fields": entry}}))


def _accuracy(models: Path, version: str | None, batch: list) -> float:
    scorer = load_scorer(models, version=version)
    right = total = 0
    for data, truth in batch:
        values = extract(read_document(data, "invoice.pdf"), scorer).values()
        right += sum(values_match(f, values.get(f), truth.get(f)) for f in FIELDS)
        total += len(FIELDS)
    return right / total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vendors", type=int, default=6)
    parser.add_argument("--corrected", type=int, default=6, help="corrected invoices a vendor")
    parser.add_argument("--shadow", type=int, default=4, help="shadow invoices a vendor")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--procedural", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--no-baseline-training", action="store_true",
                        help="skip the training without corrections (production stays the "
                             "baseline)")
    args = parser.parse_args(argv)
    cheap_passwords()
    small = dict(count=args.count, seed=7, scanned_share=0.0, iterations=args.iterations,
                 receipt_share=0.3, receipt_scanned_share=0.0, procedural=args.procedural,
                 procedural_scanned_share=0.0, workers=2)
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        _copy_production(models)
        production = read_registry(models)["models"]["invoice-fields"]["version"]
        with open_store(f"sqlite:///{tmp}/workitems.db") as store:
            reader = RolloutReader(store, models)
            read_and_confirm(store, reader, invoices(args.seed, args.vendors, args.corrected))
            sets = corrected_documents(store)
            began = time.perf_counter()
            with_corr = train(models_dir=models, **small, corrections=CorrectionSet(
                sets.training, 3.0, lineage(sets, store)))
            with_seconds = time.perf_counter() - began
            without, without_seconds = None, 0.0
            if not args.no_baseline_training:
                began = time.perf_counter()
                # The same training without corrections, as a candidate too (an empty set).
                without = train(models_dir=models, **small, corrections=CorrectionSet([], 3.0))
                without_seconds = time.perf_counter() - began
            start(store, "bench", with_corr["version"], "shadow", models_dir=models)
            shadow = invoices(args.seed, args.vendors, args.shadow, start=args.corrected)
            read_and_confirm(store, reader, shadow)
            found = report(store, with_corr["version"], models, min_documents=1, min_canary=0)
            print_report(found)
            accuracy = {"production": _accuracy(models, production, shadow)}
            if without is not None:
                accuracy["candidate without corrections"] = _accuracy(
                    models, without["version"], shadow)
            accuracy["candidate with corrections"] = _accuracy(models, with_corr["version"],
                                                               shadow)
    print(f"\nfield accuracy on the {len(shadow)} shadow invoices "
          f"({args.vendors} vendors, {len(sets.training)} corrected documents fitted on, "
          f"{len(sets.evaluation)} frozen for evaluation)")
    for name, value in accuracy.items():
        print(f"  {name:<32}{value:.4f}")
    without_text = f", without {without_seconds:.0f}" if without is not None else ""
    print(f"training seconds: with corrections {with_seconds:.0f}{without_text} "
          f"(2 workers, load {os.getloadavg()[0]:.1f})")
    wrong = {k: 1 - v for k, v in accuracy.items()}
    d = found.decision
    print(json.dumps({
        "shadow_invoices": len(shadow), "corrected_fitted": len(sets.training),
        "frozen_evaluation": len(sets.evaluation), "accuracy": accuracy,
        "training_seconds": {"with_corrections": round(with_seconds, 1),
                             "without_corrections": round(without_seconds, 1)
                             if without is not None else None},
        "decision": {"promote": d.promote, "won": d.wins, "lost": d.losses,
                     "p_better": d.p_better, "worse_fields": d.worse_fields},
        "wrong_ratio_vs_production": _ratio(wrong, "production"),
        "wrong_ratio_vs_without_corrections": _ratio(wrong, "candidate without corrections")
        if without is not None else None,
        "load": os.getloadavg()[0]}))
    return 0


def _ratio(wrong: dict[str, float], baseline: str) -> float | None:
    base = wrong.get(baseline)
    return round(wrong["candidate with corrections"] / base, 3) if base else None


if __name__ == "__main__":
    raise SystemExit(main())
