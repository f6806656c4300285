"""lessons.softmax_view: z, e^z, Σe^z and y = softmax(z) at a network's output."""

from __future__ import annotations

import numpy as np
import pytest

from lessons.softmax_view import softmax_breakdown
from lessons.total_gradient import lecture_softmax_network
from nnlib import Dense, Sequential
from nnlib.presets import lecture_network


def _identity_softmax(k=3):
    """One softmax layer with W = I and b = 0, so z is the input itself."""
    return Sequential([Dense(k, k, "softmax", dtype="float64", weights=np.eye(k), bias=np.zeros(k))])


def test_the_lectures_softmax_example():
    b = softmax_breakdown(_identity_softmax(), [3.0, 1.0, -3.0])
    np.testing.assert_allclose(b.z, [3.0, 1.0, -3.0])
    np.testing.assert_allclose(b.exp_z, np.exp([3.0, 1.0, -3.0]))
    assert b.sum_exp == pytest.approx(np.exp(3) + np.exp(1) + np.exp(-3))
    np.testing.assert_allclose(np.round(b.y, 2), [0.88, 0.12, 0.00])   # the slides' numbers


def test_breakdown_reads_the_network_output():
    model = lecture_softmax_network()
    for x in ([1.0, -1.0], [0.0, 0.0]):
        b = softmax_breakdown(model, x)
        last = model.trace(np.array([x]))[-1]
        np.testing.assert_array_equal(b.z, last.z[0])
        np.testing.assert_array_equal(b.y, model.predict(np.array(x)))
        np.testing.assert_allclose(b.exp_z / b.sum_exp, b.y, rtol=1e-14)
        np.testing.assert_allclose(b.y_from_parts, b.y, rtol=1e-14)
        assert b.y.sum() == pytest.approx(1.0)
        assert b.shift == b.z.max() and b.exp_shifted.max() == 1.0
        assert b.target is None and b.loss is None and b.grad_z is None


def test_target_gives_the_cross_entropy_and_y_minus_y_hat():
    model = lecture_softmax_network()
    b = softmax_breakdown(model, [1.0, -1.0], target=0)
    assert b.loss == pytest.approx(-np.log(b.y[0]))
    np.testing.assert_allclose(b.grad_z, b.y - np.array([1.0, 0.0]), atol=1e-15)


def test_large_z_overflows_e_to_the_z_but_not_y():
    with np.errstate(over="ignore"):
        b = softmax_breakdown(_identity_softmax(2), [1000.0, 0.0], target=1)
    assert np.isinf(b.exp_z[0]) and np.isinf(b.sum_exp)
    np.testing.assert_allclose(b.y, [1.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(b.y_from_parts, b.y)
    assert b.loss == pytest.approx(1000.0)                             # −ln y₁ = logsumexp(z) − z₁, finite


def test_refuses_outputs_that_are_not_softmax_and_bad_targets():
    with pytest.raises(ValueError, match="Received: activation='sigmoid'"):
        softmax_breakdown(lecture_network(), [1.0, -1.0])
    with pytest.raises(ValueError, match="target must be a class from 0 to 1"):
        softmax_breakdown(lecture_softmax_network(), [1.0, -1.0], target=2)
    with pytest.raises(ValueError, match="one example"):
        softmax_breakdown(lecture_softmax_network(), [[1.0, -1.0]])
