"""Step 2 page (AppTest): softmax, cross-entropy, the total loss and the landscape show nnlib's numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import open_page, plotly_spec
from i18n_texts import english_leftovers, shown_texts, switch_language
from streamlit.testing.v1 import AppTest

import nnlib
from lessons import explain

PAGE = "pages/step2_loss.py"


@pytest.fixture
def at():
    return open_page(PAGE)


figure = plotly_spec


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def data(at):
    """The page's training set, rebuilt the way the page builds it (session noise and seed)."""
    (X, y), _ = nnlib.datasets.toy(at.session_state["loss_dataset"], n=200, noise=at.session_state["noise"],
                                   seed=at.session_state["seed"])
    return X, y


def test_softmax_default_is_the_lecture_example(at):
    y = explain.softmax_values([3.0, 1.0, -3.0])
    assert at.caption[0].value.startswith("y ≈ (0.88, 0.12, 0.00)")
    assert figure(at, "softmax_y_chart")["data"][0]["text"] == ["0.88", "0.12", "0.00"]
    np.testing.assert_allclose(at.dataframe[0].value["y_i"], np.round(y, 3))


def test_moving_z_changes_y(at):
    at.slider(key="softmax_z3").set_value(3.0).run()
    y = explain.softmax_values([3.0, 1.0, 3.0])
    assert figure(at, "softmax_y_chart")["data"][0]["text"] == [f"{v:.2f}" for v in y] == ["0.47", "0.06", "0.47"]
    assert at.session_state["softmax_z"] == (3.0, 1.0, 3.0)


def test_cross_entropy_terms_and_c_follow_the_true_class(at):
    y = explain.softmax_values([3.0, 1.0, -3.0])
    assert metric(at, "C(y, ŷ)") == f"{-np.log(y[0]):.3f}" == "0.129"
    at.radio(key="ce_target_radio").set_value(2).run()
    table = at.dataframe[1].value
    assert table["target ŷ_i"].tolist() == [0, 1, 0]
    assert table["−ŷ_i ln y_i"].tolist() == [0.0, round(-np.log(y[1]), 3), 0.0]
    assert metric(at, "C(y, ŷ)") == f"{-np.log(y[1]):.3f}"
    assert at.session_state["ce_target"] == 1


def test_total_loss_and_top_examples_are_the_models(at):
    model = at.session_state["spec"].build(seed=0)
    X, y = data(at)
    ev = model.evaluate(X, y)
    assert metric(at, "Total loss L = Σ Cⁿ") == f"{ev.total_loss:.2f}"
    assert metric(at, "Mean loss L / N") == f"{ev.mean_loss:.4f}"
    assert metric(at, "N examples") == str(len(y)) == "100"
    top = explain.top_contributors(model.per_example_loss(X, y), k=8)
    table = at.dataframe[2].value
    np.testing.assert_allclose(table["Cⁿ"], np.round(top.loss, 3))
    np.testing.assert_allclose(table["x1"], np.round(X[top.index, 0], 3))
    at.number_input(key="loss_seed").set_value(5).run()  # another θ from the same set: another L
    other = at.session_state["spec"].build(seed=5).evaluate(X, y)
    assert metric(at, "Total loss L = Σ Cⁿ") == f"{other.total_loss:.2f}" != f"{ev.total_loss:.2f}"


def test_landscape_marks_the_current_theta_and_follows_the_chosen_parameters(at):
    fig = figure(at, "landscape")
    model = at.session_state["spec"].build(seed=0)
    W, _ = model.layers[0].get_weights()
    marker = fig["data"][1]
    assert marker["x"] == [pytest.approx(W[0, 0], rel=1e-6)] and marker["y"] == [pytest.approx(W[0, 1], rel=1e-6)]
    X, y = data(at)
    assert marker["customdata"][0] == pytest.approx(model.evaluate(X, y).total_loss, rel=1e-5)
    assert "w¹₁,₁" in fig["layout"]["xaxis"]["title"]["text"]
    at.selectbox(key="land_q").set_value(8).run()  # b¹₁
    assert "b¹₁" in figure(at, "landscape")["layout"]["yaxis"]["title"]["text"]
    at.selectbox(key="land_q").set_value(0).run()
    assert at.info and "two different parameters" in at.info[0].value
    assert not at.exception


def test_a_trained_model_from_step3_is_judged_on_its_own_data():
    spec = nnlib.NetworkSpec(hidden=(6,), activation="tanh")
    model = spec.build(seed=1)
    (X, y), _ = nnlib.datasets.toy("gaussian", n=200, noise=0.1, seed=0)
    model.fit(X, y, epochs=30, learning_rate=0.1, batch_size=16, seed=0)
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["model"] = model  # as Step 3 leaves it
    at.session_state["model_dataset"] = "gaussian"
    at.run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key="loss_source").value == "trained"   # a code; the label is shown in the session's language
    assert at.selectbox(key="loss_source").format_func("trained") == "Your trained network (Step 3)"
    assert at.selectbox(key="loss_dataset").value == "gaussian"
    Xp, yp = data(at)
    trained = model.evaluate(Xp, yp)
    assert metric(at, "Total loss L = Σ Cⁿ") == f"{trained.total_loss:.2f}"
    assert trained.total_loss < spec.build(seed=1).evaluate(Xp, yp).total_loss  # training did lower L
    at.selectbox(key="loss_source").set_value("random").run()
    assert not at.selectbox(key="loss_dataset").disabled
    assert not at.exception


