"""Backprop against finite differences for every activation, loss and layer kind, on random shapes."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import Dense, Sequential, activations, gradient_check, presets
from nnlib.training import train_step

HIDDEN = ["sigmoid", "relu", "tanh", "linear", "softmax"]
# (output activation, loss): the fused softmax + cross-entropy, and the non-fused paths.
HEADS = [("softmax", "cross_entropy"), ("softmax", "mse"), ("sigmoid", "cross_entropy"),
         ("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"), ("relu", "mse")]
TOL = 1e-6


def random_network(seed, hidden, head, use_bias=True, depth=None):
    """A float64 network with random layer sizes, input and targets (one-hot or in (0, 1))."""
    rng = np.random.default_rng(seed)
    depth = depth or int(rng.integers(1, 3))
    sizes = [int(s) for s in rng.integers(2, 6, size=depth + 2)]
    out_act, loss = head
    layers = [Dense(a, b, activation=hidden if i < depth else out_act, use_bias=use_bias,
                    seed=seed * 10 + i, dtype="float64")
              for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    for layer in layers:  # non-zero biases, so that their gradients are exercised fully
        if use_bias:
            layer.set_weights(bias=rng.normal(scale=0.5, size=layer.n_out))
    model = Sequential(layers, loss=loss)
    n = int(rng.integers(3, 7))
    X = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy" and out_act != "softmax":
        y = rng.uniform(0.05, 0.95, size=(n, sizes[-1]))   # soft targets for independent sigmoids
    else:
        y = rng.integers(0, sizes[-1], n)
    return model, X, y


@pytest.mark.parametrize("head", HEADS, ids=["-".join(h) for h in HEADS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences(xp_backend, hidden, head):
    for seed in range(2):
        model, X, y = random_network(seed, hidden, head)
        check = gradient_check(model, X, y)
        assert check.passed(TOL), (model, check.max_relative_error, check.absolute_error.max())
        assert len(check.param) == model.count_params()  # every entry was checked


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_dense_without_bias_and_the_sum_reduction(xp_backend, hidden):
    model, X, y = random_network(5, hidden, ("softmax", "cross_entropy"), use_bias=False, depth=2)
    assert len(model.params) == 3
    for reduction in ("mean", "sum"):
        check = gradient_check(model, X, y, reduction=reduction)
        assert check.passed(TOL), check.max_relative_error


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_deeper_and_wider_networks_with_sampled_entries(hidden):
    rng = np.random.default_rng(11)
    sizes = [16, 24, 12, 10]
    model = Sequential([Dense(a, b, activation=hidden if i < 2 else "softmax", seed=i, dtype="float64")
                        for i, (a, b) in enumerate(zip(sizes, sizes[1:]))])
    X, y = rng.uniform(0, 1, size=(8, 16)), rng.integers(0, 10, 8)
    check = gradient_check(model, X, y, max_entries_per_param=25, seed=1)
    assert check.passed(TOL), check.max_relative_error
    assert len(check.param) == 25 * 3 + 24 + 12 + 10  # big arrays sampled, the biases whole


def test_lecture_network_gradients(xp_backend):
    model = presets.lecture_network()
    check = gradient_check(model, [[1.0, -1.0], [0.0, 0.0]], np.eye(2), reduction="sum")
    assert check.passed(TOL), check.max_relative_error


def test_a_wrong_derivative_is_caught():
    class BrokenTanh(activations.Tanh):
        def derivative(self, z, a):
            return 1.0 - a  # should be 1 − a²

    model, X, y = random_network(3, "tanh", ("softmax", "cross_entropy"), depth=2)
    for layer in model.layers[:-1]:
        layer.activation = BrokenTanh()
    check = gradient_check(model, X, y)
    assert not check.passed(TOL) and check.max_relative_error > 1e-2


def test_parameters_are_restored_and_float32_is_refused(xp_backend):
    model, X, y = random_network(2, "relu", ("softmax", "cross_entropy"))
    before = model.get_weights()
    gradient_check(model, X, y)
    for p, q in zip(before, model.get_weights()):
        np.testing.assert_array_equal(p, q)
    with pytest.raises(ValueError, match="Received dtype='float32'"):
        gradient_check(model.copy("float32"), X, y)


def test_a_train_step_is_a_plain_gradient_step(xp_backend):
    """train_step is backward, then the optimizer's one update: it must equal θ − η∇L (to rounding)."""
    from nnlib import backend, optimizers

    model, X, y = random_network(4, "relu", ("softmax", "cross_entropy"), depth=2)
    _, grads = model.loss_and_grads(X, y)
    expected = [p - 0.3 * backend.to_numpy(g) for p, g in zip(model.get_weights(), grads)]
    train_step(model, optimizers.SGD(learning_rate=0.3), *model.check_data(X, y))
    for p, q in zip(model.get_weights(), expected):
        np.testing.assert_allclose(p, q, rtol=1e-13, atol=1e-15)
