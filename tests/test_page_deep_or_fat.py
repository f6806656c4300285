"""The "Deep or fat?" page, headless (AppTest): universality fit, the experiment, its findings."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from conftest import plotly_spec
from i18n_texts import _spec_strings, english_leftovers, shown_texts, switch_language
from streamlit.testing.v1 import AppTest

import i18n
from lessons import deep_or_fat as experiments

PAGE = "pages/deep_or_fat.py"


def open_page() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def small_run():
    """One session that ran the smallest experiment: one budget, one seed, 5 epochs."""
    at = open_page()
    at.button_group(key="dof_budgets").set_value([5_000])
    at.slider(key="dof_depth").set_value(2)
    at.slider(key="dof_epochs").set_value(5)
    at.slider(key="dof_seeds").set_value(1)
    at.button(key="dof_run").click().run()
    assert not at.exception, at.exception
    return at


def test_universality_metric_is_the_fit_error_and_falls_with_more_neurons():
    at = open_page()
    assert at.title[0].value == "Deep or fat?"
    four = experiments.fit_curve("wave", 4, seed=0).mse
    assert at.metric[0].label == "Mean squared error"
    assert at.metric[0].value == f"{four:.2g}"
    at.select_slider(key="dof_neurons").set_value(32).run()
    at.toggle(key="dof_parts").set_value(True).run()
    assert not at.exception
    thirty_two = experiments.fit_curve("wave", 32, seed=0).mse
    assert at.metric[0].value == f"{thirty_two:.2g}"
    assert thirty_two < four / 10
    at.selectbox(key="dof_target").set_value("step").run()
    assert at.metric[0].value == f"{experiments.fit_curve('step', 32, seed=0).mse:.2g}"


def test_limits_are_explained_and_the_lecture_table_is_shown():
    at = open_page()
    captions = " ".join(c.value for c in at.caption)
    assert "at most 8 hidden layers, 1,024 neurons per layer and 2,000,000 parameters" in captions
    markdown = "\n".join(m.value for m in at.markdown)
    assert "| 5×2k | 17.2 | 1×3772 | 22.5 |" in markdown
    assert "Seide, Li & Yu, Interspeech 2011" in captions
    assert "press **Run the experiment**" in at.info[0].value


def test_run_trains_matched_networks_and_reports_what_it_found(small_run):
    at = small_run
    run = at.session_state["deep_fat_run"]
    assert run.finished and len(run.trials) == 2
    deep, fat = run.trials
    assert (deep.family, fat.family) == ("deep", "fat")
    assert len(deep.hidden) == 2 and len(fat.hidden) == 1
    assert abs(deep.params - fat.params) / deep.params <= 0.02
    rows = at.dataframe[0].value
    assert list(rows["Budget"]) == ["5,000"]
    assert rows["Deep, test"][0] == f"{100 * deep.test_accuracy:.1f}%"
    assert rows["Fat, test"][0] == f"{100 * fat.test_accuracy:.1f}%"
    text = "\n".join(m.value for m in at.markdown)
    outcome = run.outcomes()[0]
    expected_head = {"deep": "deep won at every budget", "fat": "fat won at every budget",
                     "tie": "neither shape won clearly"}[outcome.winner]
    assert expected_head in text
    assert f"{100 * outcome.margin:+.1f} points (deep − fat)" in text
    assert "5×2k 17.2% against 1×3772 22.5%" in text   # speech, from the lecture table
    assert any("2 networks trained in" in c.value for c in at.caption)


def test_invalid_choice_keeps_the_last_results(small_run):
    at = small_run
    before = at.session_state["deep_fat_run"]
    at.button_group(key="dof_budgets").set_value([])
    at.button(key="dof_run").click().run()
    assert not at.exception
    assert "choose at least one parameter budget" in at.error[0].value
    assert at.session_state["deep_fat_run"] is before
    assert list(at.dataframe[0].value["Budget"]) == ["5,000"]


def test_results_belong_to_one_session(small_run):
    other = open_page()
    assert other.session_state["deep_fat_run"] is None
    assert small_run.session_state["deep_fat_run"] is not None
    assert not other.dataframe


# --- the page's charts and words, without Streamlit ------------------------------------------
def _trials(accuracies):
    """Trials from {budget: (deep accuracy, fat accuracy)}, one seed each."""
    out = []
    for budget, (deep, fat) in accuracies.items():
        out.append(experiments.Trial(budget, "deep", (50, 50, 50), budget, 0, deep, deep + 0.01, 1.0))
        out.append(experiments.Trial(budget, "fat", (80,), budget + 40, 0, fat, fat, 1.0))
    return out


@pytest.mark.parametrize(("accuracies", "head"), [
    ({5_000: (0.95, 0.85), 20_000: (0.97, 0.90)}, "deep won at every budget**, as it did on speech"),
    ({5_000: (0.85, 0.95), 20_000: (0.90, 0.97)}, "fat won at every budget**: the opposite"),
    ({5_000: (0.93, 0.925), 20_000: (0.94, 0.945)}, "neither shape won clearly"),
    ({5_000: (0.95, 0.85), 20_000: (0.94, 0.945)}, "deep was clearly ahead at 1, fat at 0, and 1 of 2"),
])
def test_findings_say_what_this_run_showed(accuracies, head):
    from ui.views import deep_fat_view as view

    trials = _trials(accuracies)
    lines = view.findings(experiments.summarize(trials, n_test=1000), trials)
    assert head in lines[0]
    deep_train = 100 * np.mean([t.train_accuracy for t in trials if t.family == "deep"])
    assert f"deep networks reached {deep_train:.1f}%" in lines[2]
    assert "5×2k 17.2% against 1×3772 22.5%; 7×2k 17.1% against 1×4634 22.6%" in lines[3]


def test_charts_have_labelled_axes():
    from ui.views import deep_fat_view as view

    trials = _trials({5_000: (0.9, 0.89), 20_000: (0.93, 0.92)})
    fig = view.accuracy_figure(trials)
    assert fig.layout.xaxis.title.text == "parameters: weights + biases (log scale)"
    assert fig.layout.yaxis.title.text == "test accuracy (%) on 1,000 digits"
    assert list(fig.layout.xaxis.ticktext) == ["5.0k", "20k"]
    means = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert [list(trace.y) for trace in means] == [[90.0, 93.0], [89.0, 92.0]]
    fit = experiments.fit_curve("abs", 3)
    curve = view.curve_figure(fit, show_parts=True)
    assert len(curve.data) == 3 + 2                       # 3 neurons' shares, target, fit
    assert curve.layout.xaxis.title.text == "input x (no unit)"
    errors = view.error_figure((1, 2), [0.5, 0.1], 2)
    assert errors.layout.yaxis.title.text == "mean squared error (log scale)"
    assert view.shape_name((53, 53, 53)) == "3×53" and view.shape_name((8, 4)) == "8-4"


# --- the closing question, answered both ways: where depth wins, where it hurts -------------------
@pytest.fixture(scope="module")
def depth_runs():
    """One session that ran "where depth wins" (k = 5, seed 1) and "where depth hurts" (the defaults)."""
    at = open_page()
    at.slider(key="dof_wins_k_widget").set_value(5).run()
    at.number_input(key="dof_wins_seed_widget").set_value(1).run()
    # Each experiment takes 5-25 s on a quiet 2-core machine; leave room for a busy one.
    at.button(key="dof_wins_run").click().run(timeout=300)
    at.button(key="dof_hurts_run").click().run(timeout=300)
    assert not at.exception, at.exception
    return at


def _table(at, column):
    """The first table on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_where_depth_wins_shows_the_lessons_numbers(depth_runs):
    from lessons import depth_wins

    at = depth_runs
    run = at.session_state["depth_wins_run"]
    result = run.result
    assert (result.k, result.seed) == (5, 1)
    # The page ran the lesson function: the same numbers come from calling it directly, from the seed shown.
    again = depth_wins.depth_wins(k=5, seed=1)
    assert [n.mse for n in result.nets] == [n.mse for n in again.nets]
    assert result.fat_bound == again.fat_bound
    rows = _table(at, "Linear pieces, at most")
    assert list(rows["Network"]) == ["deep, built by hand", "fat, built by hand", "fat, trained (best run)",
                                     "deep, trained (best run)", "any fat network this size (proved floor)"]
    assert set(rows["Parameters"]) == {6 * 5 + 1}                     # equal parameter counts: 31 each
    assert list(rows["Layers × ReLUs"]) == ["5 × 2", "1 × 10", "1 × 10", "5 × 2", "1 × 10"]
    assert list(rows["Linear pieces, at most"]) == [32, 11, 11, 32, 11]
    assert rows["Mean squared error"][0] == "0" and result.deep_built.mse == 0.0
    assert list(rows["Mean squared error"][1:4]) == [f"{n.mse:.3g}" for n in result.nets[1:]]
    assert rows["Mean squared error"][4] == f"≥ {result.fat_bound:.3g}"
    assert result.fat_trained.mse >= result.fat_bound > 0.03                 # no fat network beats the floor
    assert result.deep_trained.mse > 0.08                                                 # training fails
    text = "\n".join(m.value for m in at.markdown)
    assert f"ends at mean squared error **{result.deep_trained.mse:.3g}**" in text
    assert "Gradient descent does not find the deep construction here" in text
    assert f"can get below **{result.fat_bound:.3g}**" in text
    assert any(f"Seed 1; computed in {result.seconds:.1f} s" in c.value for c in at.caption)
    assert len(_table(at, "Hidden layers with the same output for every x")) == 7   # every run, failures too
    # The k slider moved on: the results say which k they are for.
    at.slider(key="dof_wins_k_widget").set_value(6).run()
    assert any("These results are for k = 5, seed 1" in c.value for c in at.caption)


