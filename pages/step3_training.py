"""Step 3 · Pick the best function: train the network, watch gradient descent, follow backprop.

UI only. This file is the training tab: settings, Start/Pause/Step once/Reset and a
fragment that runs one short slice of ui.training.TrainingRun (on nnlib.Trainer) per tick.
The other tabs live in ui/step3_path.py and ui/step3_backprop.py.
"""

import dataclasses
import math

import streamlit as st

from lessons.grid import plane_grid
from services import limits
from services import training as tr
from ui.sections import step3_backprop, step3_path
from ui.views import live_charts as charts

TICK_S = 0.12     # the live views ask for a redraw about 8 times a second while training runs
SLICE_S = 0.05    # seconds of optimizer steps per redraw at most, so Pause answers quickly
RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]


# --- settings shared with other pages --------------------------------------------------------
def _widget_key(name: str, options=None) -> str:
    """A widget key for the shared setting session_state[name]; the widget starts from it.

    Streamlit forgets a widget's own key when another page is shown, so the value is kept
    under ``name`` (declared in ui/state.py) and copied back when this page returns.
    """
    key = f"step3_{name}"
    if key not in st.session_state:
        value = st.session_state[name]
        if options is not None and value not in options:
            # A value from a shared link may fall between the slider's stops: take the nearest
            # (on a log scale, as the stops are), and keep the shared state in step with it.
            value = min(options, key=lambda o: abs(math.log(o / value)) if value > 0 else o)
            st.session_state[name] = value
        st.session_state[key] = value
    return key


def _keep(name: str) -> None:
    st.session_state[name] = st.session_state[f"step3_{name}"]


def _shared(widget, label, name, options=None, **kwargs):
    if options is not None:
        kwargs["options"] = options
    return widget(label, key=_widget_key(name, options), on_change=_keep, args=(name,), **kwargs)


@st.cache_resource(max_entries=64, show_spinner="Loading the data set…")
def cached_data(dataset: str, noise: float, seed: int) -> tr.Data:
    """Read-only arrays shared by every session (nobody writes to them)."""
    return tr.load_data(dataset, noise, seed)


# --- training ------------------------------------------------------------------------------------
def settings_ui() -> tr.RunSettings:
    spec = st.session_state["spec"]
    with st.container(border=True):
        data_col, opt_col, run_col = st.columns(3)
        with data_col:
            dataset = _shared(st.radio, "Data set", "dataset", list(tr.DATASETS), horizontal=True,
                              format_func=lambda d: "16×16 digits" if d == "digits" else d)
            noise = _shared(st.slider, "Noise (toy sets)", "noise", min_value=0.0, max_value=0.5, step=0.05,
                            disabled=dataset == "digits")
        with opt_col:
            optimizer = _shared(st.selectbox, "Optimizer", "optimizer", list(tr.OPTIMIZERS),
                                format_func=tr.OPTIMIZERS.get)
            rate = _shared(st.select_slider, "Learning rate η", "learning_rate", RATES,
                           format_func=lambda r: f"{r:g}")
        with run_col:
            batch = _shared(st.select_slider, "Batch size", "batch_size", BATCHES, disabled=optimizer == "gd",
                            help="Gradient descent uses every training example in each step.")
            epochs_col, seed_col = st.columns(2)
            epochs = _shared(epochs_col.number_input, "Epochs", "epochs", min_value=1,
                             max_value=limits.MAX_EPOCHS, step=10)
            seed = _shared(seed_col.number_input, "Seed", "seed", min_value=0, max_value=9999, step=1,
                           help="Fixes the starting weights, the toy data and the shuffling.")
        n_in = "256 pixels" if dataset == "digits" else "x1, x2"
        n_out = "10 digits" if dataset == "digits" else "2 classes"
        hidden = " → ".join(str(h) for h in spec.hidden) or "no hidden layer"
        st.markdown(f"**Network from Step 1:** {n_in} → {hidden} ({spec.activation}) → {n_out} (softmax)")
        st.page_link("pages/step1_network.py", label="Change the network on Step 1", icon=":material/hub:")
    return tr.RunSettings(dataset, float(noise), int(seed), tuple(spec.hidden), spec.activation,
                          optimizer, float(rate), int(batch), int(limits.check_epochs(int(epochs))))


def current_run(settings: tr.RunSettings) -> tr.TrainingRun:
    """The session's run for these settings: a new one for new data or a new network, else retuned."""
    run = st.session_state["train_run"]
    if run is None or run.settings.network_key() != settings.network_key():
        data = cached_data(settings.dataset, settings.noise, settings.seed)
        run = tr.TrainingRun(settings, data)
        st.session_state["train_run"] = run
    elif run.settings != settings:
        run.retune(settings)
    return run


