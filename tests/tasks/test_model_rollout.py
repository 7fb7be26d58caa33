"""Learning from corrections end to end: clerks' approvals in the Control Room, a
candidate trained on them, its shadow report, a worse candidate refused, a better one
promoted through the canary, and a rollback; every step in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devdata.clerk_corrections import cheap_passwords, invoices, read_and_confirm
from skills.extract.model import load_scorer, read_registry
from skills.extract.versions import CANDIDATE, PRODUCTION, ROLLED_BACK
from skills.train import main as train_main
from skills.train import train
from tasks.model_rollout import Comparison as Pairs
from tasks.model_rollout import (
    FieldPairs,
    RolloutReader,
    RolloutRefused,
    decide,
    print_report,
    promote,
    report,
    roll_back,
    sign_test,
    start,
)
from workitems import Store, open_store
from workitems.rollouts import rollout
from workitems.room import repository as repo

cheap_passwords()
TINY = dict(count=16, seed=3, scanned_share=0.0, receipt_share=0.0,
            receipt_scanned_share=0.0, procedural=0, workers=1)


def _candidate_args(models: Path, data: Path, cache: Path, url: str,
                    iterations: int) -> list[str]:
    return ["--with-corrections", "--db", url, "--models-dir", str(models),
            "--data-dir", str(data), "--count", str(TINY["count"]), "--seed", "3",
            "--scanned-share", "0", "--receipt-share", "0", "--procedural", "0",
            "--workers", "1", "--iterations", str(iterations), "--correction-weight", "3"]


def _versions(models: Path) -> dict[str, dict]:
    return {v["version"]: v for v in read_registry(models)["versions"]["invoice-fields"]}


@pytest.mark.slow
def test_corrections_retrain_shadow_canary_promote_and_roll_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
        store_url: str) -> None:
    models, data, cache = tmp_path / "models", tmp_path / "data", tmp_path / "cache"
    monkeypatch.setattr("skills.train.CACHE_DIR", cache)
    # Production: a small model of the generated TRAIN layouts only.
    first = train(iterations=12, models_dir=models, data_dir=data, cache_dir=cache, **TINY)
    url = store_url
    with open_store(url) as store:
        reader = RolloutReader(store, models)
        # 1. Clerks correct the invoices of three recurring vendors the model never saw.
        read_and_confirm(store, reader, invoices(5, houses=3, per_house=8, start=20))
        # 2. Retraining on them makes candidates; one with a single boosting round is a
        #    real, worse model.
        assert train_main(_candidate_args(models, data, cache, url, iterations=80)) == 0
        assert train_main(_candidate_args(models, data, cache, url, iterations=1)) == 0
        capsys.readouterr()
        listed = _versions(models)
        better, worse = [v for v in listed if listed[v]["status"] == CANDIDATE]
        lineage = listed[better]["lineage"]
        corrections = lineage["datasets"][-1]
        assert corrections["name"] == "clerk corrections"
        assert corrections["documents"] + corrections["frozen_evaluation"]["documents"] == 24
        assert corrections["fields_located"] > 0
        assert lineage["parent"] == first["version"] and lineage["code_revision"]
        assert read_registry(models)["models"]["invoice-fields"]["version"] == first["version"]

        # 3. Shadow: the candidate reads beside production; production's answers are used.
        start(store, "admin", better, "shadow", models_dir=models)
        read_and_confirm(store, reader, invoices(5, houses=3, per_house=3, start=5))
        used = [r for r in store.readings("invoice-fields") if r.used]
        assert {r.version for r in used} == {first["version"]}
        shadow = report(store, better, models, min_documents=5, min_canary=0)
        print_report(shadow)
        assert shadow.live.documents == 9 and shadow.live.canary_documents == 0
        assert shadow.frozen.documents and not shadow.live.references & shadow.frozen.references
        # Better on the fields that differ, enough for the sign test to promote it.
        assert shadow.decision.promote and shadow.decision.losses <= 1
        assert shadow.decision.wins > 3 * max(shadow.decision.losses, 1)

        # 4. The worse candidate is refused after its canary.
        start(store, "admin", worse, "canary", share=0.5, models_dir=models)
        read_and_confirm(store, reader, invoices(5, houses=3, per_house=3, start=8))
        with pytest.raises(RolloutRefused, match="worse on"):
            promote(store, "admin", worse, models, min_documents=5, min_canary=1)
        assert read_registry(models)["models"]["invoice-fields"]["version"] == first["version"]

        # 5. The better one goes through the canary and is promoted.
        start(store, "admin", better, "canary", share=0.5, models_dir=models)
        read_and_confirm(store, reader, invoices(5, houses=3, per_house=3, start=11))
        found = promote(store, "admin", better, models, min_documents=5, min_canary=1)
        assert found.decision.promote and not found.decision.worse_fields
        assert read_registry(models)["models"]["invoice-fields"]["version"] == better
        assert rollout(store, "invoice-fields").production == better
        assert load_scorer(models).version == better
        listed = _versions(models)
        assert listed[better]["status"] == PRODUCTION
        assert listed[better]["history"][-1]["by"] == "admin"
        # The next invoice is read with the new version.
        read_and_confirm(store, reader, invoices(5, houses=3, per_house=1, start=14)[:1])
        assert store.readings("invoice-fields")[-1].version == better

        # 6. One command rolls back.
        gone, restored = roll_back(store, "sup", "clerks report more misses", models)
        assert (gone, restored) == (better, first["version"])
        assert load_scorer(models).version == first["version"]
        assert _versions(models)[better]["status"] == ROLLED_BACK
        assert rollout(store, "invoice-fields").production == first["version"]

        actions = [(e.action, e.actor) for e in reversed(repo.audit_entries(store))
                   if e.action.startswith("model_")]
        assert actions == [("model_shadow", "admin"), ("model_canary", "admin"),
                           ("model_promotion_refused", "admin"), ("model_canary", "admin"),
                           ("model_promote", "admin"), ("model_rollback", "sup")]


def test_the_sign_test_is_exact() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(1 / 32)
    assert sign_test(9, 1) == pytest.approx(11 / 1024)
    assert sign_test(1, 9) == pytest.approx(1 - 1 / 1024)


def _pairs(**fields: FieldPairs) -> Pairs:
    c = Pairs(documents=40, canary_documents=15)
    c.fields.update(fields)
    return c


def test_a_candidate_worse_on_one_field_is_refused_however_good_overall() -> None:
    c = _pairs(total=FieldPairs(both_right=30, only_candidate=10),
               invoice_number=FieldPairs(both_right=36, only_candidate=1, only_production=3))
    d = decide(c, min_documents=30, min_canary=10)
    assert not d.promote and d.worse_fields == ["invoice_number"]
    # One lost pair alone is within noise.
    c.fields["invoice_number"] = FieldPairs(both_right=39, only_production=1)
    assert decide(c, min_documents=30, min_canary=10).promote
    # Lost more than won with a sign test that shows it: refused.
    assert FieldPairs(only_candidate=0, only_production=5).worse()


def test_promotion_needs_evidence_of_better_and_enough_documents() -> None:
    assert decide(_pairs(total=FieldPairs(both_right=30, only_candidate=10))).promote
    # 3 wins and nothing lost is not enough evidence (p = 1/8).
    assert not decide(_pairs(total=FieldPairs(both_right=37, only_candidate=3))).promote
    few = _pairs(total=FieldPairs(both_right=10, only_candidate=10))
    few.documents, few.canary_documents = 20, 2
    reasons = decide(few, min_documents=30, min_canary=10).reasons
    assert any("30 needed" in r for r in reasons) and any("10 needed" in r for r in reasons)


def test_a_rollback_without_an_earlier_version_is_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text(json.dumps({"models": {"invoice-fields": {
        "name": "invoice-fields", "version": "1", "file": "x.onnx", "sha256": "0"}}}))
    with pytest.raises(RolloutRefused, match="no earlier version"):
        roll_back(store, "sup", models_dir=tmp_path)
    assert repo.audit_entries(store) == []


def test_approved_values_are_compared_in_the_extractors_forms() -> None:
    from tasks.approved_values import confirmed_values

    values = confirmed_values({"tax_rate": "19", "total": "303.57", "invoice_date": "2024-03-01",
                               "po_number": None, "vendor_name": "Kowalski Druck sp. z o.o."})
    assert values["tax_rate"] == "19.00" and values["total"] == "303.57"
    assert values["invoice_date"] == "2024-03-01" and values["po_number"] is None
    assert values["vendor_name"] == "Kowalski Druck sp. z o.o."


class _Item:
    """Stand-in for robocorp's work-item Input: what the consumer's job asks of it."""

    def __init__(self, item_id: int, payload: dict, data: bytes) -> None:
        self.id = str(item_id)
        self.files = ["invoice.pdf"]
        self.payload = payload
        self._data = data

    def save(self) -> None:
        pass

    def get_file(self, name: str, path: Path) -> Path:
        path.write_bytes(self._data)
        return path


def _two_versions(models: Path) -> None:
    """The committed model registered as production "A" and, a copy, as candidate "B"."""
    import shutil

    from skills.extract.model import MODELS_DIR
    from skills.extract.versions import add_candidate

    entry = read_registry(MODELS_DIR)["models"]["invoice-fields"]
    models.mkdir()
    shutil.copy(MODELS_DIR / entry["file"], models / "invoice-fields.onnx")
    shutil.copy(MODELS_DIR / entry["file"], models / "invoice-fields-B.onnx")
    (models / "registry.json").write_text(json.dumps({"models": {"invoice-fields": {
        **entry, "version": "A", "file": "invoice-fields.onnx"}}}))
    add_candidate({**entry, "version": "B", "file": "invoice-fields-B.onnx"}, {}, models)


def test_the_consumer_reads_with_the_rollouts_versions(store: Store, tmp_path: Path) -> None:
    import hashlib

    from tasks.consumer import InvoiceJob
    from tasks.payloads import DocumentRef, InvoicePayload, Source
    from tasks.settings import BotSettings
    from workitems.rollouts import change

    models = tmp_path / "models"
    _two_versions(models)
    reader = RolloutReader(store, models)

    def consume(data: bytes) -> None:
        sha = hashlib.sha256(data).hexdigest()
        payload = InvoicePayload(reference=sha, source=Source(kind="folder", name="inbox"),
                                 document=DocumentRef(filename="invoice.pdf", sha256=sha))
        job = InvoiceJob(_Item(7, payload.model_dump(mode="json"), data), erp=None,  # type: ignore[arg-type]
                         settings=BotSettings(), reader=reader)
        try:
            job._fields()
        except Exception as exc:  # noqa: BLE001 - a business failure after reading is fine
            assert type(exc).__name__ == "BusinessException", exc

    (data, _), (other, _), (third, _) = invoices(9, houses=1, per_house=3)
    consume(data)
    [only] = store.readings("invoice-fields")
    assert (only.version, only.role, only.used, only.item_id) == ("A", "production", True, 7)
    assert only.data["traits"]["reading method"] == "text"
    assert set(only.data["fields"]["total"]) == {"value", "confidence", "method", "accepted"}

    change(store, "admin", "model_shadow", "invoice-fields", candidate="B", mode="shadow")
    consume(other)
    shadow = store.readings("invoice-fields")[1:]
    assert {(r.version, r.role, r.used) for r in shadow} == {("A", "production", True),
                                                           ("B", "shadow", False)}
    change(store, "admin", "model_canary", "invoice-fields", mode="canary", share=1.0)
    consume(third)
    canary = store.readings("invoice-fields")[3:]
    assert {(r.version, r.role, r.used) for r in canary} == {("A", "production", False),
                                                           ("B", "canary", True)}


def test_a_machine_without_the_candidate_reads_with_production_only(store: Store,
                                                                     tmp_path: Path) -> None:
    from workitems.rollouts import change

    models = tmp_path / "models"
    _two_versions(models)
    change(store, "admin", "model_canary", "invoice-fields", candidate="C", mode="canary",
           share=1.0)
    (data, _), = invoices(9, houses=1, per_house=1)
    from skills.documents import read_document

    RolloutReader(store, models).read(read_document(data, "invoice.pdf"), "ref", 1)
    [only] = store.readings("invoice-fields")
    assert (only.version, only.role, only.used) == ("A", "production", True)


def test_the_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tasks.model_rollout import main

    models = tmp_path / "models"
    _two_versions(models)
    url = f"sqlite:///{tmp_path / 'workitems.db'}"
    common = ["--db", url, "--models-dir", str(models)]
    assert main(["status", *common]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "off"
    assert main(["canary", "B", "--share", "0.2", "--by", "anna", *common]) == 0
    assert json.loads(capsys.readouterr().out)["share"] == 0.2
    assert main(["promote", "B", "--by", "anna", *common]) == 1
    assert "0 confirmed documents read by both" in capsys.readouterr().err
    assert main(["rollback", "--by", "anna", *common]) == 1
    assert "no earlier version" in capsys.readouterr().err
    assert main(["drift", *common]) == 0
    assert "no model readings yet" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["canary", "B", *common, "--by", ""])


def test_a_candidate_that_fails_beside_production_costs_the_item_nothing(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from skills.documents import read_document
    from tasks.model_rollout import _scorer
    from workitems.rollouts import change

    models = tmp_path / "models"
    _two_versions(models)
    change(store, "admin", "model_shadow", "invoice-fields", candidate="B", mode="shadow")

    def broken(rows: object) -> None:
        raise RuntimeError("the candidate's session failed")

    # A fault onnxruntime would raise inside the candidate, put there by hand.
    monkeypatch.setattr(_scorer(models, "B"), "probabilities", broken)
    (data, _), = invoices(9, houses=1, per_house=1)
    used = RolloutReader(store, models).read(read_document(data, "invoice.pdf"), "ref", 1)
    assert used.model_version == "A"
    [only] = store.readings("invoice-fields")
    assert (only.version, only.role, only.used) == ("A", "production", True)
