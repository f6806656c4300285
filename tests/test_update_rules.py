"""ui.views.update_rules: every written formula against what nnlib computes.

Each optimizer takes steps on small arrays and is compared with its textbook formula, computed
here by hand in NumPy with the same constants; each loss's output ∂C/∂z from model.backprop is
compared with the written formula's value.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import Dense, Sequential, Trainer, optimizers
from ui.views import update_rules as rules


def _problem(seed=0, steps=3):
    """A weight matrix (3, 2), a bias (3,) and a different gradient for each step."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 2)), rng.normal(size=3)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=3)] for _ in range(steps)]
    return params, grads


def _run(opt, params, grads):
    params = [p.copy() for p in params]
    for g in grads:
        opt.step(params, [x.copy() for x in g])
    return params


def _decayed(p, g, lam, lam1=0.0):
    # g_W + λ₂W + λ₁ sign(W) on weight matrices only, as the LaTeX says
    return g + lam * p + lam1 * np.sign(p) if p.ndim == 2 else g


@pytest.mark.parametrize("name", ["gd", "sgd"])
@pytest.mark.parametrize("lam,lam1", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.02), (0.01, 0.02)])
def test_gradient_descent_step_is_theta_minus_eta_g(name, lam, lam1):
    params, grads = _problem()
    eta = 0.3
    got = _run(optimizers.get(name, learning_rate=eta, weight_decay=lam, l1=lam1), params, grads)
    want = [p.copy() for p in params]
    for g in grads:
        want = [p - eta * _decayed(p, gi, lam, lam1) for p, gi in zip(want, g)]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


def test_the_written_rule_names_each_regularisation_in_use():
    """Issue 12: L1 and L2 on screen are the terms the code adds (checked numerically above)."""
    l2 = rules.update_rule(optimizers.SGD(weight_decay=0.01))
    assert r"\lambda W" in l2.decay and "sign" not in l2.decay and r"\lambda = 0.01" in l2.constants
    l1 = rules.update_rule(optimizers.SGD(l1=0.003))
    assert r"\lambda_1 \operatorname{sign}(W)" in l1.decay and r"\lambda W" not in l1.decay
    assert r"\lambda_1 = 0.003" in l1.constants
    both = rules.update_rule(optimizers.Adam(weight_decay=0.01, l1=0.003))
    assert r"g_W + \lambda_2 W + \lambda_1 \operatorname{sign}(W)" in both.decay
    assert r"\lambda_2 = 0.01" in both.constants and r"\lambda_1 = 0.003" in both.constants


@pytest.mark.parametrize("lam", [0.0, 0.01])
def test_momentum_step_is_v_mu_v_minus_eta_g_then_theta_plus_v(lam):
    params, grads = _problem(1)
    eta, mu = 0.2, 0.7
    got = _run(optimizers.Momentum(learning_rate=eta, momentum=mu, weight_decay=lam), params, grads)
    theta = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for g in grads:
        v = [mu * vi - eta * _decayed(p, gi, lam) for vi, p, gi in zip(v, theta, g)]
        theta = [p + vi for p, vi in zip(theta, v)]
    for a, b in zip(got, theta):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("lam", [0.0, 0.01])
def test_adam_step_is_the_bias_corrected_textbook_formula(lam):
    params, grads = _problem(2, steps=4)
    eta, b1, b2, eps = 0.05, 0.8, 0.95, 1e-3          # large ε and small β₂ so every term matters
    got = _run(optimizers.Adam(learning_rate=eta, beta1=b1, beta2=b2, epsilon=eps, weight_decay=lam),
               params, grads)
    theta = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, g in enumerate(grads, start=1):
        g = [_decayed(p, gi, lam) for p, gi in zip(theta, g)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi ** 2 for vi, gi in zip(v, g)]
        m_hat = [mi / (1 - b1 ** t) for mi in m]
        v_hat = [vi / (1 - b2 ** t) for vi in v]
        theta = [p - eta * mh / (np.sqrt(vh) + eps) for p, mh, vh in zip(theta, m_hat, v_hat)]
    for a, b in zip(got, theta):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _small_model(loss="cross_entropy", output="softmax", k=3, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Dense(2, 4, "tanh", dtype="float64", weights=rng.normal(size=(4, 2)), bias=rng.normal(size=4)),
              Dense(4, k, output, dtype="float64", weights=rng.normal(size=(k, 4)), bias=rng.normal(size=k))]
    return Sequential(layers, loss=loss)


