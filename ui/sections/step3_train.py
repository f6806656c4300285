"""Step 3, first tab: the playground. The whole training story on one screen, as TensorFlow Playground
shows it: a toolbar (run controls and the settings a student changes most), then three columns
(ui/sections/step3_panels.py): the data and input features | the network, changed where it is drawn |
the output over the data with the loss curves. The lecture's explanations are folded below.

Two fragments (see render): the controls' fragment reruns when a control changes, the playground only,
not the page's other tabs; nested in it, the live fragment (ui.fragments.run_in_slices) ticks about
10 times a second while training runs, one short slice of services.training.TrainingRun per tick, and
redraws only what moves, into places the controls' fragment left for it. The network and the output over
the plane are canvases of their own (ui/components/playground_canvas), the loss curves a Vega-Lite chart
with a fixed spec: each picture is replaced by its next frame, never by an empty or a coarse one. A weight
set on the network's canvas reruns the live fragment alone.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from i18n import N_, _, bound, ngettext
from lessons import stable_rate
from services import training as tr
from ui import share
from ui.fragments import run_in_slices
from ui.sections import step3_panels as panels
from ui.sections.step3_panels import shared
from ui.views import update_rules
from ui.widgets import nearest, persistent

NUMBERS_OPEN = "train_numbers_open"  # "All the numbers" is open (st.expander's key)
SLICE_S = 0.05    # seconds of optimizer steps per redraw at most, so Pause answers quickly
RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
REG_RATES = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]  # the Playground's, and 0.0001
ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
# Codes (kept in session state and links) → names, translated where shown (dataset_name).
DATASET_NAMES = {"circle": N_("circle"), "xor": N_("xor"), "gaussian": N_("gaussian"), "spiral": N_("spiral"),
                 "digits": N_("16×16 digits"), "plane": N_("plane (regression)"),
                 "gaussians": N_("gaussians (regression)")}
OPTIMIZER_HELP = N_("Gradient descent is the lecture's rule. SGD, momentum and Adam are later improvements on it: "
                    "SGD steps on a batch of B examples at a time, momentum adds a velocity, and Adam gives every "
                    "parameter its own step size. The update rule below writes out the rule in use.")


def dataset_name(code: str) -> str:
    return _(DATASET_NAMES[code]) if code in DATASET_NAMES else code


def optimizer_name(code: str) -> str:
    return _(tr.OPTIMIZERS[code]) if code in tr.OPTIMIZERS else code


def regularization_name(code: str) -> str:
    return _(tr.REGULARIZATIONS[code]) if code in tr.REGULARIZATIONS else code


def activation_name(code: str) -> str:
    return _("linear") if code == "linear" else code  # relu, tanh and sigmoid keep their names


@st.cache_resource(max_entries=64, show_spinner=False)  # the spinner is data_for's, in the reader's language
def cached_data(dataset: str, noise: float, seed: int, train_percent: int, features: tuple) -> tr.Data:
    """Read-only arrays shared by every session (nobody writes to them)."""
    return tr.load_data(dataset, noise, seed, train_percent, features)


_loaded: set = set()  # the data keys this process has loaded: only a new one shows the spinner


def data_for(settings: tr.RunSettings) -> tr.Data:
    key = settings.data_key()
    if key in _loaded:
        return cached_data(*key)
    with st.spinner(_("Loading the data set…")):
        data = cached_data(*key)
    _loaded.add(key)
    return data


def settings_now() -> tr.RunSettings:
    """The run's settings, as the widgets (and links, and loaded files) left them in session state."""
    ss = st.session_state
    # A value between the widgets' stops (from a shared link) snaps to the nearest stop, as the widget shows it.
    for name, stops in (("learning_rate", RATES), ("reg_rate", REG_RATES[1:]), ("batch_size", panels.BATCHES)):
        if ss[name] not in stops and not (name == "reg_rate" and ss[name] == 0):
            ss[name] = nearest(stops, ss[name])
    return tr.settings_from_state(ss)


