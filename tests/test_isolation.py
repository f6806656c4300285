"""Many users: two sessions train different networks at once and neither disturbs the other.

Two AppTest instances are two browser sessions of one server process (they share its module
globals and st.cache_* stores, as real sessions do). Their training steps are interleaved; each
session must end exactly where the same steps end when that session trains alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

import nnlib

APP = str(Path(__file__).resolve().parent.parent / "app.py")
STEP3 = "pages/step3_training.py"
LINK_A = {"layers": "8,4", "act": "relu", "data": "circle", "noise": "0.1", "opt": "adam", "lr": "0.03",
          "batch": "16", "epochs": "50", "seed": "1"}
LINK_B = {"layers": "3", "act": "tanh", "data": "xor", "noise": "0.2", "opt": "sgd", "lr": "0.3",
          "batch": "8", "epochs": "30", "seed": "2"}


def session(link: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in link.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(STEP3).run()
    assert not at.exception, at.exception
    return at


def step(at: AppTest, times: int = 1) -> None:
    for _ in range(times):
        at.button(key="train_step").click().run()
        assert not at.exception, at.exception


def weights(at: AppTest) -> list[np.ndarray]:
    return at.session_state["train_run"].model.get_weights()


def test_two_sessions_training_at_once_do_not_disturb_each_other():
    a, b = session(LINK_A), session(LINK_B)
    for _ in range(4):                         # interleaved: A, B, A, B, ...
        step(a, 2)
        step(b, 3)

    run_a, run_b = a.session_state["train_run"], b.session_state["train_run"]
    assert a.session_state["spec"].hidden == (8, 4) and b.session_state["spec"].hidden == (3,)
    assert [layer.n_out for layer in run_a.model.layers] == [8, 4, 2]
    assert [layer.n_out for layer in run_b.model.layers] == [3, 2]
    assert (run_a.settings.dataset, run_b.settings.dataset) == ("circle", "xor")
    assert (run_a.progress.step, run_b.progress.step) == (8, 12)
    assert run_a.model is not run_b.model and run_a.trainer.optimizer is not run_b.trainer.optimizer
    assert a.session_state["model"] is run_a.model and b.session_state["model"] is run_b.model

    # Each session, replayed alone, lands on exactly the same weights and history.
    alone_a, alone_b = session(LINK_A), session(LINK_B)
    step(alone_a, 8)
    step(alone_b, 12)
    for together, alone in ((a, alone_a), (b, alone_b)):
        for w1, w2 in zip(weights(together), weights(alone)):
            np.testing.assert_array_equal(w1, w2)
        assert ([p.loss for p in together.session_state["train_run"].history]
                == [p.loss for p in alone.session_state["train_run"].history])


def test_one_session_changing_its_network_leaves_the_other_alone():
    a, b = session(LINK_A), session(LINK_B)
    step(b, 2)
    before = weights(b)
    a.session_state["spec"] = nnlib.NetworkSpec(n_in=2, hidden=(16, 16, 16), n_out=2, activation="sigmoid")
    a.switch_page(STEP3).run()
    step(a, 1)
    assert [layer.n_out for layer in a.session_state["train_run"].model.layers] == [16, 16, 16, 2]
    assert b.session_state["spec"].hidden == (3,)
    assert b.session_state["train_run"].progress.step == 2
    for w1, w2 in zip(weights(b), before):
        np.testing.assert_array_equal(w1, w2)
