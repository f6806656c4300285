"""Step 3 page (AppTest, no browser) and the training run behind it (ui.training, plain Python)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import i18n
import nnlib
from lessons import descent
from lessons.total_gradient import LECTURE_INPUTS, LECTURE_LABELS, lecture_softmax_network, total_gradient
from services import limits
from services import training as tr
from tests.i18n_texts import english_leftovers, shown_texts, switch_language
from ui.views import update_rules as rules

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/step3_training.py"


def open_page(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, key: str) -> dict | None:
    """The plotly spec of the chart with this key, or None when the page does not show it."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    return None


def live_chart(at: AppTest, name: str) -> dict | None:
    """A live Vega-Lite chart (ui.live_charts) by its usermeta name: {"spec", "data": {dataset: columns}, "alt"}."""
    import pyarrow as pa

    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        if spec.get("usermeta", {}).get("chart") == name:
            tables = {d.name: pa.ipc.open_stream(d.data.data).read_all() for d in element.proto.datasets}
            data = {name: {k: np.asarray(v) for k, v in table.to_pydict().items()} for name, table in tables.items()}
            return {"spec": spec, "data": data, "alt": element.proto.alt}
    return None


def network_view(at: AppTest) -> dict | None:
    """The data of Step 3's network canvas (ui/components/playground_canvas): network_picture's dict plus
    "alt", "texts" and "editable"; None when the page does not show it."""
    for element in at.get("bidi_component"):
        if element.proto.component_name == "playground_canvas" and json.loads(element.proto.json)["kind"] == "network":
            return json.loads(element.proto.json)
    return None


def plane_view(at: AppTest) -> dict | None:
    """The data of Step 3's plane canvas (the output over the plane with the data points): plane_picture's
    dict plus "alt" and "texts"; None when the page does not show it (the digits)."""
    for element in at.get("bidi_component"):
        if element.proto.component_name == "playground_canvas" and json.loads(element.proto.json)["kind"] == "plane":
            return json.loads(element.proto.json)
    return None


def curve(at: AppTest, panel: str, which: str) -> np.ndarray:
    """The values of one line of the live curves chart: panel 'loss' or 'accuracy', which 'train' or 'test'."""
    rows = live_chart(at, "curves")["data"]["history"]
    keep = (rows["panel"] == panel) & (rows["set"] == which)
    return rows["value"][keep].astype(float)


