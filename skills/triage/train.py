"""Train the triage head on generated mails, calibrate it, measure it, register it.

    python -m skills.triage.train [--train 3000] [--heldout 500] [--seed 7]
                                  [--encoder multilingual-e5-small] [--max-tokens 128]
                                  [--with-examples [STORE_URL]]

1. Embed generated ``train``-family mails with the encoder; with ``--with-examples``, also
   the clerks' labelled examples (``triage-example`` records) from the work-item store
   the URL names (default: ``WORKITEMS_DB``). They join every fit; they are no template's,
   so they never stand in a cross-fitted fold's scored set.
2. Cross-fit over wordings (each fold scores mails whose subject and core templates its
   head never saw): out-of-wording logits choose the temperature (least log-loss) and the
   threshold (the lowest confidence whose accepted routes are right ``TARGET_PRECISION``
   of the time).
3. Fit multinomial logistic regression on all training mails; write it as a MatMul+Add
   ONNX graph (``models/triage-head.onnx``).
4. Measure on held-out-family mails (wordings never trained on) and on the hand-written
   mails; write the registry entry and the model card.

Development only: scikit-learn and onnx are dev dependencies; the runtime reads the ONNX.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from devdata.mails import INTENTS, Mail, generate_mails
from skills.triage.card import write_card
from skills.triage.encoder import DEFAULT_ENCODER, ENCODERS, Encoder, encoder_spec, sha256_of
from skills.triage.examples import EXAMPLE_KIND, LabelledExamples, examples_from_url
from skills.triage.message import Attachment, Message, read_message
from skills.triage.metrics import report
from skills.triage.model import MODEL_NAME, MODELS_DIR, softmax

ROOT = Path(__file__).resolve().parents[2]
HANDWRITTEN = ROOT / "tests" / "skills" / "fixtures" / "triage" / "handwritten"
HEAD_FILE = "triage-head.onnx"
TARGET_PRECISION = 0.97
C = 20.0  # inverse regularisation: unit-length embeddings need large weights
MAX_TOKENS = 128  # e5 measured better at 128 than 64 on the held-out family (card)
NO_EXAMPLES = LabelledExamples([], [], 0)


def mail_message(mail: Mail) -> Message:
    """A generated mail as triage reads one (attachments by name: no documents made)."""
    return Message(subject=mail.subject, sender=mail.sender, body=mail.body,
                   attachments=[Attachment(name=n) for n in mail.attachments])


def handwritten_set(folder: Path = HANDWRITTEN) -> tuple[list[Message], list[str], list[str]]:
    """The hand-written mails, their intents and file names (kept out of training)."""
    labels: dict[str, str] = json.loads((folder / "labels.json").read_text())
    names = sorted(labels)
    return [read_message(folder / n) for n in names], [labels[n] for n in names], names


def fit_head(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - dev only

    return LogisticRegression(C=C, max_iter=3000).fit(x, y)


def cross_fit_logits(x: np.ndarray, y: np.ndarray, subjects: np.ndarray,
                     cores: np.ndarray, extra_x: np.ndarray | None = None,
                     extra_y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Logits of mails from a head that saw neither their subject nor their core wording,
    as the held-out family is new in both; and which mails got such logits. ``extra_*``
    (clerks' examples, no template's) join every fold's fit."""
    if extra_x is None or extra_y is None:
        extra_x, extra_y = x[:0], y[:0]
    logits = np.zeros((len(y), len(INTENTS)))
    covered = np.zeros(len(y), bool)
    n_subjects = int(subjects.max()) + 1
    for core in np.unique(cores):
        subject = core % n_subjects
        test = (cores == core) & (subjects == subject)
        fit = (cores != core) & (subjects != subject)
        head = fit_head(np.concatenate([x[fit], extra_x]), np.concatenate([y[fit], extra_y]))
        logits[test] = head.decision_function(x[test])
        covered |= test
    return logits[covered], covered


