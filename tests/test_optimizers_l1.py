"""L1 regularisation beside L2: the gradient each rule follows, its arguments, and what L1 does to weights."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import Dense, Sequential, Trainer, backend, datasets, optimizers

L1, L2 = 0.03, 0.2


def small_model():
    """A float64 3 → 4 → 2 network whose weights all lie at least 0.1 from 0, where |w| is differentiable."""
    model = Sequential([Dense(3, 4, "tanh", seed=1, dtype="float64"),
                        Dense(4, 2, "softmax", seed=2, dtype="float64")])
    model.set_weights([np.sign(w) * (np.abs(w) + 0.1) if w.ndim == 2 else w + 0.2 for w in model.get_weights()])
    rng = np.random.default_rng(0)
    return model, rng.normal(size=(6, 3)), rng.integers(0, 2, 6)


def regularised_loss(model, X, y) -> float:
    """J(θ) = L/N + λ₁‖W‖₁ + (λ₂/2)‖W‖², summed over the weight matrices only."""
    weights = [w for w in model.get_weights() if w.ndim == 2]
    return (float(np.mean(model.per_example_loss(X, y))) + L1 * sum(np.abs(w).sum() for w in weights)
            + L2 / 2 * sum((w * w).sum() for w in weights))


def central_differences(model, X, y, eps=1e-6) -> list[np.ndarray]:
    """∂J/∂θ for every entry of every parameter, as (J(θ + ε) − J(θ − ε)) / 2ε."""
    out = []
    for p in model.params:
        g = np.zeros(p.shape)
        for idx in np.ndindex(*p.shape):
            keep = float(p[idx])
            p[idx] = keep + eps
            up = regularised_loss(model, X, y)
            p[idx] = keep - eps
            down = regularised_loss(model, X, y)
            p[idx] = keep
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("make", [lambda: optimizers.SGD(learning_rate=1.0, weight_decay=L2, l1=L1),
                                  lambda: optimizers.Momentum(learning_rate=1.0, weight_decay=L2, l1=L1)],
                         ids=["sgd", "momentum"])
def test_the_step_follows_the_gradient_of_the_regularised_loss(make):
    """One step at η = 1 from rest moves θ by exactly the gradient the rule follows: θ − θ′ = ∂J/∂θ."""
    model, X, y = small_model()
    numeric = central_differences(model, X, y)
    before = model.get_weights()
    _, grads = model.loss_and_grads(X, y)
    make().step(model.params, grads)
    for b, a, num in zip(before, model.get_weights(), numeric):
        followed = b - a
        np.testing.assert_allclose(followed, num, rtol=1e-6, atol=1e-9)
    # The biases feel no penalty: their step is the plain gradient.
    np.testing.assert_allclose(before[1] - model.get_weights()[1], backend.to_numpy(grads[1]), rtol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_every_rule_regularises_through_the_gradient(xp_backend, name):
    """A rule with l1 and weight_decay takes the same step as the plain rule given g + λ₂W + λ₁sign(W)."""
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    gW, gb = rng.normal(size=(3, 4)), rng.normal(size=3)
    as_backend = [backend.asarray(a.copy(), "float64") for a in (W, b)]
    plain = [backend.asarray(a.copy(), "float64") for a in (W, b)]
    optimizers.get(name, learning_rate=0.1, weight_decay=L2, l1=L1).step(
        as_backend, [backend.asarray(gW, "float64"), backend.asarray(gb, "float64")])
    effective = gW + L2 * W + L1 * np.sign(W)
    optimizers.get(name, learning_rate=0.1).step(
        plain, [backend.asarray(effective, "float64"), backend.asarray(gb, "float64")])
    for p, q in zip(as_backend, plain):
        np.testing.assert_allclose(backend.to_numpy(p), backend.to_numpy(q), rtol=1e-12, atol=1e-15)


def test_l1_alone_moves_every_weight_by_eta_lambda_towards_zero_and_leaves_zeros():
    params = [backend.asarray(np.array([[0.5, -0.5, 0.0]]), "float64"), backend.asarray(np.array([0.5]), "float64")]
    zero = [backend.asarray(np.zeros((1, 3)), "float64"), backend.asarray(np.zeros(1), "float64")]
    optimizers.SGD(learning_rate=0.1, l1=0.2).step(params, zero)
    np.testing.assert_allclose(backend.to_numpy(params[0]), [[0.48, -0.48, 0.0]], rtol=1e-15)
    np.testing.assert_array_equal(backend.to_numpy(params[1]), [0.5])


@pytest.mark.parametrize("value, shown", [(-0.1, "-0.1"), ("0.1", "'0.1'"), (float("nan"), "nan"), (True, "True")])
def test_a_bad_l1_names_the_value(value, shown):
    for make in (optimizers.SGD, optimizers.Momentum, optimizers.Adam):
        with pytest.raises(ValueError, match=f"l1 must be a finite number >= 0. Received: l1={shown}"):
            make(l1=value)


def test_l1_is_passed_through_trainer_fit_and_train_and_shown_in_repr():
    (X, y), _ = datasets.toy("circle", n=40, seed=0)
    model = nnlib.NetworkSpec(hidden=(4,)).build(seed=0)
    trainer = Trainer(model, X, y, optimizer="adam", learning_rate=0.01, weight_decay=0.001, l1=0.002)
    assert (trainer.optimizer.l1, trainer.optimizer.weight_decay) == (0.002, 0.001)
    assert repr(trainer.optimizer) == "Adam(learning_rate=0.01, weight_decay=0.001, l1=0.002)"
    assert repr(optimizers.SGD(learning_rate=0.1)) == "SGD(learning_rate=0.1)"
    a, b, c = model.copy(), model.copy(), model.copy()
    nnlib.fit(a, X, y, epochs=2, optimizer="sgd", learning_rate=0.5, l1=0.05, batch_size=8)
    list(nnlib.train(b, X, y, epochs=2, optimizer="sgd", learning_rate=0.5, l1=0.05, batch_size=8))
    by_hand = Trainer(c, X, y, optimizer=optimizers.SGD(learning_rate=0.5, l1=0.05), batch_size=8)
    by_hand.run(2 * by_hand.steps_per_epoch)
    plain = model.copy()
    nnlib.fit(plain, X, y, epochs=2, optimizer="sgd", learning_rate=0.5, batch_size=8)
    for p, q, r in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_array_equal(p, r)
    assert not np.array_equal(a.get_weights()[0], plain.get_weights()[0])


def test_l1_sets_unneeded_weights_to_zero_where_l2_only_shrinks_them():
    """y = 1.5 x₁ − 2 x₂ + noise, with four inputs that carry no signal, fitted by a linear neuron (MSE, gd).

    With λ₁ = 0.3 the four unneeded weights end within η·λ₁ = 0.003 of zero (one L1 step: they jitter
    around it); with L2 at the same λ₂ = 0.3 each keeps more than 0.03, ten times as much. Both keep
    the two weights the data needs.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    y = 1.5 * X[:, 0] - 2.0 * X[:, 1] + rng.normal(0, 0.3, 200)

    def weights(**regularisation):
        model = Sequential([Dense(6, 1, "linear", seed=0, dtype="float64")], loss="mse")
        model.fit(X, y, epochs=2000, optimizer="gd", learning_rate=0.01, report_every=1000, **regularisation)
        return model.get_weights()[0][0]

    l1, l2 = weights(l1=0.3), weights(weight_decay=0.3)
    assert np.all(np.abs(l1[2:]) <= 0.01 * 0.3), l1
    assert np.all(np.abs(l2[2:]) > 0.03), l2
    assert l1[0] > 1.2 and l1[1] < -1.7 and l2[0] > 1.2 and l2[1] < -1.6