def decode(values) -> np.ndarray:
    """Plotly 7 sends NumPy arrays as {'dtype', 'bdata'} (base64); lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        import base64
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def metric(at: AppTest, label: str) -> float:
    value = next(m.value for m in at.metric if m.label == label)
    return float(value.replace("%", "").replace(",", ""))


def run_of(at: AppTest) -> tr.TrainingRun:
    return at.session_state["train_run"]


def status(at: AppTest) -> str:
    """The run's status line (in the playground's "All the numbers")."""
    states = ("**ready", "**paused", "**training", "**finished", "**stopped")
    return next(c.value for c in at.caption if c.value.startswith(states))


# --- the page ---------------------------------------------------------------------------------
def test_page_renders_the_three_parts():
    at = open_page()
    # "All the numbers" is folded: its numbers are not drawn (every tick would redraw them, unseen)
    assert not at.metric and not any(c.value.startswith("**ready") for c in at.caption)
    at.session_state["train_numbers_open"] = True  # the student opens it: that reruns the playground
    at.run()
    assert [t.label for t in at.tabs] == ["Playground: train a network", "The path of gradient descent",
                                          "Backprop, step by step"]
    assert not at.error
    assert status(at).startswith("**ready** · step 0 · epoch 0.00 of 500")
    assert "loss over the epochs" in live_chart(at, "curves")["alt"]  # a name for screen readers
    assert "output over the plane" in plane_view(at)["alt"]
    assert "a picture in every neuron" in network_view(at)["alt"]
    loss_panel = live_chart(at, "curves")["spec"]["layer"][0]  # the playground's small loss panel
    assert loss_panel["encoding"]["y"]["title"] == "loss"
    # The starting loss on the page is nnlib's, for the seed-0 network on the circle set.
    data = tr.load_data("circle", 0.1, 0)
    model = nnlib.NetworkSpec(2, (4, 4), 2, "relu").build(seed=0)
    assert metric(at, "Train loss L/N") == pytest.approx(model.evaluate(data.X, data.y).mean_loss, abs=5e-5)
    assert metric(at, "Total L = Σ Cⁿ") == pytest.approx(model.evaluate(data.X, data.y).total_loss, abs=5e-3)


def test_step_once_and_a_short_run_lower_the_loss():
    # Adam on batches of 16 (the default was Adam until issue 10): it halves the loss within 35 steps,
    # where the lecture's full-batch gradient descent takes a few hundred (its own test is below).
    at = open_page(optimizer="adam", learning_rate=0.03, train_numbers_open=True)
    start = metric(at, "Train loss L/N")
    for _ in range(3):
        at.button(key="train_step").click().run()
    assert run_of(at).progress.step == 3
    assert "step 3 ·" in status(at)
    after_steps = metric(at, "Train loss L/N")
    assert after_steps < start
    at.button(key="train_start").click().run()
    assert run_of(at).running and not at.button(key="train_pause").disabled
    for _ in range(4):  # AppTest does not tick the timer: each run is one slice
        at.run()
    assert not at.exception
    assert metric(at, "Train loss L/N") < 0.5 * start
    points = curve(at, "loss", "train")
    np.testing.assert_allclose(curve(at, "loss", "test"), [p.test_loss for p in run_of(at).history], rtol=1e-6)
    assert len(points) == len(run_of(at).history) > 5
    assert points[-1] == pytest.approx(run_of(at).progress.loss)


def test_pause_stops_training_and_the_model_is_shared():
    at = open_page(train_numbers_open=True)
    at.button(key="train_start").click().run()
    at.run()
    at.button(key="train_pause").click().run()
    step = run_of(at).progress.step
    assert step > 0 and not run_of(at).running
    at.run()
    at.run()
    assert run_of(at).progress.step == step
    assert status(at).startswith("**paused**")
    # The trained model is handed to the other pages.
    assert at.session_state["model"] is run_of(at).model
    assert at.session_state["model_dataset"] == "circle"


def test_reset_starts_again_from_the_seed():
    at = open_page()
    first = run_of(at).model.get_weights()
    at.button(key="train_step").click().run()
    at.button(key="train_reset").click().run()
    assert run_of(at).progress.step == 0
    for a, b in zip(first, run_of(at).model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_changing_the_data_set_changes_what_is_shown():
    at = open_page()
    circle_points = plane_view(at)["points"]["x1"]
    at.selectbox(key="step3_dataset").set_value("xor").run()
    assert not at.exception
    xor = tr.load_data("xor", 0.1, 0)
    boundary = plane_view(at)["points"]
    shown = np.sort(boundary["x1"])
    np.testing.assert_allclose(shown, np.sort(xor.X[:, 0]), atol=1e-4)
    assert not np.array_equal(np.sort(circle_points), shown)
    assert sorted(set(boundary["value"])) == [0, 1]
    assert at.session_state["dataset"] == "xor"

    at.selectbox(key="step3_dataset").set_value("digits").run()
    assert not at.exception
    assert plane_view(at) is None
    network = network_view(at)
    # No input pictures; layer 1: 4 weight pictures; layer 2 and the output: class means
    assert len(network["neurons"]["rgb"]) == 4 + 4 + 8  # the output layer shows its first 8 of 10
    assert network["more"] == ["", "", "", "+ 2 more"]  # of the 10 outputs (the 256 pixels have no column)
    assert network["heads"][0] == "inputs (256)"
    assert run_of(at).model.sizes() == [256, 4, 4, 10]


def test_the_network_from_step_1_is_the_one_trained():
    at = open_page(spec=nnlib.NetworkSpec(n_in=2, hidden=(3, 5, 2), n_out=2, activation="tanh"))
    assert run_of(at).model.sizes() == [2, 3, 5, 2, 2]
    assert at.selectbox(key="step3_activation").value == "tanh"
    tiles = network_view(at)
    assert tiles["heads"] == ["inputs", "layer 1 (3)", "layer 2 (5)", "layer 3 (2)", "output"]
    assert len(tiles["neurons"]["rgb"]) == 2 + 3 + 5 + 2 + 2  # every neuron of the 2 → 3 → 5 → 2 → 2 network


def test_a_huge_learning_rate_is_caught_and_the_last_good_model_kept():
    at = open_page()
    at.selectbox(key="step3_optimizer").set_value("sgd").run()
    at.selectbox(key="step3_learning_rate").set_value(100.0).run()
    for _ in range(5):  # the first step may still land somewhere finite; the next ones blow up
        before = run_of(at).model.get_weights()
        at.button(key="train_step").click().run()
        assert not at.exception
        if at.error:
            break
    assert len(at.error) == 1
    message = at.error[0].value
    assert "The loss exploded, so training stopped." in message
    assert "learning rate 100 is too large" in message and "try" not in message  # no untried guess
    offered = float(at.button(key="train_lower_rate").label.removeprefix("Use η = "))
    assert any(f"η = {offered:g} trained a copy of this network" in m.value for m in at.markdown)
    after = run_of(at).model.get_weights()
    for a, b in zip(before, after):
        assert np.all(np.isfinite(b))
        np.testing.assert_array_equal(a, b)
    assert not run_of(at).running
    assert run_of(at).progress.step == run_of(at).trainer.step_count  # the failed step is not counted
    assert plane_view(at) is not None  # the last good model is still drawn
    # One click lowers the rate; the error goes and training can go on.
    at.button(key="train_lower_rate").click().run()
    assert at.session_state["learning_rate"] == offered
    assert at.selectbox(key="step3_learning_rate").value == offered
    assert not at.error


def test_divergence_while_running_stops_the_run():
    at = open_page()
    at.selectbox(key="step3_optimizer").set_value("gd").run()
    at.selectbox(key="step3_learning_rate").set_value(100.0).run()
    at.button(key="train_start").click().run()
    for _ in range(5):  # each run is one time-boxed slice; on a busy machine a slice may end before step 2
        if not run_of(at).running:
            break
        at.run()
    assert not run_of(at).running
    assert "exploded" in at.error[0].value
    assert not at.button(key="train_start").disabled  # ready to try again after a change


def test_a_finished_run_says_so_once_in_a_toast_and_moves_nothing():
    at = open_page(epochs=1)  # gradient descent: one step per epoch, so the run ends in its first slice
    at.button(key="train_start").click().run()
    for _ in range(5):
        if not run_of(at).running:
            break
        at.run()
    assert run_of(at).done and not run_of(at).error
    assert [t.value for t in at.toast] == ["Finished 1 epoch. Raise the epochs to train on, or press Reset."]
    assert not at.success  # no box above the columns: they keep their place, so their charts are not redrawn
    assert at.button(key="train_start").disabled and at.button(key="train_pause").disabled
    at.run()
    assert not at.toast  # said once


def test_changing_the_rate_mid_run_keeps_the_weights():
    at = open_page()
    for _ in range(3):
        at.button(key="train_step").click().run()
    weights = run_of(at).model.get_weights()
    at.selectbox(key="step3_learning_rate").set_value(0.01).run()
    run = run_of(at)
    assert run.progress.step == 3 and run.trainer.optimizer.learning_rate == 0.01
    for a, b in zip(weights, run.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    at.button(key="train_step").click().run()
    assert run_of(at).progress.step == 4


def test_settings_survive_a_visit_to_another_page():
    at = open_page(optimizer="adam")  # gradient descent (the default) takes every example: no batch size
    at.selectbox(key="step3_dataset").set_value("spiral").run()
    at.select_slider(key="step3_batch_size").set_value(64).run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key="step3_dataset").value == "spiral"
    assert at.select_slider(key="step3_batch_size").value == 64
    assert run_of(at).settings.dataset == "spiral"


def test_backprop_table_matches_finite_differences_and_nnlib():
    at = open_page()
    table = next(df.value for df in at.dataframe if "backprop ∂C/∂w" in df.value.columns)
    assert len(table) == 18  # 12 weights and 6 biases
    np.testing.assert_allclose(table["backprop ∂C/∂w"], table["finite difference"], rtol=1e-6, atol=1e-10)
    assert table["relative error"].max() < 1e-6
    # The same numbers as nnlib's own gradient of C for x = (1, −1), ŷ = (1, 0).
    model = nnlib.presets.lecture_network()
    _, grads = model.loss_and_grads([[1.0, -1.0]], [[1.0, 0.0]], reduction="sum")
    expected = np.concatenate([np.asarray(g).ravel() for g in grads])
    np.testing.assert_allclose(table["backprop ∂C/∂w"], expected, rtol=1e-12)
    # backprop = ∂z/∂w · ∂C/∂z, row by row.
    np.testing.assert_allclose(table["backprop ∂C/∂w"], table["∂z/∂w"] * table["∂C/∂z"], rtol=1e-12)


def test_backprop_stepper_shows_the_lecture_numbers():
    at = open_page()
    z1 = nnlib.presets.lecture_network().trace([[1.0, -1.0]])[0].z[0]  # the slides: (4, −2)
    def shown(z):  # the page writes negative numbers in brackets
        return f"= {z:.4g}" if z >= 0 else f"= ({z:.4g})"

    latex = [e.value for e in at.get("latex")]
    assert any(shown(z1[0]) in v and "z^{1}_{1}" in v for v in latex)
    at.button(key="bp_next").click().run()
    assert at.slider(key="bp_step").value == 2
    assert any(shown(z1[1]) in e.value and "z^{1}_{2}" in e.value for e in at.get("latex"))
    at.slider(key="bp_step").set_value(12).run()
    assert "Backward pass · layer 1, neuron 2" in "".join(m.value for m in at.markdown)
    assert at.button(key="bp_next").disabled
    at.number_input(key="bp_x1").set_value(0.0).run()
    at.number_input(key="bp_x2").set_value(0.0).run()
    assert not at.exception


def test_descent_path_tab_uses_nnlib_numbers():
    at = open_page()
    at.select_slider(key="path_rate").set_value(0.3).run()
    at.slider(key="path_steps").set_value(5).run()
    path = descent.descent_path(descent.TINY_DATA, (-2.0, 2.0), 0.3, 5)
    first = next(e.value for e in at.get("latex") if r"\theta^1" in e.value)
    assert f"({path.thetas[1][0]:.3f},\\ {path.thetas[1][1]:.3f})" in first
    spec = chart(at, "path_chart")
    np.testing.assert_allclose(decode(spec["data"][1]["x"]), path.thetas[:, 0])
    table = next(df.value for df in at.dataframe if "L(θᵏ)" in df.value.columns)
    np.testing.assert_allclose(table["L(θᵏ)"], path.losses)
    at.select_slider(key="path_rate").set_value(1.0).run()
    at.slider(key="path_steps").set_value(40).run()
    assert any("went **up**" in w.value for w in at.warning)


# --- the update rule in use (issue 10) -------------------------------------------------------
def rule_latex(at: AppTest) -> tuple[str, str]:
    """The training tab's update rule as shown: the formula block and the line of constants under it."""
    latex = [e.value.strip("$\n") for e in at.get("latex")]
    formula = next(v for v in latex if r"\leftarrow" in v)
    return formula, latex[latex.index(formula) + 1]


