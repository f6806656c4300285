"""Deep or fat?, part 4: where depth hurts. 是不是隐藏层越多越好? Is a deeper network always better?

The experiment is lessons.depth_hurts.depth_hurts_steps, run one network at a time (StepRun in
st.session_state["depth_hurts_run"]); charts and words are ui.views.depth_view's.
"""

import streamlit as st

import nnlib
from i18n import _
from lessons import depth_hurts
from ui.sections.deep_or_fat_run import StepRun, finished_result, live_steps
from ui.views import depth_view as view
from ui.views.deep_fat_view import listing

SETTINGS = dict(depths=(2, 5, 8), width=64, epochs=40)   # every family, trained on the same digits
N_NETWORKS = len(SETTINGS["depths"]) * len(depth_hurts.FAMILIES)


def section() -> None:
    st.header(_("4 · Where depth hurts: are more hidden layers always better?"))
    st.markdown(_(
        "Is a network with more hidden layers always better? Backpropagation computes ∂C/∂z layer by layer "
        "from the output back, and at every layer it multiplies by σ′(z), fixed by the forward pass. For the "
        "sigmoid σ′(z) is at most ¼. So with many sigmoid layers, ∂L/∂w of the first layers can be tiny, and "
        "gradient descent barely moves them. Measure it: {depths} hidden layers of {width} neurons on the digits, "
        "with sigmoids, with sigmoids whose starting weights are about 4 times larger, and with ReLU (σ′ = 1 where "
        "a neuron is on).").format(depths=listing(SETTINGS["depths"]), width=SETTINGS["width"]))
    if st.button(_("Measure and train {n} networks").format(n=N_NETWORKS), type="primary", key="dof_hurts_run"):
        st.session_state["depth_hurts_run"] = StepRun(depth_hurts.depth_hurts_steps(**SETTINGS), **SETTINGS)
    run = st.session_state["depth_hurts_run"]
    live_steps(run, show=lambda: _results(run))


def _results(run: StepRun | None) -> None:
    result = finished_result(run, _("Press **Measure and train {n} networks**: the gradient of every layer at the "
                                    "start, then {epochs} epochs of training each, with a progress bar.").format(
                                        n=N_NETWORKS, epochs=SETTINGS["epochs"]))
    if result is None:
        return
    families = list(dict.fromkeys(g.family for g in result.gradients))
    y_range, y_max = view.gradient_range(result), view.curve_top(result)
    for column, family in zip(st.columns(len(families)), families):
        column.markdown(f"**{_(view.FAMILY_TITLES[family])}**")
        column.plotly_chart(view.gradient_figure(result, family, y_range), key=f"dof_hurts_grad_{family}",
                            width="stretch")
        column.plotly_chart(view.curve_figure(result, family, y_max), key=f"dof_hurts_curve_{family}",
                            width="stretch")
    st.caption(_("Usual start: nnlib's default random weights (Glorot for sigmoid, He for ReLU); ×4: each hidden "
                 "layer's weights drawn from N(0, 4²/n_in). Top: mean |∂(L/N)/∂w| over each layer's weights at the "
                 "start, from backpropagation on {n_train:,} training digits (L = Σₙ Cₙ; dividing by N scales every "
                 "layer alike). Bottom: the training loss, SGD with learning rate {learning_rate}, batches of "
                 "{batch_size}, {epochs} epochs. Test: {n_test} other digits. Seed {seed}; {n} networks in "
                 "{seconds:.1f} s on {device}.").format(
                     n_train=result.n_train, learning_rate=result.learning_rate, batch_size=result.batch_size,
                     epochs=result.epochs, n_test=result.n_test, seed=result.seed, n=len(result.curves),
                     seconds=result.seconds, device=nnlib.backend.device_description()))
    st.dataframe(view.hurts_rows(result), hide_index=True)
    for line in view.hurts_findings(result):
        st.markdown(line)