def test_where_depth_hurts_shows_the_gradient_sizes_backprop_gives(depth_runs):
    from lessons import depth_hurts
    from nnlib import datasets

    at = depth_runs
    result = at.session_state["depth_hurts_run"].result
    (X, y), _ = datasets.digits()
    rows = _table(at, "|∂(L/N)/∂w|, layer 1")
    assert len(rows) == 9
    for i, (family, depth) in enumerate((f, d) for f in ("sigmoid", "sigmoid_x4", "relu") for d in (2, 5, 8)):
        g = depth_hurts.gradient_sizes(depth_hurts.depth_network(family, depth, 64), X[:1000], y[:1000])
        np.testing.assert_array_equal(result.gradient(family, depth).mean_abs_grad, g.mean_abs_grad)
        assert rows["Layers"][i] == depth
        assert rows["|∂(L/N)/∂w|, layer 1"][i] == f"{g.mean_abs_grad[0]:.2e}"
        assert rows["output layer"][i] == f"{g.mean_abs_grad[-1]:.2e}"
        assert rows["Test right"][i] == f"{100 * result.curve(family, depth).test_accuracy[-1]:.1f}%"
    sig8 = result.gradient("sigmoid", 8).mean_abs_grad
    assert sig8[0] < 1e-5 * sig8[-1]                                   # vanishes towards the input
    text = "\n".join(m.value for m in at.markdown)
    assert f"is {sig8[0]:.1e} in layer 1 and {sig8[-1]:.1e} in the output layer" in text
    assert "More hidden layers is not automatically better" in text
    chart = plotly_spec(at, "dof_hurts_grad_sigmoid")
    assert chart["layout"]["yaxis"]["type"] == "log"
    assert chart["data"][-1]["name"] == "8 hidden layers"
    np.testing.assert_array_equal(_values(chart["data"][-1]["y"]), sig8)   # the chart draws these numbers


