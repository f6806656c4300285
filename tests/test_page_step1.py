"""Step 1 page (AppTest): the lecture network's numbers, editing, the builder and the function set."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import open_page, plotly_spec
from i18n_texts import english_leftovers, shown_texts, switch_language

import nnlib
from lessons import explain
from services import limits
from ui.views import latex

PAGE = "pages/step1_network.py"


@pytest.fixture
def at():
    return open_page(PAGE)


figure = plotly_spec


def node_texts(at):
    fig = figure(at, "lecture_figure")
    return next(t for t in fig["data"] if t.get("name") == "neurons")["text"]


def test_page_renders_every_section(at):
    assert [h.value for h in at.header] == [
        "1 · The lecture's network, number by number", "2 · Build your own network",
        "3 · The function set: one structure, many functions", "4 · What each neuron computes",
        "5 · Why matrix form makes the GPU useful", "6 · Why deep, and how deep?"]
    assert not at.error


def test_lecture_numbers_are_nnlibs_trace(at):
    trace = nnlib.presets.lecture_network().trace(np.array([[1.0, -1.0]]))
    assert node_texts(at) == ["1.00", "-1.00"] + [f"{v:.2f}" for t in trace for v in t.a[0]]
    assert node_texts(at)[2:4] == ["0.98", "0.12"]  # the slide's first layer
    assert len(at.latex) == 4   # the three layers in matrix form, then neuron 1 as a logistic regression
    for e, tex in zip(at.latex, latex.matrix_form_latex(nnlib.presets.lecture_network(), [1.0, -1.0])):
        assert tex in e.value


def test_changing_x1_changes_z_everywhere(at):
    at.number_input(key="lecture_x1").set_value(0.0).run()
    model = nnlib.presets.lecture_network()
    trace = model.trace(np.array([[0.0, -1.0]]))
    assert node_texts(at)[2:] == [f"{v:.2f}" for t in trace for v in t.a[0]]
    assert r"\begin{bmatrix}3 \\ {-}1\end{bmatrix}" in at.latex[0].value  # z¹ = (3, −1)
    assert at.session_state["lecture_x"] == (0.0, -1.0)
    at.button(key="lecture_x_zero").click().run()  # the slide's second input
    trace = model.trace(np.array([[0.0, 0.0]]))
    assert node_texts(at)[-2:] == [f"{v:.2f}" for v in trace[-1].a[0]]


def test_editing_one_weight_updates_downstream_and_reset_restores(at):
    picker = at.selectbox(key="lecture_pick_param")
    assert picker.options == ["weight from input 1", "weight from input 2", "bias b"]  # labels; the values are codes
    picker.set_value("w2").run()
    at.number_input(key="lecture_edit_0_0_1").set_value(0.0).run()  # w¹ from x2 into neuron 1: −2 → 0
    edited = nnlib.presets.lecture_network()
    W, b = edited.layers[0].get_weights()
    W = W.copy()
    W[0, 1] = 0.0
    edited.layers[0].set_weights(W, b)
    trace = edited.trace(np.array([[1.0, -1.0]]))
    assert trace[0].z[0, 0] == pytest.approx(2.0)
    assert node_texts(at)[2:] == [f"{v:.2f}" for t in trace for v in t.a[0]]
    assert "Changed from the slide:" in at.caption[0].value
    at.button(key="lecture_reset").click().run()
    assert at.session_state["lecture_params"] is None
    assert node_texts(at)[2:4] == ["0.98", "0.12"]


def test_bias_edit_is_kept_when_the_student_looks_elsewhere(at):
    at.selectbox(key="lecture_pick_layer").set_value(3).run()
    at.selectbox(key="lecture_pick_param").set_value("b").run()
    at.number_input(key="lecture_edit_2_0_None").set_value(0.0).run()  # b³₁: −2 → 0
    at.selectbox(key="lecture_pick_layer").set_value(1).run()
    at.switch_page("pages/step2_loss.py").run()
    at.switch_page(PAGE).run()
    assert at.session_state["lecture_params"][5].tolist() == [0.0, 2.0]
    assert not at.exception


def test_building_a_three_layer_network_updates_spec_and_count(at):
    at.slider(key="build_layers").set_value(3).run()
    at.number_input(key="build_n2").set_value(6).run()
    at.selectbox(key="build_activation").set_value("tanh").run()
    spec = at.session_state["spec"]
    assert spec.hidden == (4, 4, 6) and spec.activation == "tanh" and spec.n_in == 2 and spec.n_out == 2
    params = next(m for m in at.metric if m.label == "Parameters")
    assert params.value == f"{spec.count_params():,}" == "76"  # 3·4 + 5·4 + 5·6 + 7·2
    assert next(m for m in at.metric if m.label == "Multiply-adds per input").value == "60"  # 2·4 + 4·4 + 4·6 + 6·2
    # The builder survives a visit to another page (its widgets are re-made from the spec).
    at.switch_page("pages/step2_loss.py").run()
    at.switch_page(PAGE).run()
    assert at.session_state["spec"].hidden == (4, 4, 6) and at.slider(key="build_layers").value == 3


def test_too_big_a_layer_is_refused_and_the_last_network_kept(at):
    before = at.session_state["spec"]
    at.number_input(key="build_n0").set_value(limits.MAX_NEURONS_PER_LAYER + 1).run()
    assert len(at.error) == 1 and "at most 1024 neurons per layer" in at.error[0].value
    assert at.session_state["spec"] == before
    assert at.number_input(key="build_n0").value == before.hidden[0]  # the widget shows the network in use
    at.selectbox(key="build_activation").set_value("sigmoid").run()  # the message goes once the student moves on
    assert not at.error and at.session_state["spec"].activation == "sigmoid"
    assert not at.exception


def test_a_network_set_elsewhere_is_shown_not_overwritten(at):
    # e.g. a shared link or a loaded model file replaced the spec while the student is on this page
    at.session_state["spec"] = nnlib.NetworkSpec(hidden=(7,), activation="tanh")
    at.run()
    assert at.slider(key="build_layers").value == 1 and at.number_input(key="build_n0").value == 7
    assert at.selectbox(key="build_activation").value == "tanh"
    assert at.session_state["spec"].hidden == (7,)
    assert next(m for m in at.metric if m.label == "Parameters").value == "37"  # 3·7 + 8·2


def test_new_draw_gives_new_functions(at):
    first = figure(at, "function_set")["data"][0]["z"]
    assert [a["text"] for a in figure(at, "function_set")["layout"]["annotations"]][:2] == ["θ #1", "θ #2"]
    at.button(key="function_new_draw").click().run()
    assert at.session_state["function_seed"] == 1
    assert figure(at, "function_set")["data"][0]["z"] != first
    assert [a["text"] for a in figure(at, "function_set")["layout"]["annotations"]][0] == "θ #7"
    tiles = figure(at, "neuron_tiles")
    assert [a["text"] for a in tiles["layout"]["annotations"]] == ["layer 1", "layer 2", "output"]


def test_matrix_form_timing_is_measured_on_request(at, monkeypatch):
    assert not any(m.label == "Matrix form is faster by" for m in at.metric)
    measured = []

    def timed(model, X, *args, **kwargs):  # the real measurement, with its result kept
        measured.append((X.shape, real(model, X, *args, **kwargs)))
        return measured[-1][1]

    real = explain.time_batched_vs_one_by_one
    monkeypatch.setattr(explain, "time_batched_vs_one_by_one", timed)
    at.button(key="time_matrix_form").click().run()
    (shape, (batched, one_by_one)), = measured
    assert shape == (1_600, 2)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Per input, all at once"] == f"{batched * 1e6:.2f} µs"
    assert shown["Per input, one at a time"] == f"{one_by_one * 1e6:.1f} µs"
    assert shown["Matrix form is faster by"] == f"{one_by_one / batched:.0f}×"  # one at a time ÷ all at once
    assert any("1,600 inputs as one batch" in c.value for c in at.main.caption)


def _logistic_latex(at):
    (tex,) = [e.value for e in at.latex if r"\sigma(z) =" in e.value and "bmatrix" not in e.value]
    return tex.strip("$\n")


def test_a_sigmoid_neuron_is_shown_as_a_logistic_regression_with_nnlibs_numbers(at):
    """Neuron 1 of layer 1: z = 1·x1 − 2·x2 + 1, a = σ(z), as the one-neuron nnlib layer computes it."""
    layer1 = nnlib.presets.lecture_network().trace(np.array([[1.0, -1.0]]))[0]
    z, a = layer1.z[0, 0], layer1.a[0, 0]
    assert z == 4.0
    assert _logistic_latex(at) == (rf"\begin{{aligned}} z &= 1\cdot(1) -2\cdot(-1) +1 = {z:.4g} \\ "
                                   rf"a &= \sigma(z) = {a:.4f} \end{{aligned}}")
    text = " ".join(m.value for m in at.markdown)
    assert "A neuron with sigmoid is a logistic regression" in text
    assert "its own weights and bias" in text
    # The student's edit reaches the logistic-regression view too: w from x2 −2 → 0 gives z = 1 + 1 = 2.
    at.selectbox(key="lecture_pick_param").set_value("w2").run()
    at.number_input(key="lecture_edit_0_0_1").set_value(0.0).run()
    assert _logistic_latex(at).startswith(r"\begin{aligned} z &= 1\cdot(1) +0\cdot(-1) +1 = 2 \\ ")


def test_the_articles_terms_are_on_the_page(at):
    text = " ".join(m.value for m in at.markdown)
    for words in ("**Feed-forward:** signals flow one way", "They are *not* neurons", "**Hidden layers:**",
                  "**Output layer:**", "ResNet (2015) has **152 layers**", "*trial and error plus intuition*",
                  "*evolutionary artificial neural networks*", "*convolutional neural network* (CNN)",
                  "**feature engineering**"):
        assert words in text


def _main_texts(at) -> list[str]:
    """What the page shows in the main area (the sidebar is another test's)."""
    return shown_texts(at, at.main)


def test_the_page_reads_in_chinese_in_every_state():
    at = open_page(PAGE, lang="zh")
    assert at.title[0].value == "第 1 步 · 定义一组函数"
    assert not english_leftovers(_main_texts(at)), english_leftovers(_main_texts(at))
    text = " ".join(_main_texts(at))
    for term in ("神经元", "权重", "偏差", "激活函数", "全连接前馈神经网络", "输入层", "隐藏层", "输出层", "函数集",
                 "特征转换", "逻辑回归", "矩阵运算"):
        assert term in text, term
    lecture = figure(at, "lecture_figure")
    assert [a["text"] for a in lecture["layout"]["annotations"] if a.get("yanchor") == "top"][:2] == [
        "<b>输入层</b><br>2 个输入", "<b>隐藏层 1</b><br>2 个神经元"]
    # The states a student reaches: an edited parameter, another network (linear, wide, deep), a new draw,
    # the timing, a refused layer. Every value kept in state stays the language-free one.
    assert at.selectbox(key="lecture_pick_param").options == ["来自输入 1 的权重", "来自输入 2 的权重", "偏差 b"]
    at.selectbox(key="lecture_pick_layer").set_value(3).run()
    at.selectbox(key="lecture_pick_param").set_value("b").run()
    at.number_input(key="lecture_edit_2_0_None").set_value(0.0).run()
    assert "**与课件不同的参数**：第 3 层 b。" in at.caption[0].value
    at.slider(key="build_layers").set_value(3).run()
    at.number_input(key="build_n1").set_value(12).run()   # wider than the drawing: "+k more" appears
    at.selectbox(key="build_activation").set_value("linear").run()
    assert at.selectbox(key="build_activation").options == ["relu", "tanh", "sigmoid", "线性"]
    assert at.session_state["spec"].hidden == (4, 12, 4) and at.session_state["spec"].activation == "linear"
    assert "另有 4 个" in [a["text"] for a in figure(at, "own_figure")["layout"]["annotations"]]
    at.button(key="function_new_draw").click().run()
    at.button(key="time_matrix_form").click().run()
    assert any(m.label == "矩阵形式快了" for m in at.metric)
    assert [a["text"] for a in figure(at, "neuron_tiles")["layout"]["annotations"]] == [
        "第 1 层", "第 2 层", "第 3 层", "输出层"]
    assert not english_leftovers(_main_texts(at)), english_leftovers(_main_texts(at))
    at.number_input(key="build_n0").set_value(limits.MAX_NEURONS_PER_LAYER + 1).run()
    assert len(at.error) == 1 and "保留你之前的网络：2 → 4 → 12 → 4 → 2（线性，" in at.error[0].value
    assert not english_leftovers(_main_texts(at)), english_leftovers(_main_texts(at))
    assert not at.exception
    # Switch to English (the browser still sends the Chinese labels it showed): everything is kept.
    switch_language(at, "en")
    assert at.title[0].value == "Step 1 · Define a set of functions"
    assert at.session_state["lecture_pick_param"] == "b" and at.session_state["build_activation"] == "linear"
    for key, label in (("lecture_pick_param", "bias b"), ("build_activation", "linear")):
        box = at.selectbox(key=key).proto  # the browser is told the choice again, in the new language's words
        assert box.set_value and box.raw_value == label, key
    assert at.session_state["spec"].hidden == (4, 12, 4) and at.session_state["spec"].activation == "linear"
    assert "**Changed from the slide:** layer 3 b." in at.caption[0].value
    at.run()
    assert at.selectbox(key="lecture_pick_param").value == "b" and not at.exception
