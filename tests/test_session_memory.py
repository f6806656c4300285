"""Issue 13: the memory one student's training run holds is estimated, checked against a budget, and
refused in plain words on Step 3 when over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import nnlib
from services import limits
from services import training as tr

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def settings(**kw) -> tr.RunSettings:
    base = dict(dataset="circle", noise=0.1, seed=0, hidden=(16, 8), activation="relu", optimizer="adam",
                learning_rate=0.01, batch_size=16, epochs=5)
    return tr.RunSettings(**{**base, **kw})


def nbytes(arrays) -> int:
    return sum(int(a.nbytes) for a in arrays)


SETUPS = [
    settings(),
    settings(optimizer="sgd", batch_size=8, hidden=(4,)),
    settings(dataset="digits", noise=0.0, optimizer="momentum", batch_size=32, hidden=(64, 32)),
    settings(dataset="digits", noise=0.0, optimizer="gd", hidden=(32,)),
]


@pytest.mark.parametrize("s", SETUPS, ids=lambda s: f"{s.dataset}-{s.optimizer}-{s.hidden}")
def test_the_estimate_matches_the_arrays_a_run_holds(s):
    data = tr.load_data(s.dataset, s.noise, s.seed)
    run = tr.TrainingRun(s, data)
    run.step_once()
    model, trainer = run.model, run.trainer
    batch = trainer.batch_size
    est = limits.training_memory(model.sizes(), s.optimizer, batch, itemsize=4)
    assert est.params == nbytes(model.params)
    assert est.good_weights == nbytes(trainer._good_weights)
    state = [a for arrays in trainer.optimizer.state.values() if isinstance(arrays, list) for a in arrays]
    assert est.optimizer == nbytes(state)
    Xb = np.ascontiguousarray(data.X[:batch], dtype=np.float32)
    X, T = model.check_data(Xb, data.y[:batch])
    cache = model.forward(X)
    grads, _ = model.backward(cache, T)
    assert est.gradients == nbytes(grads)
    unique = {id(a): a for trace in cache for a in trace}  # each layer's x is the a of the layer below
    assert est.activations == nbytes(unique.values())
    assert run.trainer.batch_size == (data.X.shape[0] if s.optimizer == "gd" else s.batch_size)
    assert tr.check_memory(s, data) == est.total


def test_every_minibatch_setup_the_limits_allow_fits_the_budget():
    # Near the most neurons that 8 layers of ≤ 1,024 with ≤ 2,000,000 weights can have (Σ widths ≈ 5,580).
    sizes = [2, 1024, 1024, 153, 1024, 153, 1024, 153, 1024, 2]
    assert limits.check_architecture(sizes) <= limits.MAX_PARAMS
    assert limits.check_training_memory(sizes, "adam", 256, 200) <= 52_000_000 < limits.MAX_SESSION_BYTES
    # Gradient descent on all the digits with a link's 1024 → 1024 network still fits.
    assert limits.check_training_memory([256, 1024, 1024, 10], "gd", 16, 4000) <= limits.MAX_SESSION_BYTES
    big = [256, *(500,) * 8, 10]
    assert limits.check_training_memory(big, "adam", 256, 4000) <= limits.MAX_SESSION_BYTES


def test_gradient_descent_on_all_the_digits_with_a_wide_network_is_refused_in_plain_words():
    s = settings(dataset="digits", noise=0.0, optimizer="gd", hidden=(500,) * 8)
    data = tr.load_data("digits")
    with pytest.raises(limits.LimitExceeded) as err:
        tr.TrainingRun(s, data)
    msg = str(err.value)
    assert msg.startswith("this network with gradient descent, which uses all 4,000 training examples")
    assert "needs about 155 MB" in msg and "this server allows 128 MB per student" in msg
    assert "with a batch size of 256 or less" in msg and "fewer or narrower hidden layers" in msg
    # A minibatch run of the same network fits; switching it to gradient descent is refused and changes nothing.
    run = tr.TrainingRun(settings(dataset="digits", noise=0.0, optimizer="sgd", hidden=(500,) * 8), data)
    with pytest.raises(limits.LimitExceeded, match="128 MB per student"):
        run.retune(s)
    assert run.settings.optimizer == "sgd"


def test_adam_with_a_large_batch_names_the_batch_and_adam():
    with pytest.raises(limits.LimitExceeded) as err:
        limits.check_training_memory([256, *(500,) * 8, 10], "adam", 4000, 4000)  # a link may ask for B = 4000
    msg = str(err.value)
    assert "with batch size 4000 and Adam needs about" in msg
    assert "a smaller batch size" in msg and "SGD, which keeps no extra copies" in msg


def test_step3_shows_the_memory_refusal():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["spec"] = nnlib.NetworkSpec(n_in=2, hidden=(500,) * 8, n_out=2, activation="relu")
    at.session_state["dataset"] = "digits"
    at.session_state["optimizer"] = "gd"
    at.switch_page("pages/step3_training.py").run()
    assert not at.exception, at.exception
    error = at.error[0].value
    assert "This run cannot start" in error and "this server allows 128 MB per student" in error
    assert all(b.key != "train_start" for b in at.button)