def current_run() -> tr.TrainingRun:
    """The run for the settings now: the last one resumed or retuned, or a new one. A setting this
    server refuses (too large a network) keeps the last run, with the reason shown once."""
    run = st.session_state["train_run"]
    try:
        run = tr.resume_or_start(run, settings_now(), data_for)
    except ValueError as exc:
        if run is None:
            raise
        st.session_state["train_notice"] = ("error", _("This setting cannot be used: {reason} The playground keeps "
                                                       "the last run.").format(reason=exc))
    st.session_state["train_run"] = run
    return run


# --- the buttons' callbacks -------------------------------------------------------------------
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
    st.session_state["learning_rate"] = rate  # the widget follows (ui.widgets.persistent)


def _use_preset(preset: dict):
    spec = st.session_state["spec"]
    st.session_state["spec"] = dataclasses.replace(spec, hidden=preset["hidden"], activation=preset["activation"])
    for name in ("optimizer", "learning_rate", "batch_size", "epochs"):
        st.session_state[name] = preset[name]
    st.session_state["train_notice"] = ("success", _("The digits preset is set: {preset}. Press Start.").format(
        preset=tr.preset_line(preset)))


def toolbar(run: tr.TrainingRun):
    """The run controls and the settings changed most; returns the epoch counter's place (drawn live)."""
    s = run.settings
    # Start and Pause are both always there (one disabled): a button that changed into the other would
    # be a new element, and for a moment the page would show both.
    with st.container(border=True, horizontal=True, vertical_alignment="bottom", gap="xsmall", key="train_toolbar"):
        st.button(_("Start"), key="train_start", icon=":material/play_arrow:", type="primary", on_click=_start,
                  disabled=run.running or run.done)
        st.button(_("Pause"), key="train_pause", icon=":material/pause:", on_click=_pause, disabled=not run.running)
        st.button(_("Step"), key="train_step", icon=":material/skip_next:", on_click=_step_once,
                  help=_("Step once: exactly one update of the rule, with g over {examples}.").format(
                      examples=step_examples(run)))
        st.button(_("Reset"), key="train_reset", icon=":material/restart_alt:", on_click=_reset,
                  help=_("Reset: start again from the random θ⁰ that the seed gives."))
        epoch = st.container(width=76, key="train_epoch")
        st.selectbox(_("Learning rate η"), RATES, format_func=lambda r: f"{r:g}", width=108,
                     **shared("learning_rate", RATES))
        st.selectbox(_("Activation"), ACTIVATIONS, format_func=bound(activation_name), width=96,
                     **persistent("spec", "step3_activation", show=lambda spec: spec.activation,
                                  keep=lambda a, spec: dataclasses.replace(spec, activation=a)))
        st.selectbox(_("Regularisation"), list(tr.REGULARIZATIONS), format_func=bound(regularization_name), width=104,
                     **shared("regularization"),
                     help=_("L1 adds λ‖W‖₁ to the loss, L2 adds λ/2 ‖W‖² (weight matrices only)."))
        st.selectbox(_("Rate λ"), REG_RATES, format_func=lambda r: f"{r:g}", width=80,
                     disabled=s.regularization == "none", **shared("reg_rate", REG_RATES))
    return epoch


def epoch_counter(run: tr.TrainingRun) -> None:
    st.markdown(_(":small[Epoch]  \n**{epoch}** :small[of {epochs}]").format(
        epoch=f"{run.progress.epoch:,.1f}", epochs=run.settings.epochs))


def step_examples(run: tr.TrainingRun) -> str:
    if getattr(run.trainer.optimizer, "full_batch", False):
        return _("all N = {n} training examples").format(n=run.data.X.shape[0])
    return _("the next batch of B = {b}").format(b=run.trainer.batch_size)


# --- what the run says: notices, a loss that exploded, a setup that cannot work ------------------------
def _rate_check(run: tr.TrainingRun):
    """The learning rate tried below the one that exploded, measured once per explosion (kept on the run)."""
    key = (run.blowup.step if run.blowup else None, run.settings.learning_rate)
    found = run.rate_check
    if found is None or found[0] != key:
        model = run.model.copy()
        result = stable_rate.stable_rate(model, run.data.X, run.data.y, run.settings.optimizer,
                                         run.settings.learning_rate, RATES, seed=run.settings.seed,
                                         batch_size=run.trainer.batch_size, **run.settings.penalties())
        run.rate_check = found = (key, result)
    return found[1]


