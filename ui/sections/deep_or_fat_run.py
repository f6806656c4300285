"""Deep or fat?, part 2: start the digits experiment, watch it train, and read what it found.

The experiment is lessons.deep_or_fat.DeepFatRun, kept in st.session_state["deep_fat_run"]. It trains
one network per slice through ui.fragments, and keeps every network it trained, so a rerun (a changed
widget, another page) resumes where it stopped. Charts and words are ui.views.deep_fat_view's.

:class:`StepRun` and :func:`live_steps` run the page's other experiments (lessons.depth_wins,
lessons.depth_hurts) the same way: each is a generator that does one bounded piece of work per step.
"""

from __future__ import annotations

import threading

import streamlit as st

import nnlib
from i18n import _
from lessons import deep_or_fat as experiments
from services import limits
from ui.fragments import run_in_slices
from ui.views import deep_fat_view as view

CPU_BUDGETS = (5_000, 10_000, 20_000, 40_000, 60_000, 100_000, 150_000)
GPU_BUDGETS = CPU_BUDGETS + (200_000, 250_000)  # the fat network tops out at 1,024 neurons (273k)


@st.cache_data(show_spinner=False, max_entries=1)
def digits():
    return nnlib.datasets.digits()


def section() -> None:
    """Section 2: choose budgets, run deep against fat on the digits, the lecture's speech table beside it."""
    on_gpu = nnlib.backend.is_gpu()
    st.header(_("2 · Deep or fat, at the same number of parameters"))
    st.markdown(_("For each parameter budget, a **deep** network (k hidden layers of n neurons) and a **fat** one "
                  "(one hidden layer of m neurons) get the same number of weights and biases (within 2%). Both "
                  "read the 16×16 digits (256 inputs → 10 outputs) and train alike: Adam, learning rate 0.001, "
                  "batches of 64, the same epochs and seeds."))
    budgets = st.pills(_("Parameter budgets (weights + biases per network)"), GPU_BUDGETS if on_gpu else CPU_BUDGETS,
                       selection_mode="multi", default=[5_000, 20_000, 60_000, 150_000], key="dof_budgets",
                       format_func=lambda b: f"{b:,}")
    c1, c2, c3 = st.columns(3)
    depth = c1.slider(_("Deep: hidden layers k"), 2, limits.MAX_HIDDEN_LAYERS, 3, key="dof_depth")
    epochs = c2.slider(_("Epochs"), 5, 60 if on_gpu else 30, 20, step=5, key="dof_epochs")
    n_seeds = c3.slider(_("Seeds per network"), 1, 5, 3, key="dof_seeds",
                        help=_("Each network is trained from this many random starts; the chart shows every one."))
    st.caption(view.sentences(
        _("This server allows at most {layers} hidden layers, {neurons:,} neurons per layer and {params:,} "
          "parameters per network, so the fat network stops at {neurons:,} neurons.").format(
              layers=limits.MAX_HIDDEN_LAYERS, neurons=limits.MAX_NEURONS_PER_LAYER, params=limits.MAX_PARAMS),
        _("Running on a GPU: larger budgets and more epochs are offered.") if on_gpu else
        _("On a GPU server, larger budgets are offered. The default run takes under a minute.")))
    if st.button(_("Run the experiment"), type="primary", key="dof_run"):
        start(budgets, depth, epochs, n_seeds)

    run = st.session_state["deep_fat_run"]
    left, right = st.columns([3, 2], gap="large")
    with right:
        st.markdown(_("**The lecture's table, on speech**"))
        st.markdown(view.seide_markdown())
        st.caption(view.sentences(_("{citation}. Layers × neurons; lower is better.").format(
            citation=_(view.SEIDE_2011_CITATION)), view.seide_note()))
    with left:
        st.markdown(_("**Deep against fat on the 16×16 digits**"))
        live(run)
    findings(run)


def start(budgets, depth: int, epochs: int, n_seeds: int) -> None:
    """A new run in session state, or a message; a refused choice keeps the last results."""
    try:
        config = experiments.DeepFatConfig(budgets=tuple(budgets), depth=depth, epochs=epochs,
                                           seeds=tuple(range(n_seeds)))
        st.session_state["deep_fat_run"] = experiments.DeepFatRun(config, n_test=len(digits()[1][1]))
    except ValueError as exc:  # includes limits.LimitExceeded
        st.error(_("This experiment cannot run: {reason}").format(reason=exc))


