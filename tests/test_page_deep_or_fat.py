"""The "Deep or fat?" page, headless (AppTest): universality fit, the experiment, its findings."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

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
    assert fig.layout.yaxis.title.text == "test accuracy (% of 1,000 digits)"
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
