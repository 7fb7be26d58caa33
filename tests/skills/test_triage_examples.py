"""The clerks' labelled examples (``triage-example`` records) are read from the work-item
store and trained on: what a person decided is what the retrained model says."""

from __future__ import annotations

import json

import pytest

from skills.triage.examples import EXAMPLE_KIND, examples_from_url, labelled_examples
from skills.triage.model import load_model
from skills.triage.train import EXAMPLE_WEIGHT
from skills.triage.train import main as train_main
from workitems import open_store

EXAMPLES = {
    "m1": ("Betreff: Jahresabschluss\nKönnen Sie uns die Saldenbestätigung zum 31.12. "
           "unterschreiben und zurücksenden?", "question"),
    "m2": ("Subject: Our new price list 2027\nPlease find our new price list attached; it "
           "applies to all orders from January.", "vendor_update"),
    "m3": ("Onderwerp: Kerstsluiting\nOns kantoor is gesloten van 24 december tot 2 januari.",
           "other"),
}


@pytest.fixture()
def store_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        for key, (text, intent) in EXAMPLES.items():
            store.put_record(EXAMPLE_KIND, key, key, {"text": text, "intent": intent,
                                                      "by": "clerk1"},
                             expected_version=0, actor="clerk1")
        store.put_record(EXAMPLE_KIND, "bad", "bad", {"text": "hello", "intent": "lunch"},
                         expected_version=0, actor="clerk1")
        store.put_record(EXAMPLE_KIND, "empty", "empty", {"intent": "spam"},
                         expected_version=0, actor="clerk1")
    return url


def test_usable_examples_are_read_and_the_rest_counted(store_url):
    with open_store(store_url) as store:
        found = labelled_examples(store)
    assert sorted(found.intents) == sorted(i for _, i in EXAMPLES.values())
    assert set(found.texts) == {t for t, _ in EXAMPLES.values()}
    assert found.skipped == 2


@pytest.mark.slow  # embeds 460 mails with the 12-layer encoder: ~30 s alone
def test_training_with_examples_learns_what_the_clerks_said(store_url, tmp_path, capsys):
    models = tmp_path / "models"
    models.mkdir()
    train_main(["--train", "300", "--calibration", "100", "--heldout", "20", "--max-tokens",
                "48", "--models", str(models), "--with-examples", store_url])
    assert "3 labelled examples from the store (2 unusable, skipped)" in capsys.readouterr().out
    entry = json.loads((models / "registry.json").read_text())["models"]["inbox-triage"]
    assert entry["training"]["clerk_examples"] == {"kind": EXAMPLE_KIND, "used": 3,
                                                   "skipped": 2, "weight": EXAMPLE_WEIGHT}
    model = load_model(models)
    taught = examples_from_url(store_url)
    for text, intent in zip(taught.texts, taught.intents, strict=True):
        assert model.predict_text(text).intent == intent
