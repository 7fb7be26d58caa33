"""The folded OCR models compute what the shipped files compute, with fewer operators."""

from __future__ import annotations

import numpy as np
import pytest

from skills.ocr import fold, models

SHAPES = {"det": (1, 3, 96, 160), "rec": (2, 3, 48, 200), "cls": (2, 3, 48, 192)}


@pytest.fixture(scope="module")
def files() -> models.ModelFiles:
    return models.model_files()


def test_reading_and_writing_a_model_file_changes_no_byte(files):
    data = files.cls.read_bytes()
    assert fold.serialize(fold.parse(data)) == data


@pytest.mark.parametrize("which", sorted(SHAPES))
def test_folded_model_gives_the_same_outputs(files, which):
    path = getattr(files, which)
    _, counts = fold.fold_model(path.read_bytes())
    assert counts["hard_swish"] > 0  # every PP-OCR model here uses hard swish
    if which != "cls":  # PPLCNetV3 (det, rec) has the learnable affine blocks too
        assert counts["conv_affine"] > 0 and counts["affine_conv"] > 0
    plain, folded = models.session(path, fold=False), models.session(path)
    assert len(folded.get_inputs()) == len(plain.get_inputs())
    x = np.random.default_rng(0).uniform(-1, 1, SHAPES[which]).astype(np.float32)
    name = plain.get_inputs()[0].name
    expected, got = plain.run(None, {name: x})[0], folded.run(None, {name: x})[0]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_a_graph_without_the_patterns_is_left_alone():
    # A model that is not PP-OCR's: one Relu node, nothing to fold; bytes kept as they are.
    node = fold.serialize(
        [[1, 2, b"x"], [2, 2, b"y"], [4, 2, b"Relu"]]  # input, output, op_type
    )
    graph = fold.serialize([[1, 2, node], [2, 2, b"g"]])
    model = fold.serialize([[1, 0, 8], [7, 2, graph]])
    folded, counts = fold.fold_model(model)
    assert counts == {"conv_affine": 0, "hard_swish": 0, "affine_conv": 0}
    assert folded == model
