"""Step 3, first tab: train the Step 1 network live (settings, Start/Pause/Step once/Reset, live views).

The run is services.training.TrainingRun (on nnlib.Trainer); ui.fragments runs one short slice of it
per tick; the charts are ui.views.live_charts'. Settings are shared with the other pages and with
links through ui.widgets.persistent.
"""

import dataclasses

import streamlit as st

from lessons.grid import plane_grid
from services import limits
from services import training as tr
from ui.fragments import run_in_slices
from ui.views import live_charts as charts
from ui.views import update_rules
from ui.widgets import persistent

SLICE_S = 0.05    # seconds of optimizer steps per redraw at most, so Pause answers quickly
RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
OPTIMIZER_HELP = ("Gradient descent is the lecture's rule. SGD, momentum and Adam are later improvements on it: "
                  "SGD steps on a batch of B examples at a time, momentum adds a velocity, and Adam gives every "
                  "parameter its own step size. The box below writes out the rule in use.")


@st.cache_resource(max_entries=64, show_spinner="Loading the data set…")
def cached_data(dataset: str, noise: float, seed: int) -> tr.Data:
    """Read-only arrays shared by every session (nobody writes to them)."""
    return tr.load_data(dataset, noise, seed)


def shared(name: str, options=None) -> dict:
    """A setting kept in session_state[name] (ui/state.py), shown by the widget ``step3_<name>``."""
    return persistent(name, f"step3_{name}", options=options)


def settings_ui() -> tr.RunSettings:
    spec = st.session_state["spec"]
    with st.container(border=True):
        data_col, opt_col, run_col = st.columns(3)
        with data_col:
            dataset = st.radio("Data set", list(tr.DATASETS), horizontal=True, **shared("dataset", tr.DATASETS),
                               format_func=lambda d: "16×16 digits" if d == "digits" else d)
            noise = st.slider("Noise (toy sets)", min_value=0.0, max_value=0.5, step=0.05,
                              disabled=dataset == "digits", **shared("noise"))
        with opt_col:
            optimizer = st.selectbox("Optimizer", list(tr.OPTIMIZERS), format_func=tr.OPTIMIZERS.get,
                                     **shared("optimizer", list(tr.OPTIMIZERS)), help=OPTIMIZER_HELP)
            rate = st.select_slider("Learning rate η", RATES, format_func=lambda r: f"{r:g}",
                                    **shared("learning_rate", RATES))
        with run_col:
            batch = st.select_slider("Batch size", BATCHES, disabled=optimizer == "gd", **shared("batch_size", BATCHES),
                                     help="Gradient descent uses every training example in each step.")
            epochs_col, seed_col = st.columns(2)
            epochs = epochs_col.number_input("Epochs", min_value=1, max_value=limits.MAX_EPOCHS, step=10,
                                             **shared("epochs"))
            seed = seed_col.number_input("Seed", min_value=0, max_value=9999, step=1, **shared("seed"),
                                         help="Fixes the starting weights, the toy data and the shuffling.")
        st.markdown(f"**Network from Step 1:** {tr.network_line(dataset, spec)}")
        st.page_link("pages/step1_network.py", label="Change the network on Step 1", icon=":material/hub:")
    return tr.RunSettings(dataset, float(noise), int(seed), tuple(spec.hidden), spec.activation,
                          optimizer, float(rate), int(batch), int(limits.check_epochs(int(epochs))))


# --- the buttons' callbacks (each click then reruns the whole page) ----------------------------------
def _start():
    run = st.session_state["train_run"]
    run.running, run.error = True, None


def _pause():
    run = st.session_state["train_run"]
    run.running = False
    run.report_now()  # the numbers and curves catch up with the steps since the last report


def _step_once():
    run = st.session_state["train_run"]
    run.running = False
    run.step_once()


def _reset():
    run = st.session_state["train_run"]
    st.session_state["train_run"] = tr.TrainingRun(run.settings, run.data)


