"""The lecture's slide network and NetworkSpec."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import presets
from services import limits


def _plain_numpy_forward(x):
    """An independent forward pass: a = 1 / (1 + e^−(W·a + b)), layer by layer, from the slide's table."""
    a, out = np.asarray(x, dtype=np.float64), []
    for W, b in presets.LECTURE_WEIGHTS:
        z = np.array(W) @ a + np.array(b)
        a = 1.0 / (1.0 + np.exp(-z))
        out.append((z, a))
    return out


def test_lecture_network_first_layer_matches_the_slides(xp_backend):
    model = presets.lecture_network()
    first = model.trace([1.0, -1.0])[0]
    np.testing.assert_array_equal(first.x, [[1.0, -1.0]])
    np.testing.assert_array_equal(first.z, [[4.0, -2.0]])
    np.testing.assert_array_equal(np.round(first.a, 2), [[0.98, 0.12]])


@pytest.mark.parametrize("x", [[1.0, -1.0], [0.0, 0.0], [0.3, 2.5]])
def test_lecture_network_every_layer_matches_an_independent_formula(xp_backend, x):
    trace = presets.lecture_network().trace(x)
    reference = _plain_numpy_forward(x)
    assert len(trace) == len(reference) == 3
    for layer, (z, a) in zip(trace, reference):
        np.testing.assert_allclose(layer.z[0], z, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(layer.a[0], a, rtol=1e-14)
    np.testing.assert_allclose(presets.lecture_network().predict(x), reference[-1][1], rtol=1e-14)


def test_lecture_network_structure(xp_backend):
    model = presets.lecture_network()
    assert model.sizes() == [2, 2, 2, 2]
    assert model.dtype == "float64" and model.loss.name == "mse"
    assert [layer.activation.name for layer in model.layers] == ["sigmoid"] * 3
    for layer, (W, b) in zip(model.layers, presets.LECTURE_WEIGHTS):
        np.testing.assert_array_equal(layer.get_weights()[0], W)
        np.testing.assert_array_equal(layer.get_weights()[1], b)
    assert presets.lecture_network("cross_entropy").loss.name == "cross_entropy"
    assert "params=18" in repr(model)


def test_lecture_network_is_a_fresh_copy_each_time():
    a = presets.lecture_network()
    a.layers[0].set_weights(np.zeros((2, 2)))
    np.testing.assert_array_equal(presets.lecture_network().layers[0].get_weights()[0], [[1.0, -2.0], [-1.0, 1.0]])


def test_network_spec_builds_the_described_network(xp_backend):
    spec = nnlib.NetworkSpec(n_in=256, hidden=[128, 64], n_out=10, activation="relu")
    assert spec.hidden == (128, 64) and spec.sizes == [256, 128, 64, 10]
    model = spec.build(seed=0)
    assert model.sizes() == spec.sizes and model.count_params() == spec.count_params() == 41_802
    assert [layer.activation.name for layer in model.layers] == ["relu", "relu", "softmax"]
    assert spec.describe() == "256 → 128 → 64 → 10 (relu, 41,802 parameters)"
    again = spec.build(seed=0)
    for p, q in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_network_spec_rejects_bad_values():
    with pytest.raises(ValueError, match="identifier: 'swish'"):
        nnlib.NetworkSpec(activation="swish")
    with pytest.raises(ValueError, match=r"neurons in hidden layer 2\) must be a positive whole number"):
        nnlib.NetworkSpec(hidden=(4, 0))
    # The library builds any size; the hosted app's limits refuse what would exhaust the server.
    assert nnlib.NetworkSpec(n_in=2, hidden=(1025,), n_out=2).count_params() == 2 * 1025 + 1025 + 1025 * 2 + 2
    with pytest.raises(limits.LimitExceeded, match="at most 1024 neurons"):
        limits.check_spec(nnlib.NetworkSpec(hidden=(5000,)))
