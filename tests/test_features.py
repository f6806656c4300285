"""Input features (Playground's x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂): values, labels, errors, and why they help."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons import features
from lessons.features import FEATURES, feature_grid, transform


def test_every_feature_of_two_hand_computed_points():
    X = np.array([[0.5, -1.0], [-0.25, 0.5]])
    names = list(FEATURES)
    assert names == ["x1", "x2", "x1_squared", "x2_squared", "x1_times_x2", "sin_x1", "sin_x2"]
    out = transform(X, names)
    s = np.sqrt(0.5)  # sin(π/4)
    expected = [[0.5, -1.0, 0.25, 1.0, -0.5, 1.0, 0.0],
                [-0.25, 0.5, 0.0625, 0.25, -0.125, -s, 1.0]]
    np.testing.assert_allclose(out, expected, atol=1e-15)
    assert out.shape == (2, 7) and out.dtype == np.float64


def test_columns_follow_the_order_asked_and_float32_stays_float32():
    X = np.array([[0.5, -1.0], [0.1, 0.2]], dtype=np.float32)
    out = transform(X, ["x1_times_x2", "x1"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[-0.5, 0.5], [0.02, 0.1]], rtol=1e-6)
    np.testing.assert_array_equal(transform(X, features.DEFAULT), X)   # x₁, x₂: the points themselves
    assert features.labels(["x1", "x1_squared", "sin_x2"]) == ["x₁", "x₁²", "sin πx₂"]
    assert {label for label, _ in FEATURES.values()} == {"x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin πx₁", "sin πx₂"}


@pytest.mark.parametrize("X, names, message", [
    ([[0.0, 0.0]], ["x3"], "Unknown input feature 'x3'. Choose from: x1, x2, x1_squared, x2_squared, "
                           "x1_times_x2, sin_x1, sin_x2."),
    ([[0.0, 0.0]], [], "names must choose at least one input feature: the network needs an input. Received: names=[]"),
    ([[0.0, 0.0]], "x1", "names must be a list of feature names such as ['x1', 'x2']. Received: names='x1'"),
    ([[0.0, 0.0]], ["x1", "x1"], "each input feature may be chosen once. Received 'x1' twice in names=['x1', 'x1']"),
    ([[0.0, 0.0, 0.0]], ["x1"], "expected points X of shape (N, 2): one (x₁, x₂) per row. Received shape (1, 3)."),
    ([0.0, 0.0], ["x1"], "expected points X of shape (N, 2): one (x₁, x₂) per row. Received shape (2,)."),
    ([[0.0, np.nan]], ["x1"], "X must hold finite numbers. Received NaN or an infinity."),
])
def test_bad_input_is_a_clear_value_error(X, names, message):
    with pytest.raises(ValueError) as refused:
        transform(np.asarray(X), names)
    assert str(refused.value) == message


def test_the_feature_pictures_lie_on_the_plane_grid_layout():
    maps = feature_grid(["x1", "x2", "x1_times_x2"], resolution=3)
    assert maps.shape == (3, 3, 3)
    np.testing.assert_array_equal(maps[0], [[-1, 0, 1]] * 3)            # x₁ grows along a row
    np.testing.assert_array_equal(maps[1], [[-1] * 3, [0] * 3, [1] * 3])  # x₂ grows down the rows
    np.testing.assert_array_equal(maps[2], [[1, 0, -1], [0, 0, 0], [-1, 0, 1]])
    with pytest.raises(ValueError, match="Received: extent=0"):
        feature_grid(["x1"], extent=0)


def test_with_squares_a_network_without_hidden_layers_separates_the_circle():
    """x₁² + x₂² is the radius²: the circle's two classes are split by a straight line in feature space."""
    (X, y), (Xt, yt) = nnlib.datasets.toy("circle", n=400, seed=0)

    def accuracy(names):
        model = nnlib.Sequential([nnlib.Dense(len(names), 2, "softmax", seed=0)])
        history = model.fit(transform(X, names), y, epochs=60, optimizer="adam", learning_rate=0.1,
                            batch_size=16, X_test=transform(Xt, names), y_test=yt)
        return history[-1].test_accuracy

    assert accuracy(["x1", "x2"]) < 0.7                 # a line through the plane: no better than chance
    assert accuracy(["x1_squared", "x2_squared"]) >= 0.98