def _values(values) -> np.ndarray:
    """Plotly sends NumPy arrays as {'dtype', 'bdata'} (base64); lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values)


def test_the_step_target_says_it_is_not_continuous():
    at = open_page()
    assert not at.warning
    at.selectbox(key="dof_target").set_value("step").run()
    fit = experiments.fit_curve("step", 4, seed=0)
    note = at.warning[0].value
    assert "**Not continuous.**" in note and "*continuous* functions only" in note
    miss = np.abs(fit.fit - fit.target)
    assert f"largest miss where |x| ≥ 0.1: {miss[np.abs(fit.x) >= 0.1].max():.2g}" in note
    assert f"but not across it (largest miss: {miss.max():.2g}" in note
    # Every mention of the theorem says it is about continuous functions.
    texts = [m.value for m in at.markdown] + [h.value for h in at.header] + [note]
    for text in texts:
        if "universality" in text or "any curve" in text or "any continuous" in text:
            assert "continuous" in text, text


def test_the_speech_table_does_not_call_1x16k_the_same_size():
    at = open_page()
    markdown = "\n".join(m.value for m in at.markdown)
    assert "| Deep | WER | Fat: one hidden layer | WER |" in markdown
    assert "| 5×2k | 17.2 | 1×3772 | 22.5 |" in markdown
    assert "|  |  | 1×16k (much larger) | 22.1 |" in markdown
    assert "same size" not in markdown.lower()
    caption = next(c.value for c in at.caption if "Seide" in c.value)
    assert "1×16k has no deep partner" in caption and "much larger than any deep network" in caption


def test_the_fat_floor_is_explained_whether_or_not_it_bites():
    from lessons import depth_wins
    from ui.views import depth_view as view

    assert view.FLOOR_FROM_K == 5                                       # 2^(k−1) teeth > 2k ReLUs from k = 5
    small = depth_wins.depth_wins(k=4, tries=1, steps=50, n_points=257)
    assert small.fat_bound == 0.0 and "gives no floor (0)" in view.floor_explanation(small)
    assert "from k = 5 on it is above 0" in view.wins_findings(small, tries=1)[0]
    large = depth_wins.depth_wins(k=6, tries=1, steps=50, n_points=257)
    text = view.floor_explanation(large)
    assert f"at least {32 - 12} of the 32 teeth contain no bend" in text
    assert f"**{large.fat_bound:.3g}**, whatever the weights" in text


# --- the page in Chinese ----------------------------------------------------------------------
def _main_texts(at) -> list[str]:
    """Every text the page's main area shows."""
    return shown_texts(at, at.main)