def test_softmax_runs_on_the_networks_own_z_for_a_chosen_example(at):
    """Where the y in C(y, ŷ) comes from: the output layer's z of one example, its softmax, C and y − ŷ."""
    model = at.session_state["spec"].build(seed=0)
    X, y = data(at)
    worst = int(explain.top_contributors(model.per_example_loss(X, y), k=8).index[0])
    assert at.number_input(key="net_softmax_example").value == worst
    for n in (worst, 3):
        at.number_input(key="net_softmax_example").set_value(n).run()
        z = model.trace(X[n:n + 1])[-1].z[0]
        probabilities = model.predict(X[n:n + 1])[0]
        table = at.dataframe[3].value   # after the softmax, cross-entropy and top-examples tables
        np.testing.assert_allclose(table["z"], np.round(z, 4), atol=1e-4)
        np.testing.assert_allclose(table["e^z"], np.round(np.exp(z), 4), atol=1e-4)
        np.testing.assert_allclose(table["y = softmax(z)"], np.round(probabilities, 4), atol=1e-4)
        onehot = np.eye(2)[y[n]]
        np.testing.assert_array_equal(table["target ŷ"], onehot)
        np.testing.assert_allclose(table["∂C/∂z = y − ŷ"], np.round(probabilities - onehot, 4), atol=1e-4)
        assert metric(at, "Cⁿ = −ln y_true") == f"{model.per_example_loss(X[n:n + 1], y[n:n + 1])[0]:.4f}"


# --- in Chinese (issue 11) -----------------------------------------------------------------------------
def main_leftovers(at) -> list[str]:
    """The English left in the page's main area (the sidebar's frame is another test's)."""
    return english_leftovers(shown_texts(at, at.main))


def column_headers(at) -> list[str]:
    """The tables' headers as shown: their column_config labels (the data keep their stable column names)."""
    return [c["label"] for df in at.dataframe for c in json.loads(df.proto.columns).values() if "label" in c]


def test_the_page_reads_in_chinese_in_every_state():
    at = open_page(PAGE, lang="zh")
    assert at.title[0].value == "第 2 步 · 模型评估"
    assert main_leftovers(at) == []
    headers = column_headers(at)
    assert {"目标 ŷ_i", "P(真实类别)", "占 L 的比例"} <= set(headers) and english_leftovers(headers) == []
    text = "\n".join(shown_texts(at, at.main))
    for term in ("损失函数", "交叉熵", "总体损失", "softmax"):
        assert term in text, term
    # The numbers and the state do not depend on the language.
    assert at.caption[0].value.startswith("y ≈ (0.88, 0.12, 0.00)")
    total = at.session_state["spec"].build(seed=0).evaluate(*data(at)).total_loss
    assert metric(at, "总体损失 L = Σ Cⁿ") == f"{total:.2f}"
    # Every interactive state: another z, another true class, another example, the same parameter twice.
    at.slider(key="softmax_z3").set_value(3.0).run()
    at.radio(key="ce_target_radio").set_value(2).run()
    at.number_input(key="net_softmax_example").set_value(3).run()
    at.selectbox(key="land_q").set_value(8).run()
    assert "偏差" in plotly_spec(at, "landscape")["layout"]["yaxis"]["title"]["text"]
    assert main_leftovers(at) == []
    at.selectbox(key="land_q").set_value(0).run()
    assert at.info and "两个不同的参数" in at.info[0].value
    assert main_leftovers(at) == [] and not at.exception
    assert at.session_state["softmax_z"] == (3.0, 1.0, 3.0) and at.session_state["ce_target"] == 1


def test_a_trained_network_is_offered_in_chinese_and_switching_keeps_the_choice():
    spec = nnlib.NetworkSpec(hidden=(6,), activation="tanh")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["model"] = spec.build(seed=1)
    at.session_state["model_dataset"] = "gaussian"
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page(PAGE).run()
    box = at.selectbox(key="loss_source")
    assert box.value == "trained" and box.options == ["你训练好的网络（第 3 步）", "第 1 步的网络，随机 θ"]
    assert main_leftovers(at) == []
    at.selectbox(key="loss_source").set_value("random").run()
    switch_language(at, "en")  # the choice and the data set stay, shown in English
    assert at.selectbox(key="loss_source").value == "random"
    assert at.selectbox(key="loss_dataset").value == "gaussian"
    box = at.selectbox(key="loss_source").proto  # sent again, so the browser shows it in English
    assert box.set_value and box.raw_value == "Step 1's network, random θ"
    assert at.title[0].value == "Step 2 · Goodness of a function" and not at.exception