def _set_rate(rate: float):
    st.session_state["learning_rate"] = rate  # the slider follows (ui.widgets.persistent)
    run = st.session_state["train_run"]
    run.retune(dataclasses.replace(run.settings, learning_rate=rate))


def current_rule(run: tr.TrainingRun) -> update_rules.UpdateRule:
    """The rule the next step applies: the run's own optimizer (its η, μ, β's, λ) and batch size."""
    opt = run.trainer.optimizer
    return update_rules.update_rule(opt, None if _full_batch(run) else run.trainer.batch_size)


def _full_batch(run: tr.TrainingRun) -> bool:
    return bool(getattr(run.trainer.optimizer, "full_batch", False))


def update_rule_ui(run: tr.TrainingRun) -> None:
    """The update rule of the chosen optimizer, with its constants, which loss g is of, and where it comes from."""
    rule, s = current_rule(run), run.settings
    size = rf"N = {run.data.X.shape[0]}" if _full_batch(run) else rf"B = {run.trainer.batch_size}"
    with st.container(border=True, key="train_rule"):
        origin = "the lecture's rule" if s.optimizer == "gd" else "a later improvement on the lecture's rule"
        st.markdown(f"**Each training step · {rule.title}**, {origin}")
        formula, words = st.columns([1, 1], vertical_alignment="center")
        with formula:
            st.latex(rule.latex())
            st.latex(rule.values_latex(size))
        with words:
            # Markdown, not a caption: the run's status stays the tab's first caption.
            st.markdown(f"**Which loss:** {rule.note}\n\n{tr.ORIGINS[s.optimizer]}")
            good = tr.GOOD_RATES[s.optimizer]
            if s.learning_rate != good:
                st.button(f"Use η = {good:g}", key="train_good_rate", on_click=_set_rate, args=(good,),
                          help=f"With {tr.OPTIMIZERS[s.optimizer]}, η = {good:g} trained the default network "
                               "on the circle set within 500 epochs.")


def controls(run: tr.TrainingRun) -> None:
    one = (f"Exactly one update of the rule above, with g over all N = {run.data.X.shape[0]} training examples."
           if _full_batch(run) else
           f"Exactly one update of the rule above, with g over the next batch of B = {run.trainer.batch_size}.")
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Start", key="train_start", icon=":material/play_arrow:", type="primary", on_click=_start,
                  disabled=run.running or run.done)
        st.button("Pause", key="train_pause", icon=":material/pause:", on_click=_pause, disabled=not run.running)
        st.button("Step once", key="train_step", icon=":material/skip_next:", on_click=_step_once,
                  help=one)
        st.button("Reset", key="train_reset", icon=":material/restart_alt:", on_click=_reset,
                  help="Start again from the random θ⁰ that the seed gives.")


def _evaluate_full():
    st.session_state["train_run"].evaluate_full()