def _assert_chinese(at) -> str:
    """No English sentence is left in the main area; returns its texts joined, for the glossary checks."""
    assert not at.exception, at.exception
    texts = _main_texts(at)
    assert english_leftovers(texts) == []
    return "\n".join(texts)


def test_the_page_reads_in_chinese_before_a_run():
    at = switch_language(open_page(), "zh")
    text = _assert_chinese(at)
    assert at.title[0].value == i18n.in_language("zh", "Deep or fat?") != "Deep or fat?"
    for term in ("普遍性定理", "深层网络", "胖网络", "参数", "隐藏层", "神经元", "反向传播", "梯度下降"):
        assert term in text, term
    assert at.metric[0].label == "均方误差"
    # The other choices and states of section 1: one neuron, its share drawn, the step with its warning.
    at.select_slider(key="dof_neurons").set_value(1).run()
    at.toggle(key="dof_parts").set_value(True).run()
    at.selectbox(key="dof_target").set_value("step").run()
    text = _assert_chinese(at)
    assert "**不连续。**" in at.warning[0].value and "阶跃" in at.warning[0].value
    # A refused choice says why, in Chinese.
    at.button_group(key="dof_budgets").set_value([])
    at.button(key="dof_run").click().run()
    _assert_chinese(at)
    assert "请至少选择一个参数预算" in at.error[0].value
    # Back to English: the curve stays the step, and the browser is told so in English.
    switch_language(at, "en")
    target = at.selectbox(key="dof_target")
    assert target.value == "step" and target.proto.set_value
    assert target.proto.raw_value == experiments.TARGETS["step"][0]


def test_finished_runs_read_in_chinese_and_switching_keeps_them(small_run, depth_runs):
    for at in (small_run, depth_runs):
        runs = {key: at.session_state[key] for key in ("deep_fat_run", "depth_wins_run", "depth_hurts_run")}
        try:
            switch_language(at, "zh", timeout=300)
            text = _assert_chinese(at)
            assert all(at.session_state[key] is run for key, run in runs.items())   # nothing restarted
            assert at.dataframe
            for table in at.dataframe:   # the tables' headers and words (not walked by shown_texts)
                frame = table.value
                cells = [str(v) for column in frame.columns if frame[column].dtype == object for v in frame[column]]
                assert english_leftovers([str(c) for c in frame.columns] + cells) == []
        finally:
            switch_language(at, "en", timeout=300)
        assert not at.exception and at.title[0].value == "Deep or fat?"
        assert "普遍性定理" in text and "深层网络" in text and "胖网络" in text and "参数" in text