@pytest.mark.parametrize("name", ["gd", "momentum"])
def test_a_training_step_differentiates_the_mean_loss(name):
    """The LaTeX says g = ∇(L/N): one full-batch Trainer step moves θ by exactly −η∇(L/N)."""
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 3, size=10)
    model = _small_model()
    eta = 0.1
    before = model.get_weights()
    _, grads = model.loss_and_grads(X, y, reduction="mean")
    _, sum_grads = model.loss_and_grads(X, y, reduction="sum")
    Trainer(model, X, y, optimizer=name, learning_rate=eta, batch_size=None).run(1)
    for after, b, g, gs in zip(model.get_weights(), before, grads, sum_grads):
        np.testing.assert_allclose(after, b - eta * np.asarray(g), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(gs), 10 * np.asarray(g), rtol=1e-12)   # L = N · L/N
    assert r"\frac{L}{N}" in rules.update_rule(name, batch_size=None).gradient


def test_update_rule_latex_names_the_loss_and_the_constants():
    gd = rules.update_rule("gd")
    assert gd.title == "Gradient descent" and r"\frac{L}{N}" in gd.gradient
    assert gd.lines == (r"\theta &\leftarrow \theta - \eta\, g",) and gd.decay == ""
    sgd = rules.update_rule(optimizers.SGD(learning_rate=0.05), batch_size=64)
    assert r"\frac{1}{B}" in sgd.gradient and "B = 64" in sgd.note and sgd.constants == r"\eta = 0.05"
    mom = rules.update_rule("momentum")
    assert mom.lines == (r"v &\leftarrow \mu v - \eta\, g", r"\theta &\leftarrow \theta + v")
    assert r"\mu = 0.9" in mom.constants
    adam = rules.update_rule(optimizers.Adam(weight_decay=1e-4))
    assert r"\epsilon = 10^{-8}" in adam.constants and r"\lambda = 10^{-4}" in adam.constants
    assert r"\lambda W" in adam.decay and r"\lambda W" in adam.latex()
    assert adam.latex().startswith(r"\begin{aligned}") and r"\sqrt{\hat v} + \epsilon" in adam.latex()
    assert rules.latex_constant(3e-5) == r"3 \times 10^{-5}"


COMBINATIONS = [(loss, act) for loss in ("cross_entropy", "mse")
                for act in ("softmax", "sigmoid", "tanh", "relu", "linear")]


@pytest.mark.parametrize(("loss", "act"), COMBINATIONS)
def test_output_delta_formula_matches_backprop(loss, act):
    k = 3
    model = _small_model(loss, act, k, seed=5)
    rng = np.random.default_rng(6)
    X = rng.normal(size=(7, 2))
    T = np.eye(k)[rng.integers(0, k, size=7)]
    if act in ("relu", "linear") and loss == "cross_entropy":
        # −ŷ/y needs y > 0 where ŷ = 1: lift the output layer's biases so those y are positive.
        W, b = model.layers[-1].get_weights()
        model.layers[-1].set_weights(W, b + 10.0)
    out = model.backprop(X, T, reduction="sum")[-1]
    written = rules.output_delta_value(loss, act, out.z, T)
    np.testing.assert_allclose(out.delta, written, rtol=1e-10, atol=1e-14)
    formula = rules.output_delta(loss, act)
    assert formula.latex.startswith(r"\frac{\partial C}{\partial z_i} = ")


def test_the_two_lecture_deltas_by_hand():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 2))
    T = np.eye(3)[rng.integers(0, 3, size=5)]
    ce = _small_model("cross_entropy", "softmax").backprop(X, T)[-1]
    np.testing.assert_allclose(ce.delta, ce.a - T, atol=1e-15)                        # y − ŷ
    assert rules.output_delta("cross_entropy", "softmax").latex.endswith(r"y_i - \hat{y}_i")
    mse = _small_model("mse", "sigmoid").backprop(X, T)[-1]
    np.testing.assert_allclose(mse.delta, 2 / 3 * (mse.a - T) * mse.a * (1 - mse.a), rtol=1e-12)
    assert r"\frac{2}{k}(y_i - \hat{y}_i)\,\sigma'(z_i)" in rules.output_delta("mse", "sigmoid").latex
