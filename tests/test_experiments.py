"""lessons.deep_or_fat: universality fits, deep/fat pairing at equal size, the experiment and its summary."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import nnlib
from lessons import deep_or_fat as experiments
from lessons.deep_or_fat import DeepFatConfig, Trial
from services import limits
from ui.views import deep_fat_view as view

# The lecture notes live outside the repository (../shared/lecture.md on the team's machines);
# tests/data/ holds a committed copy of their Seide table, so the table is checked in a clean clone too.
LECTURE = Path(__file__).resolve().parents[2] / "shared" / "lecture.md"
LECTURE_TABLE_COPY = Path(__file__).resolve().parent / "data" / "lecture_seide_2011.md"


# --- universality ---------------------------------------------------------------------
def test_universality_network_is_one_sigmoid_layer_with_a_linear_output():
    spec = experiments.universality_spec(12)
    assert spec.sizes == [1, 12, 1]
    assert (spec.activation, spec.output, spec.loss) == ("sigmoid", "linear", "mse")
    assert spec.count_params() == 2 * 12 + 12 + 1      # 12 weights and biases in, 12 weights + 1 bias out
    with pytest.raises(limits.LimitExceeded, match="at most 1024 neurons per layer"):
        experiments.universality_spec(limits.MAX_NEURONS_PER_LAYER + 1)


def test_target_curves_are_the_named_functions():
    x, y = experiments.target_curve("abs", 5)
    np.testing.assert_allclose(x, [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(y, [1, 0.5, 0, 0.5, 1])
    _, step = experiments.target_curve("step", 4)
    assert step.tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="Unknown target curve 'cosh'"):
        experiments.target_curve("cosh")


def test_only_the_step_is_marked_as_not_continuous():
    # The universality theorem covers continuous functions; the page warns beside any other target.
    assert [name for name, (_, _, continuous) in experiments.TARGETS.items() if not continuous] == ["step"]
    assert "not continuous" in experiments.TARGETS["step"][0]


def test_fit_is_the_sum_of_the_neurons_shares_plus_a_bias():
    fit = experiments.fit_curve("wave", 6)
    assert fit.x.shape == fit.target.shape == fit.fit.shape == (experiments.CURVE_POINTS,)
    assert fit.parts.shape == (6, experiments.CURVE_POINTS)
    bias = fit.fit - fit.parts.sum(axis=0)
    assert np.ptp(bias) < 1e-4                       # the same output bias c at every x
    assert fit.mse == pytest.approx(float(np.mean((fit.fit - fit.target) ** 2)), rel=1e-6)


@pytest.mark.parametrize("name", list(experiments.TARGETS))
def test_more_neurons_fit_better(name):
    few, many = experiments.fit_curve(name, 1), experiments.fit_curve(name, 64)
    assert many.mse < few.mse / 10, (few.mse, many.mse)


def test_one_neuron_cannot_draw_a_wave_but_32_can():
    assert experiments.fit_curve("wave", 1).mse > 0.3      # sin(3πx) has variance 0.5
    assert experiments.fit_curve("wave", 32).mse < 0.005


def test_fits_are_reproducible_and_respect_the_epoch_limit():
    a, b = experiments.fit_curve("abs", 8, seed=3), experiments.fit_curve("abs", 8, seed=3)
    np.testing.assert_array_equal(a.fit, b.fit)
    with pytest.raises(limits.LimitExceeded, match="at most 500 epochs"):
        experiments.fit_curve("abs", 8, epochs=limits.MAX_EPOCHS + 1)


# --- deep and fat at equal size ---------------------------------------------------------
def test_hand_computed_pairing_for_20000_parameters():
    pair = experiments.match_deep_and_fat(20_000, depth=3)
    # Deep 3×53: (256+1)·53 + 2·(53+1)·53 + (53+1)·10 = 13,621 + 5,724 + 540 = 19,885.
    assert pair.deep.hidden == (53, 53, 53) and pair.deep.count_params() == 19_885
    # Fat 1×74: (256+1)·74 + (74+1)·10 = 19,018 + 750 = 19,768.
    assert pair.fat.hidden == (74,) and pair.fat.count_params() == 19_768
    assert pair.mismatch == pytest.approx(117 / 19_885)


@pytest.mark.parametrize("depth", range(2, limits.MAX_HIDDEN_LAYERS + 1))
@pytest.mark.parametrize("budget", [5_000, 7_500, 10_000, 20_000, 40_000, 60_000, 100_000, 150_000, 250_000])
def test_pairs_match_within_two_percent_near_the_budget(budget, depth):
    pair = experiments.match_deep_and_fat(budget, depth)
    deep, fat = pair.deep.count_params(), pair.fat.count_params()
    assert abs(deep - fat) / deep <= 0.02
    assert abs(deep - budget) / budget <= 0.10
    assert len(pair.deep.hidden) == depth and len(set(pair.deep.hidden)) == 1
    assert len(pair.fat.hidden) == 1
    assert pair.deep.sizes[0] == pair.fat.sizes[0] == 256 and pair.deep.sizes[-1] == pair.fat.sizes[-1] == 10
    assert deep == nnlib.count_params(pair.deep.sizes)


def test_impossible_pairings_say_why():
    with pytest.raises(ValueError, match="too small to match a 3-layer network"):
        experiments.match_deep_and_fat(1_000, depth=3)
    with pytest.raises(ValueError, match="at least 2 hidden layers"):
        experiments.match_deep_and_fat(20_000, depth=1)
    with pytest.raises(ValueError, match="budget must be a positive whole number"):
        experiments.match_deep_and_fat(-5, depth=3)
    # A fat network of 300,000 parameters needs 1,123 neurons: over the server's limit.
    with pytest.raises(limits.LimitExceeded, match="at most 1024 neurons per layer"):
        experiments.match_deep_and_fat(300_000, depth=3)


def test_config_checks_its_limits():
    with pytest.raises(limits.LimitExceeded, match="at most 500 epochs"):
        DeepFatConfig(epochs=501)
    with pytest.raises(ValueError, match="at least one parameter budget"):
        DeepFatConfig(budgets=())
    assert DeepFatConfig(budgets=(20_000, 5_000, 5_000)).budgets == (5_000, 20_000)


@pytest.fixture(scope="module")
def small_digits():
    (X, y), (Xt, yt) = nnlib.datasets.digits()
    return (X[:600], y[:600]), (Xt[:300], yt[:300])


def test_experiment_trains_every_planned_network_and_resumes_exactly(small_digits):
    config = DeepFatConfig(budgets=(5_000, 10_000), depth=2, epochs=3, seeds=(0, 1), learning_rate=0.01)
    plan = experiments.plan_trials(config)
    assert [(b, f, s) for b, f, _, s in plan] == [
        (5_000, "deep", 0), (5_000, "deep", 1), (5_000, "fat", 0), (5_000, "fat", 1),
        (10_000, "deep", 0), (10_000, "deep", 1), (10_000, "fat", 0), (10_000, "fat", 1)]
    full = list(experiments.run_deep_vs_fat(config, small_digits))
    assert len(full) == 8
    for trial, (budget, family, spec, seed) in zip(full, plan):
        assert (trial.budget, trial.family, trial.hidden, trial.seed) == (budget, family, spec.hidden, seed)
        assert trial.params == spec.count_params()
        assert 0.3 < trial.test_accuracy <= 1.0        # 10 classes: chance is 0.1
    resumed = list(experiments.run_deep_vs_fat(config, small_digits, skip=5))
    # Same seed -> same start, same minibatches: a resumed run repeats the tail exactly.
    assert [t.test_accuracy for t in resumed] == [t.test_accuracy for t in full[5:]]
    assert [t.train_accuracy for t in resumed] == [t.train_accuracy for t in full[5:]]


def _trial(budget, family, acc, seed=0, params=None):
    hidden = (50, 50) if family == "deep" else (80,)
    return Trial(budget, family, hidden, params or budget, seed, acc, acc, 0.1)


def test_summary_calls_a_winner_only_beyond_two_standard_errors():
    trials = [_trial(5_000, "deep", 0.95), _trial(5_000, "fat", 0.90),
              _trial(20_000, "deep", 0.930), _trial(20_000, "fat", 0.925),
              _trial(60_000, "deep", 0.90), _trial(60_000, "fat", 0.96),
              _trial(99_000, "deep", 0.9)]                  # no fat network yet: not summarised
    out = experiments.summarize(trials, n_test=1000)
    assert [o.budget for o in out] == [5_000, 20_000, 60_000]
    # 2·√(0.95·0.05/1000 + 0.90·0.10/1000) = 0.02345
    assert out[0].noise == pytest.approx(0.023452, abs=1e-6)
    assert [o.winner for o in out] == ["deep", "tie", "fat"]
    assert out[0].margin == pytest.approx(0.05)


def test_more_seeds_shrink_the_noise():
    one = experiments.summarize([_trial(5_000, "deep", 0.93), _trial(5_000, "fat", 0.92)], 1000)[0]
    three = experiments.summarize([_trial(5_000, f, 0.93 if f == "deep" else 0.92, seed=s)
                                   for f in ("deep", "fat") for s in range(3)], 1000)[0]
    assert three.noise == pytest.approx(one.noise / np.sqrt(3))


def seide_rows(markdown: str) -> list[tuple]:
    """The rows of a Markdown deep/fat table: (deep, WER, fat, WER), blanks as None, rates as floats."""
    rows = []
    for line in markdown.splitlines():
        # A note in brackets ("1×16k (much larger)") marks a cell; the table's value is what precedes it.
        cells = [re.sub(r"\s*\(.*\)$", "", c.strip()) for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and any(re.fullmatch(r"\d+×\d+k?", c) for c in cells):
            rows.append(tuple(float(c) if re.fullmatch(r"\d+\.\d", c) else (c or None) for c in cells))
    return rows


def test_seide_table_is_the_lecture_table():
    lecture = seide_rows(LECTURE_TABLE_COPY.read_text(encoding="utf-8"))
    assert len(lecture) == 7 and lecture[4] == ("5×2k", 17.2, "1×3772", 22.5)
    assert list(view.SEIDE_2011) == lecture
    assert seide_rows(view.seide_markdown()) == lecture  # and the page's Markdown shows every number
    # The lecture's header says "about the same parameters"; 1×16k has no deep partner and is far larger.
    assert "| 1×16k (much larger) | 22.1 |" in view.seide_markdown()
    assert "same" not in view.seide_markdown().splitlines()[0].lower()


@pytest.mark.skipif(not LECTURE.exists(), reason="the lecture notes (../shared/lecture.md) are not checked out")
def test_the_committed_copy_of_the_seide_table_matches_the_lecture_notes():
    assert seide_rows(LECTURE_TABLE_COPY.read_text(encoding="utf-8")) == seide_rows(LECTURE.read_text(encoding="utf-8"))


def test_a_run_shared_by_two_threads_trains_each_network_once_in_order(small_digits):
    import threading

    config = DeepFatConfig(budgets=(5_000,), depth=2, epochs=1, seeds=(0, 1, 2), learning_rate=0.01)
    run = experiments.DeepFatRun(config, n_test=300)
    assert run.total == 6 and not run.finished

    def worker():  # like an old and a new script run of the page, both calling step()
        while run.step(small_digits) is not None:
            pass

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert run.finished and run.step(small_digits) is None
    assert [(t.family, t.seed) for t in run.trials] == [(f, s) for f in ("deep", "fat") for s in (0, 1, 2)]
    alone = list(experiments.run_deep_vs_fat(config, small_digits))
    assert [t.test_accuracy for t in run.trials] == [t.test_accuracy for t in alone]
    assert run.seconds == pytest.approx(sum(t.seconds for t in run.trials))
    assert [o.budget for o in run.outcomes()] == [5_000]
