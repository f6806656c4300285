"""Playground's regression sets, and nnlib end to end on them: a linear output, MSE, no accuracy."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons.regression_data import REGRESSION_SETS, regression, target
from nnlib import Dense, Sequential, gradient_check


def regressor(hidden=(4,), seed=0, dtype="float32"):
    spec = nnlib.NetworkSpec(hidden=hidden, n_out=1, activation="tanh", output="linear", loss="mse")
    return spec.build(seed=seed, dtype=dtype)


# --- the data -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", REGRESSION_SETS)
def test_shapes_split_and_seed_like_the_toy_sets(name):
    (X, y), (Xt, yt) = regression(name, n=100, test_fraction=0.3, seed=5)
    assert (X.shape, y.shape, Xt.shape, yt.shape) == ((70, 2), (70,), (30, 2), (30,))
    assert X.dtype == Xt.dtype == y.dtype == yt.dtype == np.float32
    assert np.all(np.abs(np.concatenate([X, Xt])) <= 1.0)
    np.testing.assert_allclose(y, target(name, X), atol=1e-6)   # no noise: the exact values (to float32)
    again = regression(name, n=100, test_fraction=0.3, seed=5)
    for a, b in zip((X, y, Xt, yt), (*again[0], *again[1])):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(X, regression(name, n=100, test_fraction=0.3, seed=6)[0][0])


def test_the_functions_at_hand_computed_points():
    # plane: (u₁ + u₂)/10 at u = 6x.
    np.testing.assert_allclose(target("plane", [[0.5, 0.5], [1.0, -0.25], [-1.0, -1.0]]), [0.6, 0.45, -1.2])
    # gaussians: +1 at (−4, 2.5)/6, −1 at (0, 2.5)/6, half way down 1 u-unit from a centre, 0 between bumps.
    points = np.array([[-4, 2.5], [0, 2.5], [4, -2.5], [0, -2.5], [1, 2.5], [0, 0], [6, 6]]) / 6
    np.testing.assert_allclose(target("gaussians", points), [1.0, -1.0, -1.0, 1.0, -0.5, 0.0, 0.0], atol=1e-12)


def test_noise_reads_the_value_at_a_jittered_point():
    """plane's y − f(x) = 0.6(ε₁ + ε₂) for ε ~ N(0, σ²): standard deviation 0.6·√2·σ ≈ 0.085 at σ = 0.1."""
    (X, y), _ = regression("plane", n=4000, noise=0.1, seed=0)
    residual = y - target("plane", X)
    assert residual.std() == pytest.approx(0.6 * np.sqrt(2) * 0.1, rel=0.05)
    assert abs(residual.mean()) < 0.01


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "moons"}, "Unknown regression data set 'moons'. Choose one of: plane, gaussians."),
    ({"noise": 0.6}, "noise must be a number from 0 to 0.5. Received: noise=0.6"),
    ({"noise": True}, "noise must be a number from 0 to 0.5. Received: noise=True"),
    ({"test_fraction": 1.0}, "test_fraction must be a finite number > 0 and < 1. Received: test_fraction=1.0"),
    ({"n": 2}, "n must be a whole number from 4 to 100000. Received: n=2"),
])
def test_bad_arguments_name_the_value(kwargs, message):
    kwargs = {"name": "plane", **kwargs}
    with pytest.raises(ValueError) as refused:
        regression(**kwargs)
    assert str(refused.value) == message


# --- nnlib end to end: linear output, MSE ------------------------------------------------------------
def test_a_one_output_network_takes_values_as_targets_and_its_gradients_check():
    (X, y), _ = regression("gaussians", n=12, seed=1)
    model = regressor(hidden=(3,), dtype="float64")
    assert model.regression and model.layers[-1].activation.name == "linear" and model.loss.name == "mse"
    check = gradient_check(model, X, y)            # y (N,): one value per example
    assert check.passed(1e-6) and len(check.param) == model.count_params()
    loss_1d, _ = model.loss_and_grads(X, y)
    loss_2d, _ = model.loss_and_grads(X, y[:, None])
    prediction = model.predict(X)[:, 0]
    assert loss_1d == loss_2d == pytest.approx(np.mean((prediction - y) ** 2), rel=1e-12)
    # A one-output classifier (cross-entropy) still reads 1-D y as class labels.
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        Sequential([Dense(2, 1, "sigmoid")], loss="cross_entropy").evaluate(X, y)


def test_regression_reports_loss_only():
    (X, y), (Xt, yt) = regression("plane", n=40, seed=0)
    ev = regressor().evaluate(X, y)
    assert ev.accuracy is None and ev.n == 20 and ev.mean_loss > 0
    p = nnlib.Trainer(regressor(), X, y, X_test=Xt, y_test=yt).run(1)
    assert p.train_accuracy is None and p.test_accuracy is None and p.test_loss > 0


def test_a_small_network_fits_the_plane():
    """2 → 4 (tanh) → 1 (linear), Adam η = 0.03, 30 epochs: test MSE under 0.001, below 0.5 % of var(y)."""
    (X, y), (Xt, yt) = regression("plane", n=400, seed=0)
    history = regressor().fit(X, y, epochs=30, optimizer="adam", learning_rate=0.03, batch_size=16,
                              X_test=Xt, y_test=yt, seed=0)
    assert history[-1].test_loss < 1e-3 and history[-1].test_loss < 0.005 * np.var(yt)
    assert history[0].loss > 0.5   # from a poor start


def test_a_deeper_network_fits_most_of_the_gaussians():
    """2 → 8 → 8 → 1 (tanh), 100 epochs: test MSE about 0.025, under 40 % of var(y) ≈ 0.079."""
    (X, y), (Xt, yt) = regression("gaussians", n=400, seed=0)
    history = regressor(hidden=(8, 8)).fit(X, y, epochs=100, optimizer="adam", learning_rate=0.03,
                                           batch_size=16, X_test=Xt, y_test=yt, seed=0)
    assert history[-1].test_loss < 0.4 * np.var(yt)