def test_the_default_is_the_lectures_gradient_descent():
    at = open_page()
    assert at.session_state["optimizer"] == "gd"
    box = at.selectbox(key="step3_optimizer")
    assert box.value == "gd" and box.options[0] == "gradient descent (the lecture's)"
    assert "later improvements" in box.help
    run = run_of(at)
    assert isinstance(run.trainer.optimizer, nnlib.optimizers.GradientDescent)
    assert run.trainer.batch_size == run.data.X.shape[0] == 200 and run.steps_per_epoch == 1
    assert at.select_slider(key="step3_batch_size").disabled
    text = "\n".join(m.value for m in at.markdown)
    assert "Each training step · Gradient descent" in [e.label for e in at.expander]
    assert "**Gradient descent**, the lecture's rule" in text
    assert "L/N, the mean loss over all N training examples" in text and "scaled by 1/N" in text
    assert "does not depend on N" in text


@pytest.mark.parametrize(("name", "rate", "batch"), [("gd", 1.0, None), ("sgd", 0.3, 32), ("momentum", 0.03, 8),
                                                     ("adam", 0.01, 64)])
def test_the_rule_shown_is_the_rule_of_the_chosen_optimizer(name, rate, batch):
    at = open_page()
    at.selectbox(key="step3_optimizer").set_value(name).run()
    at.selectbox(key="step3_learning_rate").set_value(rate).run()
    if batch is not None:
        at.select_slider(key="step3_batch_size").set_value(batch).run()
    assert not at.exception
    expected = rules.update_rule(nnlib.optimizers.get(name, learning_rate=rate), batch)
    formula, constants = rule_latex(at)
    assert formula == expected.latex()
    size = r"N = 200" if batch is None else f"B = {batch}"
    assert constants == expected.values_latex(size)
    assert constants.replace(r"\begin{gathered}", "").startswith(rf"\eta = {rate:g},\ {size}")
    if name == "momentum":
        assert r"\mu = 0.9" in constants
    if name == "adam":
        assert r"\beta_1 = 0.9" in constants and r"\beta_2 = 0.999" in constants
    # What the page shows is what the run will do.
    assert rules.update_rule(run_of(at).trainer.optimizer, batch).latex() == formula
    text = "\n".join(m.value for m in at.markdown)
    if batch is None:
        assert "the lecture's rule" in text and r"\frac{L}{N}" in formula
    else:
        assert f"mean loss over a batch of B = {batch} examples" in text and r"\frac{1}{B}" in formula
        assert "a later improvement on the lecture's rule" in text
        assert run_of(at).trainer.batch_size == batch


