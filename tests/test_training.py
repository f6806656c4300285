"""Optimizers, the Trainer iterator, divergence handling, and training to good accuracy."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import nnlib
from nnlib import Dense, Sequential, Trainer, TrainingDiverged, backend, datasets, optimizers
from nnlib.training import train_step


def toy_model(seed=0, dtype="float32"):
    return Sequential([Dense(2, 8, activation="relu", seed=seed, dtype=dtype),
                       Dense(8, 8, activation="relu", seed=seed + 1, dtype=dtype),
                       Dense(8, 2, activation="softmax", seed=seed + 2, dtype=dtype)])


@pytest.fixture(scope="module")
def circle():
    return datasets.toy("circle", n=300, noise=0.05, seed=1)


def _params(*arrays):
    """Fresh float64 backend arrays (copies: the optimizers update them in place)."""
    return [backend.asarray(np.array(a, dtype=np.float64), "float64") for a in arrays]


# --- optimizers -----------------------------------------------------------------------
def test_one_sgd_step_is_theta_minus_eta_grad_exactly(xp_backend):
    rng = np.random.default_rng(0)
    W, b, gW, gb = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=3)
    params = _params(W, b)
    optimizers.SGD(learning_rate=0.3).step(params, _params(gW, gb))
    np.testing.assert_array_equal(backend.to_numpy(params[0]), W - 0.3 * gW)
    np.testing.assert_array_equal(backend.to_numpy(params[1]), b - 0.3 * gb)


def test_one_gradient_descent_step_on_a_model(xp_backend, circle):
    (X, y), _ = circle
    model = toy_model(dtype="float64")
    before = model.get_weights()
    _, grads = model.loss_and_grads(X, y)
    trainer = Trainer(model, X, y, optimizer="gd", learning_rate=0.5)
    trainer.run(1)
    for p, q, g in zip(model.get_weights(), before, grads):
        np.testing.assert_allclose(p, q - 0.5 * backend.to_numpy(g), rtol=1e-12, atol=1e-14)


def test_momentum_accumulates_velocity(xp_backend):
    params = _params([1.0, -2.0])
    opt = optimizers.Momentum(learning_rate=0.1, momentum=0.9)
    g1, g2 = np.array([0.5, 1.0]), np.array([-1.0, 2.0])
    opt.step(params, _params(g1))
    opt.step(params, _params(g2))
    v1 = -0.1 * g1
    v2 = 0.9 * v1 - 0.1 * g2
    np.testing.assert_allclose(backend.to_numpy(params[0]), np.array([1.0, -2.0]) + v1 + v2, rtol=1e-15)
    opt.reset()
    assert opt.state == {}


def test_adam_first_step_and_convergence_on_a_quadratic(xp_backend):
    target = np.array([3.0, -2.0, 0.5])
    params = _params(np.zeros(3))
    opt = optimizers.Adam(learning_rate=0.1)
    # The first bias-corrected step moves every coordinate by η · sign(g).
    opt.step(params, _params(2 * (backend.to_numpy(params[0]) - target)))
    np.testing.assert_allclose(backend.to_numpy(params[0]), 0.1 * np.sign(target), rtol=1e-6)
    for _ in range(600):  # f(θ) = ‖θ − c‖², ∇f = 2(θ − c)
        opt.step(params, _params(2 * (backend.to_numpy(params[0]) - target)))
    np.testing.assert_allclose(backend.to_numpy(params[0]), target, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(learning_rate=0.5, weight_decay=0.1),
    lambda: optimizers.Momentum(learning_rate=0.5, weight_decay=0.1),
    lambda: optimizers.Adam(learning_rate=0.5, weight_decay=0.1),
], ids=["sgd", "momentum", "adam"])
def test_weight_decay_shrinks_only_weight_matrices(xp_backend, make):
    W, b = np.full((2, 3), 2.0), np.full(3, 2.0)
    params = _params(W, b)
    make().step(params, _params(np.zeros((2, 3)), np.zeros(3)))
    np.testing.assert_array_equal(backend.to_numpy(params[1]), b)  # biases are not decayed
    assert np.all(backend.to_numpy(params[0]) < W)
    if not isinstance(make(), optimizers.Adam):  # plain L2: W ← W − η·λ·W
        np.testing.assert_allclose(backend.to_numpy(params[0]), W * (1 - 0.5 * 0.1), rtol=1e-15)


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(learning_rate=0.2, weight_decay=0.01),
    lambda: optimizers.Momentum(learning_rate=0.2, momentum=0.8, weight_decay=0.01),
], ids=["sgd", "momentum"])
def test_train_steps_with_weight_decay_are_the_plain_update(xp_backend, circle, make):
    """train_step is backward + optimizer.step: the same update as the formula on the plain gradient."""
    (X, y), _ = circle
    model = toy_model(dtype="float64")
    plain = _params(*model.get_weights())
    opt_model, opt_plain = make(), make()
    Xb, T = model.check_data(X[:32], y[:32])
    for _ in range(3):
        _, grads = model.loss_and_grads(X[:32], y[:32])
        opt_plain.step(plain, [backend.asarray(backend.to_numpy(g), "float64") for g in grads])
        train_step(model, opt_model, Xb, T)
    for p, q in zip(plain, model.get_weights()):
        np.testing.assert_allclose(q, backend.to_numpy(p), rtol=1e-13)


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": 0}, "Received: learning_rate=0"),
    ({"learning_rate": -0.1}, "Received: learning_rate=-0.1"),
    ({"learning_rate": "0.1"}, "Received: learning_rate='0.1'"),
    ({"learning_rate": math.inf}, "Received: learning_rate=inf"),
    ({"learning_rate": True}, "Received: learning_rate=True"),
    ({"weight_decay": -1.0}, "Received: weight_decay=-1.0"),
])
def test_bad_optimizer_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.SGD(**kwargs)
    with pytest.raises(ValueError, match="Received: momentum=1.0"):
        optimizers.Momentum(momentum=1.0)


# --- the Trainer ------------------------------------------------------------------------
def test_progress_reports_and_history(xp_backend, circle):
    (X, y), (Xt, yt) = circle
    trainer = Trainer(toy_model(), X, y, optimizer="adam", learning_rate=0.01, batch_size=32,
                      X_test=Xt, y_test=yt, seed=0)
    assert trainer.steps_per_epoch == math.ceil(150 / 32) == 5
    start = trainer.history[0]
    assert start.step == 0 and start.epoch == 0.0
    p = trainer.run(7)
    assert (p.step, trainer.step_count) == (7, 7) and p.epoch == pytest.approx(7 / 5)
    assert p.total_loss == pytest.approx(p.loss * len(y), rel=1e-6)  # L = Σₙ Cⁿ = N · mean
    assert 0.0 <= p.train_accuracy <= 1.0 and 0.0 <= p.test_accuracy <= 1.0
    ev = trainer.model.evaluate(Xt, yt)
    assert (p.test_loss, p.test_accuracy) == pytest.approx((ev.mean_loss, ev.accuracy))
    reports = list(trainer.epochs(2, report_every=4))
    assert [r.step for r in reports] == [11, 15, 17]   # stops exactly 2 epochs (10 steps) later
    assert [h.step for h in trainer.history] == [0, 7, 11, 15, 17]


def test_without_test_data_the_test_fields_are_none(circle):
    (X, y), _ = circle
    p = Trainer(toy_model(), X, y).run(1)
    assert p.test_loss is None and p.test_accuracy is None


def test_full_batch_gradient_descent_takes_one_step_per_epoch(xp_backend, circle):
    (X, y), _ = circle
    trainer = Trainer(toy_model(), X, y, optimizer="gd", learning_rate=0.5, batch_size=16)
    assert trainer.batch_size == len(y) and trainer.steps_per_epoch == 1
    reports = list(trainer.epochs(3))
    assert [(r.step, r.epoch) for r in reports] == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert Trainer(toy_model(), X, y, batch_size=None).steps_per_epoch == 1


def test_augment_runs_once_per_epoch_on_the_whole_set(circle):
    (X, y), _ = circle
    calls = []

    def augment(batch, rng):
        calls.append(batch.shape)
        return batch + rng.normal(0, 0.01, size=batch.shape)

    Trainer(toy_model(), X, y, batch_size=50, augment=augment).run(6)
    assert calls == [X.shape, X.shape]


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "Received: batch_size=0"),
    ({"batch_size": 2.5}, "Received: batch_size=2.5"),
    ({"learning_rate": 0.0}, "Received: learning_rate=0.0"),
    ({"optimizer": "rmsprop"}, "optimizer identifier: 'rmsprop'"),
])
def test_bad_trainer_arguments_name_the_value(circle, kwargs, message):
    (X, y), _ = circle
    with pytest.raises(ValueError, match=message):
        Trainer(toy_model(), X, y, **kwargs)


def test_bad_run_arguments_and_labels(circle):
    (X, y), _ = circle
    trainer = Trainer(toy_model(), X, y)
    with pytest.raises(ValueError, match="Received: steps=0"):
        trainer.run(0)
    with pytest.raises(ValueError, match="Received: epochs=-1"):
        next(trainer.epochs(-1))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.1\. Received labels from 0 to 2"):
        Trainer(toy_model(), X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="Received 0 examples"):
        Trainer(toy_model(), X[:0], y[:0])


# --- divergence ---------------------------------------------------------------------------
def test_a_huge_learning_rate_stops_and_keeps_the_last_good_weights(xp_backend, circle):
    (X, y), _ = circle
    model = toy_model()
    trainer = Trainer(model, X, y, optimizer="sgd", learning_rate=0.1, batch_size=32, seed=0)
    trainer.run(5)
    good = model.get_weights()
    trainer.optimizer.learning_rate = 1e6      # the student turns the rate up mid-run
    with pytest.raises(TrainingDiverged) as info:
        trainer.run(5)
    err = info.value
    message = str(err)
    assert "Training diverged at step 10" in message
    assert "learning rate 1e+06 is too large" in message and "try 100000 or smaller" in message
    assert "keeps its last good weights" in message
    assert (err.step, err.learning_rate) == (10, 1e6)
    for p, q in zip(model.get_weights(), good):
        np.testing.assert_array_equal(p, q)
    assert trainer.step_count == 5 and [h.step for h in trainer.history] == [0, 5]
    trainer.optimizer.learning_rate = 0.1      # and training goes on from there
    assert trainer.run(5).step == 10


def test_divergence_on_the_first_report_restores_the_starting_weights(circle):
    (X, y), _ = circle
    model = toy_model()
    start = model.get_weights()
    with pytest.raises(TrainingDiverged, match="try 1e\\+07 or smaller"):
        nnlib.fit(model, X, y, optimizer="sgd", learning_rate=1e8, epochs=3)
    for p, q in zip(model.get_weights(), start):
        np.testing.assert_array_equal(p, q)


# --- training to good accuracy ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["circle", "xor", "gaussian"])
def test_toy_sets_are_learned(xp_backend, name):
    (X, y), (Xt, yt) = datasets.toy(name, n=400, noise=0.05, seed=3)
    history = toy_model(seed=4).fit(X, y, optimizer="adam", learning_rate=0.03, batch_size=16, epochs=40,
                                    X_test=Xt, y_test=yt, seed=0)
    assert history[-1].train_accuracy >= 0.95, history[-1]
    assert history[-1].test_accuracy >= 0.93, history[-1]
    assert history[-1].loss < history[0].loss / 3


def test_train_generator_yields_one_report_per_epoch(circle):
    (X, y), _ = circle
    reports = list(nnlib.train(toy_model(), X, y, epochs=3, batch_size=64))
    assert [r.step for r in reports] == [3, 6, 9] and [r.epoch for r in reports] == [1.0, 2.0, 3.0]


def test_digits_reach_95_percent_test_accuracy():
    (X, y), (Xt, yt) = datasets.digits()
    model = nnlib.NetworkSpec(n_in=256, hidden=(128, 64), n_out=10, activation="relu").build(seed=0)
    trainer = Trainer(model, X, y, optimizer="momentum", learning_rate=0.1, batch_size=32,
                      X_test=Xt, y_test=yt, seed=0)
    epochs = 10
    for e in range(epochs):  # cosine learning-rate decay, set between epochs
        trainer.optimizer.learning_rate = 0.1 * 0.5 * (1 + math.cos(math.pi * e / epochs))
        progress = trainer.run(trainer.steps_per_epoch)
    assert progress.epoch == 10.0
    assert progress.test_accuracy >= 0.95, progress
    assert progress.train_accuracy >= 0.98, progress


def test_cosine_learning_rate_falls_from_peak_to_zero():
    from nnlib.schedules import cosine_learning_rate

    rates = [cosine_learning_rate(0.2, t, 10) for t in range(13)]
    assert rates[0] == 0.2 and abs(rates[5] - 0.1) < 1e-12 and rates[10] == 0.0 == rates[12]
    assert all(a >= b for a, b in zip(rates, rates[1:]))  # never rises


# --- learning-rate schedules -----------------------------------------------------------------
def test_a_schedule_sets_the_optimizers_rate_before_every_step(circle):
    (X, y), _ = circle
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.1 / (1 + step)

    trainer = Trainer(toy_model(), X, y, optimizer="sgd", learning_rate=0.5, batch_size=50, schedule=schedule)
    rates = []
    for _ in range(4):
        trainer.run(1)
        rates.append(trainer.optimizer.learning_rate)
    assert seen == [0, 1, 2, 3] and rates == [0.1, 0.05, 0.1 / 3, 0.025]


def test_cosine_schedule_runs_over_the_planned_epochs(circle):
    (X, y), _ = circle
    history = toy_model().fit(X, y, optimizer="adam", learning_rate=0.01, batch_size=50, epochs=2,
                              schedule="cosine")
    assert history[-1].step == 6
    trainer = Trainer(toy_model(), X, y, optimizer="momentum", learning_rate=0.2, batch_size=None,
                      schedule="cosine", epochs=2)
    trainer.run(1)
    assert trainer.optimizer.learning_rate == 0.2          # the first step takes the peak
    trainer.run(1)
    assert trainer.optimizer.learning_rate == pytest.approx(0.1)
    constant = Trainer(toy_model(), X, y, learning_rate=0.3)
    constant.optimizer.learning_rate = 0.7                   # 'constant' leaves the rate to its owner
    constant.run(2)
    assert constant.optimizer.learning_rate == 0.7


@pytest.mark.parametrize("kwargs, message", [
    ({"schedule": "cosine"}, "needs the run's length: pass epochs="),
    ({"schedule": "step"}, "learning-rate schedule identifier: 'step'"),
    ({"schedule": lambda step: -1.0}, "Received: scheduled learning_rate=-1.0"),
])
def test_bad_schedules_name_the_value(circle, kwargs, message):
    (X, y), _ = circle
    with pytest.raises(ValueError, match=re.escape(message)):
        Trainer(toy_model(), X, y, **kwargs).run(1)


# --- the blow-up is kept for the loss curve (issue 12) ------------------------------------------
def test_the_report_that_blew_up_is_kept_apart_from_the_history(xp_backend, circle):
    """history keeps its good, increasing steps; the blow-up (step 10, its loss as measured) comes with the error."""
    (X, y), _ = circle
    trainer = Trainer(toy_model(), X, y, optimizer="sgd", learning_rate=0.1, batch_size=32, seed=0)
    assert trainer.blowup is None
    good = trainer.run(5)
    trainer.optimizer.learning_rate = 1e6
    with pytest.raises(TrainingDiverged) as info:
        trainer.run(5)
    err = info.value
    assert err.last_good is good and err.last_good.step == 5
    assert err.progress is trainer.blowup and (err.progress.step, err.progress.epoch) == (10, 2.0)
    assert not math.isfinite(err.progress.loss) or err.progress.loss > 10 * trainer.history[0].loss
    assert [h.step for h in trainer.history] == [0, 5] and trainer.step_count == 5
    trainer.optimizer.learning_rate = 0.1
    assert trainer.run(5).step == 10 and trainer.blowup is err.progress   # the latest blow-up stays readable


def test_a_blow_up_on_the_first_report_names_the_start_as_last_good(circle):
    (X, y), _ = circle
    with pytest.raises(TrainingDiverged) as info:
        nnlib.fit(toy_model(), X, y, optimizer="sgd", learning_rate=1e8, epochs=3, batch_size=50)
    err = info.value
    assert err.last_good.step == 0 and err.progress.step == err.step == 3
    assert not math.isfinite(err.progress.loss) or err.progress.loss > 10 * err.last_good.loss
    plain = TrainingDiverged("message", 4, 0.5)          # the old three-argument form still works
    assert (plain.step, plain.learning_rate, plain.progress, plain.last_good) == (4, 0.5, None, None)
