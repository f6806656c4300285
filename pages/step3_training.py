"""Step 3 · Pick the best function: train the network, watch gradient descent, follow backprop.

UI only: training runs in ui.training.TrainingRun (on nnlib.Trainer), the path and the
backprop numbers come from nnlib.descent, model.backprop and nnlib.gradient_check.
"""

import dataclasses

import streamlit as st

import nnlib
from nnlib import descent
from nnlib.grid import plane_grid
from ui import gradient_views as gv
from ui import training as tr
from ui.network_figure import model_figure

TICK_S = 0.2      # the live view redraws 5 times a second while training runs
SLICE_S = 0.1     # seconds of optimizer steps per tick, so Pause answers quickly
RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
PATH_RATES = [0.01, 0.03, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0]
PLOT_CONFIG = {"displayModeBar": False}


# --- settings shared with other pages --------------------------------------------------------
def _widget_key(name: str, options=None) -> str:
    """A widget key for the shared setting session_state[name]; the widget starts from it.

    Streamlit forgets a widget's own key when another page is shown, so the value is kept
    under ``name`` (declared in ui/state.py) and copied back when this page returns.
    """
    key = f"step3_{name}"
    if key not in st.session_state:
        value = st.session_state[name]
        if options is not None and value not in options:  # snap a foreign value onto the slider
            value = min(options, key=lambda o: abs(o - value))
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
                             max_value=nnlib.limits.MAX_EPOCHS, step=10)
            seed = _shared(seed_col.number_input, "Seed", "seed", min_value=0, max_value=9999, step=1,
                           help="Fixes the starting weights, the toy data and the shuffling.")
        n_in = "256 pixels" if dataset == "digits" else "x1, x2"
        n_out = "10 digits" if dataset == "digits" else "2 classes"
        hidden = " → ".join(str(h) for h in spec.hidden) or "no hidden layer"
        st.markdown(f"**Network from Step 1:** {n_in} → {hidden} ({spec.activation}) → {n_out} (softmax)")
        st.page_link("pages/step1_network.py", label="Change the network on Step 1", icon="1️⃣")
    return tr.RunSettings(dataset, float(noise), int(seed), tuple(spec.hidden), spec.activation,
                          optimizer, float(rate), int(batch), int(nnlib.limits.check_epochs(int(epochs))))


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
    state = ("training…" if run.running else "finished" if run.done else "ready" if p.step == 0 else "paused")
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
    picture, curves = st.columns([5, 4])
    with curves:
        st.plotly_chart(tr.curves_figure(run.history, "loss"), key="train_loss_chart", config=PLOT_CONFIG)
        st.plotly_chart(tr.curves_figure(run.history, "accuracy"), key="train_accuracy_chart", config=PLOT_CONFIG)
    with picture:
        if run.settings.dataset == "digits":
            st.markdown("**What the first hidden layer looks for**: each neuron's 256 weights as a 16×16 picture "
                        "(blue +, orange −).")
            st.plotly_chart(tr.first_layer_figure(run.model), key="train_weights_chart", config=PLOT_CONFIG)
            return
        grid = plane_grid(run.model, resolution=50)
        st.plotly_chart(tr.boundary_figure(grid, run.data.X, run.data.y), key="train_boundary_chart",
                        config=PLOT_CONFIG)
        st.caption("Background: the network's P(class 1) at every point of the plane; dots: training data.")
    st.markdown("**What each neuron computes** over the input plane (blue +, orange −; hover for values)")
    # Coarser tiles: 24 neurons of 24×24 cells redraw far faster than of 50×50, and look the same at this size.
    st.plotly_chart(tr.neuron_tiles_figure(plane_grid(run.model, resolution=24)), key="train_neurons_chart",
                    config=PLOT_CONFIG)


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


# --- the path of gradient descent --------------------------------------------------------------
@st.cache_data
def descent_surface() -> descent.LossSurface:
    return descent.loss_surface(descent.TINY_DATA)


