"""Deep or fat?, part 4: where depth hurts. 是不是隐藏层越多越好? Is a deeper network always better?

The experiment is lessons.depth_hurts.depth_hurts_steps, run one network at a time (StepRun in
st.session_state["depth_hurts_run"]); charts and words are ui.views.depth_view's.
"""

import streamlit as st

import nnlib
from lessons import depth_hurts
from ui.sections.deep_or_fat_run import StepRun, finished_result, live_steps
from ui.views import depth_view as view

SETTINGS = dict(depths=(2, 5, 8), width=64, epochs=40)   # every family, trained on the same digits
N_NETWORKS = len(SETTINGS["depths"]) * len(depth_hurts.FAMILIES)


def section() -> None:
    st.header("4 · Where depth hurts: 是不是隐藏层越多越好?")
    st.markdown(
        "Is a network with more hidden layers always better? Backpropagation computes ∂C/∂z layer by layer "
        "from the output back, and at every layer it multiplies by σ′(z), fixed by the forward pass. For the "
        "sigmoid σ′(z) is at most ¼. So with many sigmoid layers, ∂L/∂w of the first layers can be tiny, and "
        "gradient descent barely moves them. Measure it: "
        f"{', '.join(map(str, SETTINGS['depths'][:-1]))} and {SETTINGS['depths'][-1]} hidden layers of "
        f"{SETTINGS['width']} neurons on the digits, with sigmoids, with sigmoids whose starting weights are about 4 "
        "times larger, and with ReLU (σ′ = 1 where a neuron is on).")
    if st.button(f"Measure and train {N_NETWORKS} networks", type="primary", key="dof_hurts_run"):
        st.session_state["depth_hurts_run"] = StepRun(depth_hurts.depth_hurts_steps(**SETTINGS), **SETTINGS)
    run = st.session_state["depth_hurts_run"]
    live_steps(run, show=lambda: _results(run))


def _results(run: StepRun | None) -> None:
    result = finished_result(run, f"Press **Measure and train {N_NETWORKS} networks**: the gradient of every "
                                  f"layer at the start, then {SETTINGS['epochs']} epochs of training each, with a "
                                  "progress bar.")
    if result is None:
        return
    families = list(dict.fromkeys(g.family for g in result.gradients))
    y_range, y_max = view.gradient_range(result), view.curve_top(result)
    for column, family in zip(st.columns(len(families)), families):
        column.markdown(f"**{view.FAMILY_TITLES[family]}**")
        column.plotly_chart(view.gradient_figure(result, family, y_range), key=f"dof_hurts_grad_{family}",
                            width="stretch")
        column.plotly_chart(view.curve_figure(result, family, y_max), key=f"dof_hurts_curve_{family}",
                            width="stretch")
    st.caption("Usual start: nnlib's default random weights (Glorot for sigmoid, He for ReLU); ×4: each hidden "
               "layer's weights drawn from N(0, 4²/n_in). "
               f"Top: mean |∂(L/N)/∂w| over each layer's weights at the start, from backpropagation on "
               f"{result.n_train:,} training digits (L = Σₙ Cₙ; dividing by N scales every layer alike). Bottom: the "
               f"training loss, SGD with learning rate {result.learning_rate}, batches of {result.batch_size}, "
               f"{result.epochs} epochs. Test: {result.n_test} other digits. Seed {result.seed}; "
               f"{len(result.curves)} networks in {result.seconds:.1f} s on {nnlib.backend.device_description()}.")
    st.dataframe(view.hurts_rows(result), hide_index=True)
    for line in view.hurts_findings(result):
        st.markdown(line)
