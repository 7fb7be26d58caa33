"""Inbox triage: quality, per-message latency on one core, and model memory, beside a
TF-IDF + logistic-regression baseline trained in the same run on the same mails.

    python bench/triage.py [--heldout 500] [--latency 200]

- Training mails: the registered model's own (``devdata.mails``, family ``train``, the
  seed and count in ``models/registry.json``); the baseline (word 1-2-grams and
  character 2-5-grams, TF-IDF, multinomial logistic regression) is fitted on them here.
- Sets: held-out-family generated mails (wordings never trained on; the registry's
  seed) and the hand-written mails.
- Latency: wall time of one mail's classification as the product runs it (tokenise,
  encoder, head), the process pinned to one core, ``--latency`` mails; target p95 <= 100 ms.
  Its CPU time is printed too: on a shared machine the wall time includes the wait.
- Memory: a fresh process's resident set before and after loading the model and
  classifying one mail, and its peak (VmHWM).
- The other encoder (``--other all-MiniLM-L6-v2``, the English one this model replaced):
  its latency and memory; with ``--other-fit`` also the same head fitted here on its
  embeddings of the same training mails and its macro-F1 on both sets (training records
  the same comparison: ``python -m skills.triage.train --compare all-MiniLM-L6-v2``).

Prints a table, then one JSON line of the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: the repository root, not bench/, comes first

import argparse
import json
import os
import subprocess
import time

import numpy as np

TARGET_P95_MS = 100.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/triage.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=int, default=500)
    parser.add_argument("--latency", type=int, default=200, help="mails timed")
    parser.add_argument("--other", default="all-MiniLM-L6-v2",
                        help="the encoder compared in the same run ('' for none)")
    parser.add_argument("--other-fit", action="store_true",
                        help="also fit the head on the other encoder and measure its F1")
    parser.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-encoder", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def _status() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def child_memory(encoder_name: str = "") -> dict:
    """Run in a fresh process: RSS with the runtime imported, then with the model (or only
    the named encoder) loaded and one mail classified."""
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from skills.triage.encoder import encoder_spec
    from skills.triage.message import Message
    from skills.triage.model import load_model

    text = Message(subject="Invoice 123", body="Please find attached.").model_text()
    before = _status()
    if encoder_name:
        encoder_spec(encoder_name).load().encode(text)
    else:
        load_model().predict_text(text)
    after = _status()
    return {"rss_before_mb": before["VmRSS"], "rss_after_mb": after["VmRSS"],
            "model_mb": after["VmRSS"] - before["VmRSS"], "peak_mb": after["VmHWM"],
            "torch_imported": "torch" in sys.modules}


def measure_memory(encoder_name: str = "") -> dict:
    out = subprocess.run([sys.executable, __file__, "--child-memory", "--child-encoder",
                          encoder_name], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def baseline(texts: list[str], labels: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                          sublinear_tf=True, min_df=2))
    return make_pipeline(features, LogisticRegression(C=20.0, max_iter=3000)).fit(texts,
                                                                                  labels)


def timed(predict, texts: list[str]) -> tuple[list, list[float], list[float]]:
    """Results, wall milliseconds and CPU milliseconds per text. On a shared machine the
    wall time includes waiting for the core; the CPU time is the work itself."""
    results, wall, cpu = [], [], []
    for text in texts:
        start, start_cpu = time.perf_counter(), time.process_time()
        results.append(predict(text))
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return results, wall, cpu


def _percentiles(ms: list[float], cpu: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "max_ms": float(np.max(ms)), "cpu_p50_ms": float(np.percentile(cpu, 50)),
            "cpu_p95_ms": float(np.percentile(cpu, 95)), "timed": len(ms)}


def main() -> None:
    args = _arguments()
    if args.child_memory:
        print(json.dumps(child_memory(args.child_encoder)))
        return
    from devdata.mails import INTENTS, generate_mails
    from skills.triage.metrics import report
    from skills.triage.model import default_model, registry_entry
    from skills.triage.train import handwritten_set, mail_message

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as one worker has
    entry = registry_entry()
    seed, count = entry["training"]["seed"], entry["training"]["messages"]
    train_mails = generate_mails(count, seed, "train")
    train_texts = [mail_message(m).model_text() for m in train_mails]
    train_labels = [m.intent for m in train_mails]
    heldout_mails = generate_mails(args.heldout, seed + 4, "heldout")
    hand, hand_truth, _ = handwritten_set()
    sets = {"heldout_generated": ([mail_message(m).model_text() for m in heldout_mails],
                                  [m.intent for m in heldout_mails]),
            "handwritten": ([m.model_text() for m in hand], hand_truth)}

    start = time.perf_counter()
    tfidf = baseline(train_texts, train_labels)
    fit_s = time.perf_counter() - start
    model = default_model()
    model.predict_text("warm up")
    intents = list(INTENTS)
    figures: dict = {"model": entry["version"], "training_messages": count, "sets": {}}
    latency_texts = (sets["handwritten"][0] + sets["heldout_generated"][0])[:args.latency]
    for name, (texts, truth) in sets.items():
        preds, _, _ = timed(model.predict_text, texts)
        ours = report(truth, [p.intent for p in preds], np.array([p.confidence for p in preds]),
                      intents, model.thresholds)
        proba = tfidf.predict_proba(texts)
        classes = list(tfidf.classes_)
        base = report(truth, [classes[i] for i in proba.argmax(axis=1)], proba.max(axis=1),
                      intents, model.thresholds)
        figures["sets"][name] = {
            "messages": len(texts), "encoder_macro_f1": ours["macro_f1"],
            "baseline_macro_f1": base["macro_f1"], "encoder_accuracy": ours["accuracy"],
            "baseline_accuracy": base["accuracy"], "encoder_ece": ours["ece"],
            "encoder_accepted_share": ours["accepted_share"],
            "encoder_precision_of_accepted": ours["precision_of_accepted"],
            "f1_ratio": ours["macro_f1"] / base["macro_f1"] if base["macro_f1"] else None}
    _, ours_ms, ours_cpu = timed(model.predict_text, latency_texts)
    _, base_ms, base_cpu = timed(lambda t: tfidf.predict_proba([t]), latency_texts)
    figures["latency"] = {"encoder": _percentiles(ours_ms, ours_cpu),
                          "baseline": _percentiles(base_ms, base_cpu),
                          "p95_ratio": float(np.percentile(ours_ms, 95)
                                             / np.percentile(base_ms, 95)),
                          "target_p95_ms": TARGET_P95_MS, "baseline_fit_s": fit_s,
                          "load_average": os.getloadavg()[0]}
    figures["memory"] = measure_memory()
    if args.other:
        figures["other_encoder"] = other_encoder(args.other, latency_texts, (
            train_texts, train_labels, sets) if args.other_fit else None)
    _print_table(figures)
    print(json.dumps(figures))


def other_encoder(name: str, latency_texts: list[str], fit: tuple | None) -> dict:
    """Another encoder's latency and memory; given (training texts, labels, sets), the
    same head fitted here on the same mails and its macro-F1."""
    from skills.triage.encoder import encoder_spec

    encoder = encoder_spec(name).load()
    found: dict = {"name": name, "sets": _other_f1(encoder, *fit) if fit else {}}
    _, ms, cpu = timed(encoder.encode, latency_texts)
    found["latency"] = _percentiles(ms, cpu)
    found["memory"] = measure_memory(name)
    return found


def _other_f1(encoder, train_texts: list[str], train_labels: list[str], sets: dict) -> dict:
    from devdata.mails import INTENTS
    from skills.triage.metrics import report
    from skills.triage.train import fit_head

    head = fit_head(encoder.encode_many(train_texts), train_labels)
    found = {}
    for set_name, (texts, truth) in sets.items():
        proba = head.predict_proba(encoder.encode_many(texts))
        predicted = [head.classes_[i] for i in proba.argmax(axis=1)]
        found[set_name] = report(truth, predicted, proba.max(axis=1), list(INTENTS),
                                 1.0)["macro_f1"]
    return found


def _print_table(f: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Inbox triage {f['model']} vs TF-IDF + logistic regression "
                        f"(both trained on {f['training_messages']} generated mails)")
    for column in ("set", "mails", "encoder macro-F1", "baseline macro-F1", "ratio",
                   "encoder accepted / precision"):
        table.add_column(column)
    for name, s in f["sets"].items():
        table.add_row(name, str(s["messages"]), f"{s['encoder_macro_f1']:.4f}",
                      f"{s['baseline_macro_f1']:.4f}",
                      f"{s['f1_ratio']:.2f}" if s["f1_ratio"] else "-",
                      f"{s['encoder_accepted_share']:.1%} / "
                      f"{s['encoder_precision_of_accepted']:.1%}")
    lat, mem = f["latency"], f["memory"]
    console = Console()
    console.print(table)
    console.print(
        f"latency on one core ({lat['encoder']['timed']} mails, load average "
        f"{lat['load_average']:.2f}): encoder p50 {lat['encoder']['p50_ms']:.1f} ms, p95 "
        f"{lat['encoder']['p95_ms']:.1f} ms (target {lat['target_p95_ms']:.0f}); baseline p50 "
        f"{lat['baseline']['p50_ms']:.2f} ms, p95 {lat['baseline']['p95_ms']:.2f} ms; "
        f"p95 ratio {lat['p95_ratio']:.1f}x")
    console.print(
        f"CPU time per mail: encoder p50 {lat['encoder']['cpu_p50_ms']:.1f} ms, p95 "
        f"{lat['encoder']['cpu_p95_ms']:.1f} ms; baseline p50 {lat['baseline']['cpu_p50_ms']:.2f}"
        f" ms, p95 {lat['baseline']['cpu_p95_ms']:.2f} ms")
    console.print(f"memory: model {mem['model_mb']:.1f} MB (RSS {mem['rss_before_mb']:.0f} -> "
                  f"{mem['rss_after_mb']:.0f} MB, peak {mem['peak_mb']:.0f} MB); torch imported: "
                  f"{mem['torch_imported']}")
    other = f.get("other_encoder")
    if other:
        o_lat, o_mem = other["latency"], other["memory"]
        console.print(
            f"other encoder {other['name']}: "
            + "".join(f"{k} macro-F1 {v:.4f} (same head fitted here); "
                      for k, v in other["sets"].items())
            + f"encoder p50 {o_lat['p50_ms']:.1f} ms, p95 {o_lat['p95_ms']:.1f} ms (CPU p50 "
            f"{o_lat['cpu_p50_ms']:.1f} ms); memory {o_mem['model_mb']:.1f} MB")


if __name__ == "__main__":
    main()
