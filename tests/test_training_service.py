"""services.training around a TrainingRun: resume or start one, its state in words, what to try after a blow-up."""

from __future__ import annotations

import pytest

from services import training as tr


def settings(**kw) -> tr.RunSettings:
    base = dict(dataset="circle", noise=0.1, seed=0, hidden=(4,), activation="relu", optimizer="adam",
                learning_rate=0.03, batch_size=16, epochs=20)
    return tr.RunSettings(**{**base, **kw})


def data_for(s: tr.RunSettings) -> tr.Data:
    return tr.load_data(s.dataset, s.noise, s.seed)


def test_a_new_optimizer_retunes_and_a_new_network_starts_again():
    run = tr.resume_or_start(None, settings(), data_for)
    run.step_once()
    assert tr.resume_or_start(run, settings(), data_for) is run and run.progress.step == 1
    retuned = tr.resume_or_start(run, settings(learning_rate=0.1, epochs=30), data_for)
    assert retuned is run and run.trainer.optimizer.learning_rate == 0.1 and run.progress.step == 1
    fresh = tr.resume_or_start(run, settings(hidden=(5,)), data_for)
    assert fresh is not run and fresh.progress.step == 0 and fresh.model.sizes() == [2, 5, 2]


def test_the_state_in_words():
    run = tr.TrainingRun(settings(epochs=1), data_for(settings()))
    assert run.state == "ready"
    run.step_once()
    assert run.state == "paused"
    run.running = True
    assert run.state == "training…"
    while run.running:
        run.run_slice(1.0)
    assert run.state == "finished"
    run.error = "the loss is nan"
    assert run.state == "stopped: the loss exploded"


def test_the_default_settings_visibly_train_with_the_lectures_gradient_descent():
    """ui/state.py's defaults (gd, η = 1, 500 epochs) on the default network reach ≥ 95 % on circle and xor."""
    from ui.state import DEFAULTS

    assert (DEFAULTS["optimizer"], DEFAULTS["learning_rate"], DEFAULTS["epochs"]) == ("gd", 1.0, 500)
    assert tr.GOOD_RATES["gd"] == DEFAULTS["learning_rate"] and list(tr.OPTIMIZERS)[0] == "gd"
    spec = DEFAULTS["spec"]
    for dataset, accuracy in (("circle", 0.98), ("xor", 0.955)):      # measured with nnlib.fit
        s = tr.RunSettings(dataset, DEFAULTS["noise"], DEFAULTS["seed"], tuple(spec.hidden), spec.activation,
                           DEFAULTS["optimizer"], DEFAULTS["learning_rate"], DEFAULTS["batch_size"],
                           DEFAULTS["epochs"])
        run = tr.TrainingRun(s, data_for(s))
        assert run.steps_per_epoch == 1                               # every step uses all N examples
        run.running = True
        while run.running:
            run.run_slice(5.0)
        assert run.done and run.error is None and run.progress.step == 500
        assert run.progress.train_accuracy == pytest.approx(accuracy, abs=0.011)


def test_a_weight_set_by_hand_changes_the_model_and_the_loss_at_once():
    """The playground's link editor (issue 12): W[target, source] of one layer, reported at the same step."""
    import numpy as np

    run = tr.TrainingRun(settings(optimizer="gd", learning_rate=1.0), data_for(settings()))
    for _ in range(3):
        run.step_once()
    before = run.model.layers[1].get_weights()[0].copy()
    p = run.set_weight(1, 2, 0, -2.5)
    after = run.model.layers[1].get_weights()[0]
    assert after[0, 2] == pytest.approx(-2.5)
    changed = np.argwhere(after != before)
    assert changed.tolist() == [[0, 2]]  # that weight and no other
    # The new point is at the same step, and its loss is the edited network's mean cross-entropy on the data.
    assert p.step == 3 and [h.step for h in run.history][-2:] == [3, 3]
    expected = float(run.model.per_example_loss(run.data.X, run.data.y).mean())  # all 200 training points
    assert run.data.X.shape[0] <= tr.EVAL_SAMPLE and p.loss == pytest.approx(expected, rel=1e-4)
    run.step_once()  # training goes on from the edited weights
    assert run.progress.step == 4 and run.model.layers[1].get_weights()[0][0, 2] != pytest.approx(-2.5)


@pytest.mark.parametrize("args, message", [
    ((1, 2, 0, float("nan")), "between −1,000 and 1,000"),
    ((1, 2, 0, 1e6), "between −1,000 and 1,000"),
    ((1, 2, 0, None), "must be a number"),
    ((1, 2, 0, "x"), "must be a number"),
    ((2, 0, 0, 1.0), "no such weight"),
    ((0, 2, 0, 1.0), "no such weight"),   # layer 0 has 2 inputs
    ((1, 0, 2, 1.0), "no such weight"),   # the output layer has 2 neurons
    ((-1, 0, 0, 1.0), "no such weight"),
])
def test_a_weight_that_cannot_be_set_is_refused_and_nothing_changes(args, message):
    run = tr.TrainingRun(settings(), data_for(settings()))
    weights = [w.copy() for w in run.model.get_weights()]
    steps = len(run.history)
    with pytest.raises(ValueError, match=message):
        run.set_weight(*args)
    assert all((a == b).all() for a, b in zip(weights, run.model.get_weights())) and len(run.history) == steps
