"""lessons.depth_wins (the sawtooth) and lessons.depth_hurts (sigmoid gradients), on reduced settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lessons import depth_hurts, depth_wins
from nnlib import NetworkSpec
from services import limits


# --- the sawtooth ------------------------------------------------------------------------
def test_tent_folds_the_unit_interval_once():
    np.testing.assert_array_equal(depth_wins.tent([0.0, 0.25, 0.5, 0.75, 1.0]), [0.0, 0.5, 1.0, 0.5, 0.0])


@pytest.mark.parametrize("k", [1, 3, 6])
def test_sawtooth_has_2_to_the_k_minus_1_teeth_and_2_to_the_k_pieces(k):
    x, y = depth_wins.sawtooth_points(k)
    assert y.min() == 0.0 and y.max() == 1.0
    assert int(np.sum(y == 1.0)) == 2 ** (k - 1)                  # one peak per tooth
    slopes = np.sign(np.diff(y))
    assert int(np.sum(slopes[1:] != slopes[:-1])) + 1 == 2 ** k   # linear pieces


@pytest.mark.parametrize("k", range(1, 9))
def test_deep_construction_is_exact_and_as_small_as_the_fat_network(k):
    x, y = depth_wins.sawtooth_points(k)
    deep = depth_wins.deep_sawtooth_network(k)
    assert deep.sizes() == [1] + [2] * k + [1]
    assert deep.count_params() == 6 * k + 1
    assert NetworkSpec(1, (2 * k,), 1).count_params() == 6 * k + 1   # the fat network at equal size
    assert deep.evaluate(x[:, None], y[:, None]).mean_loss < 1e-20
    np.testing.assert_allclose(deep.predict(x[:, None])[:, 0], y, atol=1e-12)


def test_the_app_limit_of_8_hidden_layers_holds():
    with pytest.raises(limits.LimitExceeded, match="at most 8 hidden layers"):
        depth_wins.deep_sawtooth_network(9)


def test_fat_construction_is_exact_with_a_neuron_per_kink_and_falls_behind_with_fewer():
    x, y = depth_wins.sawtooth_points(3)
    exact = depth_wins.fat_sawtooth_network(3, 8)                      # 2^3 neurons: every kink of t^3
    assert exact.evaluate(x[:, None], y[:, None]).mean_loss < 1e-20
    short = depth_wins.fat_sawtooth_network(3, 6)                      # 2k = 6 neurons at deep's size
    assert 0.03 < short.evaluate(x[:, None], y[:, None]).mean_loss < 0.04   # measured 0.0365


def test_fat_error_bound_holds_for_random_fat_networks():
    k, n = 6, 12
    x, y = depth_wins.sawtooth_points(k, 1025)
    bound = depth_wins.fat_error_bound(k, n, x)
    assert 0.05 < bound < 1 / 12                                   # measured 0.052 (continuous: 20/32/12)
    assert depth_wins.fat_error_bound(k, 2 ** (k - 1), x) == 0.0        # a kink for every tooth: no floor
    assert depth_wins.fat_error_bound(k, 4, x) > bound                  # fewer neurons, higher floor
    built = depth_wins.fat_sawtooth_network(k, n)
    assert built.evaluate(x[:, None], y[:, None]).mean_loss >= bound
    rng = np.random.default_rng(0)
    spec = NetworkSpec(1, (n,), 1, "relu", "linear", "mse")
    for seed in range(5):
        model = spec.build(seed=seed, dtype="float64")
        weights = [w * rng.uniform(0.5, 20.0) for w in model.get_weights()]
        weights[1] = rng.uniform(-10.0, 10.0, size=n)              # kinks spread over and beyond [0, 1]
        model.set_weights(weights)
        assert model.evaluate(x[:, None], y[:, None]).mean_loss >= bound


def test_depth_wins_at_equal_size_on_reduced_settings():
    result = depth_wins.depth_wins(k=5, tries=1, steps=300, n_points=513)
    assert [n.label for n in result.nets] == ["deep, built", "fat, built", "fat, trained", "deep, trained"]
    assert {n.params for n in result.nets} == {31}
    assert result.deep_built.hidden == (2,) * 5 and result.fat_trained.hidden == (10,)
    assert (result.teeth, result.deep_pieces, result.fat_max_pieces) == (16, 32, 11)
    assert result.deep_built.mse < 1e-6
    np.testing.assert_allclose(result.deep_built.y, result.target, atol=1e-12)
    # No fat network of this size beats the bound, and the bound is a real margin (measured 0.031).
    assert result.fat_bound > 0.03
    assert result.fat_trained.mse >= result.fat_bound > 1e4 * max(result.deep_built.mse, 1e-12)
    assert result.fat_trained.mse <= result.fat_built.mse + 1e-9   # training starts from it, keeps the best
    # What gradient descent finds from a random start (seed 0): the constant ½, not the folds.
    assert result.deep_trained.mse > 0.08
    assert abs(result.deep_trained.mse - np.var(result.target)) < 1e-3
    assert len(result.attempts) == 3 and result.deep_trained.loss_curve.size > 1


def test_depth_wins_in_steps_reports_progress_and_is_reproducible_from_its_seed():
    steps = depth_wins.depth_wins_steps(k=4, seed=3, tries=1, steps=100, n_points=257)
    reports = []
    while True:
        try:
            reports.append(next(steps))
        except StopIteration as done:
            stepped = done.value
            break
    assert [round(f, 3) for f, _ in reports] == [0.0, 0.333, 0.667]        # one per training run
    assert reports[0][1] == "Training 1 of 3: the fat network from random (seed 3)"
    again = depth_wins.depth_wins(k=4, seed=3, tries=1, steps=100, n_points=257)
    assert stepped.seed == again.seed == 3
    assert [n.mse for n in stepped.attempts] == [n.mse for n in again.attempts]
    np.testing.assert_array_equal(stepped.deep_trained.y, again.deep_trained.y)


# --- sigmoid gradients shrink layer by layer --------------------------------------------
@pytest.fixture(scope="module")
def digits_subset():
    from nnlib import datasets

    (X, y), (X_test, y_test) = datasets.digits()
    return (X[:600], y[:600]), (X_test[:200], y_test[:200])


def test_sigmoid_gradients_shrink_towards_the_input_and_relu_keeps_them(digits_subset):
    (X, y), _ = digits_subset
    X, y = X[:300], y[:300]
    sig = depth_hurts.gradient_sizes(depth_hurts.depth_network("sigmoid", 5, 32), X, y)
    assert sig.mean_abs_grad.shape == (6,)
    assert np.all(np.diff(sig.mean_abs_grad) > 0)                 # layer 1 smallest, output largest
    assert np.all(np.diff(sig.mean_abs_delta) > 0)
    assert sig.mean_abs_grad[-1] / sig.mean_abs_grad[0] > 1e3     # measured ≈ 8e3
    ratios = sig.mean_abs_delta[:-2] / sig.mean_abs_delta[1:-1]   # hidden layer l vs l + 1
    assert np.all(ratios < 0.3)                                   # σ′ ≤ ¼ each step down (measured ≈ 0.2)
    relu = depth_hurts.gradient_sizes(depth_hurts.depth_network("relu", 5, 32), X, y)
    hidden = relu.mean_abs_grad[:-1]
    assert hidden.max() / hidden.min() < 5                        # about the same size in every layer
    scaled = depth_hurts.gradient_sizes(depth_hurts.depth_network("sigmoid_x4", 5, 32), X, y)
    assert scaled.mean_abs_grad[0] > 10 * sig.mean_abs_grad[0]


def test_depth_network_checks_its_family_and_the_limits():
    with pytest.raises(ValueError, match="Unknown family 'swish'"):
        depth_hurts.depth_network("swish", 2, 8)
    with pytest.raises(limits.LimitExceeded):
        depth_hurts.depth_network("relu", 9, 8)


def test_deep_sigmoid_stalls_where_relu_learns(digits_subset):
    result = depth_hurts.depth_hurts(depths=(2, 8), width=48, families=("sigmoid", "relu"), epochs=10,
                               data=digits_subset)
    assert len(result.gradients) == len(result.curves) == 4
    sig8, relu8 = result.curve("sigmoid", 8), result.curve("relu", 8)
    assert sig8.epoch.tolist() == list(range(11))
    assert sig8.loss[-1] > 2.25 and abs(sig8.loss[-1] - math.log(10)) < 0.05   # stuck at chance
    assert sig8.test_accuracy[-1] < 0.2
    assert relu8.loss[-1] < 1.0 and relu8.test_accuracy[-1] > 0.6         # measured 0.47 and 0.78
    assert result.curve("sigmoid", 2).loss[-1] < sig8.loss[-1]            # the shallow one moves
    g = result.gradient("sigmoid", 8)
    assert g.mean_abs_grad[0] < 1e-5 * g.mean_abs_grad[-1]
    assert (result.n_train, result.n_test, result.epochs, result.seed) == (600, 200, 10, 0)