def _figure_texts(fig) -> list[str]:
    return list(_spec_strings(json.loads(fig.to_json())))


def test_every_finding_progress_text_and_chart_reads_in_chinese():
    """The views' branches that one run does not reach, and the progress texts, in Chinese."""
    from lessons import depth_hurts, depth_wins
    from ui.sections import deep_or_fat_run
    from ui.views import deep_fat_view, depth_view

    with i18n.using("zh"):
        texts = []
        for accuracies in ({5_000: (0.95, 0.85), 20_000: (0.97, 0.90)}, {5_000: (0.85, 0.95), 20_000: (0.90, 0.97)},
                           {5_000: (0.93, 0.925), 20_000: (0.94, 0.945)}, {5_000: (0.95, 0.85), 20_000: (0.94, 0.945)},
                           {5_000: (0.95, 0.85)}):
            trials = _trials(accuracies)
            outcomes = experiments.summarize(trials, n_test=1000)
            texts += deep_fat_view.findings(outcomes, trials)
            texts += [f"{key} {value}" for row in deep_fat_view.outcome_rows(outcomes) for key, value in row.items()]
            texts += _figure_texts(deep_fat_view.accuracy_figure(trials))
        texts += [deep_fat_view.seide_markdown(), deep_fat_view.seide_note()]
        fit = experiments.fit_curve("step", 3)
        texts += [deep_fat_view.jump_note(fit), *_figure_texts(deep_fat_view.curve_figure(fit, True)),
                  *_figure_texts(deep_fat_view.error_figure((1, 2), [0.5, 0.1], 2))]

        for k in (3, 5):   # no floor (k < 5) and a floor
            result = depth_wins.depth_wins(k=k, tries=1, steps=30, n_points=257)
            texts += [depth_view.floor_explanation(result), *depth_view.wins_findings(result, tries=1)]
            texts += [f"{key} {value}" for row in depth_view.wins_rows(result) + depth_view.attempt_rows(result)
                      for key, value in row.items()]
            texts += _figure_texts(depth_view.attempts_figure(result, 30))
            for net, title, color in depth_view.wins_panels(result):
                texts += _figure_texts(depth_view.sawtooth_figure(result, net, title, color))
        hurts = depth_hurts.depth_hurts(depths=(2, 3), width=8, epochs=2, n_train=64, n_test=32)
        texts += depth_view.hurts_findings(hurts)
        texts += [f"{key} {value}" for row in depth_view.hurts_rows(hurts) for key, value in row.items()]
        for family in depth_hurts.FAMILIES:
            texts += _figure_texts(depth_view.gradient_figure(hurts, family, depth_view.gradient_range(hurts)))
            texts += _figure_texts(depth_view.curve_figure(hurts, family, depth_view.curve_top(hurts)))

        texts.append(next(depth_wins.depth_wins_steps(k=3, tries=1, steps=10, n_points=65))[1])
        texts.append(next(depth_hurts.depth_hurts_steps(depths=(2,), width=8, epochs=1, n_train=32, n_test=16))[1])
        run = experiments.DeepFatRun(experiments.DeepFatConfig(budgets=(5_000,), depth=2, epochs=1, seeds=(0,)),
                                     n_test=1000)
        texts.append(deep_or_fat_run.progress_text(run))
        run.trials.append(_trials({5_000: (0.9, 0.8)})[0])
        texts.append(deep_or_fat_run.progress_text(run))
        with pytest.raises(ValueError) as refused:
            experiments.DeepFatConfig(budgets=())
        texts.append(str(refused.value))

    assert english_leftovers(texts) == []
    assert all(text.strip() for text in texts)
    joined = "\n".join(texts)
    for term in ("深层网络", "胖网络", "参数", "隐藏层", "反向传播", "梯度下降", "轮", "交叉熵", "准确率"):
        assert term in joined, term