@st.cache_data
def descent_minimum() -> tuple[float, float]:
    return descent.TINY_DATA.minimum()


def descent_section() -> None:
    problem = descent.TINY_DATA
    st.markdown(
        "One sigmoid neuron, **y = σ(w·x + b)**, fits 8 points on a line. It has just two parameters, "
        "θ = (w, b), so the total loss **L(w, b) = Σ Cⁿ** is a landscape you can see whole. Pick where "
        "gradient descent starts and how big its steps are; each step is **θ ← θ − η ∇L(θ)**.")
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns(4)
        w0 = c1.slider("Start w⁰", -3.0, 5.0, -2.0, 0.1, key="path_w0")
        b0 = c2.slider("Start b⁰", -8.0, 4.0, 2.0, 0.1, key="path_b0")
        rate = c3.select_slider("Learning rate η", PATH_RATES, value=0.1, key="path_rate")
        steps = c4.slider("Steps", 0, 100, 30, key="path_steps")
    path = descent.descent_path(problem, (w0, b0), rate, steps)
    best = descent_minimum()
    contour, side = st.columns([3, 2])
    contour.plotly_chart(gv.descent_figure(descent_surface(), path, best), key="path_chart", config=PLOT_CONFIG)
    with side:
        st.plotly_chart(gv.path_loss_figure(path, float(problem.loss(*best))), key="path_loss_chart",
                        config=PLOT_CONFIG)
        st.plotly_chart(gv.neuron_fit_figure(problem, path.thetas[-1]), key="path_fit_chart", config=PLOT_CONFIG)
    rises = [k for k in range(path.steps) if path.losses[k + 1] > path.losses[k]]
    if rises:
        st.warning(f"With η = {rate:g} the loss went **up** at step {rises[0] + 1}: the step jumped across the "
                   "valley. A smaller learning rate takes smaller, safer steps.", icon=":material/trending_up:")
    if path.steps:
        (w, b), (gw, gb), (w1, b1) = path.thetas[0], path.gradients[0], path.thetas[1]
        st.markdown("**The first step, with its numbers:**")
        st.latex(rf"\begin{{aligned}}\theta^1 &= \theta^0 - \eta\,\nabla L(\theta^0) \\ "
                 rf"&= ({w:.3f},\ {b:.3f}) - {rate:g}\,({gw:.3f},\ {gb:.3f}) \\ "
                 rf"&= ({w1:.3f},\ {b1:.3f})\end{{aligned}}")
        st.caption(f"L went from {path.losses[0]:.3f} to {path.losses[-1]:.3f} in {path.steps} steps; the "
                   f"lowest possible L is {float(problem.loss(*best)):.3f}, at w = {best[0]:.2f}, b = {best[1]:.2f}.")
    with st.expander("Every step as numbers"):
        st.dataframe(gv.path_table(path, rows=path.steps + 1), hide_index=True, key="path_table")