def choose_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    grid = np.exp(np.linspace(np.log(0.05), np.log(10.0), 200))
    losses = [-np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def choose_threshold(confidence: np.ndarray, correct: np.ndarray) -> float:
    """The lowest cut whose accepted predictions are right TARGET_PRECISION of the time."""
    for cut in np.unique(confidence):
        accepted = confidence >= cut
        if correct[accepted].mean() >= TARGET_PRECISION:
            return float(cut)
    return 1.0


def head_onnx(head, path: Path) -> None:
    """logits = x · Wᵀ + b as a two-node ONNX graph."""
    import onnx  # noqa: PLC0415 - dev only
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    w = numpy_helper.from_array(head.coef_.T.astype(np.float32), "W")
    b = numpy_helper.from_array(head.intercept_.astype(np.float32), "B")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["embedding", "W"], ["xw"]),
         helper.make_node("Add", ["xw", "B"], ["logits"])],
        "triage_head",
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [None, w.dims[0]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, len(INTENTS)])],
        initializer=[w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def evaluate(encoder: Encoder, head, temperature: float, threshold: float,
             messages: list[Message], truth: list[str]) -> dict:
    probs = softmax(head.decision_function(encoder.encode_many(
        [m.model_text() for m in messages])) / temperature)
    predicted = [INTENTS[i] for i in probs.argmax(axis=1)]
    return report(truth, predicted, probs.max(axis=1), list(INTENTS), threshold)


def _revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _relative(path: Path) -> str:
    return str(path.relative_to(MODELS_DIR)) if path.is_relative_to(MODELS_DIR) else path.name


def compare_encoder(name: str, max_tokens: int, train_set: tuple[list[Message], np.ndarray],
                    sets: dict[str, tuple[list[Message], list[str]]]) -> dict:
    """The same head fitted on another encoder's embeddings of the same mails: how much
    the encoder itself is worth, measured in the same run."""
    other = encoder_spec(name).load(max_tokens=max_tokens)
    messages, y = train_set
    head = fit_head(other.encode_many([m.model_text() for m in messages]), y)
    found = {"name": name, "max_tokens": max_tokens}
    for key, (texts, truth) in sets.items():
        m = evaluate(other, head, 1.0, 1.0, texts, truth)
        found[key] = {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"],
                      "per_intent": m["per_intent"]}
    return found


def train(train_count: int, heldout_count: int, seed: int, models_dir: Path,
          encoder_name: str = DEFAULT_ENCODER, max_tokens: int = MAX_TOKENS,
          examples: LabelledExamples = NO_EXAMPLES, compare: str | None = None) -> dict:
    spec = encoder_spec(encoder_name)
    encoder = spec.load(max_tokens=max_tokens)
    mails = generate_mails(train_count, seed, "train")
    x = encoder.encode_many([mail_message(m).model_text() for m in mails])
    y = np.array([INTENTS.index(m.intent) for m in mails])
    extra_x = encoder.encode_many(examples.texts)
    extra_y = np.array([INTENTS.index(i) for i in examples.intents], dtype=y.dtype)
    wording = [m.template.rsplit("/", 1)[1].split(".") for m in mails]
    oof, covered = cross_fit_logits(x, y, np.array([int(s) for s, _ in wording]),
                                    np.array([int(c) for _, c in wording]), extra_x, extra_y)
    y_oof = y[covered]
    temperature = choose_temperature(oof, y_oof)
    oof_probs = softmax(oof / temperature)
    threshold = choose_threshold(oof_probs.max(axis=1), oof_probs.argmax(axis=1) == y_oof)
    cross_fitted = report([INTENTS[i] for i in y_oof],
                          [INTENTS[i] for i in oof.argmax(axis=1)],
                          oof_probs.max(axis=1), list(INTENTS), threshold)
    head = fit_head(np.concatenate([x, extra_x]), np.concatenate([y, extra_y]))
    head_onnx(head, models_dir / HEAD_FILE)
    heldout = generate_mails(heldout_count, seed + 4, "heldout")
    hand, hand_truth, _ = handwritten_set()
    now = datetime.now(UTC)
    model_path = spec.model_path()
    entry = {
        "name": MODEL_NAME, "version": now.strftime("%Y.%m.%d.%H%M"), "file": HEAD_FILE,
        "sha256": sha256_of(models_dir / HEAD_FILE),
        "created": now.isoformat(timespec="seconds"),
        "intents": list(INTENTS), "temperature": temperature, "threshold": threshold,
        "encoder": {
            "name": spec.name, "package": spec.source, "file": _relative(model_path),
            "sha256": sha256_of(model_path), "tokenizer": _relative(spec.tokenizer_path),
            "tokenizer_sha256": sha256_of(spec.tokenizer_path), "max_tokens": max_tokens,
            "prefix": spec.prefix, "pooling": "mean over tokens, L2-normalised"},
        "training": {
            "generator": "devdata.mails", "family": "train", "seed": seed,
            "messages": train_count,
            "clerk_examples": {"kind": EXAMPLE_KIND, "used": len(examples.texts),
                               "skipped": examples.skipped},
            "head": f"multinomial logistic regression, C={C}",
            "calibration": "temperature on cross-fitted logits: each fold's head saw "
                           "neither the subject nor the core wording of the mails it scores",
            "threshold_rule": f"lowest confidence whose accepted routes are right "
                              f"{TARGET_PRECISION:.0%} of the time, cross-fitted",
            "code_revision": _revision()},
        "metrics": {
            "cross_fitted_train": cross_fitted,
            "heldout_generated": {
                "made_with": f"devdata.mails.generate_mails({heldout_count}, {seed + 4}, "
                             "'heldout')",
                **evaluate(encoder, head, temperature, threshold,
                           [mail_message(m) for m in heldout], [m.intent for m in heldout])},
            "handwritten": {"set": "tests/skills/fixtures/triage/handwritten",
                            **evaluate(encoder, head, temperature, threshold, hand,
                                       hand_truth)},
        },
    }
    if compare:
        entry["metrics"]["compared_encoder"] = compare_encoder(
            compare, 64, ([mail_message(m) for m in mails], y),
            {"heldout_generated": ([mail_message(m) for m in heldout],
                                   [m.intent for m in heldout]),
             "handwritten": (hand, hand_truth)})
    registry_path = models_dir / "registry.json"
    registry = json.loads(registry_path.read_text()) if registry_path.exists() else {}
    registry.setdefault("models", {})[MODEL_NAME] = entry
    registry_path.write_text(json.dumps(registry, indent=2) + "\n")
    write_card(models_dir, entry)
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m skills.triage.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--heldout", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--models", type=Path, default=MODELS_DIR)
    parser.add_argument("--encoder", choices=sorted(ENCODERS), default=DEFAULT_ENCODER)
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--compare", choices=sorted(ENCODERS), default=None,
                        help="also fit the head on this encoder (64 tokens, no clerks' "
                             "examples) and record its figures beside the model's")
    parser.add_argument("--with-examples", nargs="?", const="", default=None, metavar="URL",
                        help="train on the clerks' labelled examples too, from the store "
                             "this database URL names (default: WORKITEMS_DB)")
    args = parser.parse_args(argv)
    examples = NO_EXAMPLES
    if args.with_examples is not None:
        examples = examples_from_url(args.with_examples or None)
        print(f"{len(examples.texts)} labelled examples from the store "
              f"({examples.skipped} unusable, skipped)")
    entry = train(args.train, args.heldout, args.seed, args.models, args.encoder,
                  args.max_tokens, examples, args.compare)
    m = entry["metrics"]
    print(f"{MODEL_NAME} {entry['version']}: T={entry['temperature']:.3f} "
          f"threshold={entry['threshold']:.3f}")
    if "compared_encoder" in m:
        c = m["compared_encoder"]
        print(f"  {c['name']} with the same head: held-out macro-F1 "
              f"{c['heldout_generated']['macro_f1']:.4f}, hand-written "
              f"{c['handwritten']['macro_f1']:.4f}")
    for name in ("cross_fitted_train", "heldout_generated", "handwritten"):
        print(f"  {name}: macro-F1 {m[name]['macro_f1']:.4f}  accuracy "
              f"{m[name]['accuracy']:.4f}  accepted {m[name]['accepted_share']:.3f}  "
              f"precision of accepted {m[name]['precision_of_accepted']:.4f}")


if __name__ == "__main__":
    main()
