"""Step 3, third tab: backpropagation on the lecture network, one neuron at a time, then the total gradient.

Numbers come from model.backprop and nnlib.gradient_check (via ui.views.backprop_views); the
network drawing is ui.network_figure's; the total gradient over two examples is step3_total's.
"""

import streamlit as st

import i18n
import nnlib
from i18n import N_, _
from lessons.total_gradient import lecture_softmax_network
from ui.sections import step3_total
from ui.views import backprop_views as bv
from ui.views.network_figure import model_figure
from ui.widgets import relabel

PLOT_CONFIG = {"displayModeBar": False}
LOSSES = {"mse": N_("squared error · sigmoid outputs"), "cross_entropy": N_("cross-entropy · softmax output")}


def lecture_model(loss: str) -> nnlib.Sequential:
    """The slides' weights. Cross-entropy goes with a softmax output layer (Step 2); squared error keeps
    the slides' sigmoid outputs. A new model each call: nothing here may change a shared one."""
    return lecture_softmax_network() if loss == "cross_entropy" else nnlib.presets.lecture_network(loss="mse")


def render() -> None:
    """The backprop tab: inputs and target, a neuron-by-neuron stepper, and the gradient table."""
    st.markdown(_(
        "Backpropagation on the lecture's network, by the **chain rule**: **∂C/∂w = ∂z/∂w · ∂C/∂z**. "
        "The forward pass gives every "
        "∂z/∂w (the value on the input side of the link); the backward pass carries ∂C/∂z from the output back, "
        "each neuron multiplying by σ′(z), like a neuron running in reverse. Cross-entropy goes with a softmax "
        "output layer, as in Step 2; squared error keeps the slides' sigmoid outputs."))
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns(4)
        x1 = c1.number_input(_("Input x1"), -5.0, 5.0, 1.0, 0.5, key="bp_x1")
        x2 = c2.number_input(_("Input x2"), -5.0, 5.0, -1.0, 0.5, key="bp_x2")
        target = c3.radio(_("Target ŷ"), [(1.0, 0.0), (0.0, 1.0)], key="bp_target", horizontal=True,
                          format_func=lambda t: f"({t[0]:g}, {t[1]:g})")
        relabel("bp_loss")
        loss = c4.radio(_("Loss C and output layer"), list(LOSSES), key="bp_loss",
                        format_func=i18n.bound(lambda code: _(LOSSES[code])))
    model = lecture_model(loss)
    x = (x1, x2)
    output_layer(model, x, target)
    steps = bv.backprop_steps(model, x, target)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(_("Back"), key="bp_back", icon=":material/chevron_left:", on_click=_move_step, args=(-1, len(steps)),
                  disabled=st.session_state.get("bp_step", 1) <= 1)
        st.button(_("Next"), key="bp_next", icon=":material/chevron_right:", on_click=_move_step,
                  args=(1, len(steps)), disabled=st.session_state.get("bp_step", 1) >= len(steps))
        k = st.slider(_("Walk through backprop, one neuron at a time"), 1, len(steps), key="bp_step",
                      format=_("step %d of {n}").format(n=len(steps)))
    step = steps[k - 1]
    formulas, picture = st.columns([1, 1])
    with formulas:
        st.markdown(_("**Step {k} of {n} · {title}**").format(k=k, n=len(steps), title=step.title))
        for line in step.latex:
            st.latex(line)
    with picture:
        st.plotly_chart(backprop_network_figure(x, target, loss, k, i18n.current()), key="bp_network_chart",
                        config=PLOT_CONFIG)
        st.caption(_("Inside each neuron its output a, under it z; red: the neuron of this step. "
                     "In the backward pass each neuron reached so far shows its ∂C/∂z.")
                   + (_(" The output layer is a softmax: y = softmax(z³).") if loss == "cross_entropy" else ""))
    table = bv.gradient_table(model, x, target)
    st.markdown(_("**Every gradient: backprop against the definition**"))
    labels = bv.column_labels(table)
    st.dataframe(table, hide_index=True, key="bp_table", height=38 + 35 * len(table), column_order=[
        "parameter", "∂z/∂w", "∂C/∂z", "backprop ∂C/∂w", "finite difference", "relative error", "link"],
        column_config=labels | {
            c: st.column_config.NumberColumn(labels.get(c), format="%.6f") for c in table.columns[2:-1]} | {
            "relative error": st.column_config.NumberColumn(labels["relative error"], format="%.1e")})
    st.caption(_("Finite difference: (C(w + ε) − C(w − ε)) / 2ε with ε = 10⁻⁶, in float64. The largest "
                 "relative error is {error:.1e}: backprop gives the same derivatives, all of them from one "
                 "forward and one backward pass.").format(error=table["relative error"].max()))
    step3_total.render(lecture_model, loss, _(LOSSES[loss]))


def output_layer(model, x, target) -> None:
    """Where the backward pass starts: the chosen loss's ∂C/∂z at the output layer, formula beside numbers."""
    formula, numbers = bv.output_layer_latex(model, x, target)
    st.markdown(_("**The output layer's ∂C/∂z**, where the backward pass starts:"))
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.latex(formula)
    right.latex(numbers)


def _move_step(delta: int, n: int) -> None:
    st.session_state["bp_step"] = min(max(st.session_state.get("bp_step", 1) + delta, 1), n)


@st.cache_resource(max_entries=512)
def backprop_network_figure(x, target, loss: str, k: int, lang: str):
    """The lecture network at step k, the current neuron in red. Cached read-only (drawing it takes ~0.1 s),
    one drawing per language (``lang``, the session's: the layers' names are written in it)."""
    model = lecture_model(loss)
    steps = bv.backprop_steps(model, x, target)
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
