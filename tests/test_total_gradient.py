"""lessons.total_gradient: ∂L/∂w = Σₙ ∂Cⁿ/∂w on the lecture network with a softmax output."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons import total_gradient as tg
from nnlib.presets import LECTURE_WEIGHTS


def test_lecture_softmax_network_is_the_slides_network_with_a_softmax_output():
    model = tg.lecture_softmax_network()
    assert [layer.activation.name for layer in model.layers] == ["sigmoid", "sigmoid", "softmax"]
    assert model.loss.name == "cross_entropy" and model.dtype == "float64"
    for layer, (W, b) in zip(model.layers, LECTURE_WEIGHTS):
        np.testing.assert_array_equal(layer.get_weights()[0], W)
        np.testing.assert_array_equal(layer.get_weights()[1], b)
    first = model.trace([[1.0, -1.0]])[0]
    np.testing.assert_allclose(first.z[0], [4.0, -2.0])               # the slides' z
    np.testing.assert_allclose(first.a[0], [0.98, 0.12], atol=0.005)  # and a, to two decimals
    y = model.predict(tg.LECTURE_INPUTS)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    assert y.shape == (2, 2) and np.all(y > 0)


def test_parameter_names_follow_params_order():
    names = tg.parameter_names(tg.lecture_softmax_network())
    assert len(names) == 18
    assert names[:6] == ["W1[1,1]", "W1[1,2]", "W1[2,1]", "W1[2,2]", "b1[1]", "b1[2]"]
    assert names[-2:] == ["b3[1]", "b3[2]"]


def test_sum_of_per_example_gradients_is_the_total_gradient():
    result = tg.total_gradient()
    assert result.per_example.shape == (2, 18)
    np.testing.assert_allclose(result.summed, result.per_example.sum(axis=0))
    np.testing.assert_allclose(result.summed, result.batch, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.summed, result.numeric, rtol=1e-6, atol=1e-8)
    assert result.max_batch_error < 1e-12 and result.max_numeric_error < 1e-6   # measured 1e-16 and 5e-10
    # Each example contributes something different: the sum is not just twice one of them.
    assert np.max(np.abs(result.per_example[0] - result.per_example[1])) > 0.1
    # L = Σₙ Cⁿ, as the library evaluates it.
    model = tg.lecture_softmax_network()
    assert result.total_loss == pytest.approx(model.evaluate(tg.LECTURE_INPUTS, tg.LECTURE_LABELS).total_loss)
    np.testing.assert_allclose(result.example_losses.sum(), result.total_loss)


def test_per_example_gradients_read_as_the_lecture_says():
    result = tg.total_gradient()
    model = tg.lecture_softmax_network()
    names = list(result.names)
    y = model.predict(tg.LECTURE_INPUTS)
    onehot = np.eye(2)[tg.LECTURE_LABELS]
    # ∂C/∂b of the output layer is its ∂C/∂z = y − ŷ (softmax + cross-entropy).
    out_b = [names.index("b3[1]"), names.index("b3[2]")]
    np.testing.assert_allclose(result.per_example[:, out_b], y - onehot, atol=1e-12)
    # ∂z/∂w is the input on that link: the input (0, 0) gives the first layer's weights no gradient.
    first_W = [names.index(n) for n in ("W1[1,1]", "W1[1,2]", "W1[2,1]", "W1[2,2]")]
    np.testing.assert_array_equal(result.per_example[1, first_W], 0.0)
    assert np.all(np.abs(result.per_example[0, first_W]) > 1e-3)


def test_total_gradient_agrees_with_nnlib_gradient_check_on_three_examples():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(3, 2)), np.array([0, 1, 1])
    model = tg.lecture_softmax_network()
    before = model.get_weights()
    result = tg.total_gradient(model, X, y)
    for w, w0 in zip(model.get_weights(), before):                   # finite differences put θ back
        np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(result.summed, result.batch, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.summed, result.numeric, rtol=1e-6, atol=1e-8)
    check = nnlib.gradient_check(model, X, y, reduction="sum")
    np.testing.assert_allclose(check.backprop, result.summed, atol=1e-12)


def test_total_gradient_refuses_float32():
    model = tg.lecture_softmax_network().copy("float32")
    with pytest.raises(ValueError, match="float64"):
        tg.total_gradient(model)