def _start():
    run = st.session_state["train_run"]
    run.running, run.error = True, None


def _pause():
    st.session_state["train_run"].running = False


def _step_once():
    run = st.session_state["train_run"]
    run.running = False
    run.step_once()


def _reset():
    run = st.session_state["train_run"]
    st.session_state["train_run"] = tr.TrainingRun(run.settings, run.data)


def _lower_rate(rate: float):
    st.session_state["learning_rate"] = st.session_state["step3_learning_rate"] = rate
    run = st.session_state["train_run"]
    run.retune(dataclasses.replace(run.settings, learning_rate=rate))


def controls(run: tr.TrainingRun) -> None:
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Start", key="train_start", icon=":material/play_arrow:", type="primary", on_click=_start,
                  disabled=run.running or run.done)
        st.button("Pause", key="train_pause", icon=":material/pause:", on_click=_pause, disabled=not run.running)
        st.button("Step once", key="train_step", icon=":material/skip_next:", on_click=_step_once,
                  help="One update θ ← θ − η∇L on one batch.")
        st.button("Reset", key="train_reset", icon=":material/restart_alt:", on_click=_reset,
                  help="Start again from the random θ⁰ that the seed gives.")


def status(run: tr.TrainingRun) -> None:
    p, s = run.progress, run.settings
    n = run.data.X.shape[0]
    state = ("training…" if run.running else "stopped: the loss exploded" if run.error else
             "finished" if run.done else "ready" if p.step == 0 else "paused")
    st.caption(f"**{state}** · step {p.step:,} · epoch {p.epoch:.2f} of {s.epochs} · "
               f"{run.trainer.batch_size} examples per step · {run.steps_per_epoch} steps per epoch")
    with st.container(horizontal=True, gap="large"):
        st.metric("Train loss L/N", f"{p.loss:.4f}", help=f"Mean cross-entropy. The total L = Σ Cⁿ over the "
                  f"{n} training examples is {p.total_loss:.2f}.")
        st.metric("Total L = Σ Cⁿ", f"{p.total_loss:.2f}")
        st.metric("Test loss L/N", f"{p.test_loss:.4f}")
        st.metric("Train accuracy", f"{100 * p.train_accuracy:.1f} %")
        st.metric("Test accuracy", f"{100 * p.test_accuracy:.1f} %")
    if run.error:
        suggestion = max(r for r in RATES if r < s.learning_rate) if s.learning_rate > RATES[0] else None
        st.error(f"**The loss exploded, so training stopped.** {run.error} "
                 "The pictures below show that last good model.", icon=":material/warning:")
        if suggestion is not None:
            st.button(f"Use learning rate {suggestion:g}", key="train_lower_rate", on_click=_lower_rate,
                      args=(suggestion,))
    elif run.done:
        st.success(f"Finished {s.epochs} epochs. Raise the epochs to train on, or press Reset.")


def live_views(run: tr.TrainingRun) -> None:
    # Vega-Lite, not Plotly, for the charts that redraw while training runs: see ui/live_charts.py.
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


def training_section() -> None:
    try:
        settings = settings_ui()
        run = current_run(settings)
    except ValueError as exc:  # a network or epoch count over this server's limits
        st.error(f"This run cannot start: {exc}")
        return

    # The buttons sit outside the fragment: a click reruns the whole page, which also
    # switches the fragment's timer on (Start) or off (Pause, Step once, Reset).
    controls(run)
    timer = TICK_S if run.running else None

    @st.fragment(run_every=timer)
    def live():
        # Runs on every tick while training: one bounded slice of steps, then the views redraw.
        run = st.session_state["train_run"]
        if run.running:
            run.run_slice(SLICE_S)
        publish(run)
        if run.running != (timer is not None) or run.settings != settings:
            st.rerun()  # finished, diverged or retuned in here: redraw the whole page, without the timer
        status(run)
        live_views(run)

    live()


st.title("Step 3 · Pick the best function")
st.markdown("Start from a random θ⁰, compute the gradient ∇L, step downhill **θ ← θ − η∇L**, and repeat. "
            "Backpropagation computes ∇L efficiently.")
train_tab, path_tab, backprop_tab = st.tabs(["Train a network", "The path of gradient descent",
                                             "Backprop, step by step"])
with train_tab:
    training_section()
with path_tab:
    step3_path.render()
with backprop_tab:
    step3_backprop.render()
