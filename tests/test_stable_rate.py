"""A learning rate that is tried, not guessed: after η = 100 blows up on the circle, the rate offered trains."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import nnlib
from lessons.stable_rate import StableRate, stable_rate, try_rate

# Step 3's η menu (ui/sections/step3_train.py) and its default run: circle, noise 0.1, seed 0, 2 → 4 → 4 → 2 relu.
RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
STEPS = 30


@pytest.fixture(scope="module")
def circle():
    return nnlib.datasets.toy("circle", n=400, noise=0.1, seed=0)


def network():
    return nnlib.NetworkSpec(hidden=(4, 4), activation="relu").build(seed=0)


@pytest.mark.parametrize("optimizer, expected, tried", [
    ("gd", 1.0, [30.0, 10.0, 3.0, 1.0]),
    ("adam", 0.1, [30.0, 10.0, 3.0, 1.0, 0.3, 0.1]),
])
def test_after_eta_100_blows_up_the_rate_offered_is_the_first_that_trained(circle, optimizer, expected, tried):
    (X, y), _ = circle
    model = network()
    with pytest.raises(nnlib.TrainingDiverged):       # the premise: η = 100 explodes
        nnlib.fit(model.copy(), X, y, epochs=20, optimizer=optimizer, learning_rate=100.0, batch_size=16)
    before = model.get_weights()
    found = stable_rate(model, X, y, optimizer, 100.0, RATES, steps=STEPS, seed=0, batch_size=16)
    assert found.rate == expected and [t.rate for t in found.trials] == tried
    blew_up = found.trials[0]   # η = 30 blew up as nnlib defines it: NaN, inf or 10× the start
    assert blew_up.diverged_at is not None
    assert not math.isfinite(blew_up.losses[-1]) or blew_up.losses[-1] > 10 * blew_up.losses[0]
    for t in found.trials[:-1]:
        assert not t.stable and (t.diverged_at is not None or max(t.losses[1:]) > t.losses[0])
    chosen = found.chosen
    assert chosen.stable and len(chosen.losses) == STEPS + 1
    assert all(math.isfinite(v) for v in chosen.losses) and max(chosen.losses[1:]) <= chosen.losses[0]
    assert chosen.losses[-1] < chosen.losses[0]
    for p, q in zip(model.get_weights(), before):   # the student's model was not touched
        np.testing.assert_array_equal(p, q)


def test_the_rate_offered_trains_the_real_run_as_measured_and_to_the_end(circle):
    """The run the button starts (same weights, rate, batches, seed) sees the very losses the trial measured,
    and the default 500 gradient-descent epochs at that rate finish without a blow-up."""
    (X, y), _ = circle
    model = network()
    found = stable_rate(model, X, y, "gd", 100.0, RATES, steps=STEPS, seed=0, batch_size=16)
    trainer = nnlib.Trainer(model, X, y, optimizer="gd", learning_rate=found.rate, batch_size=16, seed=0,
                            eval_sample=512)
    losses = [trainer.history[0].loss] + [trainer.run(1).loss for _ in range(STEPS)]
    assert tuple(losses) == found.chosen.losses
    final = trainer.run(500 - STEPS)                # no TrainingDiverged
    assert final.step == 500 and final.train_accuracy >= 0.95


def test_the_answer_is_deterministic(circle):
    (X, y), _ = circle
    model = network()
    first = stable_rate(model, X, y, "sgd", 100.0, RATES, steps=10, seed=3, batch_size=16)
    second = stable_rate(model, X, y, "sgd", 100.0, RATES, steps=10, seed=3, batch_size=16)
    assert first == second and isinstance(first, StableRate) and first.steps == 10
    assert try_rate(model, X, y, "sgd", 0.3, steps=5, seed=1) == try_rate(model, X, y, "sgd", 0.3, steps=5, seed=1)


def test_no_candidate_below_or_none_stable_gives_none(circle):
    (X, y), _ = circle
    model = network()
    nothing = stable_rate(model, X, y, "gd", 0.1, [0.1, 1.0], steps=5)
    assert nothing.rate is None and nothing.trials == () and nothing.chosen is None
    all_bad = stable_rate(model, X, y, "gd", 100.0, [30.0, 10.0], steps=STEPS, batch_size=16)
    assert all_bad.rate is None and [t.rate for t in all_bad.trials] == [30.0, 10.0]
    assert not any(t.stable for t in all_bad.trials)


@pytest.mark.parametrize("kwargs, message", [
    ({"rate": 0}, "rate must be a positive number. Received: rate=0"),
    ({"candidates": "0.1"}, "candidates must be a list of learning rates. Received: candidates='0.1'"),
    ({"candidates": [0.1, -1]}, "candidates must be a positive number. Received: candidates=-1"),
    ({"steps": 0}, "steps must be a whole number from 1 to 10000. Received: steps=0"),
    ({"optimizer_name": "rmsprop"}, "optimizer identifier: 'rmsprop'"),
])
def test_bad_arguments_name_the_value(circle, kwargs, message):
    (X, y), _ = circle
    args = {"optimizer_name": "gd", "rate": 1.0, "candidates": [0.1], **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        stable_rate(network(), X, y, **args)