def test_switching_to_adam_offers_a_rate_that_suits_it():
    at = open_page()
    assert not any(b.key == "train_good_rate" for b in at.button)      # η = 1 is gradient descent's good rate
    at.selectbox(key="step3_optimizer").set_value("adam").run()
    at.button(key="train_good_rate").click().run()
    assert at.session_state["learning_rate"] == tr.GOOD_RATES["adam"] == 0.03
    assert run_of(at).trainer.optimizer.learning_rate == 0.03
    assert r"\eta = 0.03,\ B = 16 \\ \beta_1 = 0.9" in rule_latex(at)[1]

def test_step_once_with_gradient_descent_moves_theta_by_minus_eta_grad_of_the_mean_loss():
    at = open_page()
    run = run_of(at)
    eta = at.session_state["learning_rate"]
    before = run.model.get_weights()
    _, grads = run.model.loss_and_grads(run.data.X, run.data.y, reduction="mean")   # ∇(L/N), all N examples
    at.button(key="train_step").click().run()
    assert run_of(at) is run and run.progress.step == 1
    for b, g, a in zip(before, grads, run.model.get_weights()):
        expected = b - np.float32(eta) * np.asarray(g)
        np.testing.assert_allclose(a, expected, rtol=1e-6, atol=1e-7)
        assert np.abs(a - b).max() > 1e-4                     # it did move