# --- backprop step by step -------------------------------------------------------------------------
def backprop_section() -> None:
    st.markdown(
        "Backpropagation on the lecture's network: **∂C/∂w = ∂z/∂w · ∂C/∂z**. The forward pass gives every "
        "∂z/∂w (the value on the input side of the link); the backward pass carries ∂C/∂z from the output back, "
        "each neuron multiplying by σ′(z), like a neuron running in reverse.")
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns(4)
        x1 = c1.number_input("Input x1", -5.0, 5.0, 1.0, 0.5, key="bp_x1")
        x2 = c2.number_input("Input x2", -5.0, 5.0, -1.0, 0.5, key="bp_x2")
        target = c3.radio("Target ŷ", [(1.0, 0.0), (0.0, 1.0)], key="bp_target", horizontal=True,
                          format_func=lambda t: f"({t[0]:g}, {t[1]:g})")
        loss = c4.radio("Loss C", ["mse", "cross_entropy"], key="bp_loss", horizontal=True,
                        format_func={"mse": "squared error", "cross_entropy": "cross-entropy"}.get)
    model = nnlib.presets.lecture_network(loss=loss)
    x = (x1, x2)
    steps = gv.backprop_steps(model, x, target)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button("Back", key="bp_back", icon=":material/chevron_left:", on_click=_move_step, args=(-1, len(steps)),
                  disabled=st.session_state.get("bp_step", 1) <= 1)
        st.button("Next", key="bp_next", icon=":material/chevron_right:", on_click=_move_step,
                  args=(1, len(steps)), disabled=st.session_state.get("bp_step", 1) >= len(steps))
        k = st.slider("Walk through backprop, one neuron at a time", 1, len(steps), key="bp_step",
                      format=f"step %d of {len(steps)}")
    step = steps[k - 1]
    formulas, picture = st.columns([1, 1])
    with formulas:
        st.markdown(f"**Step {k} of {len(steps)} · {step.title}**")
        for line in step.latex:
            st.latex(line)
    with picture:
        st.plotly_chart(backprop_network_figure(x, target, loss, k), key="bp_network_chart", config=PLOT_CONFIG)
        st.caption("Inside each neuron its output a, under it z; red: the neuron of this step. "
                   "In the backward pass each neuron reached so far shows its ∂C/∂z.")
    table = gv.gradient_table(model, x, target)
    st.markdown("**Every gradient: backprop against the definition**")
    st.dataframe(table, hide_index=True, key="bp_table", height=38 + 35 * len(table), column_order=[
        "parameter", "∂z/∂w", "∂C/∂z", "backprop ∂C/∂w", "finite difference", "relative error", "link"], column_config={
        c: st.column_config.NumberColumn(format="%.6f") for c in table.columns[2:-1]} | {
        "relative error": st.column_config.NumberColumn(format="%.1e")})
    st.caption(f"Finite difference: (C(w + ε) − C(w − ε)) / 2ε with ε = 10⁻⁶, in float64. The largest "
               f"relative error is {table['relative error'].max():.1e}: backprop gives the same derivatives, "
               "all of them from one forward and one backward pass.")


def _move_step(delta: int, n: int) -> None:
    st.session_state["bp_step"] = min(max(st.session_state.get("bp_step", 1) + delta, 1), n)


@st.cache_resource(max_entries=512)
def backprop_network_figure(x, target, loss: str, k: int):
    """The lecture network at step k, the current neuron in red. Cached read-only (drawing it takes ~0.1 s)."""
    model = nnlib.presets.lecture_network(loss=loss)
    steps = gv.backprop_steps(model, x, target)
    step = steps[k - 1]
    return model_figure(model, x, highlight=(step.layer - 1, step.neuron, None),
                        node_text=_delta_text(model, x, target, steps, k), height=330)


def _delta_text(model, x, target, steps, k) -> list[list[str]]:
    """Under each neuron the backward pass has reached so far, its ∂C/∂z."""
    layers = model.backprop([x], [target], reduction="sum")
    reached = {(s.layer, s.neuron) for s in steps[:k] if s.phase == "backward"}
    text = [[""] * model.n_in]
    for l, lb in enumerate(layers, start=1):
        text.append([f"∂C/∂z={lb.delta[0, j]:.3f}" if (l, j) in reached else "" for j in range(lb.z.shape[1])])
    return text


st.title("Step 3 · Pick the best function")
st.markdown("Start from a random θ⁰, compute the gradient ∇L, step downhill **θ ← θ − η∇L**, and repeat. "
            "Backpropagation computes ∇L efficiently.")
train_tab, path_tab, backprop_tab = st.tabs(["Train a network", "The path of gradient descent",
                                             "Backprop, step by step"])
with train_tab:
    training_section()
with path_tab:
    descent_section()
with backprop_tab:
    backprop_section()
