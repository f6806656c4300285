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