def rate_text(found: stable_rate.StableRate) -> str:
    """What the rate check measured, in words: the button offers exactly the rate it tried."""
    failed = [t for t in found.trials if not t.stable]
    tried = (_(" Larger rates tried first did not train: {rates}.").format(
        rates=", ".join(f"η = {t.rate:g}" for t in failed)) if failed else "")
    if found.rate is None:
        return _("No smaller learning rate trained a copy of this network stably for {steps} steps.{tried} Try "
                 "another optimizer, or a smaller network.").format(steps=found.steps, tried=tried)
    t = found.chosen
    return _("**Tried, not guessed:** η = {rate} trained a copy of this network for {steps} steps, and its loss L/N "
             "went from {start} to {end} without rising.{tried}").format(
        rate=f"{found.rate:g}", steps=found.steps, start=f"{t.losses[0]:.3f}", end=f"{t.losses[-1]:.3f}", tried=tried)


def messages(run: tr.TrainingRun) -> None:
    notice = st.session_state["train_notice"]
    if notice:
        kind, text = notice
        getattr(st, kind)(text)
        st.session_state["train_notice"] = None
    s = run.settings
    if run.error:
        found = _rate_check(run)
        with st.container(border=True):
            st.error(_("**The loss exploded, so training stopped.** {reason} The pictures show that last good "
                       "model; the red cross on the loss curve marks the step that blew up.").format(
                         reason=run.error_message()), icon=":material/warning:")
            st.markdown(rate_text(found))
            if found.rate is not None:
                st.button(_("Use η = {rate}").format(rate=f"{found.rate:g}"), key="train_lower_rate",
                          on_click=_set_rate, args=(found.rate,))
    warning = tr.setup_warning(s)
    if warning:
        with st.container(border=True):
            st.warning(warning, icon=":material/lightbulb:")
            st.button(_("Use the digits preset: {preset}").format(preset=tr.preset_line(tr.DIGITS_PRESET)),
                      key="train_digits_preset", on_click=_use_preset, args=(tr.DIGITS_PRESET,))


# --- the lecture's explanations, folded below ------------------------------------------------------
def _evaluate_full():
    st.session_state["train_run"].evaluate_full()


def explanations(run: tr.TrainingRun):
    """The update rule in use, folded; returns the place of "All the numbers" (drawn live)."""
    s = run.settings
    rule = update_rules.update_rule(run.trainer.optimizer, None if getattr(run.trainer.optimizer, "full_batch",
                                                                            False) else run.trainer.batch_size)
    size = (rf"N = {run.data.X.shape[0]}" if getattr(run.trainer.optimizer, "full_batch", False)
            else rf"B = {run.trainer.batch_size}")
    st.caption(_("Step 3 of the lecture: start from a random θ⁰, compute the gradient ∇L (the partial derivative "
                 "of L with respect to every parameter), step downhill "
                 "**θ ← θ − η∇L**, and repeat. Backpropagation computes ∇L efficiently (the third tab)."))
    with st.expander(_("Each training step · {rule}").format(rule=rule.title), expanded=False):
        if s.optimizer == "gd":
            st.markdown(_("**{rule}**, the lecture's rule").format(rule=rule.title))
        else:
            st.markdown(_("**{rule}**, a later improvement on the lecture's rule").format(rule=rule.title))
        with st.container(key="train_rule"):
            st.latex(rule.latex())
            st.latex(rule.values_latex(size))
        st.markdown(_("**Which loss:** {note}").format(note=rule.note) + "\n\n" + _(tr.ORIGINS[s.optimizer]))
        good = tr.GOOD_RATES[s.optimizer]
        if s.learning_rate != good:
            st.button(_("Use η = {rate}").format(rate=f"{good:g}"), key="train_good_rate", on_click=_set_rate,
                      args=(good,), help=_("With {rule}, η = {rate} trained the default network on the circle "
                                           "set within 500 epochs.").format(rule=optimizer_name(s.optimizer),
                                                                            rate=f"{good:g}"))
    # Opening it reruns the playground: while it is folded, the ticks do not draw its numbers at all.
    with st.expander(_("All the numbers"), expanded=False, key=NUMBERS_OPEN, on_change="rerun"):
        return st.container(key="train_numbers")  # drawn live (numbers)


