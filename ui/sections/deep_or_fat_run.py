"""Deep or fat?, part 2: start the experiment, watch it train, and read what it found.

The experiment is lessons.deep_or_fat.DeepFatRun, kept in st.session_state["deep_fat_run"]. It trains
one network per slice through ui.fragments, and keeps every network it trained, so a rerun (a changed
widget, another page) resumes where it stopped. Charts and words are ui.views.deep_fat_view's.
"""

import streamlit as st

import nnlib
from lessons import deep_or_fat as experiments
from ui.fragments import run_in_slices
from ui.views import deep_fat_view as view


@st.cache_data(show_spinner=False)
def digits():
    return nnlib.datasets.digits()


def start(budgets, depth: int, epochs: int, n_seeds: int) -> None:
    """A new run in session state, or a message; a refused choice keeps the last results."""
    try:
        config = experiments.DeepFatConfig(budgets=tuple(budgets), depth=depth, epochs=epochs,
                                           seeds=tuple(range(n_seeds)))
        st.session_state["deep_fat_run"] = experiments.DeepFatRun(config, n_test=len(digits()[1][1]))
    except ValueError as exc:  # includes limits.LimitExceeded
        st.error(f"This experiment cannot run: {exc}")


def progress_text(run: experiments.DeepFatRun) -> str:
    """What the progress bar says before the next network trains."""
    done = len(run.trials)
    if done == 0:
        return "Starting…"
    _, family, spec, _ = run.plan[done]
    return (f"Trained {done} of {run.total} networks ({run.seconds:.1f} s) · "
            f"next: {family} {view.shape_name(spec.hidden)}")


def _advance(run: experiments.DeepFatRun, report) -> None:
    report(len(run.trials) / run.total, progress_text(run))
    run.step(digits())


def _chart(run: experiments.DeepFatRun | None) -> None:
    if run is None or not run.trials:
        st.info("Choose budgets and press **Run the experiment**. Results stay here for this browser session.")
    elif not run.finished:  # redrawn after every network: no key, as each one is a new chart
        st.plotly_chart(view.accuracy_figure(run.trials), width="stretch")
    else:
        config = run.config
        st.plotly_chart(view.accuracy_figure(run.trials), key="dof_accuracy_chart", width="stretch")
        st.caption(f"Deep: {config.depth} hidden layers of equal width · {config.activation} · {config.epochs} "
                   f"epochs · {len(config.seeds)} seed(s) per network · {len(run.trials)} networks trained in "
                   f"{run.seconds:.1f} s on {nnlib.backend.device_description()}. Faint dots: each seed; "
                   "lines: the mean.")


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
