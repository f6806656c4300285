"""lessons.digit_input: the lecture's ink bits next to the grey levels the app feeds."""

from __future__ import annotations

import numpy as np

import nnlib
from lessons.digit_input import binary_ink, compare_codings


def test_binary_ink_is_the_lectures_one_for_ink_zero_for_paper():
    x = np.array([0.0, 0.2, 0.49, 0.5, 0.51, 1.0])
    np.testing.assert_array_equal(binary_ink(x), [0, 0, 0, 1, 1, 1])
    assert binary_ink(x).dtype == np.float32
    np.testing.assert_array_equal(binary_ink(x, threshold=0.2), [0, 1, 1, 1, 1, 1])


def test_comparison_scores_the_same_model_on_both_codings():
    (X, y), _ = nnlib.datasets.toy("gaussian", n=40, seed=0)
    X = (X + 1) / 2   # into [0, 1], like ink
    model = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=0)
    result = compare_codings(model, X, y)
    assert result.n == len(y)
    assert result.grey_accuracy == model.evaluate(X, y).accuracy
    assert result.binary_accuracy == model.evaluate(binary_ink(X), y).accuracy
