"""Dense layers: the hand-computed case, shapes, initialisers and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import Dense, backend, count_params, initializers
from nnlib.layers import dense_backward, dense_forward

W_HAND = [[1.0, -2.0], [3.0, -4.0]]
B_HAND = [5.0, -6.0]
X_HAND = np.array([[-1.0, 2.0]])


def test_hand_computed_dense_rows_are_neurons(xp_backend):
    # Row j of W is neuron j:  z1 = 1·(−1) + (−2)·2 + 5 = 0,   z2 = 3·(−1) + (−4)·2 − 6 = −17.
    layer = Dense(2, 2, activation="relu", weights=W_HAND, bias=B_HAND, dtype="float64")
    z, a = layer.forward(backend.asarray(X_HAND, "float64"))
    np.testing.assert_array_equal(backend.to_numpy(z), [[0.0, -17.0]])
    np.testing.assert_array_equal(backend.to_numpy(a), [[0.0, 0.0]])


def test_hand_computed_dense_in_the_keras_kernel_layout(xp_backend):
    # Keras stores the kernel as (n_in, n_out); its docs' case gives relu([−1, 2]·K + b) = [10, 0].
    # nnlib's W is that kernel transposed:  z1 = 1·(−1) + 3·2 + 5 = 10,  z2 = (−2)·(−1) + (−4)·2 − 6 = −12.
    layer = Dense(2, 2, activation="relu", weights=np.array(W_HAND).T, bias=B_HAND, dtype="float64")
    z, a = layer.forward(backend.asarray(X_HAND, "float64"))
    np.testing.assert_array_equal(backend.to_numpy(z), [[10.0, -12.0]])
    np.testing.assert_array_equal(backend.to_numpy(a), [[10.0, 0.0]])


def test_hand_computed_dense_without_bias_and_other_activations(xp_backend):
    x = backend.asarray(X_HAND, "float64")
    plain = Dense(2, 2, activation="linear", use_bias=False, weights=W_HAND, dtype="float64")
    np.testing.assert_array_equal(backend.to_numpy(plain.forward(x)[1]), [[-5.0, -11.0]])
    assert len(plain.params) == 1 and plain.b is None and plain.count_params() == 4
    sig = Dense(2, 2, activation="sigmoid", weights=W_HAND, bias=B_HAND, dtype="float64")
    np.testing.assert_allclose(backend.to_numpy(sig.forward(x)[1]), [[0.5, 1 / (1 + np.exp(17.0))]], rtol=1e-15)


def test_dense_backward_formulas(xp_backend):
    rng = np.random.default_rng(1)
    W, X, G = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    d = lambda a: backend.asarray(a, "float64")  # noqa: E731
    grad_W, grad_b, grad_X = (backend.to_numpy(g) for g in dense_backward(d(W), d(X), d(G)))
    np.testing.assert_allclose(grad_W, sum(np.outer(G[n], X[n]) for n in range(5)), rtol=1e-12)
    np.testing.assert_allclose(grad_b, G.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(grad_X, G @ W, rtol=1e-12)
    assert dense_backward(d(W), d(X), d(G), need_grad_X=False)[2] is None
    np.testing.assert_allclose(backend.to_numpy(dense_forward(d(W), d(np.ones(3)), d(X))), X @ W.T + 1, rtol=1e-12)


@pytest.mark.parametrize("use_bias", [True, False])
def test_shapes_params_and_repr(xp_backend, use_bias):
    layer = Dense(5, 3, activation="tanh", use_bias=use_bias, seed=0)
    assert tuple(layer.W.shape) == (3, 5)
    assert [tuple(p.shape) for p in layer.params] == ([(3, 5), (3,)] if use_bias else [(3, 5)])
    z, a = layer.forward(backend.asarray(np.ones((7, 5)), "float32"))
    assert tuple(z.shape) == tuple(a.shape) == (7, 3)
    assert backend.dtype_name(a.dtype) == "float32"
    n = 18 if use_bias else 15
    assert layer.count_params() == n
    assert repr(layer) == f"Dense(5 → 3, activation=tanh, params={n})"
    W, b = layer.get_weights()
    assert isinstance(W, np.ndarray) and (b is None) == (not use_bias)


def test_seeded_initialisation_is_reproducible_on_every_backend(xp_backend):
    reference = initializers.glorot_uniform(4, 6, np.random.default_rng(42))
    layer = Dense(6, 4, activation="sigmoid", seed=42, dtype="float64")
    np.testing.assert_array_equal(layer.get_weights()[0], reference)
    np.testing.assert_array_equal(layer.get_weights()[1], np.zeros(4))
    other = Dense(6, 4, activation="sigmoid", seed=43, dtype="float64")
    assert not np.array_equal(other.get_weights()[0], reference)


def test_initialiser_scales():
    rng = np.random.default_rng(0)
    glorot = initializers.glorot_uniform(200, 300, rng)
    limit = np.sqrt(6.0 / 500)
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.99 * limit
    he = initializers.he_normal(200, 300, rng)
    assert abs(he.std() - np.sqrt(2.0 / 300)) < 0.02 * np.sqrt(2.0 / 300)
    assert initializers.get("auto", "relu") is initializers.he_normal
    assert initializers.get("auto", "sigmoid") is initializers.glorot_uniform
    with pytest.raises(ValueError, match="initializer identifier: 'orthogonal'"):
        initializers.get("orthogonal")
    with pytest.raises(ValueError, match=r"Received: seed='7'"):
        initializers.make_rng("7")


@pytest.mark.parametrize("kwargs, message", [
    ({"n_in": 0, "n_out": 2}, "Received: n_in=0"),
    ({"n_in": 2, "n_out": -3}, "Received: n_out=-3"),
    ({"n_in": 2.5, "n_out": 2}, "Received: n_in=2.5"),
    ({"n_in": True, "n_out": 2}, "Received: n_in=True"),
    ({"n_in": 2, "n_out": 2, "activation": "swish"}, "identifier: 'swish'"),
    ({"n_in": 2, "n_out": 2, "dtype": "float16"}, "Received: dtype='float16'"),
    ({"n_in": 2, "n_out": 3, "weights": np.ones((2, 3))}, r"\(n_out, n_in\) = \(3, 2\).*Received shape \(2, 3\)"),
    ({"n_in": 2, "n_out": 3, "bias": np.ones(2)}, r"bias must have shape \(3,\)\. Received shape \(2,\)"),
    ({"n_in": 2, "n_out": 2, "use_bias": False, "bias": [1, 2]}, "use_bias=False"),
])
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dense(**kwargs)


def test_count_params_is_one_formula_for_layers_models_and_specs():
    # (2 + 1)·3 + (3 + 1)·1 = 13 weights and biases; 2·3 + 3·1 = 9 weights alone.
    assert count_params([2, 3, 1]) == 13 and count_params([2, 3, 1], use_bias=False) == 9
    spec = nnlib.NetworkSpec(n_in=256, hidden=(128, 64), n_out=10)
    assert count_params(spec.sizes) == spec.count_params() == spec.build().count_params() == 41_802
    assert Dense(5, 4, use_bias=False).count_params() == count_params([5, 4], use_bias=False) == 20
