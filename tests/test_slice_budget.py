"""Issue 13: Step 3's time box holds because a slice's report evaluates a fixed sample, not the whole sets.

Timing itself is benchmarks/bench_slice_budget.py's (no timed tests here): these tests count the examples
that the model evaluates, which is what made a 0.05 s slice take 0.26 s or more on the digits.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib.layers import count_params
from services import limits
from services import training as tr

# The largest network the limits allow on the digits, near enough: 8 hidden layers of 500 (1,887,010 parameters).
LARGE = (500,) * 8


@pytest.fixture(scope="module")
def digits():
    return tr.load_data("digits")


def counting(model):
    """Wrap ``model.evaluate`` so that it counts the examples it evaluates; returns the counter."""
    seen = []
    evaluate = model.evaluate

    def counted(X, y, *args, **kwargs):
        seen.append(int(X.shape[0]))
        return evaluate(X, y, *args, **kwargs)

    model.evaluate = counted
    return seen


def test_the_large_network_is_near_the_parameter_limit():
    sizes = [256, *LARGE, 10]
    assert len(LARGE) == limits.MAX_HIDDEN_LAYERS
    assert limits.check_architecture(sizes) == count_params(sizes) > 0.9 * limits.MAX_PARAMS


def test_a_slice_on_the_digits_evaluates_at_most_the_fixed_sample(digits):
    # 500 epochs: a curve point every 416 steps, far more than a 0.05 s slice of this network can take.
    s = tr.RunSettings("digits", 0.0, 0, LARGE, "relu", "sgd", 0.01, 16, 500)
    run = tr.TrainingRun(s, digits)
    seen = counting(run.model)
    run.running = True
    for _ in range(4):
        before = len(seen)
        run.run_slice(0.05)
        per_slice = seen[before:]
        assert run.last_slice[0] >= 1  # the slice did train
        # At most one report per slice, on at most EVAL_SAMPLE training and EVAL_SAMPLE test digits:
        # never the 4,000 + 1,000.
        assert len(per_slice) <= 2 and all(n <= tr.EVAL_SAMPLE for n in per_slice)
        assert sum(per_slice) <= 2 * tr.EVAL_SAMPLE
    run.running = False
    run.report_now()  # Pause: the numbers catch up with the steps taken
    assert run.unreported == 0 and run.progress.step == run.trainer.step_count
    assert run.trainer.examples_evaluated == 2 * tr.EVAL_SAMPLE * len(run.trainer.history)
    assert run.sampled and "512 of the 4,000 training digits" in run.sample_note()


def test_the_sample_is_fixed_and_full_numbers_stay_available(digits):
    model = nnlib.NetworkSpec(n_in=256, hidden=(32,), n_out=10).build(seed=0)
    trainer = nnlib.Trainer(model, digits.X, digits.y, X_test=digits.X_test, y_test=digits.y_test,
                            eval_sample=300, eval_seed=3)
    first = trainer.history[0]
    again = nnlib.Trainer(model, digits.X, digits.y, X_test=digits.X_test, y_test=digits.y_test,
                          eval_sample=300, eval_seed=3).history[0]
    assert first == again  # the same sample every time
    X, y = digits.X[trainer._eval_train], digits.y[trainer._eval_train]
    ev = model.evaluate(X, y)
    assert (trainer.eval_n_train, trainer.eval_n_test) == (300, 300)
    np.testing.assert_allclose(first.loss, ev.mean_loss, rtol=1e-6)
    full = trainer.full_report()
    whole = model.evaluate(digits.X, digits.y)
    np.testing.assert_allclose(full.loss, whole.mean_loss, rtol=1e-6)
    assert trainer.history == [first]  # a full report on request is not a curve point


def test_small_sets_are_evaluated_whole_and_a_finished_run_has_full_numbers(digits):
    run = tr.TrainingRun(tr.RunSettings("circle", 0.1, 0, (4,), "relu", "adam", 0.03, 16, 2),
                         tr.load_data("circle", 0.1, 0))
    assert not run.sampled and run.sample_note() == ""
    run = tr.TrainingRun(tr.RunSettings("digits", 0.0, 0, (8,), "relu", "adam", 0.01, 256, 1), digits)
    run.running = True
    while run.running:
        run.run_slice(1.0)
    assert run.done and run.full_progress is not None and run.full_progress.step == run.progress.step
    whole = run.model.evaluate(digits.X, digits.y)
    np.testing.assert_allclose(run.full_progress.loss, whole.mean_loss, rtol=1e-6)


def test_step3_says_what_the_live_numbers_are_measured_on_and_evaluates_all_on_request():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60).run()
    at.session_state["spec"] = nnlib.NetworkSpec(n_in=2, hidden=(16,), n_out=2, activation="relu")
    at.session_state["dataset"] = "digits"
    at.session_state["optimizer"] = "sgd"
    at.session_state["train_numbers_open"] = True  # "All the numbers" opened
    at.switch_page("pages/step3_training.py").run()
    at.button(key="train_step").click().run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any("fixed sample of 512 of the 4,000 training digits and 512 of the 1,000 test digits" in c
               for c in captions)
    at.button(key="train_full_eval").click().run()
    assert not at.exception, at.exception
    run = at.session_state["train_run"]
    assert run.full_progress is not None and run.full_progress.step == run.progress.step == 1
    assert any(c.startswith("The numbers below: all 4,000 training and 1,000 test examples") for c in
               (c.value for c in at.caption))
    shown = next(m for m in at.metric if m.label == "Train loss L/N").value
    assert shown == f"{run.full_progress.loss:.4f}"