# --- the backprop tab: softmax with cross-entropy, and the total gradient (issue 10) -----------------------
MINUS_ZERO = re.compile(r"(?<![\d.])[-−]0(?:\.0*)?(?![\d.]*[1-9])")


def _number(text: str) -> float:
    return float(text.strip().strip("()").replace("−", "-"))


def backprop_text(at: AppTest) -> list[str]:
    return ([e.value for e in at.get("latex")] + [m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.mark.parametrize(("x", "target"), [((1.0, -1.0), (1.0, 0.0)), ((0.0, 0.0), (1.0, 0.0)),
                                           ((1.0, -1.0), (0.0, 1.0))])
def test_cross_entropy_backprop_has_a_softmax_output_and_delta_y_minus_yhat(x, target):
    at = open_page()
    at.radio(key="bp_loss").set_value("cross_entropy").run()
    at.number_input(key="bp_x1").set_value(x[0]).run()
    at.number_input(key="bp_x2").set_value(x[1]).run()
    at.radio(key="bp_target").set_value(target).run()
    assert not at.exception
    out = lecture_softmax_network().backprop([x], [target])[-1]
    np.testing.assert_allclose(out.delta[0], out.a[0] - np.array(target), atol=1e-15)   # nnlib: y − ŷ
    latex = [e.value for e in at.get("latex")]
    assert any(r"\frac{\partial C}{\partial z_i} = y_i - \hat{y}_i" in v for v in latex)  # output_delta's formula
    shown = next(v for v in latex if r"y_{1} - \hat y_{1} = " in v and r"\begin{aligned}" in v)
    rows = re.findall(r"y_\{(\d)\} - \\hat y_\{\d\} = ([^=]+?) - ([^=]+?) = ([^\\]+?)(?:\\\\|\\end)", shown)
    assert [int(r[0]) for r in rows] == [1, 2]
    for j, y, t, delta in rows:
        j = int(j) - 1
        assert _number(y) == pytest.approx(out.a[0, j], rel=5e-4)
        assert _number(t) == target[j]
        assert _number(delta) == pytest.approx(out.delta[0, j], rel=5e-4, abs=5e-5)
    # The output layer is drawn and computed as a softmax: the walkthrough writes y = e^z / Σ e^z.
    at.slider(key="bp_step").set_value(5).run()
    assert any(r"\text{softmax}(z^{3})_{1}" in v for v in (e.value for e in at.get("latex")))


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_no_minus_zero_anywhere_in_the_backprop_tab(loss):
    at = open_page()
    at.radio(key="bp_loss").set_value(loss).run()
    at.number_input(key="bp_x1").set_value(0.0).run()
    at.number_input(key="bp_x2").set_value(0.0).run()      # x = 0 makes products like 0 · (−0.2)
    at.radio(key="bp_target").set_value((0.0, 1.0)).run()
    for k in range(1, 13):
        at.slider(key="bp_step").set_value(k).run()
        assert not at.exception
        for text in backprop_text(at):
            assert not MINUS_ZERO.search(text), text
    for df in at.dataframe:
        numbers = df.value.select_dtypes("number").to_numpy()
        assert not np.any((numbers == 0) & np.signbit(numbers)), df.value.columns


def total_table(at: AppTest):
    return next(df.value for df in at.dataframe if "Σₙ ∂Cⁿ/∂w" in df.value.columns)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_the_total_gradient_is_the_sum_of_the_examples_gradients(loss):
    at = open_page()
    at.radio(key="bp_loss").set_value(loss).run()
    table = total_table(at)
    assert list(table.columns) == ["parameter", "∂C¹/∂w", "∂C²/∂w", "Σₙ ∂Cⁿ/∂w", "finite difference ∂L/∂w",
                                   "difference"]
    assert len(table) == 18 and table["parameter"].iloc[0] == "w¹₁₁" and table["parameter"].iloc[-1] == "b³₂"
    np.testing.assert_allclose(table["Σₙ ∂Cⁿ/∂w"], table["∂C¹/∂w"] + table["∂C²/∂w"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["Σₙ ∂Cⁿ/∂w"], table["finite difference ∂L/∂w"], rtol=0, atol=1e-6)
    # The numbers are lessons.total_gradient's, for the slides' inputs and LECTURE_LABELS.
    model = lecture_softmax_network() if loss == "cross_entropy" else nnlib.presets.lecture_network()
    result = total_gradient(model, LECTURE_INPUTS, LECTURE_LABELS)
    np.testing.assert_allclose(table["∂C¹/∂w"], result.per_example[0], atol=1e-15)
    np.testing.assert_allclose(table["Σₙ ∂Cⁿ/∂w"], result.summed, atol=1e-15)
    assert f"{result.max_numeric_error:.1e}" in next(c.value for c in at.caption if "finite difference" in c.value
                                                     and "total L" in c.value)
    # The student changes a label: the second example's column and the sum follow.
    at.radio(key="tg_label_2").set_value(1 - int(LECTURE_LABELS[1])).run()
    changed = total_table(at)
    labels = LECTURE_LABELS.copy()
    labels[1] = 1 - labels[1]
    again = total_gradient(model, LECTURE_INPUTS, labels)
    np.testing.assert_allclose(changed["∂C²/∂w"], again.per_example[1], atol=1e-15)
    assert not np.allclose(changed["∂C²/∂w"], table["∂C²/∂w"])
    np.testing.assert_allclose(changed["Σₙ ∂Cⁿ/∂w"], changed["∂C¹/∂w"] + changed["∂C²/∂w"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(changed["Σₙ ∂Cⁿ/∂w"], changed["finite difference ∂L/∂w"], rtol=0, atol=1e-6)


# --- the training run, without Streamlit ---------------------------------------------------------------
def settings(**kw) -> tr.RunSettings:
    base = dict(dataset="circle", noise=0.1, seed=0, hidden=(4, 4), activation="relu", optimizer="adam",
                learning_rate=0.03, batch_size=16, epochs=20)
    return tr.RunSettings(**{**base, **kw})


def test_run_slice_does_nothing_until_started_and_stops_at_the_last_epoch():
    run = tr.TrainingRun(settings(epochs=3), tr.load_data("circle", 0.1, 0))
    run.run_slice()
    assert run.progress.step == 0
    run.running = True
    for _ in range(200):
        run.run_slice(budget_s=0.5)
        if not run.running:
            break
    assert run.done and not run.running
    assert run.progress.epoch == pytest.approx(3.0)
    assert run.progress.step == 3 * run.steps_per_epoch
    steps = [p.step for p in run.history]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)


def test_a_slice_is_bounded_so_a_toy_run_can_be_watched():
    run = tr.TrainingRun(settings(epochs=200), tr.load_data("circle", 0.1, 0))
    run.running = True
    run.run_slice(budget_s=10.0)
    # At most 1/60 of the run per slice: 200 epochs × 13 steps / 60 = 43 steps.
    assert run.progress.step == 200 * 13 // 60


def test_retune_needs_the_same_data_and_network():
    run = tr.TrainingRun(settings(), tr.load_data("circle", 0.1, 0))
    with pytest.raises(ValueError, match="new TrainingRun"):
        run.retune(settings(dataset="xor"))
    with pytest.raises(limits.LimitExceeded):
        tr.TrainingRun(settings(epochs=10_000), tr.load_data("circle", 0.1, 0))


def test_cached_data_is_read_only():
    data = tr.load_data("gaussian", 0.2, 3)
    with pytest.raises(ValueError):
        data.X[0, 0] = 5.0
    assert data.X.shape == (200, 2) and data.X_test.shape == (200, 2)


def test_a_rate_between_the_stops_snaps_to_the_nearest():
    at = open_page(learning_rate=0.05, batch_size=50)
    assert at.selectbox(key="step3_learning_rate").value == 0.03
    assert at.select_slider(key="step3_batch_size").value == 64
    assert at.session_state["learning_rate"] == 0.03 and run_of(at).settings.learning_rate == 0.03


def test_a_network_too_big_for_the_digits_is_refused_in_plain_words():
    # Fine with 2 inputs (1.87 M parameters), over the server's 2 M limit with 256 (2.14 M).
    at = open_page(spec=nnlib.NetworkSpec(n_in=2, hidden=(1024, 1024, 800), n_out=2, activation="relu"),
                   dataset="digits")
    assert not at.exception
    assert "This run cannot start" in at.error[0].value and "parameters" in at.error[0].value
    assert all(b.key != "train_start" for b in at.button)


def test_a_network_without_hidden_layers_trains():
    at = open_page(spec=nnlib.NetworkSpec(n_in=2, hidden=(), n_out=2, activation="relu"))
    assert any(c.value.startswith("**No hidden layer**") for c in at.caption)
    at.button(key="train_step").click().run()
    assert not at.exception and run_of(at).progress.step == 1


# --- the path and backprop tabs in Chinese (issue 11) ---------------------------------------------------
def tab_texts(at: AppTest, *tabs: int) -> list[str]:
    """What a student reads in these tabs (the playground's tab is tested with the playground)."""
    return [text for k in tabs for text in shown_texts(at, at.tabs[k])]


def test_the_path_tab_reads_in_chinese():
    at = open_page(lang="zh")
    assert at.title[0].value == "第 3 步 · 选择最优函数"
    assert [t.label for t in at.tabs][1:] == ["梯度下降的路径", "反向传播，一步一步来"]
    assert english_leftovers(tab_texts(at, 1)) == []
    text = "\n".join(tab_texts(at, 1))
    assert "梯度下降" in text and "学习率" in text and "总体损失" in text
    at.select_slider(key="path_rate").set_value(1.0).run()
    at.slider(key="path_steps").set_value(40).run()
    assert any("**上升**" in w.value for w in at.warning)     # the loss went up: said in Chinese
    assert english_leftovers(tab_texts(at, 1)) == []
    at.slider(key="path_steps").set_value(0).run()          # no step yet: no first step to show
    assert english_leftovers(tab_texts(at, 1)) == [] and not at.exception


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_the_backprop_tab_reads_in_chinese_at_every_step(loss):
    at = open_page(lang="zh")
    at.radio(key="bp_loss").set_value(loss).run()
    assert english_leftovers(tab_texts(at, 2)) == []
    text = "\n".join(tab_texts(at, 2))
    for term in ("反向传播", "前向传播", "反向传递", "神经元", "输出层", "梯度下降", "总体损失"):
        assert term in text, term
    for k in range(2, 13):
        at.slider(key="bp_step").set_value(k).run()
        assert english_leftovers(tab_texts(at, 2)) == [], k
    assert "反向传递 · 第 1 层，神经元 2" in "".join(m.value for m in at.markdown)
    headers = [c["label"] for df in at.dataframe for c in json.loads(df.proto.columns).values() if "label" in c]
    assert {"参数", "有限差分", "相对误差", "差值"} <= set(headers) and english_leftovers(headers) == []
    links = next(df.value["link"] for df in at.dataframe if "link" in df.value.columns)
    assert links.iloc[0] == "x₁ → 第 1 层神经元 1" and english_leftovers(links) == []
    at.radio(key="tg_label_2").set_value(1 - int(LECTURE_LABELS[1])).run()
    at.radio(key="bp_target").set_value((0.0, 1.0)).run()
    assert english_leftovers(tab_texts(at, 2)) == [] and not at.exception


def test_switching_the_language_keeps_the_open_tab_and_the_walkthrough():
    at = open_page()
    at.session_state["step3_tab"] = "Backprop, step by step"   # the student opens the third tab
    at.slider(key="bp_step").set_value(7).run()
    opened = next(b for b in at._tree.main.children.values() if getattr(b, "type", "") == "tab_container")
    assert opened.proto.tab_container.default_tab_index == 2
    at.radio(key="bp_loss").set_value("mse").run()
    switch_language(at, "zh")
    opened = next(b for b in at._tree.main.children.values() if getattr(b, "type", "") == "tab_container")
    assert [t.label for t in at.tabs][2] == "反向传播，一步一步来"
    assert opened.proto.tab_container.default_tab_index == 2        # still the backprop tab
    assert at.slider(key="bp_step").value == 7 and not at.exception
    loss = at.radio(key="bp_loss")   # the choice is kept, and sent again in Chinese
    assert loss.value == "mse" and loss.options[0] == "平方误差 · sigmoid 输出"
    assert loss.proto.set_value and loss.proto.raw_value == i18n.in_language("zh", "squared error · sigmoid outputs")