def progress_text(run: experiments.DeepFatRun) -> str:
    """What the progress bar says before the next network trains."""
    done = len(run.trials)
    if done == 0:
        return _("Starting…")
    family, spec = run.plan[done][1:3]
    return _("Trained {done} of {total} networks ({seconds:.1f} s) · next: {family} {shape}").format(
        done=done, total=run.total, seconds=run.seconds, family=_(view.FAMILY_NAMES[family]),
        shape=view.shape_name(spec.hidden))


def _advance(run: experiments.DeepFatRun, report) -> None:
    report(len(run.trials) / run.total, progress_text(run))
    run.step(digits())


def _chart(run: experiments.DeepFatRun | None) -> None:
    if run is None or not run.trials:
        st.info(_("Choose budgets and press **Run the experiment**. Results stay here for this browser session."))
    elif not run.finished:  # redrawn after every network: no key, as each one is a new chart
        st.plotly_chart(view.accuracy_figure(run.trials), width="stretch")
    else:
        config = run.config
        st.plotly_chart(view.accuracy_figure(run.trials), key="dof_accuracy_chart", width="stretch")
        st.caption(_("Deep: {depth} hidden layers of equal width · {activation} · {epochs} epochs · {seeds} "
                     "seed(s) per network · {n} networks trained in {seconds:.1f} s on {device}. Faint dots: each "
                     "seed; lines: the mean.").format(
                         depth=config.depth, activation=config.activation, epochs=config.epochs,
                         seeds=len(config.seeds), n=len(run.trials), seconds=run.seconds,
                         device=nnlib.backend.device_description()))


def live(run: experiments.DeepFatRun | None) -> None:
    """The accuracy chart, and while the experiment runs, its networks trained one after another."""
    run_in_slices(lambda report: _advance(run, report), active=lambda: run is not None and not run.finished,
                  show=lambda: _chart(run), tick_s=None)


def findings(run: experiments.DeepFatRun | None) -> None:
    """The table of budgets and the sentences that say what this run showed."""
    outcomes = run.outcomes() if run is not None else []
    if outcomes:
        st.dataframe(view.outcome_rows(outcomes), hide_index=True)
        for line in view.findings(outcomes, run.trials):
            st.markdown(line)


# --- experiments written as step generators ------------------------------------------------
class StepRun:
    """One student's run of a lesson's ``*_steps`` generator, one step per call; safe to share between threads.

    The generator yields ``(fraction done, what comes next)`` between bounded pieces of work and
    returns the result. settings: what was asked for. fraction, text: the last progress reported.
    result: what the generator returned; error: why it stopped instead. As with DeepFatRun, a newer
    script run (Streamlit's fast reruns) waits on the lock for the step in progress.
    """

    def __init__(self, generator, **settings):
        self.settings = settings
        self.fraction, self.text = 0.0, _("Starting…")
        self.result = None
        self.error: str | None = None
        self._steps = generator
        self._lock = threading.Lock()

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None

    def step(self) -> None:
        with self._lock:
            if self.finished:
                return
            try:
                self.fraction, self.text = next(self._steps)
            except StopIteration as done:
                self.result = done.value
            except (ValueError, ArithmeticError) as exc:   # a limit, or a loss that blew up
                self.error = str(exc)

    def __repr__(self):
        state = "finished" if self.result is not None else self.error or f"{self.fraction:.0%}: {self.text}"
        return f"StepRun({self.settings}, {state})"


def finished_result(run: StepRun | None, waiting: str):
    """The run's result once it has one; else says why not (not started yet, or stopped) and returns None."""
    if run is None:
        st.info(waiting)
        return None
    if run.error:
        st.error(_("This experiment stopped: {reason}").format(reason=run.error))
    return run.result


def live_steps(run: StepRun | None, show) -> None:
    """Run ``run`` to the end with a progress bar (ui.fragments), then ``show()`` its views."""
    def advance(report):
        report(run.fraction, run.text)
        run.step()

    run_in_slices(advance, active=lambda: run is not None and not run.finished, show=show, tick_s=None)
