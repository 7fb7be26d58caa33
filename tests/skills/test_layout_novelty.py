"""How far a page is from the layouts the field model was trained on."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.extract import extract
from skills.extract.model import load_scorer
from skills.layouts.novelty import TrainingLayouts, index_path
from tests.skills.test_extract import INVOICE, _doc

OTHER = [("Stadtwerke Musterstadt", 50, 50), ("Abschlagsplan Strom", 50, 120),
         ("Zählernummer", 50, 200), ("Verbrauchsstelle", 300, 200),
         ("Tarif Grundversorgung", 50, 240)]


def test_the_same_layout_is_near_and_a_page_sharing_no_words_is_far() -> None:
    trained = TrainingLayouts.of([_doc(INVOICE)])
    assert trained.distance(_doc(INVOICE)) == 0.0
    # The same layout with other values: dates, amounts and numbers are no layout.
    other_values = [(t.replace("0815", "4711").replace("15.03", "01.02"), x, y)
                    for t, x, y in INVOICE]
    assert trained.distance(_doc(other_values)) == 0.0
    assert trained.distance(_doc(OTHER)) > 0.9
    half = INVOICE[: len(INVOICE) // 2] + OTHER
    assert 0.1 < trained.distance(_doc(half)) < 0.9


def test_training_layouts_are_kept_for_one_model_file_only(tmp_path: Path) -> None:
    path = index_path(tmp_path / "invoice-fields.onnx")
    assert path.name == "invoice-fields.layouts.npz"
    TrainingLayouts.of([_doc(INVOICE)], model_sha256="abc").save(path)
    assert len(TrainingLayouts.load(path, "abc")) == 1
    assert TrainingLayouts.load(path, "another model") is None
    assert TrainingLayouts.load(tmp_path / "none.npz") is None


def test_the_committed_model_says_how_far_each_page_is_from_its_training_layouts() -> None:
    scorer = load_scorer()
    if scorer.training_layouts is None:
        pytest.fail("the committed model has no training layouts: "
                    "run python -m skills.layouts.novelty")
    assert len(scorer.training_layouts) > 1000
    result = extract(_doc(INVOICE), scorer)
    assert result.layout_distance is not None and 0.0 <= result.layout_distance <= 1.0
    assert extract(_doc(OTHER), scorer).layout_distance > result.layout_distance