def status(run: tr.TrainingRun) -> None:
    p, s = run.progress, run.settings
    n, per_epoch = run.data.X.shape[0], run.steps_per_epoch
    full = run.full_progress if run.full_progress and run.full_progress.step == p.step else None
    st.caption(f"**{run.state}** · step {p.step:,} · epoch {p.epoch:.2f} of {s.epochs} · "
               f"{run.trainer.batch_size} examples per step · {per_epoch} step{'s' * (per_epoch != 1)} per epoch")
    if full is not None:
        p, n_eval = full, n
        st.caption(f"The numbers below: all {n:,} training and {run.data.X_test.shape[0]:,} test examples. "
                   f"The curves: {run.sample_note()}.")
    elif run.sampled:
        n_eval = run.trainer.eval_n_train
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(f"Live numbers and curves: {run.sample_note()}.")
            st.button("Evaluate on all examples", key="train_full_eval", on_click=_evaluate_full,
                      disabled=run.running, help="Measure the current network on the whole training and test "
                      "sets (a moment on a large network).")
    else:
        n_eval = n
    with st.container(horizontal=True, gap="large"):
        st.metric("Train loss L/N", f"{p.loss:.4f}", help=f"Mean cross-entropy. The total L = Σ Cⁿ over the "
                  f"{n_eval:,} training examples evaluated is {p.total_loss:.2f}.")
        st.metric("Total L = Σ Cⁿ", f"{p.total_loss:.2f}", help=f"Over the {n_eval:,} training examples evaluated.")
        st.metric("Test loss L/N", f"{p.test_loss:.4f}")
        st.metric("Train accuracy", f"{100 * p.train_accuracy:.1f} %")
        st.metric("Test accuracy", f"{100 * p.test_accuracy:.1f} %")
    if run.error:
        suggestion = tr.lower_rate(RATES, s.learning_rate)
        st.error(f"**The loss exploded, so training stopped.** {run.error} "
                 "The pictures below show that last good model.", icon=":material/warning:")
        if suggestion is not None:
            st.button(f"Use learning rate {suggestion:g}", key="train_lower_rate", on_click=_set_rate,
                      args=(suggestion,))
    elif run.done:
        st.success(f"Finished {s.epochs} epochs. Raise the epochs to train on, or press Reset.")


def live_views(run: tr.TrainingRun) -> None:
    # Vega-Lite, not Plotly, for the charts that redraw while training runs: see ui/views/live_charts.py.
    picture, curves = st.columns([5, 4])
    with curves:
        st.vega_lite_chart(charts.curves_chart(run.history).to_vega_lite(), width="stretch",
                           alt="Training and test loss and accuracy over the epochs so far")
    with picture:
        if run.settings.dataset == "digits":
            st.markdown("**What the first hidden layer looks for**: each neuron's 256 weights as a 16×16 picture "
                        "(blue +, orange −; hover for its range).")
            st.vega_lite_chart(charts.first_layer_chart(run.model).to_vega_lite(), width="content",
                               alt="Each first-layer neuron's weights drawn as a 16 by 16 picture")
            return
        resolution = charts.plane_resolution(run.model.count_params())
        boundary = charts.boundary_chart(plane_grid(run.model, resolution=resolution),
                                         plane_grid(run.model, resolution=12), run.data.X, run.data.y)
        st.vega_lite_chart(boundary.to_vega_lite(), width="content",
                           alt="The network's probability of class 1 over the input plane, with the training points")
        st.caption("Background: the network's P(class 1) at every point of the plane (hover for values); "
                   "dots: the training data.")
    st.markdown("**What each neuron computes** over the input plane (blue +, orange −; each picture has its own "
                "scale; hover for its range)")
    st.vega_lite_chart(charts.neuron_pictures_chart(plane_grid(run.model, resolution=24)).to_vega_lite(),
                       width="content", alt="What each neuron computes over the input plane, one picture per neuron")


def publish(run: tr.TrainingRun) -> None:
    """Hand the trained model to the other pages (the Digits page can use it)."""
    if run.progress.step > 0:
        st.session_state["model"] = run.model
        st.session_state["model_dataset"] = run.settings.dataset


def render() -> None:
    """The training tab: settings, the buttons, then status and live views that redraw while training runs."""
    try:
        run = tr.resume_or_start(st.session_state["train_run"], settings_ui(),
                                 lambda s: cached_data(s.dataset, s.noise, s.seed))
    except ValueError as exc:  # a network or epoch count over this server's limits
        st.error(f"This run cannot start: {exc}")
        return
    st.session_state["train_run"] = run
    # The buttons sit outside the fragment: a click reruns the whole page, which also
    # switches the fragment's timer on (Start) or off (Pause, Step once, Reset).
    update_rule_ui(run)
    controls(run)

    def show():
        publish(run)
        status(run)
        live_views(run)

    run_in_slices(lambda report: run.run_slice(SLICE_S), active=lambda: run.running, show=show)