def numbers(run: tr.TrainingRun) -> None:
    p, s = run.progress, run.settings
    n, per_epoch = run.data.X.shape[0], run.steps_per_epoch
    full = run.full_progress if run.full_progress and run.full_progress.step == p.step else None
    st.caption(ngettext("**{state}** · step {step} · epoch {epoch} of {epochs} · {batch} examples per step · "
                        "{per_epoch} step per epoch",
                        "**{state}** · step {step} · epoch {epoch} of {epochs} · {batch} examples per step · "
                        "{per_epoch} steps per epoch", per_epoch).format(
        state=run.state, step=f"{p.step:,}", epoch=f"{p.epoch:.2f}", epochs=s.epochs, batch=run.trainer.batch_size,
        per_epoch=per_epoch))
    if full is not None:
        p, n_eval = full, n
        st.caption(_("The numbers below: all {n_train} training and {n_test} test examples. The curves: "
                     "{sample}.").format(n_train=f"{n:,}", n_test=f"{run.data.X_test.shape[0]:,}",
                                         sample=run.sample_note()))
    elif run.sampled:
        n_eval = run.trainer.eval_n_train
        st.caption(_("Live numbers and curves: {sample}.").format(sample=run.sample_note()))
        st.button(_("Evaluate on all examples"), key="train_full_eval", on_click=_evaluate_full,
                  disabled=run.running, help=_("Measure the current network on the whole training and test "
                                               "sets (a moment on a large network)."))
    else:
        n_eval = n
    if s.regression:
        loss_help = _("Mean squared error. The total L = Σ Cⁿ over the {n} training examples evaluated is {total}.")
    else:
        loss_help = _("Mean cross-entropy. The total L = Σ Cⁿ over the {n} training examples evaluated is {total}.")
    with st.container(horizontal=True, gap="large"):
        st.metric(_("Train loss L/N"), f"{p.loss:.4f}",
                  help=loss_help.format(n=f"{n_eval:,}", total=f"{p.total_loss:.2f}"))
        st.metric(_("Total L = Σ Cⁿ"), f"{p.total_loss:.2f}",
                  help=_("Over the {n} training examples evaluated.").format(n=f"{n_eval:,}"))
        st.metric(_("Test loss L/N"), f"{p.test_loss:.4f}")
        if p.train_accuracy is not None:
            st.metric(_("Train accuracy"), f"{100 * p.train_accuracy:.1f} %")
            st.metric(_("Test accuracy"), f"{100 * p.test_accuracy:.1f} %")


def publish(run: tr.TrainingRun) -> None:
    """Hand the trained model to the other pages (the Digits page can use it)."""
    if run.progress.step > 0:
        st.session_state["model"] = run.model
        st.session_state["model_dataset"] = run.settings.dataset
        st.session_state["model_setup"] = run.settings


@dataclasses.dataclass(frozen=True)
class LivePlaces:
    """Where the live views go: containers that the controls' fragment draws and the ticking one fills."""

    epoch: object
    network: object
    curves: object
    boundary: object
    numbers: object


def playground(run: tr.TrainingRun) -> LivePlaces:
    """The controls, the columns and the explanations; the views that move while training are left to
    :func:`live`, which fills the places returned."""
    epoch = toolbar(run)
    # Above the columns: what cannot work is said where the student is looking. In a container of its own,
    # so a message that comes or goes does not move the columns (their charts would be drawn anew, blank).
    with st.container(key="train_messages"):
        messages(run)
    with st.container(key="train_columns"):
        data_col, network_col, output_col = st.columns([3, 5, 5], gap="small")
    with data_col:
        panels.data_panel(run)
    with network_col:
        network = panels.network_panel(run)
    with output_col:
        curves, boundary = panels.output_panel(run)
    numbers_place = explanations(run)
    return LivePlaces(epoch, network, curves, boundary, numbers_place)


def live(run: tr.TrainingRun, places: LivePlaces) -> None:
    """What moves while training runs, redrawn on every tick: the epoch, the network's pictures, the numbers,
    the loss curves and the output over the data."""
    publish(run)
    with places.epoch:
        epoch_counter(run)
    with places.network:
        panels.network_chart(run)
    with places.curves:
        panels.curves(run)
    with places.boundary:
        panels.boundary(run)
    if st.session_state.get(NUMBERS_OPEN):  # folded, its metrics would cost every tick for nothing seen
        with places.numbers:
            numbers(run)


# Less empty space above the title, so the playground fits a 1280 × 800 screen. On a phone, where the
# columns stack, the output (the boundary and the loss) comes first, just under the toolbar. Streamlit's status widget
# shows "Stop" while the playground's timer ticks, but Stop cannot pause training (the next tick starts
# again): the toolbar's Pause does that, so the misleading Stop is hidden on this page.
PAGE_STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stStatusWidget"] button { display: none; }
/* While training ticks, a slow tick would fade the charts (Streamlit marks them stale after 0.5 s):
   the playground keeps showing the last frame at full strength until the next one arrives. */
.st-key-train_columns [data-stale="true"], .st-key-train_toolbar [data-stale="true"] {
  opacity: 1 !important; transition: none !important;
}
/* Icon buttons: the label is there for screen readers (and tests), hidden from the eye. */
.st-key-train_step button [data-testid="stMarkdownContainer"],
.st-key-train_reset button [data-testid="stMarkdownContainer"],
[class*="st-key-net_"] button [data-testid="stMarkdownContainer"] {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}
.st-key-train_layers_caption [data-testid="stCaptionContainer"] { text-align: center; margin-top: -0.6rem; }
@media (max-width: 640px) {  /* a phone stacks the columns: the output first, right under the toolbar */
  .st-key-train_columns [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:nth-child(3) { order: -1; }
  /* ... but not the third of the + and − pairs, in the network's column: each pair stays over its own layer. */
  .st-key-train_columns .st-key-train_layer_buttons [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    order: 0;
  }
  .st-key-train_layer_buttons [data-testid="stHorizontalBlock"] { flex-wrap: nowrap; }
  .st-key-train_layer_buttons [data-testid="stColumn"] { min-width: 0; flex: 1 1 0; }
}
</style>"""


def compact_page() -> None:
    st.html(PAGE_STYLE)


def render() -> None:
    """The playground tab: two fragments. The outer one draws the controls and reruns when one changes; the
    inner one, nested in it, advances the run a slice per tick and redraws only what moves (:func:`live`),
    so a tick costs the browser a few charts, not the whole playground's widgets."""
    try:
        current_run()
    except ValueError as exc:  # the very first run cannot start (a link asked for too much)
        st.error(_("This run cannot start: {reason}").format(reason=exc))
        return

    def active() -> bool:
        run = st.session_state["train_run"]
        return run is not None and run.running

    was_active = active()  # as this full run leaves it: the inner fragment's timer is set by it

    def advance(report):
        run = st.session_state["train_run"]
        run.run_slice(SLICE_S)
        if run.done and not run.error:  # finished in this slice: said once, in a toast, which moves nothing
            n = run.settings.epochs
            st.session_state["train_notice"] = ("toast", ngettext(
                "Finished {n} epoch. Raise the epochs to train on, or press Reset.",
                "Finished {n} epochs. Raise the epochs to train on, or press Reset.", n).format(n=n))

    @st.fragment
    def controls() -> None:
        if active() != was_active:  # Start or Pause: a full run sets the ticking timer on or off
            st.rerun()
        run = current_run()
        places = playground(run)
        run_in_slices(advance, active=active, show=lambda: live(st.session_state["train_run"], places),
                      was_active=was_active)
        # A setting of the link may have changed in a rerun of this fragment alone: the address bar follows,
        # and the sidebar's share box if it is open. (In a full run, app.py redraws both after the page.)
        if not st.session_state["full_run"]:
            share.follow()

    controls()
